"""The care records people can correct (core.corrections): each with the form it is entered with
and the rules its creating service applies (care.services.*_check)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.care import forms as care_forms
from wholejourney.care import selectors, services
from wholejourney.care.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    CounselingSession,
    EconomicService,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    SessionAttendance,
    Stipend,
    Training,
    TreatmentPlan,
    Visit,
)
from wholejourney.clients.models import Client
from wholejourney.core.corrections.registry import CorrectableKind, register


def _timeline(record: Any) -> str:
    return reverse("care:timeline", kwargs={"pk": record.client_id})


register(
    CorrectableKind(
        key="visit",
        model=Visit,
        label=gettext_lazy("visit"),
        fields=("mode", "visited_on", "next_visit_on", "note"),
        form=lambda record, data: care_forms.VisitForm(data),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_timeline,
        check=services.visit_check,
        identifying=("note",),
    )
)
register(
    CorrectableKind(
        key="legal_service",
        model=LegalService,
        label=gettext_lazy("legal or protection service"),
        fields=("kind", "provided_on", "note"),
        form=lambda record, data: care_forms.LegalServiceForm(data),
        permissions=(Permission.RECORD_LEGAL,),
        shown_at=_timeline,
        check=services.provided_check,
        identifying=("note",),
    )
)
register(
    CorrectableKind(
        key="legal_case",
        model=LegalCase,
        label=gettext_lazy("legal case"),
        fields=("kind", "opened_on", "court", "case_number", "accused_role", "accused_name"),
        form=lambda record, data: care_forms.LegalCaseForm(data),
        permissions=(Permission.RECORD_LEGAL,),
        shown_at=lambda record: reverse("care:legal_case_detail", kwargs={"pk": record.pk}),
        check=services.legal_case_check,
        identifying=("case_number", "accused_name"),
    )
)
register(
    CorrectableKind(
        key="legal_milestone",
        model=LegalMilestone,
        label=gettext_lazy("step of a legal case"),
        fields=("kind", "happened_on", "outcome", "note"),
        form=lambda record, data: care_forms.LegalMilestoneForm(data),
        permissions=(Permission.RECORD_LEGAL,),
        shown_at=lambda record: reverse("care:legal_case_detail", kwargs={"pk": record.legal_case_id}),
        client=lambda record: record.legal_case.client,
        case=lambda record: record.legal_case.case,
        author_id=lambda record: record.legal_case.recorded_by_id,
        office_id=lambda record: record.legal_case.client.office_id,
        check=services.legal_milestone_check,
        identifying=("note",),
    )
)
register(
    CorrectableKind(
        key="education",
        model=EducationSupport,
        label=gettext_lazy("education support"),
        fields=("level", "kind", "provided_on", "school_year", "outcome"),
        form=lambda record, data: care_forms.EducationForm(data),
        permissions=(Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES),
        shown_at=_timeline,
        check=services.provided_check,
    )
)
register(
    CorrectableKind(
        key="economic",
        model=EconomicService,
        label=gettext_lazy("economic-empowerment service"),
        fields=("kind", "provided_on", "amount", "amount_usd", "note"),
        form=lambda record, data: care_forms.EconomicServiceForm(data, currency=record.client.office.currency),
        permissions=(Permission.RECORD_ECONOMIC,),
        shown_at=_timeline,
        check=services.economic_service_check,
        identifying=("note",),
    )
)
register(
    CorrectableKind(
        key="training",
        model=Training,
        label=gettext_lazy("training"),
        fields=("kind", "organisation", "trade", "start", "end"),
        form=lambda record, data: care_forms.TrainingForm(
            data, organisations=selectors.organisations_of(record.client.office)
        ),
        permissions=(Permission.RECORD_ECONOMIC,),
        shown_at=lambda record: reverse("care:training_detail", kwargs={"pk": record.pk}),
        check=services.training_check,
    )
)
register(
    CorrectableKind(
        key="stipend",
        model=Stipend,
        label=gettext_lazy("stipend"),
        fields=("paid_on", "amount", "amount_usd"),
        form=lambda record, data: care_forms.StipendForm(data, currency=record.client.office.currency),
        permissions=(Permission.RECORD_ECONOMIC,),
        shown_at=lambda record: reverse("care:training_detail", kwargs={"pk": record.training_id}),
        check=services.stipend_check,
    )
)
register(
    CorrectableKind(
        key="employment",
        model=Employment,
        label=gettext_lazy("employment"),
        fields=("work", "employer", "employer_name", "start", "end", "after_training"),
        form=lambda record, data: care_forms.EmploymentForm(
            data,
            organisations=selectors.organisations_of(record.client.office),
            trainings=selectors.trainings_of(record.client),
        ),
        permissions=(Permission.RECORD_ECONOMIC,),
        shown_at=_timeline,
        check=services.employment_check,
    )
)
register(
    CorrectableKind(
        key="treatment_plan",
        model=TreatmentPlan,
        label=gettext_lazy("treatment plan"),
        fields=("started_on", "components"),
        form=lambda record, data: care_forms.TreatmentPlanForm(data),
        permissions=(Permission.RECORD_COUNSELING,),
        shown_at=lambda record: reverse("care:treatment_plan_detail", kwargs={"pk": record.pk}),
        author_id=lambda record: record.counselor_id,
        check=services.treatment_plan_check,
    )
)


# --- counseling sessions: one record for all who attended -----------------------------------


def _session_check(session: CounselingSession) -> None:
    services.session_check(session)


def _attendances(session: CounselingSession) -> list[SessionAttendance]:
    return list(SessionAttendance.all_records.filter(session=session).select_related("case"))


def _session_client(session: CounselingSession) -> Client | None:
    """An individual session's client (whose caseload decides who may correct it); a group
    session belongs to the office."""
    attendances = _attendances(session)
    return attendances[0].client if len(attendances) == 1 else None


def _session_case(session: CounselingSession) -> Any:
    """The case whose state decides whether the session may change: a closed case of any attendee
    (its records are read-only until reopened), else the first attendee's."""
    cases = [attendance.case for attendance in _attendances(session)]
    return next((case for case in cases if case.closed_on is not None), cases[0] if cases else None)


register(
    CorrectableKind(
        key="counseling_session",
        model=CounselingSession,
        label=gettext_lazy("counseling session"),
        fields=("held_on", "modality", "duration_minutes", "group_note"),
        form=lambda record, data: care_forms.SessionForm(data, candidates=Client.objects.none()),
        permissions=(Permission.RECORD_COUNSELING,),
        shown_at=lambda record: reverse("care:session_detail", kwargs={"pk": record.pk}),
        client=_session_client,
        case=_session_case,
        author_id=lambda record: record.counselor_id,
        office_id=lambda record: record.office_id,
        check=_session_check,
        dependents=_attendances,
        identifying=("group_note",),
    )
)


# --- care plans ------------------------------------------------------------------------------


def _plan_page(record: Any) -> str:
    return reverse("care:care_plan_detail", kwargs={"pk": getattr(record, "plan_id", None) or record.pk})


register(
    CorrectableKind(
        key="care_plan",
        model=CarePlan,
        label=gettext_lazy("care plan"),
        fields=("drafted_on", "next_review_on"),
        form=lambda record, data: care_forms.CarePlanForm(data),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_plan_page,
        author_id=lambda record: record.drafted_by_id,
        check=services.care_plan_check,
    )
)


def _goal_check(goal: CarePlanGoal) -> None:
    if not str(goal.goal or "").strip():
        raise ValidationError({"goal": _("A goal cannot be empty.")})
    services.check_responsible(goal.responsible, goal.plan.case)


register(
    CorrectableKind(
        key="care_plan_goal",
        model=CarePlanGoal,
        label=gettext_lazy("care-plan goal"),
        fields=("goal", "interventions", "responsible", "target_date"),
        form=lambda record, data: care_forms.GoalForm(
            data, domain=record.domain, staff=selectors.staff_of(record.plan.client.office)
        ),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_plan_page,
        client=lambda record: record.plan.client,
        case=lambda record: record.plan.case,
        author_id=lambda record: record.plan.drafted_by_id,
        office_id=lambda record: record.plan.client.office_id,
        entered_with=lambda record: record.plan,
        check=_goal_check,
        identifying=("goal", "interventions"),
    )
)


register(
    CorrectableKind(
        key="care_plan_review",
        model=CarePlanReview,
        label=gettext_lazy("care-plan review"),
        fields=("reviewed_on", "note", "next_review_on"),
        form=lambda record, data: care_forms.CarePlanReviewForm(data),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_plan_page,
        client=lambda record: record.plan.client,
        case=lambda record: record.plan.case,
        author_id=lambda record: record.reviewed_by_id,
        office_id=lambda record: record.plan.client.office_id,
        check=services.care_plan_review_check,
        identifying=("note",),
    )
)
