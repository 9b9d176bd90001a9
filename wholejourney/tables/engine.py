"""Computing a table: one aggregate query (GROUP BY the dimensions) over the measure's records,
never a loop over rows; and for the external edition, the annual report's disclosure control with
the table's own additions (each row, each column, the totals).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.functional import Promise

from wholejourney.reporting import disclosure
from wholejourney.reporting.disclosure import Table as Addition
from wholejourney.tables.measures import DIMENSIONS, NOT_KNOWN, Dimension, Measure, Scope

MAX_DIMENSIONS = 2
# The key of the single column (or row) of a table with fewer than two dimensions.
ALL = "*"

TOTAL = "total"


def row_key(row: str) -> str:
    return f"row:{row}"


def column_key(column: str) -> str:
    return f"col:{column}"


def cell_key(row: str, column: str) -> str:
    return f"cell:{row}|{column}"


@dataclass
class Built:
    """A computed table. `cells[(row, column)]` is a count; rows and columns keep their order."""

    measure: Measure
    scope: Scope
    row_dimension: Dimension | None
    column_dimension: Dimension | None
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], int]
    # Keys (see `cell_key`, `row_key`, `column_key`, TOTAL) withheld in the external edition.
    suppressed: set[str] = field(default_factory=set)
    external: bool = False
    threshold: int = disclosure.DEFAULT_THRESHOLD

    def cell(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    def row_total(self, row: str) -> int:
        return sum(self.cell(row, column) for column, _label in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.cell(row, column) for row, _label in self.rows)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def shown(self, key: str, value: int) -> int | None:
        """A value as published: None when withheld."""
        return None if key in self.suppressed else value

    @property
    def has_columns(self) -> bool:
        return self.column_dimension is not None

    def grid(self) -> list[dict[str, Any]]:
        """Rows for a template: label, cells (key, value or None, column) and the row total."""
        return [
            {
                "key": row,
                "label": label,
                "cells": [
                    {"row": row, "column": column, "value": self.shown(cell_key(row, column), self.cell(row, column))}
                    for column, _clabel in self.columns
                ],
                "total": self.shown(row_key(row), self.row_total(row)),
            }
            for row, label in self.rows
        ]

    def column_totals(self) -> list[int | None]:
        return [self.shown(column_key(column), self.column_total(column)) for column, _label in self.columns]

    def shown_total(self) -> int | None:
        return self.shown(TOTAL, self.total)

    @property
    def title(self) -> str | Promise:
        return self.measure.label


def _key(dimension: Dimension, value: Any) -> str:
    """A dimension value as the table names it (a month "2023-04", a quarter "2023-Q2")."""
    if value is None:
        return NOT_KNOWN
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if dimension.id == "quarter":
            return f"{value.year}-Q{(value.month + 2) // 3}"
        return f"{value.year}-{value.month:02d}"
    return str(value)


def _ordered(dimension: Dimension, scope: Scope, found: set[str]) -> list[tuple[str, str]]:
    """A fixed list in its order, with any value found outside it after; else the values found, sorted."""
    fixed = dimension.choices(scope) if dimension.choices else []
    known = {key for key, _label in fixed}
    extra = sorted(found - known)
    # A "not known" row is shown only when something is not known.
    listed = [(key, label) for key, label in fixed if key != NOT_KNOWN or key in found]
    return listed + [(key, dimension.label_of(key, scope)) for key in extra]


def grouped(measure: Measure, dimensions: list[str], scope: Scope) -> QuerySet[Any]:
    """The table's one query: the measure's records grouped by the dimensions, counted."""
    if len(dimensions) > MAX_DIMENSIONS or len(set(dimensions)) != len(dimensions):
        raise ValueError("A table has up to two different dimensions.")
    for dimension in dimensions:
        if not measure.supports(dimension):
            raise ValueError(f"{measure.id} cannot be split by {dimension}")
    annotations = {f"d{i}": measure.dimensions[dimension](scope) for i, dimension in enumerate(dimensions)}
    records = measure.records_in(scope).order_by()
    return records.annotate(**annotations).values(*annotations).annotate(n=Count("pk")).order_by()


def build(measure: Measure, dimensions: list[str], scope: Scope) -> Built:
    """Compute the table (one query)."""
    row_dimension = DIMENSIONS[dimensions[0]] if dimensions else None
    column_dimension = DIMENSIONS[dimensions[1]] if len(dimensions) > 1 else None
    cells: dict[tuple[str, str], int] = {}
    for found in grouped(measure, dimensions, scope):
        row = _key(row_dimension, found["d0"]) if row_dimension else ALL
        column = _key(column_dimension, found["d1"]) if column_dimension else ALL
        cells[row, column] = cells.get((row, column), 0) + found["n"]
    rows = _ordered(row_dimension, scope, {r for r, _c in cells}) if row_dimension else [(ALL, str(measure.label))]
    columns = _ordered(column_dimension, scope, {c for _r, c in cells}) if column_dimension else [(ALL, "")]
    return Built(measure, scope, row_dimension, column_dimension, rows, columns, cells)


# --- disclosure control ------------------------------------------------------------------------------


def additions(rows: list[str], columns: list[str]) -> list[Addition]:
    """How a table's published values are linked: each row adds up to its total, each column to
    its total, and the row totals and the column totals each add up to the table's total. A table
    of one column has no row totals (each would be its one cell): its cells add up to the total."""
    if len(columns) == 1:
        return [Addition(TOTAL, tuple(cell_key(row, columns[0]) for row in rows))]
    found = [Addition(row_key(row), tuple(cell_key(row, column) for column in columns)) for row in rows]
    found += [Addition(column_key(column), tuple(cell_key(row, column) for row in rows)) for column in columns]
    found.append(Addition(TOTAL, tuple(column_key(column) for column in columns)))
    found.append(Addition(TOTAL, tuple(row_key(row) for row in rows)))
    return found


def values_of(cells: dict[tuple[str, str], int], rows: list[str], columns: list[str]) -> dict[str, int | None]:
    """Every published value of the table by its key: cells, row and column totals, the total."""
    values: dict[str, int | None] = {}
    for row in rows:
        for column in columns:
            values[cell_key(row, column)] = cells.get((row, column), 0)
        if len(columns) > 1:
            values[row_key(row)] = sum(cells.get((row, column), 0) for column in columns)
    if len(columns) > 1:
        for column in columns:
            values[column_key(column)] = sum(cells.get((row, column), 0) for row in rows)
    values[TOTAL] = sum(cells.get((row, column), 0) for row in rows for column in columns)
    return values


def protect(cells: dict[tuple[str, str], int], rows: list[str], columns: list[str], threshold: int) -> set[str]:
    """The keys to withhold, by the annual report's rule (`reporting.disclosure`): every count
    from 1 to threshold-1 among cells and totals (a zero is published), then, while any withheld
    value can be worked out from the published ones through the table's additions (decided
    exactly by `disclosure.derivable`), one more published value linked to one: the smallest
    non-zero cell, else a zero cell, else a total. The candidates are those of every addition
    holding a value that is still exposed, so a cell is preferred over a total wherever one would do."""
    values = values_of(cells, rows, columns)
    links = additions(rows, columns)
    withheld = {key for key, value in values.items() if disclosure.is_small(value, threshold)}
    while True:
        exposed = disclosure.derivable(links, withheld) & withheld
        if not exposed:
            return withheld
        holding = [addition for addition in links if exposed & set(addition.keys())]
        candidates = sorted(
            {cell for addition in holding for cell in addition.cells if cell.startswith("cell:")} - withheld,
            key=lambda key: (values[key] == 0, values[key] or 0, key),
        )
        if not candidates:
            candidates = sorted({key for addition in holding for key in addition.keys()} - withheld)
        if not candidates:  # nothing published is linked to it: then it could not be worked out
            raise ValueError("cannot protect the table")
        withheld.add(candidates[0])


def external(built: Built, threshold: int) -> Built:
    """The table as it may be shared outside: small counts withheld, with complementary suppression."""
    rows = [row for row, _label in built.rows]
    columns = [column for column, _label in built.columns]
    built.suppressed = protect(built.cells, rows, columns, threshold)
    built.external = True
    built.threshold = threshold
    return built
