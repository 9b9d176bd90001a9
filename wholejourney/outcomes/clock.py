"""The stability clock, as a pure function of a client's assessments and crises.

The programme's rule (seed 003): a survivor is *whole* when stable in every domain — protection,
personal well-being, economic empowerment, social capital — for six continuous months, twelve for
a child of 14 or under; a crisis in any domain resets the clock to zero.

Precisely, walking the days on which something was recorded, in date order:

- Each assessment sets, for every domain, whether it is stable. Two assessments on the same day
  are read together and the worse result counts, so the order they were entered never matters.
- A crisis makes its domains not stable on its day, whatever an assessment that day says.
- A run starts on the first day on which the latest state of all four domains is stable.
- A run is reset on any day that makes a domain not stable (a crisis, or an assessment finding a
  domain below the threshold). A new run starts on the next day all four are stable again — which
  after a crisis means after a new assessment of the domains it hit.
- A run needs 6 calendar months, or 12 if the client was 14 or under on the day it started; the
  requirement stays with the run, so a child who turns 15 during a run still needs 12 months.
- The client is whole on the day the run reaches its length, provided nothing reset it up to and
  including that day. Wholeness is an event in the past: a later crisis does not undo it, it opens
  a new run.
- Age: from the date of birth; when only the year is known, the client is taken to be born on
  31 December of it (the younger age, so the longer rule); when nothing is known, 12 months.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

DOMAINS = ("protection", "wellbeing", "economic", "social")
ADULT_MONTHS, CHILD_MONTHS, CHILD_MAX_AGE = 6, 12, 14


@dataclass(frozen=True)
class AssessmentFact:
    day: datetime.date
    stable: frozenset[str]  # the domains assessed as stable; the others were assessed as not stable


@dataclass(frozen=True)
class CrisisFact:
    day: datetime.date
    domains: frozenset[str]


@dataclass(frozen=True)
class ClockEvent:
    day: datetime.date
    kind: str  # "start" | "reset" | "whole"
    reasons: tuple[str, ...] = ()  # for a reset: "crisis:<domain>" or "assessment:<domain>"
    required_months: int | None = None  # for a start


@dataclass
class Clock:
    events: list[ClockEvent] = field(default_factory=list)
    run_started_on: datetime.date | None = None
    required_months: int = ADULT_MONTHS
    as_of: datetime.date = datetime.date.min
    last_assessed_on: datetime.date | None = None  # the latest assessment seen (reassessment falls due from it)

    @property
    def whole_on(self) -> datetime.date | None:
        """When the current run completes (in the past: it has; in the future: projected)."""
        return add_months(self.run_started_on, self.required_months) if self.run_started_on else None

    @property
    def is_whole(self) -> bool:
        return self.whole_on is not None and self.whole_on <= self.as_of

    @property
    def state(self) -> str:
        if self.run_started_on is None:
            return "not_started"
        return "whole" if self.is_whole else "running"

    @property
    def days_elapsed(self) -> int:
        if self.run_started_on is None:
            return 0
        return max(0, (min(self.as_of, self.whole_on or self.as_of) - self.run_started_on).days)

    @property
    def days_required(self) -> int:
        if self.run_started_on is None or self.whole_on is None:
            return 0
        return (self.whole_on - self.run_started_on).days

    @property
    def whole_dates(self) -> list[datetime.date]:
        return [event.day for event in self.events if event.kind == "whole"]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later (31 August + 6 months = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(day: datetime.date, birth_date: datetime.date | None, birth_year: int | None) -> int | None:
    if birth_date is None and birth_year is not None:
        birth_date = datetime.date(birth_year, 12, 31)
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def required_months_on(day: datetime.date, birth_date: datetime.date | None, birth_year: int | None) -> int:
    age = age_on(day, birth_date, birth_year)
    return CHILD_MONTHS if age is None or age <= CHILD_MAX_AGE else ADULT_MONTHS


def compute_clock(
    assessments: Iterable[AssessmentFact],
    crises: Iterable[CrisisFact],
    *,
    as_of: datetime.date,
    birth_date: datetime.date | None = None,
    birth_year: int | None = None,
) -> Clock:
    """The clock's history and its state on `as_of` (records after `as_of` are not seen)."""
    stable_by_day: dict[datetime.date, dict[str, bool]] = defaultdict(dict)
    for fact in assessments:
        if fact.day > as_of:
            continue
        for domain in DOMAINS:
            # The worse of two same-day assessments counts.
            stable_by_day[fact.day][domain] = stable_by_day[fact.day].get(domain, True) and domain in fact.stable
    crisis_by_day: dict[datetime.date, set[str]] = defaultdict(set)
    for crisis in crises:
        if crisis.day <= as_of:
            crisis_by_day[crisis.day] |= set(crisis.domains)

    clock = Clock(as_of=as_of, last_assessed_on=max(stable_by_day, default=None))
    latest: dict[str, bool] = {}
    whole_reached = False
    for day in sorted(set(stable_by_day) | set(crisis_by_day)):
        # A run that reached its length before this day made the client whole.
        if (
            clock.run_started_on is not None
            and not whole_reached
            and clock.whole_on is not None
            and clock.whole_on < day
        ):
            clock.events.append(ClockEvent(clock.whole_on, "whole"))
            whole_reached = True
        reasons = []
        for domain, stable in sorted(stable_by_day.get(day, {}).items()):
            latest[domain] = stable
            if not stable:
                reasons.append(f"assessment:{domain}")
        for domain in sorted(crisis_by_day.get(day, set())):
            latest[domain] = False
            reasons.append(f"crisis:{domain}")
        if reasons and clock.run_started_on is not None:
            clock.events.append(ClockEvent(day, "reset", tuple(reasons)))
            clock.run_started_on, whole_reached = None, False
        if clock.run_started_on is None and all(latest.get(domain) for domain in DOMAINS):
            clock.required_months = required_months_on(day, birth_date, birth_year)
            clock.run_started_on = day
            clock.events.append(ClockEvent(day, "start", required_months=clock.required_months))
    if (
        clock.run_started_on is not None
        and not whole_reached
        and clock.whole_on is not None
        and clock.whole_on <= as_of
    ):
        clock.events.append(ClockEvent(clock.whole_on, "whole"))
    return clock
