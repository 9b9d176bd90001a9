"""The report's charts: their data from records, drawn as SVG on the server.

Every word of a chart (titles, labels, legends) is HTML around the SVG, never SVG text: WeasyPrint
draws SVG text glyph by glyph, without the shaping Khmer script needs, while HTML text is shaped.
The SVG itself holds only shapes and ASCII digits (axis ticks, month numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import CounselingSession, EconomicService, EducationSupport, LegalService, Visit
from wholejourney.cases.metrics import supported_clients, supported_count
from wholejourney.core.models import Office
from wholejourney.outcomes.metrics import clock_runs_of
from wholejourney.outcomes.models import ClockState
from wholejourney.reporting.registry import Period

PALETTE = ["#7a2e5a", "#2a6f97", "#c26d1a", "#4d8b31", "#6b6b6b", "#b23a48", "#5c4d9a"]

SERVICE_KINDS: dict[str, str | Promise] = {
    "counseling": _("Counseling sessions"),
    "legal": _("Legal and protection services"),
    "education": _("Education support"),
    "economic": _("Economic empowerment services"),
    "visits": _("Follow-up visits"),
}

CLOCK_STATES: dict[str, str | Promise] = {
    ClockState.State.NOT_STARTED.value: _("Not yet stable in all four domains"),
    ClockState.State.RUNNING.value: _("Stability clock running"),
    ClockState.State.WHOLE.value: _("Whole (stable for the whole run)"),
}


# --- data --------------------------------------------------------------------------------------


def clock_states(period: Period, office: Office | None) -> dict[str, int]:
    """The survivors supported in the period by the state of their stability clock at its end
    (a client never assessed has not started); they add up to the survivors supported."""
    day = period.end
    # The runs going on that day (a client has at most one) of the clients supported.
    going = (
        clock_runs_of(office)
        .filter(started_on__lte=day, client__in=supported_clients(period, office).order_by())
        .filter(Q(reset_on__isnull=True) | Q(reset_on__gt=day))
    )
    counts = going.aggregate(
        whole=Count("pk", filter=Q(whole_on__lte=day)), running=Count("pk", filter=Q(whole_on__gt=day))
    )
    return {
        ClockState.State.NOT_STARTED.value: supported_count(period, office) - counts["whole"] - counts["running"],
        ClockState.State.RUNNING.value: counts["running"],
        ClockState.State.WHOLE.value: counts["whole"],
    }


def _by_month(records: QuerySet[Any], field_name: str, period: Period) -> dict[str, int]:
    dated = records.filter(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})
    # count(*), not count(id): the rows can then be counted from an index on the date alone.
    rows = dated.order_by().annotate(month=TruncMonth(field_name)).values("month").annotate(n=Count("*"))
    return {f"{row['month']:%Y-%m}": row["n"] for row in rows}


def services_by_month(period: Period, office: Office | None) -> dict[str, dict[str, int]]:
    """Service records dated in each month of the period, by kind of service ({kind: {"2023-01": n}})."""
    by_client: dict[str, Any] = {
        "legal": (LegalService.objects.all(), "provided_on"),
        "education": (EducationSupport.objects.all(), "provided_on"),
        "economic": (EconomicService.objects.all(), "provided_on"),
        "visits": (Visit.objects.all(), "visited_on"),
    }
    sessions = CounselingSession.objects.all()
    months = [f"{year}-{month:02d}" for year, month in period.months()]
    counts = {"counseling": _by_month(sessions.filter(office=office) if office else sessions, "held_on", period)}
    for kind, (records, field_name) in by_client.items():
        counts[kind] = _by_month(records.filter(client__office=office) if office else records, field_name, period)
    return {kind: {month: counts[kind].get(month, 0) for month in months} for kind in SERVICE_KINDS}


# --- drawing -----------------------------------------------------------------------------------


@dataclass
class Bar:
    key: str
    label: str | Promise
    value: int | None  # None: suppressed
    colour: str = PALETTE[0]
    width: float = 0.0  # percent of the longest bar


@dataclass
class Chart:
    id: str
    title: str | Promise
    bars: list[Bar] = field(default_factory=list)
    svg: SafeString = mark_safe("")  # noqa: S308 (empty)
    legend: list[Bar] = field(default_factory=list)
    note: str | Promise = ""


def bar_chart(chart_id: str, title: str | Promise, bars: list[Bar]) -> Chart:
    """Horizontal bars, one per row; the template lays out label, bar and value (HTML)."""
    longest = max((bar.value or 0 for bar in bars), default=0)
    for index, bar in enumerate(bars):
        bar.colour = PALETTE[index % len(PALETTE)]
        bar.width = 0.0 if not longest or bar.value is None else round(100 * bar.value / longest, 2)
    return Chart(id=chart_id, title=title, bars=bars)


def bar_svg(bar: Bar) -> SafeString:
    return format_html(
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height="14" '
        'aria-hidden="true" focusable="false"><rect x="0" y="0" width="{}" height="10" fill="{}"/></svg>',
        f"{bar.width:.2f}",
        bar.colour,
    )


def stacked_bar(chart_id: str, title: str | Promise, bars: list[Bar]) -> Chart:
    """One bar split into parts (shares of a whole), with a legend."""
    total = sum(bar.value or 0 for bar in bars)
    x = 0.0
    rects = []
    for index, bar in enumerate(bars):
        bar.colour = PALETTE[index % len(PALETTE)]
        bar.width = 0.0 if not total or bar.value is None else 100 * bar.value / total
        if bar.width:
            rects.append((f"{x:.2f}", f"{bar.width:.2f}", bar.colour))
            x += bar.width
    svg = format_html(
        '<svg class="stacked" viewBox="0 0 100 12" preserveAspectRatio="none" width="100%" height="28" '
        'role="img" aria-label="{}">{}</svg>',
        title,
        format_html_join("", '<rect x="{}" y="0" width="{}" height="12" fill="{}"/>', rects),
    )
    return Chart(id=chart_id, title=title, bars=bars, svg=svg, legend=bars)


def _nice_step(value: int) -> int:
    """A round step (1, 2 or 5 times a power of ten) for four gridlines to reach `value`."""
    raw = max(value / 4, 1)
    magnitude = 10 ** int(math.floor(math.log10(raw)))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(raw)


def _total(values: Any) -> int | None:
    found = list(values)
    return None if any(value is None for value in found) else sum(found)


def column_chart(
    chart_id: str, title: str | Promise, series: dict[str, dict[str, int | None]], labels: dict[str, Any]
) -> Chart:
    """Stacked columns, one per month, one colour per series. Axis ticks and month numbers are
    the only text inside the SVG (digits)."""
    months = list(next(iter(series.values()))) if series else []
    totals = [sum(series[kind][month] or 0 for kind in series) for month in months]
    step = _nice_step(max(totals, default=0))
    top = 4 * step
    width, height, left, bottom, top_pad = 640, 240, 44, 22, 8
    plot_h = height - bottom - top_pad
    slot = (width - left) / max(len(months), 1)
    column = slot * 0.7
    same_year = len({month[:4] for month in months}) <= 1
    parts = []
    for tick in range(5):
        value = step * tick
        y = top_pad + plot_h - plot_h * tick / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d5d9e0" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#5b6474">{}</text>',
                left,
                width,
                f"{y:.1f}",
                f"{y:.1f}",
                left - 6,
                f"{y + 4:.1f}",
                value,
            )
        )
    for index, month in enumerate(months):
        x = left + slot * index + (slot - column) / 2
        y = top_pad + plot_h
        for series_index, kind in enumerate(series):
            count = series[kind][month]
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    f"{x:.1f}",
                    f"{y:.1f}",
                    f"{column:.1f}",
                    f"{h:.1f}",
                    PALETTE[series_index % len(PALETTE)],
                )
            )
        tick_label = month[5:] if same_year else f"{month[5:]}/{month[2:4]}"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#5b6474">{}</text>',
                f"{x + column / 2:.1f}",
                height - 6,
                tick_label,
            )
        )
    svg = format_html(
        '<svg class="columns" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'font-family="DejaVu Sans, sans-serif">{}</svg>',
        width,
        height,
        title,
        mark_safe("".join(parts)),  # noqa: S308 (each part built with format_html)
    )
    # A series total is shown only when none of its months is suppressed: it would give one away.
    legend = [
        Bar(kind, labels[kind], _total(series[kind].values()), PALETTE[i % len(PALETTE)])
        for i, kind in enumerate(series)
    ]
    return Chart(id=chart_id, title=title, svg=svg, legend=legend)
