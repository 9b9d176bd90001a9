"""The workbook reader gives each sheet's cells as openpyxl gives them, faster: text, numbers,
dates, yes/no, formulas as text, shared and inline strings, gaps, and the spreadsheet's row numbers."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from wholejourney.imports import reader
from wholejourney.imports.reader import ReadError, XlsxSource


def _trimmed(cells: tuple[object, ...]) -> tuple[object, ...]:
    values = list(cells)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def test_reader_gives_the_cells_openpyxl_gives(tmp_path: Path) -> None:
    workbook = Workbook()  # the normal mode writes shared strings, as Excel does
    sheet = workbook.active
    sheet.title = "clients"
    sheet.append(["client_ref", "prs_FirstName", "prs_Birthdate", "birth_year", "amount", "active", "note"])
    sheet.append(["C1", "ស្រីពៅ", datetime.date(2004, 3, 15), 2004, 12.5, True, "=SUM(A1:A3)"])
    when = datetime.datetime(2001, 1, 2, 9, 30)  # noqa: DTZ001 - a spreadsheet's time has no zone
    sheet.append(["C2", "Thida & <Dara>", when, None, -3, False, "x" * 9000])
    sheet["B6"] = "after a gap"
    sheet["K6"] = 1e-5
    workbook.create_sheet("cases").append(["case_ref"])
    path = tmp_path / "w.xlsx"
    workbook.save(path)
    expected = load_workbook(path, read_only=True)

    source = XlsxSource(path)

    assert source.sheet_names() == ["clients", "cases"]
    for name in source.sheet_names():
        rows = [(number, _trimmed(cells)) for number, cells in source.rows(name)]
        wanted = [_trimmed(cells) for cells in expected[name].iter_rows(values_only=True)]
        assert [cells for _number, cells in rows if cells] == [cells for cells in wanted if cells]
    assert [number for number, _cells in source.rows("clients")] == [1, 2, 3, 6]


def _damaged(tmp_path: Path) -> Path:
    path = tmp_path / "w.xlsx"
    workbook = Workbook()
    workbook.active.title = "clients"
    workbook.active.append(["client_ref"])
    workbook.save(path)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(damaged, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c t='s'><v>99</v></c></row></sheetData>")
            copy.writestr(item, data)
    return damaged


def test_reader_refuses_a_damaged_sheet_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        list(XlsxSource(_damaged(tmp_path)).rows("clients"))

    assert error.value.code == "damaged_sheet"


def test_helper_process_reads_big_sheets_as_this_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "clients"
    for n in range(2500):
        sheet.append([f"C{n}", "ស្រីពៅ" if n % 2 else "Dara", datetime.date(2000, 1, 1 + n % 28), n * 1.5, n % 3 == 0])
    path = tmp_path / "w.xlsx"
    workbook.save(path)
    inline = list(XlsxSource(path).rows("clients"))
    monkeypatch.setattr(reader, "HELPER_MIN_BYTES", 0)

    source = XlsxSource(io.BytesIO(path.read_bytes()))
    try:
        helped = list(source.rows("clients"))
        first = next(iter(source.rows("clients")))  # stopped half way: the next read starts afresh
        again = list(source.rows("clients"))
    finally:
        source.close()

    assert helped == inline
    assert first == inline[0]
    assert again == inline


def test_helper_process_reports_a_damaged_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "HELPER_MIN_BYTES", 0)
    source = XlsxSource(_damaged(tmp_path))
    try:
        with pytest.raises(ReadError) as error:
            list(source.rows("clients"))
    finally:
        source.close()

    assert error.value.code == "damaged_sheet"
