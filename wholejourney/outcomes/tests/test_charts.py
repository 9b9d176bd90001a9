"""The SVG chart of domain scores: its time axis, its text escaped, an empty chart that says so."""

from __future__ import annotations

import datetime
from decimal import Decimal

from wholejourney.outcomes import charts

D = datetime.date
TEXT = charts.ChartText(
    title="Scores <b>",
    desc="desc & more",
    domains={"protection": "P", "wellbeing": "W", "economic": "E", "social": "<script>alert(1)</script>"},
    threshold="stable (3.0)",
    crisis="crisis",
    run="clock running",
    empty="No assessment yet.",
)


def point(day: datetime.date, score: str) -> charts.Point:
    return charts.Point(day, {domain: Decimal(score) for domain in TEXT.domains})


def test_ticks_take_the_finest_step_that_fits() -> None:
    assert charts._ticks(D(2026, 2, 16), D(2026, 11, 23), 3) == [D(2026, 3, 1), D(2026, 6, 1), D(2026, 9, 1)]
    assert charts._ticks(D(2024, 8, 4), D(2026, 11, 23), 3) == [D(2025, 1, 1), D(2026, 1, 1)]


def test_chart_escapes_every_text() -> None:
    svg = charts.domain_chart(points=[point(D(2026, 1, 1), "3"), point(D(2026, 4, 1), "2.5")], text=TEXT,
                              threshold=Decimal("3.0"))  # fmt: skip

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Scores &lt;b&gt;" in svg and "desc &amp; more" in svg
    assert svg.count("<polyline") == 4


def test_chart_without_assessments_says_so() -> None:
    svg = charts.domain_chart(points=[], text=TEXT, threshold=Decimal("3.0"), layout=charts.NARROW)

    assert "No assessment yet." in svg and "<polyline" not in svg
    assert "viewBox='0 0 300 " in svg
