"""The domain scores over time as an SVG line chart, drawn on the server (no JavaScript).

The SVG sits in the page, so it uses the page's language; its text names the Khmer fonts first so
that Khmer is shaped even where the browser's default sans-serif font has no Khmer. Colours are
from the Okabe-Ito palette (told apart with the common colour-vision deficiencies), and each line
also has its own dash pattern and marker, so the chart reads in greyscale. The page puts the same
figures in a table under the chart for screen readers and for anyone who wants the numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family=\'"Noto Sans Khmer", "Khmer OS System", sans-serif\''
WIDTH = 420
LEFT, RIGHT, TOP = 30, 14, 12
PLOT_HEIGHT = 170
AXIS_HEIGHT = 30  # below the plot: the dates
LEGEND_ROW = 20
CRISIS_COLOUR = "#a31b1b"
RUN_FILL = "#fbeec1"
INK, MUTED, GRID = "#1d2330", "#5b6474", "#d5d9e0"


@dataclass(frozen=True)
class Line:
    key: str  # the domain
    label: str
    colour: str
    dash: str  # stroke-dasharray, "" for solid
    marker: str  # circle | square | triangle | diamond
    nudge: float  # px up or down, so lines with equal scores stay apart


LINE_STYLES = (
    ("protection", "#0072B2", "", "circle", -2.25),
    ("wellbeing", "#D55E00", "7 3", "square", -0.75),
    ("economic", "#009E73", "2 3", "triangle", 0.75),
    ("social", "#CC79A7", "9 3 2 3", "diamond", 2.25),
)


@dataclass(frozen=True)
class Layout:
    """A chart's size in its own units. The page shows the narrow one on phones and the wide one on
    larger screens, each at about its own size, so the text stays readable on both."""

    width: int
    plot_height: int
    legend_columns: int
    font_size: int
    most_ticks: int


NARROW = Layout(width=300, plot_height=170, legend_columns=1, font_size=13, most_ticks=3)
WIDE = Layout(width=680, plot_height=220, legend_columns=2, font_size=13, most_ticks=8)


@dataclass(frozen=True)
class Point:
    day: datetime.date
    scores: dict[str, Decimal]


@dataclass(frozen=True)
class ChartText:
    """Everything the chart says, already in the user's language."""

    title: str
    desc: str
    domains: dict[str, str]
    threshold: str  # e.g. "stable (3.0)"
    crisis: str
    run: str
    empty: str


def lines_for(domains: dict[str, str]) -> list[Line]:
    return [Line(key, domains[key], colour, dash, marker, nudge) for key, colour, dash, marker, nudge in LINE_STYLES]


def _ticks(start: datetime.date, end: datetime.date, most: int) -> list[datetime.date]:
    """First days of months between start and end, every 1, 2, 3 or 6 months from the first one
    (or every 1, 2, 5… years, on 1 January), the finest step that gives at most `most`."""
    first = start.year * 12 + start.month - (1 if start.day == 1 else 0)  # months since year 0, 0-based
    last = end.year * 12 + end.month - 1
    for step in (1, 2, 3, 6, 12, 24, 60, 120):
        origin = first if step < 12 else -(-first // 12) * 12
        months = range(origin, last + 1, step)
        if len(months) <= most:
            return [datetime.date(month // 12, month % 12 + 1, 1) for month in months]
    return []


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.6' fill='{colour}'/>"
    if shape == "square":
        return f"<rect x='{x - 3.3:.1f}' y='{y - 3.3:.1f}' width='6.6' height='6.6' fill='{colour}'/>"
    if shape == "triangle":
        return f"<polygon points='{x:.1f},{y - 4.4:.1f} {x + 4.2:.1f},{y + 3:.1f} {x - 4.2:.1f},{y + 3:.1f}' fill='{colour}'/>"
    return f"<polygon points='{x:.1f},{y - 4.6:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4.6:.1f} {x - 4:.1f},{y:.1f}' fill='{colour}'/>"


def domain_chart(
    *,
    points: Sequence[Point],
    text: ChartText,
    threshold: Decimal,
    scale: tuple[int, int] = (1, 4),
    crises: Sequence[datetime.date] = (),
    runs: Sequence[tuple[datetime.date, datetime.date]] = (),
    until: datetime.date | None = None,
    layout: Layout = WIDE,
    chart_id: str = "domain-chart",
) -> SafeString:
    """An SVG of each domain's score at each assessment, with the stable threshold, the crises
    (red lines) and the clock's runs (shaded). `runs` are (start, end) pairs; the time axis runs
    from the first record to the last, or to `until` (today, while a clock is running)."""
    width, plot_height = layout.width, layout.plot_height
    plot_width = width - LEFT - RIGHT
    lines = lines_for(text.domains)
    legend: list[tuple[str, Line | str]] = [
        *((line.label, line) for line in lines),
        (text.threshold, "threshold"),
        (text.run, "run"),
        (text.crisis, "crisis"),
    ]
    legend_rows = -(-len(legend) // layout.legend_columns)
    height = TOP + plot_height + AXIS_HEIGHT + legend_rows * LEGEND_ROW + 6
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart {'narrow' if layout is NARROW else 'wide'}' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img' "
        f"aria-labelledby='{chart_id}-title {chart_id}-desc' {FONT} font-size='{layout.font_size}' fill='{INK}'>",
        f"<title id='{chart_id}-title'>{escape(text.title)}</title>",
        f"<desc id='{chart_id}-desc'>{escape(text.desc)}</desc>",
    ]
    low, high = scale

    def y_of(score: float) -> float:
        return TOP + plot_height - (score - low) / (high - low) * plot_height

    for value in range(low, high + 1):
        y = y_of(value)
        parts.append(f"<line x1='{LEFT}' x2='{width - RIGHT}' y1='{y:.1f}' y2='{y:.1f}' stroke='{GRID}'/>")
        parts.append(f"<text x='{LEFT - 8}' y='{y + 4:.1f}' text-anchor='end' fill='{MUTED}'>{value}</text>")

    days = [point.day for point in points] + list(crises)
    if not days:
        parts.append(
            f"<text x='{LEFT + plot_width / 2:.1f}' y='{TOP + plot_height / 2:.1f}' text-anchor='middle' "
            f"fill='{MUTED}'>{escape(text.empty)}</text>"
        )
    else:
        start, end = min(days), max([*days, *([until] if until else [])])
        if (end - start).days < 30:
            start, end = start - datetime.timedelta(days=15), end + datetime.timedelta(days=15)
        span = (end - start).days

        def x_of(day: datetime.date) -> float:
            clamped = min(max(day, start), end)
            return LEFT + (clamped - start).days / span * plot_width

        for run_start, run_end in runs:
            if run_end < start or run_start > end:
                continue
            x1, x2 = x_of(run_start), x_of(run_end)
            parts.append(
                f"<rect x='{x1:.1f}' y='{TOP}' width='{max(x2 - x1, 2):.1f}' height='{plot_height}' fill='{RUN_FILL}'/>"
            )
        for tick in _ticks(start, end, layout.most_ticks):
            x = x_of(tick)
            bottom = TOP + plot_height
            parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{bottom}' y2='{bottom + 5}' stroke='{MUTED}'/>")
            parts.append(
                f"<text x='{x:.1f}' y='{bottom + 20}' text-anchor='middle' fill='{MUTED}'>"
                f"{escape(date_format(tick, 'M Y'))}</text>"
            )
        for day in crises:
            x = x_of(day)
            parts.append(
                f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{TOP}' y2='{TOP + plot_height}' stroke='{CRISIS_COLOUR}' "
                "stroke-width='2' stroke-dasharray='4 2'/>"
            )
        ty = y_of(float(threshold))
        parts.append(
            f"<line x1='{LEFT}' x2='{width - RIGHT}' y1='{ty:.1f}' y2='{ty:.1f}' stroke='{INK}' stroke-width='1.5' "
            "stroke-dasharray='5 4'/>"
        )
        for line in lines:
            coords = [(x_of(point.day), y_of(float(point.scores[line.key])) + line.nudge) for point in points]
            dash = f" stroke-dasharray='{line.dash}'" if line.dash else ""
            if len(coords) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
                parts.append(
                    f"<polyline points='{path}' fill='none' stroke='{line.colour}' stroke-width='2.5'{dash} "
                    "stroke-linejoin='round'/>"
                )
            parts.extend(_marker(line.marker, x, y, line.colour) for x, y in coords)
    parts.append(
        f"<rect x='{LEFT}' y='{TOP}' width='{plot_width}' height='{plot_height}' fill='none' stroke='{MUTED}'/>"
    )

    # The legend, in columns under the dates.
    legend_top = TOP + plot_height + AXIS_HEIGHT + 4
    column = (width - LEFT) / layout.legend_columns
    for number, (label, item) in enumerate(legend):
        x = LEFT + (number % layout.legend_columns) * column
        y = legend_top + (number // layout.legend_columns) * LEGEND_ROW
        if isinstance(item, Line):
            dash = f" stroke-dasharray='{item.dash}'" if item.dash else ""
            parts.append(
                f"<line x1='{x:.1f}' x2='{x + 26:.1f}' y1='{y + 6:.1f}' y2='{y + 6:.1f}' stroke='{item.colour}' "
                f"stroke-width='2.5'{dash}/>"
            )
            parts.append(_marker(item.marker, x + 13, y + 6, item.colour))
        elif item == "threshold":
            parts.append(
                f"<line x1='{x:.1f}' x2='{x + 26:.1f}' y1='{y + 6:.1f}' y2='{y + 6:.1f}' stroke='{INK}' "
                "stroke-width='1.5' stroke-dasharray='5 4'/>"
            )
        elif item == "run":
            parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='26' height='12' fill='{RUN_FILL}' stroke='{GRID}'/>")
        else:
            parts.append(
                f"<line x1='{x + 13:.1f}' x2='{x + 13:.1f}' y1='{y - 1:.1f}' y2='{y + 13:.1f}' "
                f"stroke='{CRISIS_COLOUR}' stroke-width='2' stroke-dasharray='4 2'/>"
            )
        parts.append(f"<text x='{x + 34:.1f}' y='{y + 10:.1f}'>{escape(label)}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
