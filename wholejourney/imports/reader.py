"""Reading an office workbook: an XLSX file, or a folder of CSV files named after the sheets
(`clients.csv`, `cases.csv`, …) with the same columns.

Rows are streamed, never held (xlsx.py reads a workbook's sheets; a big sheet in a helper process).
Cells come back as written, as openpyxl gives them; turning them into dates and codes is the checks'
work (validate.py). The import reads the workbook once (the loader writes what the check kept).
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

from wholejourney.core.text import strip_invisible
from wholejourney.imports import xlsx
from wholejourney.imports.format import SHEET_BY_NAME

ZIP_SIGNATURE = b"PK\x03\x04"
# A workbook of 100,000 clients and a million services unpacks to a few GB of XML; a zip bomb to far more.
MAX_UNPACKED_BYTES = 16 * 1024**3
MAX_RATIO = 250
# A sheet of this much XML or more (about 30,000 rows) is parsed by a helper process (xlsx.Helper).
HELPER_MIN_BYTES = 8 * 1024**2
# Sheets a workbook may carry besides the data: the template's help sheet.
IGNORED_SHEETS = frozenset({"help", "read me", "readme", "lists"})

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ReadError(Exception):
    """The file as a whole cannot be read. `code` names the message (problems.MESSAGES)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normal_name(value: Any) -> str:
    """How a sheet or column name is compared: Unicode NFC, case, surrounding spaces and invisible
    characters (core.text) ignored."""
    return unicodedata.normalize("NFC", strip_invisible(str(value))).strip().casefold()


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
        self._book = _open_xlsx(self.path)
        self._helper: xlsx.Helper | None = None

    def sheet_names(self) -> list[str]:
        return list(self._book.sheets)

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        path = self._book.sheets[sheet]
        if path is None:  # a chart sheet: no rows
            return
        try:
            if self._book.archive.getinfo(path).file_size >= HELPER_MIN_BYTES:
                yield from self._helped_rows(path)
            else:
                yield from xlsx.sheet_rows(self._book, path)
        # A damaged sheet fails in many ways (XML, numbers, string indexes); each means the same to the user.
        except Exception as exc:  # noqa: BLE001
            raise ReadError("damaged_sheet", sheet=sheet) from exc

    def _helped_rows(self, path: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        if self._helper is None:
            source = str(self.path) if isinstance(self.path, Path) else _bytes_of(self.path)
            self._helper = xlsx.Helper(source)
        finished = False
        try:
            yield from self._helper.rows(path)
            finished = True
        finally:
            if not finished:  # stopped half way: the rest of the sheet is still on its way
                self._helper.close()
                self._helper = None

    def estimated_rows(self, sheet: str) -> int:
        path = self._book.sheets[sheet]
        try:
            with self._book.archive.open(path or "") as handle:
                head = handle.read(4096).decode("utf-8", "replace")
            found = xlsx.DIMENSION.search(head)
            if found:
                return max(0, int(found.group(1)) - 1)
            return self._book.archive.getinfo(path or "").file_size // 250
        except Exception:  # noqa: BLE001 - a sheet without dimensions counts as unknown
            return 0

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None
        self._book.archive.close()


def _bytes_of(stream: IO[bytes]) -> bytes:
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    stream.seek(0)
    return stream.read()


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


def _open_xlsx(path: Path | IO[bytes]) -> xlsx.Book:
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
        return xlsx.Book(str(path) if isinstance(path, Path) else path)
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
    """A cell as text, for a column read as text (a phone number typed as a number keeps no '.0'),
    without invisible characters (core.text)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return strip_invisible(str(value))


def sheet_header(source: Source, sheet: str) -> tuple[int, tuple[Any, ...]] | None:
    for number, cells in source.rows(sheet):
        return number, cells
    return None
