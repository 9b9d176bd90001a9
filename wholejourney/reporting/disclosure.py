"""Disclosure control for the external edition: small counts are suppressed, and so are enough
other cells that no suppressed value can be worked out from what is published.

The report's figures are linked by additions: the survivors by abuse type add up to the survivors
supported, the women employed and the others to all employed, and so on. Each such addition is a
`Table` (a total and its cells). A cell may be *implicit*: never printed but known to exist (the
employed who are not women), so it must be protected too when it is small.

The rule, for a threshold t (5 unless the office sets another):
1. a published count between 1 and t-1 is suppressed (primary suppression); a zero is published;
2. an implicit cell between 1 and t-1 must not become derivable either;
3. while any suppressed or protected value can be derived from the published ones through the
   tables' additions (any combination of them, not only one subtraction), one more published cell
   of a table holding it is suppressed: the smallest non-zero cell, else a zero, else the total
   (complementary suppression);
4. a percentage whose denominator is below t is suppressed.

Derivability is decided exactly: a value is derivable when its unit vector lies in the row space
of the additions restricted to the unknown values (rational Gaussian elimination).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Table:
    """`total` = the sum of `cells`. Keys name values; a key absent from the published set is implicit."""

    total: str
    cells: tuple[str, ...]

    def keys(self) -> tuple[str, ...]:
        return (self.total, *self.cells)


def is_small(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def _rows(tables: Iterable[Table], unknown: list[str]) -> list[list[Fraction]]:
    """Each table as a linear equation over the unknown values (known ones move to the right side,
    which does not matter for what can be derived)."""
    column = {key: i for i, key in enumerate(unknown)}
    rows = []
    for table in tables:
        row = [Fraction(0)] * len(unknown)
        if table.total in column:
            row[column[table.total]] += 1
        for cell in table.cells:
            if cell in column:
                row[column[cell]] -= 1
        if any(row):
            rows.append(row)
    return rows


def _row_echelon(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """Reduced row echelon form (exact)."""
    matrix = [list(row) for row in rows]
    if not matrix:
        return []
    width = len(matrix[0])
    pivot_row = 0
    for col in range(width):
        pivot = next((r for r in range(pivot_row, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[pivot_row], matrix[pivot] = matrix[pivot], matrix[pivot_row]
        lead = matrix[pivot_row][col]
        matrix[pivot_row] = [value / lead for value in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)]
        pivot_row += 1
        if pivot_row == len(matrix):
            break
    return matrix[:pivot_row]


def derivable(tables: Iterable[Table], unknown: Iterable[str]) -> set[str]:
    """The unknown values that the published ones determine exactly through the tables."""
    unknown_list = sorted(set(unknown))
    echelon = _row_echelon(_rows(list(tables), unknown_list))
    # In reduced row echelon form, a variable is determined exactly when some row has it as its
    # only non-zero entry.
    found = set()
    for row in echelon:
        nonzero = [i for i, value in enumerate(row) if value != 0]
        if len(nonzero) == 1:
            found.add(unknown_list[nonzero[0]])
    return found


def protect(
    values: Mapping[str, int | None],
    published: Iterable[str],
    tables: Iterable[Table],
    threshold: int = DEFAULT_THRESHOLD,
) -> set[str]:
    """The published keys to suppress so that no small value, published or implicit, and no
    suppressed value can be derived from what remains published."""
    published_set = {key for key in published if values.get(key) is not None}
    table_list = [table for table in tables if all(key in values for key in table.keys())]
    suppressed = {key for key in published_set if is_small(values[key], threshold)}
    protected = suppressed | {
        key
        for table in table_list
        for key in table.keys()
        if key not in published_set and is_small(values[key], threshold)
    }
    all_keys = {key for table in table_list for key in table.keys()} | set(values)
    while True:
        unknown = (all_keys - published_set) | suppressed
        exposed = sorted(derivable(table_list, unknown) & (protected | suppressed))
        if not exposed:
            return suppressed
        complement = _complement_for(exposed[0], values, published_set - suppressed, table_list, unknown)
        if complement is None:  # nothing published is linked to it: then it cannot be derived
            raise ValueError(f"cannot protect {exposed[0]!r}")
        suppressed.add(complement)


def _linked(key: str, tables: list[Table], unknown: set[str]) -> list[Table]:
    """The tables holding `key`, then those reached from them through unknown values."""
    reached = [table for table in tables if key in table.keys()]
    frontier = {k for table in reached for k in table.keys() if k in unknown}
    while True:
        more = [t for t in tables if t not in reached and frontier & set(t.keys())]
        if not more:
            return reached
        reached += more
        frontier = {k for table in more for k in table.keys() if k in unknown}


def _complement_for(
    key: str, values: Mapping[str, int | None], available: set[str], tables: list[Table], unknown: set[str]
) -> str | None:
    """The published cell to suppress next to `key`: in a table that holds `key`, the smallest
    non-zero cell, else a zero cell, else the total; failing that, the same in the tables linked
    to it through unknown values."""
    holding = [table for table in tables if key in table.keys()]
    for candidates in (holding, _linked(key, tables, unknown)):
        cells = sorted(
            {cell for table in candidates for cell in table.cells if cell in available and cell != key},
            key=lambda cell: (values[cell] == 0, values[cell] or 0, cell),
        )
        if cells:
            return cells[0]
        totals = sorted({table.total for table in candidates if table.total in available and table.total != key})
        if totals:
            return totals[0]
    return None


def share_suppressed(denominator: int | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A percentage of fewer than `threshold` people tells too much about each of them."""
    return denominator is None or denominator < threshold
