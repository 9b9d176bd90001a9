"""Recording assessments, crises and surveys, and keeping each client's clock state in step.

The clock itself is computed in `outcomes.clock` from the records; this module only gathers the
records, stores the result in ClockState (the one place dashboards read) and its runs in ClockRun
(what the report counts), and raises flags."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.care.models import Domain
from wholejourney.care.services import check_day_in_case
from wholejourney.cases.models import Case, CaseStatus, ClosureReason
from wholejourney.clients.models import Client
from wholejourney.notifications import events as notification_events
from wholejourney.outcomes.clock import AssessmentFact, Clock, CrisisFact, add_months, compute_clock
from wholejourney.outcomes.instruments import DEFAULT_KEY, install_default_instrument
from wholejourney.outcomes.models import (
    Assessment,
    AssessmentAnswer,
    ClockFlag,
    ClockRun,
    ClockState,
    CrisisEvent,
    EconomicSurvey,
    Instrument,
    InstrumentItem,
)
from wholejourney.outcomes.permissions import may_supervise_clock

REASSESS_EVERY_DAYS = 90

# Clients whose clock must be refreshed when the enclosing `clocks_refreshed_at_end` block ends.
_pending: ContextVar[set[int] | None] = ContextVar("wj_pending_clocks", default=None)


@contextmanager
def clocks_refreshed_at_end() -> Iterator[None]:
    """Defer clock refreshes to the end of a bulk write (an import, the demo): each client's clock
    is then computed once from all their new records instead of once per record."""
    token = _pending.set(set())
    try:
        yield
        pending = _pending.get() or set()
        for client in Client.objects.filter(pk__in=pending).select_related("data_key"):
            _refresh_now(client)
    finally:
        _pending.reset(token)


def _may_record(actor: User, client: Client) -> None:
    if not (
        has_permission(actor, Permission.RECORD_COUNSELING, obj=client)
        or has_permission(actor, Permission.MANAGE_CASES, obj=client)
    ):
        raise PermissionDenied


def _case_on(client: Client, day: datetime.date) -> Case:
    case = client.cases.filter(opened_on__lte=day).order_by("-opened_on").first()
    if case is None:
        raise ValidationError({"date": _("The client had no case open on that day.")})
    check_day_in_case(case, day, "date")
    return case


def current_instrument(key: str = DEFAULT_KEY) -> Instrument:
    """The version new assessments use; the default form is installed if the database has none
    (a fresh database after `flush`)."""
    instrument = Instrument.objects.filter(key=key, is_current=True).first()
    if instrument is None and key == DEFAULT_KEY:
        instrument = install_default_instrument(Instrument, InstrumentItem)
    if instrument is None:
        raise Instrument.DoesNotExist(f"No current version of the instrument {key!r}.")
    return instrument


def assessment_record(
    *,
    actor: User,
    client: Client,
    assessed_on: datetime.date,
    answers: Mapping[str, int],
    instrument: Instrument | None = None,
    note: str = "",
) -> Assessment:
    """Record an assessment from the item scores; the first of a case is its baseline."""
    _may_record(actor, client)
    instrument = instrument or current_instrument()
    case = _case_on(client, assessed_on)
    items = {item.code: item for item in instrument.items.all()}
    missing = sorted(set(items) - set(answers))
    if missing:
        raise ValidationError({"answers": _("Answer every question (%(count)d left).") % {"count": len(missing)}})
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise ValidationError({"answers": _("Some answers do not belong to this form.")})
    for score in answers.values():
        if not instrument.scale_min <= int(score) <= instrument.scale_max:
            raise ValidationError(
                {
                    "answers": _("Scores go from %(low)d to %(high)d.")
                    % {"low": instrument.scale_min, "high": instrument.scale_max}
                }
            )
    scores = {}
    for domain in Domain.values:
        values = [int(answers[code]) for code, item in items.items() if item.domain == domain]
        if not values:
            raise ValidationError(_("The form has no question in one of the domains."))
        scores[f"{domain}_score"] = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    first = not Assessment.objects.filter(case=case, assessed_on__lt=assessed_on).exists()
    with transaction.atomic():
        assessment = Assessment(
            client=client,
            case=case,
            recorded_by=actor,
            instrument=instrument,
            kind=Assessment.Kind.BASELINE if first else Assessment.Kind.REASSESSMENT,
            assessed_on=assessed_on,
            note=note,
            **scores,
        )
        assessment.full_clean()
        assessment.save()
        AssessmentAnswer.objects.bulk_create(
            [
                AssessmentAnswer(assessment=assessment, item=items[code], score=int(score))
                for code, score in answers.items()
            ]
        )
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=assessment, changed_fields=["assessment"])
        clock_refresh(client)
    return assessment


def crisis_record(
    *,
    actor: User,
    client: Client,
    occurred_on: datetime.date,
    domains: Iterable[str],
    severity: str,
    what_happened: str,
    response: str = "",
) -> CrisisEvent:
    """Record a crisis. It resets the clock. A crisis dated on or before a closure as "goals
    achieved" does not reopen the case: it is flagged for the supervisor to judge."""
    _may_record(actor, client)
    domains = sorted(set(domains))
    if not domains or not set(domains) <= set(Domain.values):
        raise ValidationError({"domains": _("Choose the domain or domains the crisis touched.")})
    if not what_happened.strip():
        raise ValidationError({"what_happened": _("Say what happened.")})
    case = _case_on(client, occurred_on)
    with transaction.atomic():
        crisis = CrisisEvent(
            client=client,
            case=case,
            recorded_by=actor,
            occurred_on=occurred_on,
            domains=domains,
            severity=severity,
            what_happened=what_happened.strip(),
            response=response,
        )
        crisis.full_clean()
        crisis.save()
        closed_whole = Case.objects.filter(
            client=client,
            status=CaseStatus.CLOSED,
            closure_reason=ClosureReason.GOALS_ACHIEVED,
            closed_on__gte=occurred_on,
        ).exists()
        if closed_whole:
            ClockFlag.objects.create(client=client, crisis=crisis, reason="crisis_before_closure_as_whole")
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=crisis, changed_fields=["crisis"])
        clock_refresh(client)
    return crisis


def survey_record(
    *,
    actor: User,
    client: Client,
    surveyed_on: datetime.date,
    income_increased: bool | None,
    income_covers_needs: bool | None,
) -> EconomicSurvey:
    if not (
        has_permission(actor, Permission.RECORD_ECONOMIC, obj=client)
        or has_permission(actor, Permission.MANAGE_CASES, obj=client)
    ):
        raise PermissionDenied
    case = _case_on(client, surveyed_on)
    survey = EconomicSurvey(
        client=client,
        case=case,
        recorded_by=actor,
        surveyed_on=surveyed_on,
        income_increased=income_increased,
        income_covers_needs=income_covers_needs,
    )
    with transaction.atomic():
        survey.full_clean()
        survey.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=survey, changed_fields=["survey"])
    return survey


def clock_for(client: Client, *, as_of: datetime.date | None = None) -> Clock:
    """The client's clock, computed from their assessments and crises."""
    assessments = Assessment.objects.filter(client=client).select_related("instrument")
    return clock_from(client, assessments, CrisisEvent.objects.filter(client=client), as_of=as_of)


def clock_from(
    client: Client,
    assessments: Iterable[Assessment],
    crises: Iterable[CrisisEvent],
    *,
    as_of: datetime.date | None = None,
) -> Clock:
    """The client's clock from records already fetched (a page that lists them too)."""
    facts = [AssessmentFact(a.assessed_on, a.stable_domains()) for a in assessments]
    crisis_facts = [CrisisFact(c.occurred_on, frozenset(c.domains)) for c in crises]
    return compute_clock(
        facts,
        crisis_facts,
        as_of=as_of or timezone.localdate(),
        birth_date=client.date_of_birth,
        birth_year=client.birth_year,
    )


def clock_refresh(client: Client) -> ClockState | None:
    """Rewrite the client's stored clock state from their records (at the end of a bulk write)."""
    pending = _pending.get()
    if pending is not None:
        pending.add(client.pk)
        return None
    return _refresh_now(client)


def _state_fields(clock: Clock) -> dict[str, Any]:
    resets = [event for event in clock.events if event.kind == "reset"]
    return {
        "run_started_on": clock.run_started_on,
        "required_months": clock.required_months,
        "whole_on": clock.whole_on,
        "last_whole_on": max(clock.whole_dates, default=None),
        "last_reset_on": resets[-1].day if resets else None,
        "last_reset_reason": ",".join(resets[-1].reasons)[:64] if resets else "",
        "last_assessed_on": clock.last_assessed_on,
        "computed_at": timezone.now(),
    }


# The columns a bulk upsert of clock states must update (`clock_rebuild`, imports).
CLOCK_STATE_FIELDS = tuple(_state_fields(Clock()))


def clock_runs(client_id: int, clock: Clock) -> list[ClockRun]:
    """The runs of a computed clock, as `ClockRun` stores them."""
    runs: list[ClockRun] = []
    current: ClockRun | None = None
    for event in clock.events:
        if event.kind == "start" and event.required_months is not None:
            current = ClockRun(
                client_id=client_id,
                started_on=event.day,
                required_months=event.required_months,
                whole_on=add_months(event.day, event.required_months),
            )
            runs.append(current)
        elif event.kind == "reset" and current is not None:
            current.reset_on, current.reset_reason = event.day, ",".join(event.reasons)[:200]
            current = None
    return runs


def _runs_write(clocks: Mapping[int, Clock]) -> None:
    """Replace the stored runs of these clients by those of their clocks."""
    ClockRun.objects.filter(client_id__in=list(clocks)).delete()
    ClockRun.objects.bulk_create([run for client_id, clock in clocks.items() for run in clock_runs(client_id, clock)])


def _refresh_now(client: Client) -> ClockState:
    clock = clock_for(client)
    with transaction.atomic():
        before = ClockState.objects.filter(client=client).values("last_reset_on", "last_whole_on").first()
        state, _created = ClockState.objects.update_or_create(client=client, defaults=_state_fields(clock))
        _runs_write({client.pk: clock})
        notification_events.clock_changed(client=client, before=before, after=state)
    return state


def clock_rebuild(*, batch_size: int = 1000) -> int:
    """Rewrite the clock state and runs of every client from their records (`wholejourney clock
    rebuild`): after a change to the clock's rules, a restore, or a bulk load that bypassed the services.

    Works through the clients in batches: per batch, one query for the clients, one for their
    assessments, one for their crises, one upsert and the runs replaced. Returns the number of clients."""
    instruments = {instrument.pk: instrument for instrument in Instrument.objects.all()}
    done, last_pk = 0, 0
    while True:
        clients = list(Client.objects.filter(pk__gt=last_pk).select_related("data_key").order_by("pk")[:batch_size])
        if not clients:
            return done
        clock_states_write(clients, instruments=instruments)
        done += len(clients)
        last_pk = clients[-1].pk


def clock_states_write(clients: Sequence[Client], *, instruments: dict[int, Instrument] | None = None) -> None:
    """Compute and store the clock state and runs of these clients from their records, with one query
    for their assessments, one for their crises, one upsert and the runs replaced (a rebuild, or an
    import at its end)."""
    if instruments is None:
        instruments = {instrument.pk: instrument for instrument in Instrument.objects.all()}
    ids = [client.pk for client in clients]
    assessments: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in Assessment.objects.filter(client_id__in=ids).order_by():
        assessment.instrument = instruments[assessment.instrument_id]
        assessments[assessment.client_id].append(assessment)
    crises: dict[int, list[CrisisEvent]] = defaultdict(list)
    for crisis in CrisisEvent.objects.filter(client_id__in=ids).only("client_id", "occurred_on", "domains"):
        crises[crisis.client_id].append(crisis)
    clocks = {client.pk: clock_from(client, assessments[client.pk], crises[client.pk]) for client in clients}
    rows = [ClockState(client=client, **_state_fields(clocks[client.pk])) for client in clients]
    with transaction.atomic():
        ClockState.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["client"],
            update_fields=CLOCK_STATE_FIELDS,
        )
        _runs_write(clocks)


def clock_flag_resolve(*, actor: User, flag: ClockFlag) -> ClockFlag:
    """A supervisor has looked at what the flag raised (e.g. a crisis dated before a closure as
    whole) and judged it: the closure stands or they act on it elsewhere. Audited."""
    if not may_supervise_clock(actor, flag.client):
        raise PermissionDenied
    if flag.resolved_at is not None:
        raise ValidationError(_("This flag was already resolved."))
    with transaction.atomic():
        flag.resolved_by = actor
        flag.resolved_at = timezone.now()
        flag.save(update_fields=["resolved_by", "resolved_at"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=flag, changed_fields=["resolved_at"])
    return flag
