"""The report as a spreadsheet (openpyxl): one sheet per section, then the definitions. Figures
are numbers (shares as numbers with a percent format of one decimal), never text; a withheld
figure of the external edition is an empty cell with a * beside it."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from wholejourney.reporting.assembly import Figure, Report
from wholejourney.reporting.registry import Share

HEADER = Font(bold=True)


def _number(value: Any) -> tuple[Any, str | None]:
    """A value for a cell and its number format."""
    if isinstance(value, Share):
        return float(value) / 100, "0.0%"
    if isinstance(value, bool) or value is None:
        return None, None
    if isinstance(value, int):
        return value, "#,##0"
    if isinstance(value, float):
        return value, "0.0"
    return None, None


def _write(sheet: Worksheet, row: int, values: list[Any], formats: list[str | None] | None = None) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if formats and column - 1 < len(formats) and formats[column - 1]:
            cell.number_format = formats[column - 1]  # type: ignore[assignment]


def _figure_rows(figure: Figure) -> list[tuple[str, str, Any, bool, Any, bool]]:
    """(id, label, value, withheld, previous, withheld) for a figure and each part."""
    if figure.is_breakdown:
        return [
            (f"{figure.id}.{part.key}", f"{figure.metric.label}: {part.label}", part.value, part.suppressed,
             part.previous, part.previous_suppressed)
            for part in figure.parts
        ]  # fmt: skip
    return [
        (figure.id, str(figure.metric.label), figure.value, figure.suppressed, figure.previous,
         figure.previous_suppressed)
    ]  # fmt: skip


def render(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for section in report.sections:
        sheet = book.create_sheet(title=str(section.title)[:31])
        sheet.append([str(section.title), report.office_label, report.period.label()])
        sheet["A1"].font = Font(bold=True, size=14)
        headers = ["id", _("Figure"), report.period.label(), "", report.previous_period.label(), ""]
        _write(sheet, 3, headers)
        for cell in sheet[3]:
            cell.font = HEADER
        row = 4
        figures = list(section.figures)
        for figure in figures:
            for metric_id, label, value, hidden, previous, previous_hidden in _figure_rows(figure):
                current_cell, current_format = (None, None) if hidden else _number(value)
                previous_cell, previous_format = (None, None) if previous_hidden else _number(previous)
                _write(
                    sheet,
                    row,
                    [metric_id, str(label), current_cell, "*" if hidden else None, previous_cell,
                     "*" if previous_hidden else None],
                    [None, None, current_format, None, previous_format, None],
                )  # fmt: skip
                row += 1
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 70
        sheet.column_dimensions["C"].width = 14
        sheet.column_dimensions["D"].width = 3
        sheet.column_dimensions["E"].width = 14
        sheet.column_dimensions["F"].width = 3
        if report.is_external:
            sheet.cell(row=row + 1, column=2, value=_withheld_note(report))
    if report.tables:
        _tables_sheet(book.create_sheet(title=_("Tables")[:31]), report)
    definitions = book.create_sheet(title=_("Definitions")[:31])
    _write(definitions, 1, ["id", _("Figure"), _("Section"), _("How it is counted")])
    for cell in definitions[1]:
        cell.font = HEADER
    row = 2
    for section in report.sections:
        for figure in section.figures:
            _write(
                definitions,
                row,
                [figure.id, str(figure.metric.label), str(section.title), str(figure.metric.definition)],
            )
            definitions.cell(row=row, column=4).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    definitions.column_dimensions["A"].width = 34
    definitions.column_dimensions["B"].width = 60
    definitions.column_dimensions["C"].width = 18
    definitions.column_dimensions["D"].width = 90
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _withheld_note(report: Report) -> str:
    return _("* withheld: fewer than %(threshold)s, or a figure from which a withheld one could be worked out.") % {
        "threshold": report.threshold
    }


def _tables_sheet(sheet: Worksheet, report: Report) -> None:
    """The tables other apps add beside the figures (saved tables), one under the other."""
    row = 1
    for table in report.tables:
        sheet.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=13)
        if table.note:
            sheet.cell(row=row + 1, column=1, value=table.note)
        row += 3
        _write(sheet, row, table.header)
        for cell in sheet[row]:
            cell.font = HEADER
        row += 1
        for line in [*table.rows, *([table.footer] if table.footer else [])]:
            values = [line[0], *("*" if value is None else value for value in line[1:])]
            _write(sheet, row, values, [None, *("#,##0" for _value in line[1:])])
            row += 1
        row += 2
    if report.is_external:
        sheet.cell(row=row, column=1, value=_withheld_note(report))
    sheet.column_dimensions["A"].width = 40
