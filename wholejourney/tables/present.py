"""A computed table shown as a chart (server-drawn, the report's charts), a spreadsheet and a CSV
file. A withheld cell of the external edition is empty with a * beside it, as in the report."""

from __future__ import annotations

import csv
from io import BytesIO, StringIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from wholejourney.reporting import charts
from wholejourney.reporting.assembly import threshold_for
from wholejourney.tables.engine import Built
from wholejourney.tables.measures import Scope


def threshold_of(scope: Scope) -> int:
    """The disclosure threshold of the offices counted: the strictest of them."""
    if scope.offices is None:
        return threshold_for(None)
    return max(threshold_for(office) for office in scope.offices)


def chart_of(built: Built) -> list[charts.Chart]:
    """One dimension: a bar per row. Two: a bar per row split by the columns, with one legend."""
    if not built.has_columns:
        bars = [charts.Bar(row["key"], row["label"], row["cells"][0]["value"]) for row in built.grid()]
        return [charts.bar_chart("table", built.title, bars)]
    found = []
    for index, row in enumerate(built.grid()):
        bars = [
            charts.Bar(column, label, cell["value"])
            for (column, label), cell in zip(built.columns, row["cells"], strict=True)
        ]
        found.append(charts.stacked_bar(f"table-{index}", row["label"], bars))
    return found


def _heading(built: Built) -> list[str]:
    first = str(built.row_dimension.label) if built.row_dimension else ""
    if not built.has_columns:
        return [first, str(built.measure.label)]
    return [first, *(label for _key, label in built.columns), _("Total")]


def table_rows(built: Built) -> list[list[Any]]:
    """The table as rows of cells (None: withheld), with its heading and totals."""
    lines: list[list[Any]] = [_heading(built)]
    for row in built.grid():
        values = [cell["value"] for cell in row["cells"]]
        lines.append([row["label"], *values, *([row["total"]] if built.has_columns else [])])
    if built.row_dimension is not None:
        totals = built.column_totals() if built.has_columns else []
        lines.append([_("Total"), *totals, built.shown_total()])
    return lines


def _note(built: Built) -> str:
    return _("* withheld: fewer than %(threshold)s, or a figure from which a withheld one could be worked out.") % {
        "threshold": built.threshold
    }


def write_sheet(sheet: Worksheet, built: Built, title: str, start: int = 1) -> int:
    """Write the table into a sheet from row `start`; returns the next free row."""
    sheet.cell(row=start, column=1, value=title).font = Font(bold=True, size=13)
    sheet.cell(row=start + 1, column=1, value=built.scope.period.label())
    row = start + 3
    for index, line in enumerate(table_rows(built)):
        for column, value in enumerate(line, start=1):
            if index and column > 1 and value is None:
                cell = sheet.cell(row=row, column=column, value="*")
            else:
                cell = sheet.cell(row=row, column=column, value=value)
                if index and column > 1:
                    cell.number_format = "#,##0"
            if index == 0 or column == 1:
                cell.font = Font(bold=True)
        row += 1
    if built.external:
        sheet.cell(row=row + 1, column=1, value=_note(built))
        row += 2
    sheet.column_dimensions["A"].width = 40
    return row + 1


def xlsx(built: Built, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 (a new workbook has its sheet)
    sheet.title = _("Table")[:31]
    write_sheet(sheet, built, title)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(built: Built) -> str:
    buffer = StringIO()
    writer = csv.writer(buffer)
    for line in table_rows(built):
        writer.writerow(["*" if value is None else value for value in line])
    if built.external:
        writer.writerow([_note(built)])
    return buffer.getvalue()
