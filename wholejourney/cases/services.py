"""Writes on referrals, cases, closures and placements. Every function checks the actor's
permission, validates the rule it is about with a message in the user's language, writes in one
transaction together with its audit row, and leaves nothing half-saved."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.cases.models import (
    ANSWER_DAYS,
    AbuseType,
    Case,
    CaseReopening,
    CaseStatus,
    ClosureReason,
    ClosureRequest,
    FosterFamily,
    Placement,
    PlacementKind,
    Referral,
    ReferralOutcome,
    ReferralSource,
    ServiceAsked,
    Urgency,
)
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.core.dates import shown
from wholejourney.core.fields import reseal
from wholejourney.core.models import Office
from wholejourney.notifications import events as notification_events
from wholejourney.options.selectors import resolve_for
from wholejourney.outcomes.selectors import clock_on
from wholejourney.partners.models import Organisation


def _require(actor: User, perm: Permission, obj: Any = None) -> None:
    if not has_permission(actor, perm, obj=obj):
        raise PermissionDenied


def not_in_future(day: datetime.date | None, field: str) -> None:
    """A day that has happened (no day at all is left to the field's own rule)."""
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


# --- referrals -------------------------------------------------------------------------------


def referral_receive(
    *,
    actor: User,
    office: Office,
    referred_on: datetime.date,
    source: str = ReferralSource.ORGANISATION,
    organisation: Organisation | None = None,
    urgency: str = Urgency.NORMAL,
    reason: str = "",
    person: dict[str, Any] | None = None,
) -> Referral:
    """Record an incoming referral: by intake staff, or by a partner referrer for their own organisation."""
    if has_permission(actor, Permission.SUBMIT_REFERRALS):
        partner = actor.partner_organisation
        if partner is None:
            raise PermissionDenied
        organisation, source, office = partner, ReferralSource.ORGANISATION, partner.office
    else:
        _require(actor, Permission.MANAGE_CASES, office)
    # A source administrators added (wholejourney.options) is kept beside its reporting category.
    source, source_option = resolve_for("referral_source", source, "source", _("Choose who referred the person."))
    not_in_future(referred_on, "referred_on")
    if source == ReferralSource.ORGANISATION and organisation is None:
        raise ValidationError({"organisation": _("Choose the organisation that referred the person.")})
    if organisation is not None and organisation.office_id != office.pk:
        raise ValidationError({"organisation": _("The organisation belongs to another office.")})
    if not (person or {}).get("name"):
        raise ValidationError({"person": _("Give the referred person's name, or a name they are known by.")})
    referral = Referral(
        office=office,
        direction=Referral.Direction.INCOMING,
        source=source,
        source_option=source_option,
        organisation=organisation if source == ReferralSource.ORGANISATION else None,
        referred_on=referred_on,
        urgency=urgency,
        reason=reason,
        person=person or {},
        status=Referral.Status.RECEIVED,
        submitted_by=actor,
    )
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=referral, changed_fields=["referral"])
        notification_events.referral_received(referral=referral, actor=actor)
    return referral


def referral_accept(
    *,
    actor: User,
    referral: Referral,
    opened_on: datetime.date,
    primary_abuse_type: str,
    trafficking_subtype: str = "",
    team: Team | None = None,
    case_manager: User | None = None,
    client: Client | None = None,
    identity: dict[str, Any] | None = None,
    duplicate_reason: str = "",
) -> Case:
    """Accept an incoming referral: link it to an existing client or register a new one, and open a case."""
    _require(actor, Permission.MANAGE_CASES, referral.office)
    if opened_on < referral.referred_on:
        raise ValidationError({"opened_on": _("The case cannot open before the referral was made.")})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.direction != Referral.Direction.INCOMING or locked.status != Referral.Status.RECEIVED:
            raise ValidationError(
                _("This referral was already decided (%(status)s).") % {"status": locked.get_status_display()}
            )
        if client is None:
            client = client_services.client_create(
                actor=actor,
                office=referral.office,
                team=team,
                case_manager=case_manager,
                duplicate_reason=duplicate_reason,
                **(identity or {}),
            )
        elif client.office_id != referral.office_id:
            raise ValidationError(_("The client belongs to another office."))
        case = case_open(
            actor=actor,
            client=client,
            opened_on=opened_on,
            primary_abuse_type=primary_abuse_type,
            trafficking_subtype=trafficking_subtype,
            team=team,
            case_manager=case_manager,
            referral=locked,
        )
        locked.client = client
        locked.status = Referral.Status.ACCEPTED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        reseal(locked)  # from now on the referral is under the client's own key
        locked.save()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["status", "client"])
        notification_events.referral_decided(referral=locked, actor=actor, case=case)
    return case


def referral_decline(*, actor: User, referral: Referral, note: str) -> Referral:
    _require(actor, Permission.MANAGE_CASES, referral.office)
    if not note.strip():
        raise ValidationError({"decision_note": _("Say why the referral is declined.")})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.RECEIVED:
            raise ValidationError(
                _("This referral was already decided (%(status)s).") % {"status": locked.get_status_display()}
            )
        locked.status = Referral.Status.DECLINED
        locked.decision_note = note.strip()
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["status"])
        notification_events.referral_decided(referral=locked, actor=actor)
    return locked


def referral_send(
    *,
    actor: User,
    client: Client,
    organisation: Organisation,
    referred_on: datetime.date,
    reason: str = "",
    consent_override_reason: str = "",
    service_asked: str = ServiceAsked.OTHER,
    urgency: str = Urgency.NORMAL,
) -> Referral:
    """Refer a client on to a partner (outgoing), for a service, with an urgency that sets by when
    the partner should answer. The client's consent to share with that partner must be in force, or
    the director overrides it with a reason (clients.services.sharing_consent_check)."""
    _require(actor, Permission.MANAGE_CASES, client)
    not_in_future(referred_on, "referred_on")
    if organisation.office_id != client.office_id:
        raise ValidationError({"organisation": _("The organisation belongs to another office.")})
    if service_asked not in ServiceAsked.values:
        raise ValidationError({"service_asked": _("Choose the service asked for.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent the referral is.")})
    referral = Referral(
        office=client.office,
        direction=Referral.Direction.OUTGOING,
        organisation=organisation,
        referred_on=referred_on,
        reason=reason,
        status=Referral.Status.SENT,
        client=client,
        submitted_by=actor,
        service_asked=service_asked,
        urgency=urgency,
        answer_due_on=referred_on + datetime.timedelta(days=ANSWER_DAYS[Urgency(urgency)]),
    )
    with transaction.atomic():
        referral.full_clean()
        client_services.sharing_consent_check(
            actor=actor, client=client, organisation=organisation, override_reason=consent_override_reason
        )
        referral.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=referral, changed_fields=["referral"])
    return referral


def _answering_partner(actor: User, referral: Referral) -> None:
    """A partner user answers only the outgoing referrals sent to their own organisation."""
    if not (
        has_permission(actor, Permission.ANSWER_REFERRALS)
        and actor.partner_organisation_id is not None
        and referral.direction == Referral.Direction.OUTGOING
        and referral.organisation_id == actor.partner_organisation_id
    ):
        raise PermissionDenied


def _tell_the_referrer(referral: Referral, actor: User, event: str) -> None:
    """The case manager who sent the referral, and the client's case manager, hear of its answer."""
    from wholejourney.notifications.models import Kind
    from wholejourney.notifications.services import notify

    client = referral.client
    recipients = [referral.submitted_by, client.case_manager if client is not None else None]
    if client is not None:
        notify(
            kind=Kind.REFERRAL_ANSWERED,
            target=client,
            recipients=recipients,
            event=f"referral:{referral.pk}:{event}",
            actor=actor,
        )


def referral_answer(*, actor: User, referral: Referral, accept: bool, note: str = "") -> Referral:
    """The partner accepts or declines a referral sent to it (a decline says why). A declined
    referral goes back to the referring case manager's tasks."""
    _answering_partner(actor, referral)
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say why the referral is declined.")})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.SENT:
            raise ValidationError(_("This referral has already been answered."))
        locked.status = Referral.Status.ACCEPTED if accept else Referral.Status.DECLINED
        locked.decision_note = note.strip()
        locked.decided_at, locked.answered_by = timezone.now(), actor
        locked.version += 1
        locked.save(update_fields=["status", "decision_note", "decided_at", "answered_by", "version"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["answer"])
        _tell_the_referrer(locked, actor, str(locked.status))
    return locked


def referral_report_outcome(*, actor: User, referral: Referral, outcome: str, note: str = "") -> Referral:
    """The partner reports what it provided for a referral it accepted; the loop is closed."""
    _answering_partner(actor, referral)
    if outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": _("Say whether the service was provided.")})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.ACCEPTED:
            raise ValidationError(_("Only an accepted referral can be reported on."))
        locked.status, locked.outcome, locked.outcome_note = Referral.Status.COMPLETED, outcome, note.strip()
        locked.outcome_reported_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "outcome", "outcome_note", "outcome_reported_at", "version"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["outcome"])
        _tell_the_referrer(locked, actor, "completed")
    return locked


_OUTGOING_NEXT = {
    Referral.Status.SENT: {Referral.Status.ACCEPTED, Referral.Status.DECLINED},
    Referral.Status.ACCEPTED: {Referral.Status.COMPLETED},
}


def referral_set_outgoing_status(*, actor: User, referral: Referral, status: str) -> Referral:
    _require(actor, Permission.MANAGE_CASES, referral.client)
    allowed = _OUTGOING_NEXT.get(Referral.Status(referral.status), set())
    if referral.direction != Referral.Direction.OUTGOING or status not in allowed:
        raise ValidationError(
            _("A referral that is %(status)s cannot change to that.") % {"status": referral.get_status_display()}
        )
    with transaction.atomic():
        referral.status = status
        referral.save(update_fields=["status"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=referral, changed_fields=["status"])
    return referral


# --- cases -----------------------------------------------------------------------------------


def case_open(
    *,
    actor: User,
    client: Client,
    opened_on: datetime.date,
    primary_abuse_type: str,
    trafficking_subtype: str = "",
    team: Team | None = None,
    case_manager: User | None = None,
    referral: Referral | None = None,
    summary: str = "",
) -> Case:
    """Open a case for a client who has none open; the client joins the case's caseload.

    The actor must have the client in their caseload — unless the client is new (no case yet),
    as when intake registers someone and opens their first case for another team."""
    _require(actor, Permission.MANAGE_CASES, client if client.cases.exists() else client.office)
    not_in_future(opened_on, "opened_on")
    # An abuse type administrators added (wholejourney.options) is kept beside its reporting category.
    primary_abuse_type, abuse_type_option = resolve_for(
        "abuse_type", primary_abuse_type, "primary_abuse_type", _("Choose the primary abuse type.")
    )
    if primary_abuse_type != AbuseType.HUMAN_TRAFFICKING:
        trafficking_subtype = ""
    if client.cases.exclude(status=CaseStatus.CLOSED).exists():
        raise ValidationError(_("This client already has an open case."))
    last_closed = client.cases.filter(status=CaseStatus.CLOSED).order_by("-closed_on").first()
    if last_closed and last_closed.closed_on and opened_on <= last_closed.closed_on:
        raise ValidationError({"opened_on": _("A new case must open after the previous one closed.")})
    team = team or client.team
    case_manager = case_manager or client.case_manager
    case = Case(
        office=client.office,
        client=client,
        team=team,
        case_manager=case_manager,
        opened_on=opened_on,
        referral=referral,
        primary_abuse_type=primary_abuse_type,
        primary_abuse_type_option=abuse_type_option,
        trafficking_subtype=trafficking_subtype,
        summary=summary,
    )
    with transaction.atomic():
        case.full_clean()
        case.save()
        client.team, client.case_manager = team, case_manager
        client.save(update_fields=["team", "case_manager"])
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=case, changed_fields=["case"])
    return case


def case_transfer(*, actor: User, case: Case, team: Team | None, case_manager: User | None) -> Case:
    """Hand a case (and the client's caseload) to another case manager or team."""
    _require(actor, Permission.MANAGE_CASES, case)
    if team is None and case_manager is None:
        raise ValidationError(_("Choose the team or the case manager who takes the case over."))
    if team is not None and team.office_id != case.office_id:
        raise ValidationError({"team": _("The team must belong to the case's office.")})
    if case_manager is not None and case_manager.office_id != case.office_id:
        raise ValidationError({"case_manager": _("The case manager must work in the case's office.")})
    changed = [name for name, new in (("team", team), ("case_manager", case_manager)) if getattr(case, name) != new]
    with transaction.atomic():
        case.team, case.case_manager = team, case_manager
        case.save(update_fields=["team", "case_manager"])
        client = case.client
        client.team, client.case_manager = team, case_manager
        client.save(update_fields=["team", "case_manager"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=case, changed_fields=changed or ["transfer"])
    return case


def _require_whole(client: Client, closing_date: datetime.date, field: str | None = "reason") -> None:
    """The programme's rule: a case closes as "goals achieved" only when the stability clock shows
    the client whole on the closing date (a run completed, and nothing reset it since). Wholeness
    reached once and then lost to a crisis does not count: the client is not whole on that day."""
    clock = clock_on(client, closing_date)
    if clock.is_whole:
        return
    if clock.run_started_on is None:
        message = _(
            "“Goals achieved” needs the client whole on the stability clock, and on %(date)s the clock had not "
            "started: the client was not yet stable in all four domains. Choose another reason, or override with "
            "a written reason."
        ) % {"date": shown(closing_date)}
    else:
        message = _(
            "“Goals achieved” needs the client whole on the stability clock. On %(date)s the clock had run since "
            "%(start)s and needs %(months)s months: the client is whole on %(whole)s if nothing resets it. Choose "
            "another reason, ask again then, or override with a written reason."
        ) % {
            "date": shown(closing_date),
            "start": shown(clock.run_started_on),
            "months": clock.required_months,
            "whole": shown(clock.whole_on) if clock.whole_on else "—",
        }
    raise ValidationError({field: message} if field else message)


def closure_request(
    *,
    actor: User,
    case: Case,
    closing_date: datetime.date,
    reason: str,
    note: str = "",
    clock_override: bool = False,
    clock_override_reason: str = "",
) -> ClosureRequest:
    """The case manager asks to close the case; it closes only when approved. "Goals achieved"
    needs the client whole on the stability clock on the closing date, or an explicit override
    with a written reason, which the approver sees and the audit trail records."""
    _require(actor, Permission.MANAGE_CASES, case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is already closed."))
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose the reason for closing the case.")})
    not_in_future(closing_date, "closing_date")
    if closing_date < case.opened_on:
        raise ValidationError(
            {"closing_date": _("The case cannot close before it opened (%(date)s).") % {"date": shown(case.opened_on)}}
        )
    override_reason = ""
    if reason == ClosureReason.GOALS_ACHIEVED:
        override_reason = clock_override_reason.strip() if clock_override else ""
        if clock_override and not override_reason:
            raise ValidationError(
                {
                    "clock_override_reason": _(
                        "Say why the case should close as “goals achieved” before the clock shows the client whole."
                    )
                }
            )
        if not override_reason:
            _require_whole(case.client, closing_date)
    request = ClosureRequest(
        case=case,
        requested_by=actor,
        closing_date=closing_date,
        reason=reason,
        note=note,
        clock_override_reason=override_reason,
    )
    changed = ["closure"] + (["clock_override_reason"] if override_reason else [])
    try:
        with transaction.atomic():
            request.save()
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=request, changed_fields=changed)
            notification_events.closure_requested(closure=request, actor=actor)
    except IntegrityError as exc:
        raise ValidationError(_("A closure request for this case is already waiting for approval.")) from exc
    return request


def _may_approve(actor: User, case: Case) -> bool:
    if not has_permission(actor, Permission.APPROVE_CLOSURE, obj=case):
        supervises = case.team_id is not None and case.team is not None and case.team.supervisor_id == actor.pk
        return supervises and actor.office_id == case.office_id
    return True


def closure_decide(*, actor: User, request: ClosureRequest, approve: bool, comment: str = "") -> Case:
    """Approve (the case closes on the requested date) or return (with a comment) a closure request."""
    case = request.case
    if not _may_approve(actor, case):
        raise PermissionDenied
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request goes back, so the case manager knows what to do.")})
    with transaction.atomic():
        locked = ClosureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ClosureRequest.Status.PENDING:
            raise ValidationError(_("This request was already decided."))
        if approve and locked.reason == ClosureReason.GOALS_ACHIEVED and not locked.clock_override_reason:
            # Checked again: an assessment or a crisis may have been recorded since the request.
            _require_whole(case.client, locked.closing_date, field=None)
        locked.status = ClosureRequest.Status.APPROVED if approve else ClosureRequest.Status.RETURNED
        locked.decided_by, locked.decided_at, locked.comment = actor, timezone.now(), comment.strip()
        locked.save()
        if approve:
            last_start = case.placements.order_by("-start").values_list("start", flat=True).first()
            if last_start and last_start >= locked.closing_date:
                raise ValidationError(_("The client moved on or after the closing date; ask for a later date."))
            case.placements.filter(end__isnull=True).update(end=locked.closing_date)
            case.status, case.closed_on, case.closure_reason = CaseStatus.CLOSED, locked.closing_date, locked.reason
            case.full_clean()
            case.save(update_fields=["status", "closed_on", "closure_reason"])
        changed = ["closure_" + locked.status] + (["clock_override_reason"] if locked.clock_override_reason else [])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=case, changed_fields=changed)
        notification_events.closure_decided(closure=locked, actor=actor)
    return case


def case_reopen(*, actor: User, case: Case, reopened_on: datetime.date, reason: str) -> Case:
    _require(actor, Permission.MANAGE_CASES, case)
    if case.status != CaseStatus.CLOSED or case.closed_on is None:
        raise ValidationError(_("Only a closed case can be reopened."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    not_in_future(reopened_on, "reopened_on")
    if reopened_on < case.closed_on:
        raise ValidationError({"reopened_on": _("The case cannot reopen before it closed.")})
    if case.client.cases.exclude(pk=case.pk).exclude(status=CaseStatus.CLOSED).exists():
        raise ValidationError(_("This client already has another open case."))
    with transaction.atomic():
        CaseReopening.objects.create(
            case=case,
            reopened_on=reopened_on,
            reopened_by=actor,
            previous_closed_on=case.closed_on,
            previous_reason=case.closure_reason,
            reason=reason.strip(),
        )
        case.status, case.closed_on, case.closure_reason = CaseStatus.OPEN, None, ""
        case.save(update_fields=["status", "closed_on", "closure_reason"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=case, changed_fields=["reopened"])
    return case


# --- placements ------------------------------------------------------------------------------


def placement_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    start: datetime.date,
    end: datetime.date | None = None,
    foster_family: FosterFamily | None = None,
    organisation: Organisation | None = None,
) -> Placement:
    """Place the client somewhere from `start`. If they were living somewhere with no end date,
    that placement ends on `start` (they moved). A move from care to home is a reintegration."""
    _require(actor, Permission.MANAGE_CASES, case)
    # A kind administrators added (wholejourney.options) is kept beside its reporting category.
    kind, kind_option = resolve_for("placement_kind", kind, "kind", _("Choose where the client lives."))
    not_in_future(start, "start")
    if start < case.opened_on:
        raise ValidationError(
            {
                "start": _("The placement cannot start before the case opened (%(date)s).")
                % {"date": shown(case.opened_on)}
            }
        )
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed; reopen it first."))
    if end is not None and end <= start:
        raise ValidationError({"end": _("The placement must end after it starts.")})
    if end is not None:
        not_in_future(end, "end")
    if kind == PlacementKind.FOSTER_CARE and foster_family is None:
        raise ValidationError({"foster_family": _("Choose the foster family.")})
    if kind == PlacementKind.OTHER_SHELTER and organisation is None:
        raise ValidationError({"organisation": _("Choose the organisation whose shelter it is.")})
    with transaction.atomic():
        current = (
            Placement.objects.select_for_update().filter(client=case.client, end__isnull=True, start__lt=start).first()
        )
        if current is not None:
            current.end = start
            current.save(update_fields=["end"])
        other = (
            Placement.objects.filter(client=case.client, start__lt=end or datetime.date.max)
            .exclude(end__lte=start)
            .first()
        )
        if other is not None:
            raise ValidationError(
                _("The client already has a placement from %(start)s to %(end)s that overlaps these dates.")
                % {"start": shown(other.start), "end": shown(other.end) if other.end else _("now")}
            )
        placement = Placement(
            client=case.client,
            case=case,
            kind=kind,
            kind_option=kind_option,
            start=start,
            end=end,
            foster_family=foster_family if kind == PlacementKind.FOSTER_CARE else None,
            organisation=organisation if kind == PlacementKind.OTHER_SHELTER else None,
        )
        placement.full_clean()
        try:
            with transaction.atomic():
                placement.save()
        except IntegrityError as exc:  # a concurrent writer won the race; the database said no
            raise ValidationError(_("The client already has a placement that overlaps these dates.")) from exc
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=placement, changed_fields=["placement"])
    return placement


def placement_end(*, actor: User, placement: Placement, end: datetime.date) -> Placement:
    _require(actor, Permission.MANAGE_CASES, placement.case)
    not_in_future(end, "end")
    if end <= placement.start:
        raise ValidationError({"end": _("The placement must end after it starts.")})
    with transaction.atomic():
        other = (
            Placement.objects.filter(client_id=placement.client_id, start__lt=end)
            .exclude(pk=placement.pk)
            .exclude(end__lte=placement.start)
            .first()
        )
        if other is not None:
            raise ValidationError(
                _("The client already has a placement from %(start)s to %(end)s that overlaps these dates.")
                % {"start": shown(other.start), "end": shown(other.end) if other.end else _("now")}
            )
        placement.end = end
        placement.full_clean()
        placement.save(update_fields=["end"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=placement, changed_fields=["end"])
    return placement
