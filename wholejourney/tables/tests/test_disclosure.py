"""The external edition of a table: small counts withheld, and enough other cells and totals that
no withheld value can be worked out from the published ones by row, column and total arithmetic.

The property test checks the suppression with its own arithmetic (the rank of the additions over
the withheld values), not with the code that chose what to withhold."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from wholejourney.tables import engine


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [list(row) for row in rows if any(row)]
    rank = 0
    width = len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def recoverable(values: dict[str, int | None], withheld: set[str], rows: list[str], columns: list[str]) -> set[str]:
    """The withheld values that the published ones determine: x is determined exactly when adding
    the equation "x = something" to the additions does not raise their rank over the unknowns."""
    unknown = sorted(withheld)
    index = {key: i for i, key in enumerate(unknown)}
    equations = []
    for addition in engine.additions(rows, columns):
        row = [Fraction(0)] * len(unknown)
        if addition.total in index:
            row[index[addition.total]] += 1
        for cell in addition.cells:
            if cell in index:
                row[index[cell]] -= 1
        equations.append(row)
    base = _rank(equations)
    found = set()
    for key in unknown:
        unit = [Fraction(1 if k == key else 0) for k in unknown]
        if _rank([*equations, unit]) == base:
            found.add(key)
    return found


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda n_rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda n_columns: st.tuples(
            st.just(n_rows),
            st.just(n_columns),
            st.lists(
                st.one_of(st.just(0), st.integers(min_value=1, max_value=4), st.integers(min_value=5, max_value=40)),
                min_size=n_rows * n_columns,
                max_size=n_rows * n_columns,
            ),
            st.integers(min_value=2, max_value=10),
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_withheld_value_of_a_random_table_can_be_worked_out(table: tuple[int, int, list[int], int]) -> None:
    n_rows, n_columns, counts, threshold = table
    rows = [f"r{i}" for i in range(n_rows)]
    columns = [f"c{j}" for j in range(n_columns)] if n_columns > 1 else [engine.ALL]
    cells = {
        (row, column): counts[i * len(columns) + j] for i, row in enumerate(rows) for j, column in enumerate(columns)
    }

    withheld = engine.protect(cells, rows, columns, threshold)

    values = engine.values_of(cells, rows, columns)
    small = {key for key, value in values.items() if value is not None and 0 < value < threshold}
    assert small <= withheld
    assert recoverable(values, withheld, rows, columns) == set()


def test_a_single_small_cell_takes_its_row_column_and_another_cell_with_it() -> None:
    rows, columns = ["female", "male"], ["a", "b"]
    cells = {("female", "a"): 2, ("female", "b"): 10, ("male", "a"): 12, ("male", "b"): 20}

    withheld = engine.protect(cells, rows, columns, 5)

    assert engine.cell_key("female", "a") in withheld
    # Its row and column each need a second withheld cell, and those a fourth: a rectangle.
    assert {engine.cell_key("female", "b"), engine.cell_key("male", "a"), engine.cell_key("male", "b")} <= withheld
    assert engine.TOTAL not in withheld and engine.row_key("female") not in withheld


def test_zero_is_published_and_a_table_without_small_counts_is_published_whole() -> None:
    rows, columns = ["x", "y"], ["a", "b"]
    cells = {("x", "a"): 0, ("x", "b"): 10, ("y", "a"): 12, ("y", "b"): 20}

    assert engine.protect(cells, rows, columns, 5) == set()
