"""Assembling a report from the registered metrics: every figure for the period and the one
before, laid out in the published report's sections, with its charts, and for the external edition
with disclosure control applied. Nothing here stores a figure; everything is computed each time.
"""

from __future__ import annotations

import collections
import contextvars
import datetime
import functools
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.cases.models import AbuseType
from wholejourney.core.models import Office
from wholejourney.programmes.models import ParticipantGroup
from wholejourney.reporting import additions, charts, disclosure
from wholejourney.reporting.disclosure import Table
from wholejourney.reporting.models import Edition, OfficeReportSettings, default_threshold
from wholejourney.reporting.registry import (
    SECTION_TITLES,
    Metric,
    MetricResult,
    Period,
    Share,
    all_metrics,
    report_run,
)

K = TypeVar("K", bound=Hashable)
logger = logging.getLogger(__name__)

# The order of the published report (metrics.yaml), then our own figures; a metric registered
# later and not listed here goes at the end of its section.
ORDER = [
    "survivors_supported", "survivors_by_abuse_type", "survivors_in_shelter", "survivors_in_foster_care",
    "survivors_reintegrated", "survivors_closed", "counseling_sessions", "counseling_clients",
    "psychosocial_improved_pct", "counseling_closure", "small_business_support", "on_the_job_training",
    "survivors_employed", "education_support", "education_school_levels", "legal_support", "court_case_support",
    "verdicts", "legal_cases_ended", "clients_reached_wholeness", "median_run_days", "clock_resets_by_domain",
    "cbg_active", "cbg_plan_completion_pct", "prevention_training_sessions", "prevention_trained_by_group",
    "prevention_trained", "reflection_meetings", "husband_wife_groups", "awareness_campaigns", "awareness_reach",
    "education_campaigns", "education_campaign_reach", "community_members_reached", "tic_pfa_trainings",
    "tic_pfa_participants", "tic_pfa_improved_pct", "ngo_partners", "ngo_referral_share_pct", "private_partners",
    "new_partnership_agreements", "government_partners", "government_referral_share_pct", "national_consultation",
    "reflection_workshop_participants", "provincial_network_meetings", "district_commune_meetings",
    "ngo_network_meetings", "books_donated", "mental_health_day_participants", "business_coaching_sessions",
    "career_coaching", "business_plans", "career_advice", "stipends", "vocational_training", "tvet_completed",
    "job_placements", "household_income_increase_pct", "income_covers_needs_pct", "alumni_event_participants",
    "alumni_business_training",
]  # fmt: skip

# The Highlights page leads with the number of survivors supported, as the published report does.
HIGHLIGHT_LEAD = "survivors_supported"

# Figures that summarise other counts: suppressed when the count they rest on is.
RESTS_ON = {"median_run_days": "clients_reached_wholeness"}

PART_LABELS: dict[str, str | Promise] = {
    **{kind.value: kind.label for kind in AbuseType},
    **{group.value: group.label for group in ParticipantGroup},
    "protection": _("Protection"),
    "wellbeing": _("Personal well-being"),
    "economic": _("Economic empowerment"),
    "social": _("Social capital / integration"),
    "total": _("In all"),
    "female": _("Women and girls"),
    "adults": _("Adults"),
    "children": _("Children"),
    "participants": _("Participants"),
    "organisations": _("Organisations represented"),
}


def part_label(key: str) -> str | Promise:
    return PART_LABELS.get(key) or key.replace("_", " ").capitalize()


@dataclass
class Part:
    key: str
    label: str | Promise
    value: Any
    previous: Any
    suppressed: bool = False
    previous_suppressed: bool = False
    drillable: bool = False


@dataclass
class Figure:
    metric: Metric
    result: MetricResult
    previous_result: MetricResult
    suppressed: bool = False
    previous_suppressed: bool = False
    parts: list[Part] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.metric.id

    @property
    def value(self) -> Any:
        return self.result.value

    @property
    def previous(self) -> Any:
        return self.previous_result.value

    @property
    def is_breakdown(self) -> bool:
        return isinstance(self.result.value, dict)

    @property
    def is_percent(self) -> bool:
        return isinstance(self.result.value, Share) or self.metric.id.endswith("_pct")

    @property
    def drillable(self) -> bool:
        return self.result.records is not None and not self.is_breakdown

    @property
    def denominator(self) -> int | None:
        return self.result.value.whole if isinstance(self.result.value, Share) else None

    @property
    def numerator(self) -> int | None:
        return self.result.value.part if isinstance(self.result.value, Share) else None


@dataclass
class Section:
    id: str
    title: str | Promise
    figures: list[Figure]
    introduction: str = ""


@dataclass
class Report:
    period: Period
    previous_period: Period
    office: Office | None
    edition: str
    threshold: int
    figures: dict[str, Figure]
    sections: list[Section]
    charts: dict[str, charts.Chart]
    generated_at: datetime.datetime
    suppressed_keys: set[str] = field(default_factory=set)
    narrative: Any = None
    stories: list[Any] = field(default_factory=list)
    # Tables other apps put beside the figures (`additions`): saved tables of the table builder.
    tables: list[additions.ReportTable] = field(default_factory=list)

    @property
    def is_external(self) -> bool:
        return self.edition == Edition.EXTERNAL

    @property
    def office_label(self) -> str:
        return self.office.name if self.office else str(_("All offices"))


def threshold_for(office: Office | None) -> int:
    """The office's disclosure threshold; for all offices together, the strictest of them."""
    rows = OfficeReportSettings.objects.all()
    if office is not None:
        row = rows.filter(office=office).first()
        return row.disclosure_threshold if row else default_threshold()
    return max([default_threshold(), *rows.values_list("disclosure_threshold", flat=True)])


def can_compute_in_parallel() -> bool:
    """Two connections can share the work when both can see the same committed data: PostgreSQL,
    outside a transaction (inside one, another connection would not see its changes)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def computed_in_parallel(work: dict[K, Callable[[], Any]]) -> dict[K, Any]:
    """Each piece of work done (on PostgreSQL), shared between this thread and a helper with a
    connection of its own, both reading one snapshot of the database.

    Why: a national report is a hundred aggregate queries, many too small for PostgreSQL to spread
    over processors itself; two at a time take the report from five seconds to three and a half on
    two cores (benchmarks/README.md). Both threads read the snapshot this transaction exports
    (REPEATABLE READ), so every figure is of the same moment, as if one query had computed them
    all. The helper takes work from the end of the list, this thread from the start: the year and
    the year before are counted in one pass where a metric allows (`run_periods`), so the helper
    mostly finds the year before done. Should the helper fail (no connection to be had, a query
    cancelled), this thread does what it left, on its own snapshot: the report is slower, not lost.
    """
    queue = collections.deque(work.items())
    done: dict[K, Any] = {}
    stop = threading.Event()

    def take(pop: Callable[[], tuple[K, Callable[[], Any]]]) -> None:
        while not stop.is_set():
            try:
                key, run = pop()
            except IndexError:
                return
            done[key] = run()

    def helper(snapshot: str, language: str) -> None:
        try:
            with translation.override(language), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                take(queue.pop)
        except Exception:
            logger.warning("The report's second connection failed; the report goes on in one.", exc_info=True)
        finally:
            connection.close()  # the helper thread's own connection

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        context = contextvars.copy_context()  # the report run's shared work (registry.shared)
        thread = threading.Thread(
            target=context.run, args=(helper, snapshot, translation.get_language()), name="report-helper"
        )
        thread.start()
        try:
            take(queue.popleft)
        finally:
            stop.set()  # after a failure here, the helper stops too
            thread.join()
        for key, run in work.items():  # what a failed helper left undone
            if key not in done:
                done[key] = run()
    return done


def _sorted_metrics() -> list[Metric]:
    rank = {metric_id: index for index, metric_id in enumerate(ORDER)}
    return sorted(all_metrics(), key=lambda m: (rank.get(m.id, len(ORDER)), m.id))


def build_report(
    *, period: Period, office: Office | None, edition: str = Edition.INTERNAL, with_charts: bool = True
) -> Report:
    """The report for the period and office (None: all offices), with the previous period beside it."""
    previous_period = period.previous()
    work: dict[tuple[str, str], Callable[[], Any]] = {}
    for metric in all_metrics():
        work["current", metric.id] = functools.partial(metric.compute, period, office)
    for metric in all_metrics():
        work["previous", metric.id] = functools.partial(metric.compute, previous_period, office)
    if with_charts:
        work["chart", "clock_states"] = functools.partial(charts.clock_states, period, office)
        work["chart", "clock_states_before"] = functools.partial(charts.clock_states, previous_period, office)
        work["chart", "services"] = functools.partial(charts.services_by_month, period, office)
    with report_run(periods=(period, previous_period)):
        done = computed_in_parallel(work) if can_compute_in_parallel() else {key: run() for key, run in work.items()}
    current = {metric.id: done["current", metric.id] for metric in all_metrics()}
    previous = {metric.id: done["previous", metric.id] for metric in all_metrics()}
    chart_data = (
        {
            "clock_states": (done["chart", "clock_states"], done["chart", "clock_states_before"]),
            "services": (done["chart", "services"], None),
        }
        if with_charts
        else {}
    )
    threshold = threshold_for(office)
    figures = {}
    for metric in _sorted_metrics():
        figure = Figure(metric, current[metric.id], previous[metric.id])
        if figure.is_breakdown:
            before = figure.previous if isinstance(figure.previous, dict) else {}
            keys = list(figure.value) + [key for key in before if key not in figure.value]
            figure.parts = [
                Part(
                    key,
                    part_label(key),
                    figure.value.get(key),
                    before.get(key),
                    drillable=key in figure.result.parts,
                )
                for key in keys
            ]
        figures[metric.id] = figure
    suppressed: set[str] = set()
    if edition == Edition.EXTERNAL:
        suppressed = _apply_disclosure(figures, chart_data, threshold)
    report = Report(
        period=period,
        previous_period=previous_period,
        office=office,
        edition=edition,
        threshold=threshold,
        figures=figures,
        sections=[
            Section(section, title, [f for f in figures.values() if f.metric.section == section])
            for section, title in SECTION_TITLES.items()
        ],
        charts=_charts(figures, chart_data, suppressed) if with_charts else {},
        generated_at=timezone.now(),
        suppressed_keys=suppressed,
    )
    report.tables = additions.tables_for(period=period, office=office, edition=edition, threshold=threshold)
    return report


# --- disclosure control ------------------------------------------------------------------------


def _cells(figures: dict[str, Figure], which: str) -> tuple[dict[str, int | None], set[str]]:
    """The counts of one period as named cells ("metric" or "metric.part"), and which are published."""
    values: dict[str, int | None] = {}
    for figure in figures.values():
        value = figure.value if which == "current" else figure.previous
        if isinstance(value, dict):
            for key, part in value.items():
                if isinstance(part, int):
                    values[f"{figure.id}.{key}"] = part
        elif isinstance(value, int) and not isinstance(value, bool) and figure.id not in RESTS_ON:
            values[figure.id] = value
    return values, set(values)


def _add_table(
    tables: list[Table], values: dict[str, int | None], total: str, cells: list[str], exact: bool = True
) -> None:
    """A table whose cells add up to its total. When the cells are not all there is (`exact` is
    False), or do not add up, the rest is an implicit cell that must be protected too."""
    if total not in values and not total.startswith("~"):
        return
    cells = [cell for cell in cells if cell in values]
    if not cells:
        return
    if total.startswith("~"):
        values[total] = sum(values[cell] or 0 for cell in cells)
    rest = (values[total] or 0) - sum(values[cell] or 0 for cell in cells)
    if not exact or rest != 0:
        values[f"~{total}.rest"] = max(rest, 0)
        cells.append(f"~{total}.rest")
    tables.append(Table(total, tuple(cells)))


def report_tables(values: dict[str, int | None], services: dict[str, dict[str, int]] | None = None) -> list[Table]:
    """The additions that link the report's figures (and chart cells), so suppression can follow them."""
    tables: list[Table] = []
    abuse = [f"survivors_by_abuse_type.{kind}" for kind in AbuseType.values]
    _add_table(tables, values, "survivors_supported", abuse)
    states = [f"clock_states.{state}" for state in charts.CLOCK_STATES]
    _add_table(tables, values, "survivors_supported", states)
    groups = [key for key in values if key.startswith("prevention_trained_by_group.")]
    _add_table(tables, values, "prevention_trained", groups)
    _add_table(tables, values, "survivors_employed.total", ["survivors_employed.female"], exact=False)
    _add_table(tables, values, "~awareness_reach", ["awareness_reach.adults", "awareness_reach.children"])
    _add_table(tables, values, "community_members_reached", ["awareness_reach.adults", "education_campaign_reach"])
    _add_table(tables, values, "~books_donated", [key for key in values if key.startswith("books_donated.")])
    _add_table(tables, values, "education_support", ["education_school_levels"], exact=False)
    if services:
        months = list(next(iter(services.values())))
        for kind in services:
            _add_table(tables, values, f"~services.{kind}", [f"services.{month}.{kind}" for month in months])
        for month in months:
            _add_table(tables, values, f"~services.{month}", [f"services.{month}.{kind}" for kind in services])
    return tables


def _apply_disclosure(figures: dict[str, Figure], chart_data: dict[str, Any], threshold: int) -> set[str]:
    """Mark what the external edition withholds; returns the suppressed cells of the current period."""
    suppressed_now: set[str] = set()
    for which in ("current", "previous"):
        values, published = _cells(figures, which)
        services = None
        if "clock_states" in chart_data:
            states = chart_data["clock_states"][0 if which == "current" else 1]
            for state, count in states.items():
                values[f"clock_states.{state}"] = count
                published.add(f"clock_states.{state}")
        if which == "current" and "services" in chart_data:
            services = chart_data["services"][0]
            for kind, months in services.items():
                for month, count in months.items():
                    values[f"services.{month}.{kind}"] = count
                    published.add(f"services.{month}.{kind}")
        suppressed = disclosure.protect(values, published, report_tables(values, services), threshold)
        _mark(figures, suppressed, which, threshold)
        if which == "current":
            suppressed_now = suppressed
        else:
            suppressed_now |= {f"previous:{key}" for key in suppressed}
    return suppressed_now


def _mark(figures: dict[str, Figure], suppressed: set[str], which: str, threshold: int) -> None:
    attribute = "suppressed" if which == "current" else "previous_suppressed"
    for figure in figures.values():
        value = figure.value if which == "current" else figure.previous
        if isinstance(value, Share) or (value is None and figure.is_percent):
            hidden = disclosure.share_suppressed(value.whole if isinstance(value, Share) else None, threshold)
        elif figure.id in RESTS_ON:
            base = figures[RESTS_ON[figure.id]]
            base_value = base.value if which == "current" else base.previous
            hidden = RESTS_ON[figure.id] in suppressed or disclosure.is_small(base_value, threshold)
        else:
            hidden = figure.id in suppressed
        setattr(figure, attribute, hidden)
        for part in figure.parts:
            setattr(part, attribute, f"{figure.id}.{part.key}" in suppressed)


# --- charts ------------------------------------------------------------------------------------


def _charts(figures: dict[str, Figure], data: dict[str, Any], suppressed: set[str]) -> dict[str, charts.Chart]:
    abuse = figures.get("survivors_by_abuse_type")
    found: dict[str, charts.Chart] = {}
    if abuse is not None:
        found["abuse_types"] = charts.bar_chart(
            "abuse_types",
            _("Survivors supported, by abuse type"),
            [charts.Bar(p.key, p.label, None if p.suppressed else p.value) for p in abuse.parts],
        )
    states = data["clock_states"][0]
    found["clock_states"] = charts.stacked_bar(
        "clock_states",
        _("Survivors supported, by the state of their stability clock at the end of the period"),
        [
            charts.Bar(state, label, None if f"clock_states.{state}" in suppressed else states[state])
            for state, label in charts.CLOCK_STATES.items()
        ],
    )
    services = data["services"][0]
    shown = {
        kind: {month: None if f"services.{month}.{kind}" in suppressed else n for month, n in months.items()}
        for kind, months in services.items()
    }
    found["services"] = charts.column_chart(
        "services", _("Services delivered, by month"), shown, dict(charts.SERVICE_KINDS)
    )
    return found


# --- JSON --------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Share):
        return float(value)
    return value


def report_json(report: Report) -> dict[str, Any]:
    """The report as `wholejourney report --format json` prints it. In the external edition a
    suppressed figure is null and listed under "suppressed"."""
    metrics: dict[str, Any] = {}
    for figure in report.figures.values():
        entry: dict[str, Any] = {
            "label": str(figure.metric.label),
            "section": figure.metric.section,
            "definition": str(figure.metric.definition),
        }
        for name, value, hidden, attr in (
            ("value", figure.value, figure.suppressed, "suppressed"),
            ("previous", figure.previous, figure.previous_suppressed, "previous_suppressed"),
        ):
            if isinstance(value, dict):
                entry[name] = {
                    part.key: None if getattr(part, attr) else _plain(value.get(part.key)) for part in figure.parts
                }
                hidden_parts = [part.key for part in figure.parts if getattr(part, attr)]
                if hidden_parts:
                    entry[attr] = hidden_parts
            else:
                entry[name] = None if hidden else _plain(value)
                if hidden:
                    entry[attr] = True
        if figure.denominator is not None and not report.is_external:
            entry["of"] = figure.denominator
        metrics[figure.id] = entry
    document: dict[str, Any] = {
        "period": report.period.as_json(),
        "previous_period": report.previous_period.as_json(),
        "office": report.office.code if report.office else "all",
        "edition": report.edition,
        "metrics": metrics,
    }
    if report.tables:
        document["tables"] = [
            {"title": table.title, "header": table.header, "rows": table.rows, "note": table.note}
            for table in report.tables
        ]
    if report.is_external:
        document["disclosure_threshold"] = report.threshold
    return document
