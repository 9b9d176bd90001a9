"""The registry of metrics: named queries over records, never stored totals.

A metric has an id, a translatable label, a section of the report, its definition, and a function
of (period, office) that returns its value together with the records behind it, so every figure
can be traced to what it counts.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wholejourney.core.models import Office


@dataclass(frozen=True)
class Period:
    """An inclusive span of days."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("A quarter is 1, 2, 3 or 4.")
        first = datetime.date(year, 3 * quarter - 2, 1)
        return cls(first, _month_end(year, 3 * quarter))

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def _whole_months(self) -> int | None:
        """The number of calendar months the period spans exactly, or None if it does not."""
        if self.start.day != 1 or self.end != _month_end(self.end.year, self.end.month):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same shape just before: the year before a year, the quarter before a
        quarter, as many whole months before whole months, otherwise as many days before."""
        months = self._whole_months()
        if months is None:
            end = self.start - datetime.timedelta(days=1)
            return Period(end - datetime.timedelta(days=self.days - 1), end)
        index = self.start.year * 12 + self.start.month - 1 - months
        start = datetime.date(index // 12, index % 12 + 1, 1)
        end = self.start - datetime.timedelta(days=1)
        return Period(start, end)

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) of every calendar month the period touches."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def label(self) -> str:
        """How the report names the period: "2023", "Q2 2023", or its first and last day."""
        months = self._whole_months()
        if months == 12 and self.start.month == 1:
            return str(self.start.year)
        if months == 3 and self.start.month in (1, 4, 7, 10):
            return gettext("Q%(quarter)s %(year)s") % {"quarter": (self.start.month + 2) // 3, "year": self.start.year}
        return gettext("%(start)s to %(end)s") % {
            "start": formats.date_format(self.start, "DATE_FORMAT"),
            "end": formats.date_format(self.end, "DATE_FORMAT"),
        }

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return following - datetime.timedelta(days=1)


Value = int | float | dict[str, Any] | None


@dataclass
class MetricResult:
    """A figure and what it counts. `records` is the queryset behind a single number; for a
    breakdown, `parts` maps each part to its own queryset. A count has one record per unit; a sum
    (people reached, copies donated) names in `sum_of` the field each record adds to it."""

    value: Value
    records: QuerySet[Any] | None = None
    parts: dict[str, QuerySet[Any]] = field(default_factory=dict)
    sum_of: str | None = None


Compute = Callable[[Period, Office | None], MetricResult]


@dataclass(frozen=True)
class Metric:
    id: str
    label: str | Promise
    section: str
    definition: str | Promise
    compute: Compute


class Sections:
    HIGHLIGHTS = "highlights"
    HEAL = "heal"
    PREVENT = "prevent"
    CAPACITY = "capacity"
    AWARENESS = "awareness"
    EMPOWER = "empower"


# The report's sections in the order the published report has them, with their headings.
SECTION_TITLES: dict[str, str | Promise] = {
    Sections.HIGHLIGHTS: _("Highlights"),
    Sections.HEAL: _("Heal"),
    Sections.PREVENT: _("Prevent"),
    Sections.CAPACITY: _("Increase capacity"),
    Sections.AWARENESS: _("Promote awareness"),
    Sections.EMPOWER: _("Empower and equip"),
}


_registry: dict[str, Metric] = {}


def metric(*, id: str, label: str | Promise, section: str, definition: str | Promise) -> Callable[[Compute], Compute]:
    """Register the decorated function as a metric."""

    def register(compute: Compute) -> Compute:
        if id in _registry:
            raise ValueError(f"metric {id!r} is registered twice")
        _registry[id] = Metric(id=id, label=label, section=section, definition=definition, compute=compute)
        return compute

    return register


def all_metrics() -> list[Metric]:
    return list(_registry.values())


def get_metric(metric_id: str) -> Metric:
    return _registry[metric_id]


class Share(float):
    """A percentage that remembers what it divides, so a report can tell how many it rests on (and
    disclosure control can suppress a share of too few)."""

    part: int
    whole: int

    def __new__(cls, part: int, whole: int) -> Share:
        share = super().__new__(cls, round(100 * part / whole, 1))
        share.part, share.whole = part, whole
        return share

    def __reduce__(self) -> tuple[Any, ...]:
        return (Share, (self.part, self.whole))


def percent(part: int, whole: int) -> Share | None:
    """A share in percent to one decimal, or None when there is nothing to divide by."""
    return None if whole == 0 else Share(part, whole)


# --- work shared by the metrics of one report --------------------------------------------------

T = TypeVar("T")
_shared: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar("report_shared", default=None)


@contextlib.contextmanager
def report_run(periods: Sequence[Period] = ()) -> Iterator[None]:
    """While a report is computed, metrics that need the same expensive intermediate compute it
    once (see `shared`). A report of several periods (a year and the one before) names them, so
    a metric can count them all in one pass over its records (see `run_periods`)."""
    token = _shared.set({_PERIODS: tuple(periods), _LOCK: threading.Lock()})
    try:
        yield
    finally:
        _shared.reset(token)


_PERIODS = "periods of the run"
_LOCK = "lock of the run"


def run_periods(period: Period) -> tuple[Period, ...]:
    """The periods the current report computes, when `period` is one of them; else just `period`."""
    memo = _shared.get()
    periods: tuple[Period, ...] = memo.get(_PERIODS, ()) if memo is not None else ()
    return periods if period in periods else (period,)


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per key within a `report_run`; outside one, every time."""
    memo = _shared.get()
    if memo is None:
        return compute()
    if key in memo:
        return memo[key]  # type: ignore[no-any-return]
    # A report may be computed by two threads (assembly.computed_in_parallel): the second to want
    # the same work waits for the first rather than doing it again.
    with memo[_LOCK]:
        key_lock = memo.setdefault((_LOCK, key), threading.Lock())
    with key_lock:
        if key not in memo:
            memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]
