"""Reading the rows of an XLSX workbook's sheets, fast: a sheet's XML is parsed a block at a time
(expat) and each row handed on as it ends, with the cells as openpyxl's read-only sheets give them
(values only, formulas as "=…" text, dates as datetimes); openpyxl reads the workbook's structure,
shared strings and date styles. (openpyxl's own read-only sheets parse each sheet whole once just to
size it, and read a cell at a time far slower than a million rows need.)

A big sheet is parsed by a helper process (Helper) while this one checks the rows it already has:
two processors instead of one. The helper gets the workbook's path, or its bytes through a socket
(an upload is never written out in the clear), and sends the rows back the same way. This module
imports nothing of Django, so the helper starts quickly.
"""

from __future__ import annotations

import io
import pyexpat
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601

Row = tuple[int, tuple[Any, ...]]
# Rows sent through the socket at a time, and messages received ahead of the reading at most.
ROWS_PER_MESSAGE = 1000
RECEIVED = 32
_STOPPED = object()


class Book:
    """An XLSX workbook's sheets (name → the path of its XML), shared strings and date styles."""

    def __init__(self, source: str | IO[bytes]) -> None:
        reader = _WorkbookReader(source, read_only=True, data_only=False)
        reader.read()
        workbook = reader.wb
        self.archive = reader.archive
        self.sheets: dict[str, str | None] = reader.sheet_paths
        self.shared_strings: list[str] = list(reader.shared_strings)
        self.date_styles = frozenset(str(style) for style in workbook._date_formats)
        self.timedelta_styles = frozenset(str(style) for style in workbook._timedelta_formats)
        self.epoch = workbook.epoch


class _WorkbookReader(ExcelReader):  # type: ignore[misc]
    def read_worksheets(self) -> None:
        """Where each sheet is, without opening it."""
        self.sheet_paths = {}
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files:
                self.sheet_paths[sheet.name] = None if "chartsheet" in rel.Type else rel.target


DIMENSION = re.compile(r"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_BLOCK = 1 << 16
# Element local names the reader acts on.
_CELL, _VALUE, _TEXT, _FORMULA, _ROW, _INLINE, _PHONETIC = range(1, 8)
_TAGS = {"c": _CELL, "v": _VALUE, "t": _TEXT, "f": _FORMULA, "row": _ROW, "is": _INLINE, "rPh": _PHONETIC}
_ENDS = frozenset({_CELL, _VALUE, _TEXT, _FORMULA, _ROW})
MAX_COLUMNS = 16384  # Excel's


def _letters(reference: str) -> int:
    """0 for A, 1 for B, … from a cell reference (B12); -1 without letters."""
    number = 0
    for char in reference:
        code = ord(char) | 0x20  # lower case
        if 97 <= code <= 122:
            number = number * 26 + code - 96
        else:
            break
    return number - 1


_COLUMNS: dict[str, int] = {}


def _column(reference: str) -> int:
    # A sheet names the same few columns a million times: remember each one's number.
    letters = reference.rstrip("0123456789")
    number = _COLUMNS.get(letters)
    if number is None:
        number = _letters(letters)
        if len(_COLUMNS) < MAX_COLUMNS:
            _COLUMNS[letters] = number
    return number


class _SheetParser:
    """Turns a sheet's XML, fed in blocks, into rows of cell values as openpyxl's read-only sheets
    give them (values_only, formulas as "=…" text), with the row numbers the spreadsheet shows.
    expat calls it once per element; the rows finished so far wait in `done`."""

    def __init__(self, book: Book) -> None:
        self.shared = book.shared_strings
        self.date_styles = book.date_styles
        self.timedelta_styles = book.timedelta_styles
        self.epoch = book.epoch
        self.tags: dict[str, int] = {}  # an element's name (with its namespace) → what it is
        self.ends: dict[str, int] = {}  # the same for the elements whose end matters
        self.done: list[tuple[int, tuple[Any, ...]]] = []
        self.row: list[Any] | None = None
        self.number = 0
        self.text: list[str] | None = None
        self.reference: str | None = None
        self.kind = "n"
        self.style: str | None = None
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.formula: str | None = None
        self.in_phonetic = False

    def _tag(self, name: str) -> int:
        code = self.tags[name] = _TAGS.get(name.rpartition(" ")[2], 0)
        self.ends[name] = code if code in _ENDS else 0
        return code

    # The branches come in the order of how often they are taken.
    def start(self, name: str, attributes: dict[str, str]) -> None:
        code = self.tags.get(name)
        if code is None:
            code = self._tag(name)
        if code == _CELL:
            self.reference = attributes.get("r")
            self.kind = attributes.get("t", "n")
            self.style = attributes.get("s")
            self.value = self.inline = self.formula = None
            self.in_phonetic = False
        elif code == _INLINE:
            self.inline = []
        elif code == _TEXT:
            # A sheet's <t> is a piece of an inline string (<is>), but not of its phonetic reading.
            if self.inline is not None and not self.in_phonetic:
                self.text = []
        elif code == _VALUE or code == _FORMULA:
            self.text = []
        elif code == _ROW:
            try:
                number = int(attributes.get("r") or 0)
            except ValueError:
                number = 0
            self.number = number if number > self.number else self.number + 1
            self.row = []
        elif code == _PHONETIC:
            self.in_phonetic = True

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, name: str) -> None:
        code = self.ends.get(name, 0)
        if not code:
            return
        if code == _TEXT:
            if self.text is not None and self.inline is not None:
                self.inline.append("".join(self.text))
            self.text = None
        elif code == _CELL:
            self._cell()
        elif code == _VALUE:
            self.value = "".join(self.text or ())
            self.text = None
        elif code == _ROW:
            if self.row is not None:
                self.done.append((self.number, tuple(self.row)))
            self.row = None
        elif code == _FORMULA:
            self.formula = "=" + "".join(self.text or ())
            self.text = None

    def _cell(self) -> None:
        row = self.row
        if row is None:
            return
        value: Any
        if self.formula is not None:
            value = self.formula
        elif self.kind == "inlineStr":
            value = "".join(self.inline) if self.inline is not None else None
        else:
            value = self.value or None
            kind = self.kind
            if value is None:
                pass
            elif kind == "n":
                value = float(value) if ("." in value or "e" in value or "E" in value) else int(value)
                if self.style in self.date_styles:
                    try:
                        value = from_excel(value, self.epoch, timedelta=self.style in self.timedelta_styles)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"
            elif kind == "s":
                value = self.shared[int(value)]
            elif kind == "b":
                value = bool(int(value))
            elif kind == "d":
                value = from_ISO8601(value)
        index = _column(self.reference) if self.reference else len(row)
        if index < 0:
            index = len(row)
        if index >= MAX_COLUMNS:
            raise ValueError("a cell beyond the last column")
        if index >= len(row):
            row.extend([None] * (index - len(row)))
            row.append(value)
        else:
            row[index] = value


def sheet_rows(book: Book, path: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    state = _SheetParser(book)
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = state.start
    parser.EndElementHandler = state.end
    parser.CharacterDataHandler = state.characters
    with book.archive.open(path) as handle:
        while True:
            block = handle.read(_BLOCK)
            parser.Parse(block, not block)
            if state.done:
                yield from state.done
                state.done = []
            if not block:
                return


# --- the helper process --------------------------------------------------------------------------


class SheetError(Exception):
    """The helper could not read the sheet (a damaged sheet)."""


class Helper:
    """A process that parses sheets of one workbook on request and sends their rows back.

    A plain child interpreter (`python -m wholejourney.imports.xlsx`), not multiprocessing's spawn,
    which would first run the parent's main script again; it talks over a socket pair."""

    def __init__(self, source: str | bytes) -> None:
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module, our socket
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        theirs.close()
        self._connection = Connection(ours.detach())
        self._connection.send(source)
        self.peak_kb: int | None = None

    def rows(self, path: str) -> Iterator[Row]:
        """The sheet's rows. Stopped half way, the helper is of no more use: close it.

        A thread takes the helper's messages off the socket as they come, so that neither process
        waits for the other while both have work (up to RECEIVED messages ahead)."""
        self._connection.send(path)
        received: queue.Queue[Any] = queue.Queue(RECEIVED)
        stop = threading.Event()

        def receive() -> None:
            try:
                while not stop.is_set():
                    message = self._connection.recv()
                    received.put(message)
                    if not isinstance(message, list):
                        return  # the end of the sheet (None), or what failed
            except (EOFError, OSError):
                received.put(_STOPPED)

        thread = threading.Thread(target=receive, name="import-reader-receive", daemon=True)
        thread.start()
        try:
            while True:
                message = received.get()
                if message is None:
                    return
                if message is _STOPPED:
                    raise SheetError("the helper stopped")
                if isinstance(message, str):
                    raise SheetError(message)
                yield from message
        finally:
            stop.set()
            while thread.is_alive():  # let it finish a put into a full queue
                try:
                    received.get_nowait()
                except queue.Empty:
                    thread.join(timeout=0.1)

    def close(self) -> None:
        """Stop the helper; its peak memory (kB) is kept in `peak_kb` when it says."""
        try:
            self._connection.send(None)
            if self._connection.poll(5):
                message = self._connection.recv()
                if isinstance(message, int):
                    self.peak_kb = message
                    PEAKS_KB.append(message)
        except (OSError, EOFError, ValueError):
            pass
        self._connection.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# The peak memory of each helper that finished (kB), for the benchmark.
PEAKS_KB: list[int] = []


def _peak_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return 0


def _serve(connection: Connection) -> None:
    """The helper's loop: the workbook (path or bytes) first, then a sheet's path in and its rows out
    in messages, then None (or what failed); at the end, its peak memory."""
    try:
        source = connection.recv()
        book = Book(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception:  # noqa: BLE001 - said to the importing process, which stops
        connection.send("unreadable workbook")
        return
    while True:
        try:
            path = connection.recv()
        except EOFError:
            return
        if path is None:
            connection.send(_peak_kb())
            return
        batch: list[Row] = []
        try:
            for row in sheet_rows(book, path):
                batch.append(row)
                if len(batch) >= ROWS_PER_MESSAGE:
                    connection.send(batch)
                    batch = []
            connection.send(batch)
            connection.send(None)
        except (BrokenPipeError, EOFError):
            return
        except Exception:  # noqa: BLE001 - a damaged sheet: said, never its content
            connection.send("damaged sheet")


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
