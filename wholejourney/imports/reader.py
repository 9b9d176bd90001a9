"""Reading an office workbook: an XLSX file, or a folder of CSV files named after the sheets
(`clients.csv`, `cases.csv`, …) with the same columns.

Rows are streamed, never held: openpyxl's read-only mode reads one row at a time, and each sheet can
be read again (the checks read the workbook once, the loader a second time). Cells come back as
written; turning them into dates and codes is the checks' work (validate.py).
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from openpyxl import load_workbook

from wholejourney.imports.format import SHEET_BY_NAME

ZIP_SIGNATURE = b"PK\x03\x04"
# A workbook of 100,000 clients and a million services unpacks to a few GB of XML; a zip bomb to far more.
MAX_UNPACKED_BYTES = 16 * 1024**3
MAX_RATIO = 250
# Sheets a workbook may carry besides the data: the template's help sheet.
IGNORED_SHEETS = frozenset({"help", "read me", "readme", "lists"})

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ReadError(Exception):
    """The file as a whole cannot be read. `code` names the message (validate.MESSAGES)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normal_name(value: Any) -> str:
    """How a sheet or column name is compared: Unicode NFC, case and surrounding spaces ignored."""
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


class Source(Protocol):
    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number as the user sees it, cells), header row first."""
        ...

    def estimated_rows(self, sheet: str) -> int: ...

    def close(self) -> None: ...


@dataclass
class XlsxSource:
    path: Path | IO[bytes]

    def __post_init__(self) -> None:
        self._workbook = _open_xlsx(self.path)
        self._names = {normal_name(name): name for name in self._workbook.sheetnames}

    def sheet_names(self) -> list[str]:
        return list(self._workbook.sheetnames)

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        worksheet = self._workbook[sheet]
        try:
            yield from enumerate(worksheet.iter_rows(values_only=True), start=1)
        # openpyxl raises many kinds of errors on a damaged sheet; each means the same to the user.
        except Exception as exc:  # noqa: BLE001
            raise ReadError("damaged_sheet", sheet=sheet) from exc

    def estimated_rows(self, sheet: str) -> int:
        try:
            return max(0, (self._workbook[sheet].max_row or 0) - 1)
        except Exception:  # noqa: BLE001 - a sheet without dimensions counts as unknown
            return 0

    def close(self) -> None:
        self._workbook.close()


@dataclass
class CsvFolder:
    path: Path

    def __post_init__(self) -> None:
        self._files = {file.stem: file for file in sorted(self.path.glob("*.csv")) if file.is_file()}
        if not self._files:
            raise ReadError("no_csv")

    def sheet_names(self) -> list[str]:
        return list(self._files)

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            with self._files[sheet].open(encoding="utf-8-sig", newline="") as handle:
                for number, cells in enumerate(csv.reader(handle), start=1):
                    yield number, tuple(cells)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ReadError("bad_csv", sheet=sheet) from exc

    def estimated_rows(self, sheet: str) -> int:
        # A guess from the size (about 80 bytes a row), to size the progress bar before counting.
        return max(0, self._files[sheet].stat().st_size // 80)

    def close(self) -> None:
        return None


def _open_xlsx(path: Path | IO[bytes]) -> Any:
    if isinstance(path, Path):
        with path.open("rb") as handle:
            head = handle.read(len(ZIP_SIGNATURE))
    else:
        head = path.read(len(ZIP_SIGNATURE))
        path.seek(0)
    if not head:
        raise ReadError("empty_file")
    if head != ZIP_SIGNATURE:
        raise ReadError("not_a_workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError("not_a_workbook") from exc
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise ReadError("not_a_workbook")
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked > packed * MAX_RATIO + 10 * 1024**2:
        raise ReadError("zip_bomb")
    if not isinstance(path, Path):
        path.seek(0)
    try:
        # data_only=False: a formula comes back as its text ("=SUM(…)") and is refused by the checks.
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - see XlsxSource.rows
        raise ReadError("not_a_workbook") from exc


def open_source(path: Path | str) -> Source:
    """An XLSX workbook, or a folder of CSV files."""
    path = Path(path)
    if path.is_dir():
        return CsvFolder(path)
    if not path.is_file():
        raise ReadError("no_file")
    return XlsxSource(path)


def open_bytes(data: bytes) -> Source:
    """A workbook uploaded through the page: read from memory, never written out in the clear."""
    return XlsxSource(io.BytesIO(data))


def known_sheets(source: Source) -> dict[str, str]:
    """The format's sheet name → the source's own spelling of it."""
    found = {}
    for name in source.sheet_names():
        key = normal_name(name)
        if key in SHEET_BY_NAME:
            found[key] = name
    return found


def cell_text(value: Any) -> str:
    """A cell as text, for a column read as text (a phone number typed as a number keeps no '.0')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet_header(source: Source, sheet: str) -> tuple[int, tuple[Any, ...]] | None:
    for number, cells in source.rows(sheet):
        return number, cells
    return None
