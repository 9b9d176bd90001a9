"""Assessments, crises and economic surveys for the demo office.

Every client is assessed at intake (the baseline), 30 days later, then every 90 days while their
case is open. Clients whose case closed as "goals achieved" were stable from the 30-day check on,
so the clock made them whole before their closure: their assessments are recorded as their case
is built, before the closure, which the rule refuses for a client not whole. Some clients struggle (never stable in personal
well-being), some have a crisis and recover, and the newest clients' clocks are running today, so
the dashboards show every state. For 2023 the shares match the annual report.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from wholejourney.accounts.models import User
from wholejourney.cases.models import Case, CaseStatus, ClosureReason
from wholejourney.core.models import Office
from wholejourney.demo import CLIENTS_PER_TRANSACTION
from wholejourney.outcomes import services
from wholejourney.outcomes.models import CrisisEvent, Instrument

YEAR_START, YEAR_END = datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)
STOP_ASSESSING = datetime.date(2024, 3, 31)  # open cases from before 2024 are overdue after this
IMPROVED_PCT = 76.9
INCOME_RESPONDENTS, INCOME_INCREASED = 97, 84  # 86.6 %
COVERS_RESPONDENTS, COVERS_NEEDS = 89, 78  # 87.6 %
RECOVERED_FROM_CRISIS = 30


def _schedule(opened: datetime.date, last: datetime.date) -> list[datetime.date]:
    days, day = [opened], opened + datetime.timedelta(days=30)
    while day <= last:
        days.append(day)
        day += datetime.timedelta(days=90)
    return days


def _answers(instrument: Instrument, levels: dict[str, int]) -> dict[str, int]:
    return {item.code: levels[item.domain] for item in instrument.items.all()}


STABLE = {"protection": 3, "wellbeing": 3, "economic": 3, "social": 3}
THRIVING = {"protection": 4, "wellbeing": 3, "economic": 3, "social": 4}
BASELINE = {"protection": 2, "wellbeing": 2, "economic": 2, "social": 3}
STRUGGLING = {"protection": 3, "wellbeing": 2, "economic": 2, "social": 3}


def _improved_count(total: int) -> int | None:
    for improved in range(total + 1):
        if round(100 * improved / total, 1) == IMPROVED_PCT:
            return improved
    return None


def _latest_cases(office: Office) -> Iterator[Case]:
    seen: set[int] = set()
    for case in (
        Case.objects.filter(office=office)
        .select_related("client", "client__data_key")
        .order_by("client_id", "-opened_on")
    ):
        if case.client_id not in seen:
            seen.add(case.client_id)
            yield case


def assess_until_whole(case: Case, closed: datetime.date, rng: random.Random) -> None:
    """The assessments of a client whose case closes as "goals achieved", recorded before the
    closure asks for it (the closure needs the clock to show the client whole): the baseline, then
    stable from the 30-day check on, every 90 days until the closing date."""
    counselor = User.objects.get(office=case.office, roles__role="counselor", username="counselor")
    with services.clocks_refreshed_at_end():
        _assess(counselor, case, _schedule(case.opened_on, closed), rng, services.current_instrument())


def _assess(
    counselor: User,
    case: Case,
    days: list[datetime.date],
    rng: random.Random,
    instrument: Instrument,
    trajectory: dict[str, int] | None = None,
) -> None:
    """The baseline on the first day, then the trajectory's levels (or stable, sometimes thriving)."""
    for index, day in enumerate(days):
        levels = BASELINE if index == 0 else trajectory or (THRIVING if rng.random() < 0.3 else STABLE)
        services.assessment_record(
            actor=counselor,
            client=case.client,
            assessed_on=day,
            answers=_answers(instrument, levels),
            instrument=instrument,
        )


def build_outcomes(office: Office, rng: random.Random) -> None:
    counselor = User.objects.get(office=office, roles__role="counselor", username="counselor")
    econ = User.objects.get(office=office, roles__role="economic_officer")
    instrument = services.current_instrument()
    today = timezone.localdate()
    plans: list[tuple[Case, list[datetime.date]]] = []
    for case in _latest_cases(office):
        if case.closed_on is not None:
            last = case.closed_on
        elif case.opened_on < datetime.date(2024, 1, 1):
            last = STOP_ASSESSING
        else:
            last = min(today, datetime.date(2026, 10, 31))
        plans.append((case, _schedule(case.opened_on, last)))

    # Who is measured for 2023: a baseline, then a later assessment within the year.
    measured = [c for c, days in plans if any(YEAR_START <= d <= YEAR_END and d > days[0] for d in days)]
    whole_closures = {c.pk for c, _days in plans if c.closure_reason == ClosureReason.GOALS_ACHIEVED}
    # Not every share is possible with every number of clients: a few clients miss their 2023
    # reassessments (overdue, as happens), which leaves a number for which it is.
    size = max(n for n in range(1, len(measured) + 1) if _improved_count(n) is not None)
    missed = set(rng.sample([c.pk for c in measured if c.pk not in whole_closures], len(measured) - size))
    plans = [
        (c, [d for i, d in enumerate(days) if i == 0 or not (c.pk in missed and YEAR_START <= d <= YEAR_END)])
        for c, days in plans
    ]
    measured = [c for c in measured if c.pk not in missed]
    improved = _improved_count(len(measured))
    assert improved is not None  # noqa: S101 - chosen above
    not_improved = len(measured) - improved
    struggling = set(rng.sample([c.pk for c in measured if c.pk not in whole_closures], not_improved))
    recovering = set(
        rng.sample(
            [c.pk for c, d in plans if c.pk not in whole_closures | struggling and len(d) >= 5], RECOVERED_FROM_CRISIS
        )
    )

    # A transaction, and the clocks' refresh, for each share of the clients (see
    # office.build_demo_office): each client's records are all in one share.
    for start in range(0, len(plans), CLIENTS_PER_TRANSACTION):
        with transaction.atomic(), services.clocks_refreshed_at_end():
            for case, days in plans[start : start + CLIENTS_PER_TRANSACTION]:
                if case.pk in whole_closures:
                    continue  # assessed before their closure (assess_until_whole)
                _assess(counselor, case, days, rng, instrument, STRUGGLING if case.pk in struggling else None)
                if case.pk in recovering:
                    # A crisis between two assessments; the next stable assessment starts a new run.
                    crisis_day = days[3] + datetime.timedelta(days=rng.randint(5, 60))
                    services.crisis_record(
                        actor=counselor,
                        client=case.client,
                        occurred_on=crisis_day,
                        domains=[rng.choice(["protection", "wellbeing", "social"])],
                        severity=CrisisEvent.Severity.SEVERE,
                        what_happened="Threatened by a relative of the trafficker (demo).",
                        response="Safety plan reviewed; moved to a safe place (demo).",
                    )
    with transaction.atomic(), services.clocks_refreshed_at_end():
        _recent_crises(office, counselor, rng, today)
    with transaction.atomic():
        _surveys(office, econ, rng, plans)


def _recent_crises(office: Office, counselor: User, rng: random.Random, today: datetime.date) -> None:
    """Crises among open cases: this month (fresh resets on the dashboard) and in July (young runs)."""
    open_recent = list(
        Case.objects.filter(office=office, status=CaseStatus.OPEN, opened_on__gte=datetime.date(2024, 1, 1))
        .select_related("client", "client__data_key")
        .order_by("pk")
    )
    chosen = rng.sample(open_recent, min(10, len(open_recent)))
    # Earlier this year: a crisis, then stable again at the next assessment, so the run is young.
    for case in chosen[4:]:
        services.crisis_record(
            actor=counselor,
            client=case.client,
            occurred_on=datetime.date(2026, 7, 15),
            domains=["protection"],
            severity=CrisisEvent.Severity.SEVERE,
            what_happened="Contacted by the broker who recruited her (demo).",
            response="New phone number; police informed (demo).",
        )
    for case in chosen[:4]:
        services.crisis_record(
            actor=counselor,
            client=case.client,
            occurred_on=today.replace(day=1) + datetime.timedelta(days=rng.randrange(max(1, today.day - 1))),
            domains=[rng.choice(["wellbeing", "economic"])],
            severity=CrisisEvent.Severity.MODERATE,
            what_happened="Lost work and could not pay rent (demo).",
        )


def _surveys(office: Office, econ: User, rng: random.Random, plans: list[tuple[Case, list[datetime.date]]]) -> None:
    in_2023 = [
        (case, max(case.opened_on, YEAR_START), min(case.closed_on or YEAR_END, YEAR_END))
        for case, _days in plans
        if case.opened_on <= YEAR_END and (case.closed_on is None or case.closed_on >= YEAR_START)
    ]
    respondents = rng.sample(in_2023, INCOME_RESPONDENTS)
    for index, (case, first, last) in enumerate(respondents):
        day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
        services.survey_record(
            actor=econ,
            client=case.client,
            surveyed_on=day,
            income_increased=index < INCOME_INCREASED,
            income_covers_needs=(index % COVERS_RESPONDENTS < COVERS_NEEDS) if index < COVERS_RESPONDENTS else None,
        )
