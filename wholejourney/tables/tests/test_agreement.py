"""Tables agree with the report: on the demo organisation, every measure that is a registry figure
adds up to it, and every figure that is one cell of a measure's table is that cell."""

from __future__ import annotations

from typing import Any

import pytest

from wholejourney.core.models import Office
from wholejourney.reporting.registry import Period, get_metric
from wholejourney.tables import engine
from wholejourney.tables.measures import MEASURES, Scope

YEAR = Period.year(2023)


@pytest.fixture
def kh(demo_office: str) -> Office:
    return Office.objects.get(code="KH")


@pytest.mark.django_db
def test_clients_supported_by_sex_and_age_band_adds_up_to_the_reports_368(
    kh: Office, django_assert_num_queries: Any
) -> None:
    scope = Scope(YEAR, (kh,))

    with django_assert_num_queries(1):
        table = engine.build(MEASURES["clients_supported"], ["sex", "age_band"], scope)

    assert table.total == 368
    assert sum(table.row_total(row) for row, _label in table.rows) == 368
    assert sum(table.column_total(column) for column, _label in table.columns) == 368
    assert get_metric("survivors_supported").compute(YEAR, kh).value == 368
    assert len(table.rows) >= 2 and len(table.columns) >= 2


@pytest.mark.django_db
@pytest.mark.parametrize("measure_id", [m.id for m in MEASURES.values() if m.metric_id])
def test_a_measure_that_is_a_figure_adds_up_to_it(kh: Office, measure_id: str) -> None:
    measure = MEASURES[measure_id]
    dimension = next(iter(measure.dimensions))

    table = engine.build(measure, [dimension], Scope(YEAR, (kh,)))

    assert table.total == get_metric(measure.metric_id or "").compute(YEAR, kh).value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("measure_id", "metric_id", "dimension", "value"),
    [(m.id, *cell) for m in MEASURES.values() for cell in m.cells_of],
)
def test_a_figure_that_is_a_cell_of_a_table_is_that_cell(
    kh: Office, measure_id: str, metric_id: str, dimension: str, value: str
) -> None:
    measure = MEASURES[measure_id]
    table = engine.build(measure, [dimension], Scope(YEAR, (kh,)))
    figure = get_metric(metric_id).compute(YEAR, kh).value
    expected = figure.get(value, 0) if isinstance(figure, dict) else figure

    assert table.cell(value, engine.ALL) == expected


@pytest.mark.django_db
def test_all_offices_and_each_office_agree_with_the_report(kh: Office) -> None:
    measure = MEASURES["clients_supported"]

    everywhere = engine.build(measure, ["office"], Scope(YEAR, None))

    assert everywhere.total == get_metric("survivors_supported").compute(YEAR, None).value


@pytest.mark.django_db
@pytest.mark.parametrize("measure_id", list(MEASURES))
def test_every_dimension_pair_is_one_query_and_adds_up(
    kh: Office, measure_id: str, django_assert_num_queries: Any
) -> None:
    measure = MEASURES[measure_id]
    dimensions = list(measure.dimensions)
    total = engine.build(measure, [], Scope(YEAR, (kh,))).total

    for first in dimensions:
        for second in dimensions:
            if first == second:
                continue
            with django_assert_num_queries(1):
                table = engine.build(measure, [first, second], Scope(YEAR, (kh,)))
            assert table.total == total, (first, second)
