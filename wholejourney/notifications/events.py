"""The events that notify, each called (one line) by the service that causes it, inside its
transaction: who must act, and only among those who may open the record (`notify` checks that
again with the record's own selectors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wholejourney.accounts.roles import Permission
from wholejourney.notifications.models import Kind
from wholejourney.notifications.services import notify, staff_with


def referral_received(*, referral: Any, actor: Any) -> None:
    """A new incoming referral: the office's intake staff. An emergency (same-day) one is urgent:
    emailed at once (always to the people on duty); the others wait for the daily digest by default."""
    from wholejourney.cases.models import Urgency

    urgent = referral.urgency == Urgency.EMERGENCY
    notify(
        kind=Kind.URGENT_REFERRAL if urgent else Kind.NEW_REFERRAL,
        target=referral,
        recipients=staff_with(referral.office_id, Permission.MANAGE_CASES),
        event="received",
        actor=actor,
        urgent=urgent,
    )


def referral_decided(*, referral: Any, actor: Any, case: Any = None) -> None:
    """A referral accepted or declined: the partner referrers of the organisation that sent it, and
    the case manager the client is assigned to."""
    from wholejourney.accounts.models import User

    if referral.organisation_id is not None:
        referrers = User.objects.filter(partner_organisation_id=referral.organisation_id, is_active=True)
        notify(
            kind=Kind.REFERRAL_STATUS,
            target=referral,
            recipients=referrers,
            event=f"status:{referral.status}",
            actor=actor,
        )
    manager = getattr(case, "case_manager", None)
    if case is not None and manager is not None:
        notify(
            kind=Kind.REFERRAL_ASSIGNED,
            target=case.client,
            recipients=[manager],
            event=f"assigned:{case.pk}",
            actor=actor,
        )


def closure_requested(*, closure: Any, actor: Any) -> None:
    """A closure waits for a decision: the office's director(s) and the supervisor of the case's team."""
    from wholejourney.cases.selectors import may_decide_closure

    case = closure.case
    people = list(staff_with(case.office_id, Permission.APPROVE_CLOSURE))
    if case.team is not None and case.team.supervisor is not None:
        people.append(case.team.supervisor)
    notify(
        kind=Kind.CLOSURE_TO_DECIDE,
        target=closure,
        recipients=[person for person in people if may_decide_closure(person, case)],
        event="requested",
        office=case.office,
        actor=actor,
    )


def closure_decided(*, closure: Any, actor: Any) -> None:
    notify(
        kind=Kind.CLOSURE_DECIDED,
        target=closure,
        recipients=[closure.requested_by],
        event=f"decided:{closure.status}",
        office=closure.case.office,
        actor=actor,
    )


def export_requested(*, export: Any, actor: Any) -> None:
    """An identifying export waits for the office's director(s)."""
    from wholejourney.exports.services import may_decide

    if not export.identifying:
        return  # codes only: approved at once, nobody has to decide
    people = [p for p in staff_with(export.office_id, Permission.APPROVE_EXPORTS) if may_decide(p, export)]
    notify(kind=Kind.EXPORT_TO_DECIDE, target=export, recipients=people, event="requested", actor=actor)


def export_decided(*, export: Any, actor: Any) -> None:
    notify(
        kind=Kind.EXPORT_DECIDED,
        target=export,
        recipients=[export.requester],
        event=f"decided:{export.status}",
        actor=actor,
    )


def break_glass_used(*, grant: Any, actor: Any) -> None:
    """Emergency access to a client: the client's case manager, the supervisor of their team, and
    the office's director(s), who review it."""
    client = grant.client
    people = list(staff_with(client.office_id, Permission.APPROVE_CLOSURE))
    if client.case_manager is not None:
        people.append(client.case_manager)
    if client.team is not None and client.team.supervisor is not None:
        people.append(client.team.supervisor)
    notify(kind=Kind.BREAK_GLASS, target=client, recipients=people, event=f"grant:{grant.pk}", actor=actor)


def job_finished(*, job: Any) -> None:
    """A background job (import, export, report file) finished or failed: the person who started it."""
    notify(
        kind=Kind.JOB_FINISHED,
        target=job,
        recipients=[job.created_by],
        event=f"finished:{job.status}",
        office=job.office,
    )


def clock_changed(*, client: Any, before: Mapping[str, Any] | None, after: Any) -> None:
    """A client's stability clock reset, or the client became whole: their case manager and the
    supervisor of their team. Called when one client's clock is refreshed after a record (a bulk
    refresh, as an import does, tells nobody)."""
    from wholejourney.core.request_context import current_request

    people = [client.case_manager, client.team.supervisor if client.team is not None else None]
    actor = getattr(current_request(), "user", None)  # whoever recorded it knows already
    before = before or {}
    if after.last_reset_on and after.last_reset_on != before.get("last_reset_on"):
        notify(
            kind=Kind.CLOCK_RESET,
            target=client,
            recipients=people,
            event=f"reset:{after.last_reset_on.isoformat()}",
            office=client.office,
            actor=actor,
        )
    if after.last_whole_on and after.last_whole_on != before.get("last_whole_on"):
        notify(
            kind=Kind.CLIENT_WHOLE,
            target=client,
            recipients=people,
            event=f"whole:{after.last_whole_on.isoformat()}",
            office=client.office,
            actor=actor,
        )
