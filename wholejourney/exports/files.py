"""Writing a table as XLSX or CSV, safely, and keeping the file encrypted while it waits.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (and some read a leading
tab or carriage return the same way) as a formula: a value typed into a record could then fetch
data or run commands on the reader's computer. Every such text cell is written with a leading
single quote, so it is shown as the text it is (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from wholejourney.core import crypto
from wholejourney.exports.models import ExportFormat

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


def neutralise(value: Any) -> Any:
    """The value as a cell may hold it: text that a spreadsheet would run is prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def worksheet_text(value: Any) -> Any:
    """Text a worksheet can hold: the control characters XLSX refuses (a vertical tab is Word's
    line break, and comes with pasted names) become spaces. openpyxl would refuse the whole file,
    quoting the value in its error."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(str(value)) if not isinstance(value, int | float) else value


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value  # spreadsheets have no time zones
    if isinstance(value, dict | list):
        value = str(value)
    return neutralise(worksheet_text(value))


def render(fmt: str, header: list[str], rows: Iterable[list[Any]]) -> tuple[bytes, int]:
    """The file's bytes and the number of rows written."""
    count = 0
    if fmt == ExportFormat.CSV:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
            count += 1
        # With a byte-order mark, spreadsheet programs read the Khmer script as UTF-8.
        return text.getvalue().encode("utf-8-sig"), count
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count


def _aad(export_id: int) -> bytes:
    return f"exports.exportrequest|file|{export_id}".encode()


def store(export_id: int, fmt: str, content: bytes) -> str:
    """Save the file encrypted under the master key; returns its path in the media storage."""
    name = f"exports/{secrets.token_hex(16)}.{fmt}.wj"
    sealed = crypto.encrypt_master(content, _aad(export_id)).encode()
    return default_storage.save(name, ContentFile(sealed))


def load(export_id: int, path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        token = handle.read().decode()
    kind, key_id, body = crypto.parse(token)
    return crypto.decrypt_master(key_id, body, _aad(export_id))


def remove(path: str) -> None:
    if path and default_storage.exists(path):
        default_storage.delete(path)
