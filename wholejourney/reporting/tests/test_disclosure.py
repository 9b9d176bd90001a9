"""Disclosure control: small counts are withheld, and no withheld value can be worked out by
subtraction from what the table publishes (its other cells and its total)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholejourney.reporting.disclosure import Table, derivable, is_small, protect, share_suppressed

EXAMPLES = settings(max_examples=1000, deadline=None)


def attack_by_subtraction(
    values: dict[str, int | None], published: set[str], tables: list[Table]
) -> dict[str, int | None]:
    """What someone holding the published cells learns by subtracting, again and again: whenever
    a table has a single unknown value, they compute it from the others."""
    known = {key: values[key] for key in published}
    learned = True
    while learned:
        learned = False
        for table in tables:
            unknown = [key for key in table.keys() if key not in known]
            if len(unknown) != 1:
                continue
            missing = unknown[0]
            cells = sum(known[cell] or 0 for cell in table.cells if cell != missing)
            known[missing] = known[table.total] - cells if missing != table.total else cells  # type: ignore[operator]
            learned = True
    return known


@st.composite
def one_table(draw: Any) -> tuple[dict[str, int | None], set[str], list[Table], int]:
    """A breakdown and its total; some cells may be implicit (counted in the total, never shown)."""
    threshold = draw(st.integers(min_value=2, max_value=11))
    count = draw(st.integers(min_value=1, max_value=8))
    cells = {f"c{i}": draw(st.integers(min_value=0, max_value=40)) for i in range(count)}
    implicit = {key for key in cells if draw(st.booleans()) and draw(st.booleans())}
    values: dict[str, int | None] = {**cells, "total": sum(cells.values())}
    published = (set(cells) - implicit) | ({"total"} if draw(st.booleans()) or not implicit else set())
    return values, published, [Table("total", tuple(cells))], threshold


@st.composite
def linked_tables(draw: Any) -> tuple[dict[str, int | None], set[str], list[Table], int]:
    """A two-way table (rows by columns) with row totals, column totals and a grand total, as
    the report's months by kind of service; all published."""
    threshold = draw(st.integers(min_value=2, max_value=8))
    rows = draw(st.integers(min_value=1, max_value=4))
    columns = draw(st.integers(min_value=1, max_value=4))
    grid = {(r, c): draw(st.integers(min_value=0, max_value=25)) for r in range(rows) for c in range(columns)}
    values: dict[str, int | None] = {f"x{r}{c}": n for (r, c), n in grid.items()}
    tables = []
    for r in range(rows):
        values[f"r{r}"] = sum(grid[r, c] for c in range(columns))
        tables.append(Table(f"r{r}", tuple(f"x{r}{c}" for c in range(columns))))
    for c in range(columns):
        values[f"k{c}"] = sum(grid[r, c] for r in range(rows))
        tables.append(Table(f"k{c}", tuple(f"x{r}{c}" for r in range(rows))))
    values["all"] = sum(grid.values())
    tables.append(Table("all", tuple(f"r{r}" for r in range(rows))))
    tables.append(Table("all", tuple(f"k{c}" for c in range(columns))))
    return values, set(values), tables, threshold


@st.composite
def nested_tables(draw: Any) -> tuple[dict[str, int | None], set[str], list[Table], int]:
    """A total split into groups, each group split into sub-groups (survivors by abuse type, by sub-type)."""
    threshold = draw(st.integers(min_value=2, max_value=8))
    groups = draw(st.integers(min_value=1, max_value=4))
    values: dict[str, int | None] = {}
    tables = []
    for g in range(groups):
        subs = draw(st.integers(min_value=1, max_value=4))
        for s in range(subs):
            values[f"g{g}s{s}"] = draw(st.integers(min_value=0, max_value=30))
        values[f"g{g}"] = sum(values[f"g{g}s{s}"] or 0 for s in range(subs))
        tables.append(Table(f"g{g}", tuple(f"g{g}s{s}" for s in range(subs))))
    values["total"] = sum(values[f"g{g}"] or 0 for g in range(groups))
    tables.append(Table("total", tuple(f"g{g}" for g in range(groups))))
    return values, set(values), tables, threshold


def _check(values: dict[str, int | None], published: set[str], tables: list[Table], threshold: int) -> None:
    suppressed = protect(values, published, tables, threshold)
    shown = published - suppressed
    learned = attack_by_subtraction(values, shown, tables)
    small = {key for key, value in values.items() if is_small(value, threshold)}

    # Every small published count is withheld, and only published cells are.
    assert {key for key in published if key in small} <= suppressed <= published
    # No withheld value, and no small implicit one, can be worked out by subtraction ...
    assert not (set(learned) - shown) & (suppressed | small)
    # ... nor by any combination of the tables' additions (the stronger, exact test).
    assert not derivable(tables, set(values) - shown) & (suppressed | small)


@EXAMPLES
@given(one_table())
def test_one_table_no_suppressed_value_is_derivable(case: Any) -> None:
    _check(*case)


@EXAMPLES
@given(linked_tables())
def test_two_way_table_no_suppressed_value_is_derivable(case: Any) -> None:
    _check(*case)


@EXAMPLES
@given(nested_tables())
def test_nested_tables_no_suppressed_value_is_derivable(case: Any) -> None:
    _check(*case)


@EXAMPLES
@given(one_table())
def test_a_table_without_small_counts_is_published_whole(case: Any) -> None:
    values, published, tables, threshold = case
    if any(is_small(value, threshold) for value in values.values()):
        return
    assert protect(values, published, tables, threshold) == set()


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    values: dict[str, int | None] = {"total": 20, "a": 3, "b": 10, "c": 7}

    suppressed = protect(values, set(values), [Table("total", ("a", "b", "c"))], 5)

    assert suppressed == {"a", "c"}


def test_a_small_cell_behind_an_unpublished_total_stands_alone() -> None:
    values: dict[str, int | None] = {"total": 20, "a": 3, "b": 10, "c": 7}

    suppressed = protect(values, {"a", "b", "c"}, [Table("total", ("a", "b", "c"))], 5)

    assert suppressed == {"a"}


def test_a_small_implicit_rest_withholds_a_published_cell() -> None:
    # 13 employed, 10 of them women: publishing both says 3 are men.
    values: dict[str, int | None] = {"employed": 13, "women": 10, "others": 3}

    suppressed = protect(values, {"employed", "women"}, [Table("employed", ("women", "others"))], 5)

    assert suppressed == {"women"}


def test_zero_is_published() -> None:
    values: dict[str, int | None] = {"total": 20, "a": 0, "b": 20}

    assert protect(values, set(values), [Table("total", ("a", "b"))], 5) == set()


def test_a_share_of_few_people_is_withheld() -> None:
    assert share_suppressed(4, 5) and share_suppressed(None, 5)
    assert not share_suppressed(5, 5)


@pytest.mark.parametrize(
    ("count", "threshold", "withheld"),
    [
        pytest.param(0, 5, False, id="zero"),
        pytest.param(1, 5, True, id="one"),
        pytest.param(4, 5, True, id="threshold_minus_one"),
        pytest.param(5, 5, False, id="threshold"),
        pytest.param(6, 5, False, id="threshold_plus_one"),
        pytest.param(9, 10, True, id="office_threshold_minus_one"),
        pytest.param(10, 10, False, id="office_threshold"),
    ],
)
def test_a_count_is_withheld_only_between_one_and_the_threshold_minus_one(
    count: int, threshold: int, withheld: bool
) -> None:
    values: dict[str, int | None] = {"survivors": count}

    suppressed = protect(values, {"survivors"}, [], threshold)

    assert suppressed == ({"survivors"} if withheld else set())
