"""Recording care as it happens. Every record must fall within its case (not before it opened,
not after it closed, never in the future), be entered by someone whose role does that work and
whose caseload holds the client, and is audited in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import CASEWORK_ROLES, Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.care.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    CounselingSession,
    Domain,
    EconomicService,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    Modality,
    SessionAttendance,
    SessionFormat,
    Stipend,
    Training,
    TreatmentPlan,
    Visit,
)
from wholejourney.cases.models import Case
from wholejourney.clients.models import Client
from wholejourney.core.dates import shown
from wholejourney.options.selectors import category_of, list_for
from wholejourney.options.selectors import resolve as resolve_option
from wholejourney.partners.models import Organisation


def check_day_in_case(case: Case, day: datetime.date, field: str = "date") -> None:
    """The one rule every service record obeys: dated within its case, never in the future."""
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
    if day < case.opened_on:
        raise ValidationError(
            {field: _("This is before the case opened (%(date)s).") % {"date": shown(case.opened_on)}}
        )
    if case.closed_on is not None and day > case.closed_on:
        raise ValidationError({field: _("This is after the case closed (%(date)s).") % {"date": shown(case.closed_on)}})


def _require(actor: User, perm: Permission, client: Client) -> None:
    if not has_permission(actor, perm, obj=client):
        raise PermissionDenied


def _case_of(client: Client, case: Case | None, day: datetime.date) -> Case:
    """The case a record dated `day` belongs to: the one given, or the client's case open that day
    (else their latest, so the date check can explain what is wrong)."""
    if case is None:
        cases = client.cases.order_by("-opened_on")
        found = (
            cases.filter(opened_on__lte=day)
            .filter(models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=day))
            .first()
        )
        found = found or cases.first()
        if found is None:
            raise ValidationError(_("This client has no case: open one first."))
        return found
    if case.client_id != client.pk:
        raise ValidationError(_("The case belongs to another client."))
    return case


def _not_negative(amount: Decimal | None, field: str) -> None:
    if amount is not None and amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})


def _save(actor: User, record: models.Model, action: AuditEvent.Action = AuditEvent.Action.CREATE) -> Any:
    with transaction.atomic():
        record.full_clean()
        record.save()
        audit_record(actor=actor, action=action, target=record, changed_fields=[record._meta.model_name or ""])
    return record


# --- care plans ------------------------------------------------------------------------------


def check_responsible(person: User | None, case: Case) -> None:
    """A goal's responsible person works on cases in the client's office (`CASEWORK_ROLES`)."""
    if person is None:
        return
    if not (person.is_active and person.office_id == case.office_id and person.role_set & CASEWORK_ROLES):
        raise ValidationError(
            {
                "responsible": _(
                    "%(name)s cannot be responsible for a goal: choose a case manager, counselor, legal or "
                    "economic-empowerment officer of the client's office."
                )
                % {"name": person.get_full_name() or person.get_username()}
            }
        )


def care_plan_draft(
    *,
    actor: User,
    case: Case,
    drafted_on: datetime.date,
    goals: Iterable[dict[str, Any]],
    next_review_on: datetime.date,
) -> CarePlan:
    """A care plan with goals in the four domains, drafted by the case manager."""
    _require(actor, Permission.MANAGE_CASES, case.client)
    care_plan_check(CarePlan(case=case, drafted_on=drafted_on, next_review_on=next_review_on))
    goals = list(goals)
    missing = set(Domain.values) - {goal.get("domain") for goal in goals}
    if missing:
        raise ValidationError(
            _("Give at least one goal in every domain; missing: %(domains)s.")
            % {"domains": ", ".join(str(Domain(d).label) for d in sorted(missing))}
        )
    for goal in goals:
        check_responsible(goal.get("responsible"), case)
    with transaction.atomic():
        plan = CarePlan.objects.create(
            case=case, client=case.client, drafted_by=actor, drafted_on=drafted_on, next_review_on=next_review_on
        )
        for goal in goals:
            if not str(goal.get("goal", "")).strip():
                raise ValidationError({"goal": _("A goal cannot be empty.")})
            CarePlanGoal.objects.create(
                plan=plan,
                domain=goal["domain"],
                goal=goal["goal"],
                interventions=goal.get("interventions", ""),
                responsible=goal.get("responsible"),
                target_date=goal.get("target_date"),
            )
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=plan, changed_fields=["care_plan"])
    return plan


def care_plan_check(plan: CarePlan) -> None:
    """The dates of a care plan, new or corrected: drafted within the case, reviewed after."""
    check_day_in_case(plan.case, plan.drafted_on, "drafted_on")
    if plan.next_review_on is not None and plan.next_review_on <= plan.drafted_on:
        raise ValidationError({"next_review_on": _("The review must come after the plan is drafted.")})


def care_plan_review_check(review: CarePlanReview) -> None:
    """The dates of a review, new or corrected."""
    check_day_in_case(review.plan.case, review.reviewed_on, "reviewed_on")
    if review.next_review_on is not None and review.next_review_on <= review.reviewed_on:
        raise ValidationError({"next_review_on": _("The next review must come after this one.")})


def care_plan_approve(*, actor: User, plan: CarePlan, approved_on: datetime.date) -> CarePlan:
    case = plan.case
    supervises = case.team is not None and case.team.supervisor_id == actor.pk
    if not (has_permission(actor, Permission.APPROVE_CLOSURE, obj=case) or supervises):
        raise PermissionDenied
    if plan.status != CarePlan.Status.DRAFT:
        raise ValidationError(_("This plan is already approved."))
    check_day_in_case(case, approved_on, "approved_on")
    plan.status, plan.approved_by, plan.approved_on = CarePlan.Status.APPROVED, actor, approved_on
    return _save(actor, plan, AuditEvent.Action.CHANGE)


def care_plan_review(
    *, actor: User, plan: CarePlan, reviewed_on: datetime.date, note: str, next_review_on: datetime.date | None
) -> CarePlanReview:
    _require(actor, Permission.MANAGE_CASES, plan.client)
    care_plan_review_check(CarePlanReview(plan=plan, reviewed_on=reviewed_on, next_review_on=next_review_on))
    with transaction.atomic():
        review = _save(
            actor,
            CarePlanReview(
                plan=plan, reviewed_on=reviewed_on, reviewed_by=actor, note=note, next_review_on=next_review_on
            ),
        )
        plan.next_review_on = next_review_on
        plan.save(update_fields=["next_review_on"])
    return review


# --- counseling ------------------------------------------------------------------------------


def counseling_session_record(
    *,
    actor: User,
    held_on: datetime.date,
    attendees: Iterable[Client],
    format: str = SessionFormat.INDIVIDUAL,
    modality: str = Modality.TF_CBT,
    duration_minutes: int = 60,
    notes: dict[int, str] | None = None,
    group_note: str = "",
) -> CounselingSession:
    """One session, once, for all who attended; each attendee's notes are kept under their own key."""
    attendees = list(dict.fromkeys(attendees))
    if not attendees:
        raise ValidationError({"attendees": _("Choose who attended.")})
    if format == SessionFormat.INDIVIDUAL and len(attendees) > 1:
        raise ValidationError({"format": _("An individual session has one client; choose group or family.")})
    if duration_minutes <= 0 or duration_minutes > 600:
        raise ValidationError({"duration_minutes": _("Give the length of the session in minutes.")})
    offices = {client.office_id for client in attendees}
    if len(offices) != 1:
        raise ValidationError({"attendees": _("All attendees must be clients of one office.")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date cannot be in the future.")})
    cases = {}
    for client in attendees:
        _require(actor, Permission.RECORD_COUNSELING, client)
        case = client.cases.filter(opened_on__lte=held_on).order_by("-opened_on").first()
        if case is None:
            raise ValidationError({"held_on": _("%(code)s had no case open on that day.") % {"code": client.code}})
        try:
            check_day_in_case(case, held_on, "held_on")
        except ValidationError as exc:
            raise ValidationError(
                {"held_on": _("%(code)s had no case open on that day.") % {"code": client.code}}
            ) from exc
        cases[client.pk] = case
    with transaction.atomic():
        session = CounselingSession(
            office_id=offices.pop(),
            held_on=held_on,
            duration_minutes=duration_minutes,
            format=format,
            modality=modality,
            counselor=actor,
            group_note=group_note,
        )
        session.full_clean()
        session.save()
        SessionAttendance.objects.bulk_create(
            [
                SessionAttendance(
                    session=session,
                    client=client,
                    case=cases[client.pk],
                    recorded_by=actor,
                    note=(notes or {}).get(client.pk, ""),
                )
                for client in attendees
            ]
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, target=session, changed_fields=[f"attendees:{len(attendees)}"]
        )
    return session


def session_check(session: CounselingSession) -> None:
    """The rules of a corrected session: its length, and a day within every attendee's case."""
    if not 0 < session.duration_minutes <= 600:
        raise ValidationError({"duration_minutes": _("Give the length of the session in minutes.")})
    if session.held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date cannot be in the future.")})
    for attendance in SessionAttendance.all_records.filter(session=session).select_related("case", "client"):
        try:
            check_day_in_case(attendance.case, session.held_on, "held_on")
        except ValidationError as exc:
            raise ValidationError(
                {"held_on": _("%(code)s had no case open on that day.") % {"code": attendance.client.code}}
            ) from exc


def treatment_plan_start(
    *, actor: User, client: Client, started_on: datetime.date, components: Iterable[str], case: Case | None = None
) -> TreatmentPlan:
    _require(actor, Permission.RECORD_COUNSELING, client)
    case = _case_of(client, case, started_on)
    plan = TreatmentPlan(
        client=client, case=case, recorded_by=actor, counselor=actor, started_on=started_on, components=list(components)
    )
    treatment_plan_check(plan)
    return _save(actor, plan)


def treatment_plan_check(plan: TreatmentPlan) -> None:
    """The rules of a treatment plan, new or corrected."""
    check_day_in_case(plan.case, plan.started_on, "started_on")
    if plan.ended_on is not None and plan.ended_on < plan.started_on:
        raise ValidationError({"ended_on": _("The plan cannot end before it started.")})


def treatment_plan_end(
    *, actor: User, plan: TreatmentPlan, ended_on: datetime.date, goals_met: bool, completed: bool = True
) -> TreatmentPlan:
    """Counseling closure: the plan is completed (with or without its goals met) or discontinued."""
    _require(actor, Permission.RECORD_COUNSELING, plan.client)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError(_("This treatment plan has already ended."))
    check_day_in_case(plan.case, ended_on, "ended_on")
    if ended_on < plan.started_on:
        raise ValidationError({"ended_on": _("The plan cannot end before it started.")})
    plan.status = TreatmentPlan.Status.COMPLETED if completed else TreatmentPlan.Status.DISCONTINUED
    plan.ended_on, plan.goals_met = ended_on, goals_met and completed
    return _save(actor, plan, AuditEvent.Action.CHANGE)


# --- legal -----------------------------------------------------------------------------------


def legal_service_record(
    *, actor: User, client: Client, kind: str, provided_on: datetime.date, note: str = "", case: Case | None = None
) -> LegalService:
    _require(actor, Permission.RECORD_LEGAL, client)
    # A kind administrators added (wholejourney.options) is kept beside its reporting category.
    kind, kind_option = _option_kind("legal_service_kind", kind)
    case = _case_of(client, case, provided_on)
    service = LegalService(
        client=client,
        case=case,
        recorded_by=actor,
        kind=kind,
        kind_option=kind_option,
        provided_on=provided_on,
        note=note,
    )
    provided_check(service)
    return _save(actor, service)


def _option_kind(list_id: str, code: str) -> tuple[str, str]:
    """(category, option) of a kind: a built-in one, or one administrators added and still offer."""
    try:
        return resolve_option(list_id, code)
    except ValidationError as exc:
        raise ValidationError({"kind": _("Choose the service.")}) from exc


def _settle_kind(record: LegalService | EconomicService, list_id: str) -> None:
    """A corrected kind: one administrators added is kept beside its category; a kind changed
    to another category no longer carries the option it had."""
    if record.kind not in list_for(list_id).categories.values:
        record.kind, record.kind_option = _option_kind(list_id, record.kind)
    elif record.kind_option and category_of(list_id, record.kind_option) != record.kind:
        record.kind_option = ""


def provided_check(record: LegalService | EducationSupport) -> None:
    """The rule of a service given on a day (legal, education), new or corrected."""
    if isinstance(record, LegalService):
        _settle_kind(record, "legal_service_kind")
    check_day_in_case(record.case, record.provided_on, "provided_on")


def legal_case_open(
    *,
    actor: User,
    client: Client,
    kind: str,
    opened_on: datetime.date,
    court: str = "",
    case_number: str = "",
    accused_role: str = "",
    accused_name: str = "",
    case: Case | None = None,
) -> LegalCase:
    _require(actor, Permission.RECORD_LEGAL, client)
    case = _case_of(client, case, opened_on)
    legal_case = LegalCase(
        client=client,
        case=case,
        recorded_by=actor,
        kind=kind,
        opened_on=opened_on,
        court=court,
        case_number=case_number,
        accused_role=accused_role,
        accused_name=accused_name,
    )
    legal_case_check(legal_case)
    return _save(actor, legal_case)


def legal_case_check(legal_case: LegalCase) -> None:
    """The rules of a legal case, new or corrected."""
    check_day_in_case(legal_case.case, legal_case.opened_on, "opened_on")
    if legal_case.ended_on is not None and legal_case.ended_on < legal_case.opened_on:
        raise ValidationError({"ended_on": _("The legal case cannot end before it was opened.")})


def legal_milestone_record(
    *, actor: User, legal_case: LegalCase, kind: str, happened_on: datetime.date, outcome: str = "", note: str = ""
) -> LegalMilestone:
    _require(actor, Permission.RECORD_LEGAL, legal_case.client)
    if legal_case.ended_on is not None:
        raise ValidationError(_("The legal case has ended."))
    milestone = LegalMilestone(legal_case=legal_case, kind=kind, happened_on=happened_on, outcome=outcome, note=note)
    legal_milestone_check(milestone)
    return _save(actor, milestone)


def legal_milestone_check(milestone: LegalMilestone) -> None:
    """The rules of a court date or other step of a legal case, new or corrected."""
    legal_case = milestone.legal_case
    if milestone.happened_on > timezone.localdate():
        raise ValidationError({"happened_on": _("The date cannot be in the future.")})
    if milestone.happened_on < legal_case.opened_on:
        raise ValidationError({"happened_on": _("This is before the legal case was opened.")})
    if milestone.kind == LegalMilestone.Kind.VERDICT and not milestone.outcome:
        raise ValidationError({"outcome": _("Give the verdict's outcome.")})
    if milestone.kind != LegalMilestone.Kind.VERDICT:
        milestone.outcome = ""


def legal_case_end(*, actor: User, legal_case: LegalCase, ended_on: datetime.date, end: str) -> LegalCase:
    _require(actor, Permission.RECORD_LEGAL, legal_case.client)
    if legal_case.ended_on is not None:
        raise ValidationError(_("The legal case has already ended."))
    if end not in LegalCase.End.values:
        raise ValidationError({"end": _("Say how the legal case ended.")})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("The date cannot be in the future.")})
    if ended_on < legal_case.opened_on:
        raise ValidationError({"ended_on": _("The legal case cannot end before it was opened.")})
    legal_case.ended_on, legal_case.end = ended_on, end
    return _save(actor, legal_case, AuditEvent.Action.CHANGE)


# --- education -------------------------------------------------------------------------------


def education_support_record(
    *,
    actor: User,
    client: Client,
    level: str,
    kind: str,
    provided_on: datetime.date,
    school_year: str = "",
    outcome: str = "",
    case: Case | None = None,
) -> EducationSupport:
    if not (
        has_permission(actor, Permission.RECORD_ECONOMIC, obj=client)
        or has_permission(actor, Permission.MANAGE_CASES, obj=client)
    ):
        raise PermissionDenied
    case = _case_of(client, case, provided_on)
    support = EducationSupport(
        client=client,
        case=case,
        recorded_by=actor,
        level=level,
        kind=kind,
        provided_on=provided_on,
        school_year=school_year,
        outcome=outcome,
    )
    provided_check(support)
    return _save(actor, support)


# --- economic empowerment --------------------------------------------------------------------


def economic_service_record(
    *,
    actor: User,
    client: Client,
    kind: str,
    provided_on: datetime.date,
    amount: Decimal | None = None,
    amount_usd: Decimal | None = None,
    note: str = "",
    case: Case | None = None,
) -> EconomicService:
    _require(actor, Permission.RECORD_ECONOMIC, client)
    kind, kind_option = _option_kind("economic_service_kind", kind)
    case = _case_of(client, case, provided_on)
    service = EconomicService(
        client=client,
        case=case,
        recorded_by=actor,
        kind=kind,
        kind_option=kind_option,
        provided_on=provided_on,
        amount=amount,
        amount_usd=amount_usd,
        note=note,
    )
    economic_service_check(service)
    return _save(actor, service)


def economic_service_check(service: EconomicService) -> None:
    """The rules of an economic-empowerment service, new or corrected."""
    _settle_kind(service, "economic_service_kind")
    _not_negative(service.amount, "amount")
    _not_negative(service.amount_usd, "amount_usd")
    check_day_in_case(service.case, service.provided_on, "provided_on")


def training_start(
    *,
    actor: User,
    client: Client,
    kind: str,
    start: datetime.date,
    organisation: Organisation | None = None,
    trade: str = "",
    end: datetime.date | None = None,
    case: Case | None = None,
) -> Training:
    """Vocational training, or on-the-job training at a business partner (a private employer)."""
    _require(actor, Permission.RECORD_ECONOMIC, client)
    case = _case_of(client, case, start)
    training = Training(
        client=client,
        case=case,
        recorded_by=actor,
        kind=kind,
        organisation=organisation,
        trade=trade,
        start=start,
        end=end,
    )
    training_check(training)
    return _save(actor, training)


def training_check(training: Training) -> None:
    """The rules of a training, new or corrected."""
    check_day_in_case(training.case, training.start, "start")
    organisation = training.organisation
    if training.kind == Training.Kind.ON_THE_JOB and (organisation is None or not organisation.is_business):
        raise ValidationError(
            {"organisation": _("On-the-job training takes place at a business partner: choose a private employer.")}
        )
    if organisation is not None and organisation.office_id != training.client.office_id:
        raise ValidationError({"organisation": _("The organisation belongs to another office.")})
    if training.end is not None and training.end < training.start:
        raise ValidationError({"end": _("The end cannot be before the start.")})


def training_complete(*, actor: User, training: Training, completed_on: datetime.date) -> Training:
    _require(actor, Permission.RECORD_ECONOMIC, training.client)
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The date cannot be in the future.")})
    if completed_on < training.start:
        raise ValidationError({"completed_on": _("The end cannot be before the start.")})
    training.completed_on = completed_on
    training.end = training.end or completed_on
    return _save(actor, training, AuditEvent.Action.CHANGE)


def stipend_pay(
    *, actor: User, training: Training, paid_on: datetime.date, amount: Decimal, amount_usd: Decimal
) -> Stipend:
    """Stipends are paid only during on-the-job training."""
    _require(actor, Permission.RECORD_ECONOMIC, training.client)
    if training.kind != Training.Kind.ON_THE_JOB:
        raise ValidationError({"training": _("Stipends are paid only during on-the-job training.")})
    stipend = Stipend(
        client=training.client,
        case=training.case,
        recorded_by=actor,
        training=training,
        paid_on=paid_on,
        amount=amount,
        amount_usd=amount_usd,
    )
    stipend_check(stipend)
    return _save(actor, stipend)


def stipend_check(stipend: Stipend) -> None:
    """The rules of a stipend, new or corrected: paid during its on-the-job training."""
    training = stipend.training
    _not_negative(stipend.amount, "amount")
    _not_negative(stipend.amount_usd, "amount_usd")
    check_day_in_case(training.case, stipend.paid_on, "paid_on")
    if stipend.paid_on < training.start or (training.end is not None and stipend.paid_on > training.end):
        raise ValidationError({"paid_on": _("The stipend must be paid during the training.")})


def employment_record(
    *,
    actor: User,
    client: Client,
    work: str,
    start: datetime.date,
    employer: Organisation | None = None,
    employer_name: str = "",
    end: datetime.date | None = None,
    after_training: Training | None = None,
    case: Case | None = None,
) -> Employment:
    _require(actor, Permission.RECORD_ECONOMIC, client)
    case = _case_of(client, case, start)
    employment = Employment(
        client=client,
        case=case,
        recorded_by=actor,
        employer=employer,
        employer_name=employer_name,
        work=work,
        start=start,
        end=end,
        after_training=after_training,
    )
    employment_check(employment)
    return _save(actor, employment)


def employment_check(employment: Employment) -> None:
    """The rules of a job, new or corrected."""
    check_day_in_case(employment.case, employment.start, "start")
    if employment.end is not None and employment.end < employment.start:
        raise ValidationError({"end": _("The end cannot be before the start.")})
    training = employment.after_training
    if training is not None and (training.client_id != employment.client_id or training.start > employment.start):
        raise ValidationError({"after_training": _("Choose a training of this client that began before the job.")})


# --- follow-up -------------------------------------------------------------------------------


def visit_record(
    *,
    actor: User,
    client: Client,
    mode: str,
    visited_on: datetime.date,
    note: str = "",
    next_visit_on: datetime.date | None = None,
    case: Case | None = None,
) -> Visit:
    _require(actor, Permission.MANAGE_CASES, client)
    case = _case_of(client, case, visited_on)
    visit = Visit(
        client=client,
        case=case,
        recorded_by=actor,
        mode=mode,
        visited_on=visited_on,
        note=note,
        next_visit_on=next_visit_on,
    )
    visit_check(visit)
    return _save(actor, visit)


def visit_check(visit: Visit) -> None:
    """The rules of a visit, new or corrected."""
    check_day_in_case(visit.case, visit.visited_on, "visited_on")
    if visit.next_visit_on is not None and visit.next_visit_on <= visit.visited_on:
        raise ValidationError({"next_visit_on": _("The next visit must come after this one.")})
