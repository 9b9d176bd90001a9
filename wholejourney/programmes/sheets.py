"""Attendance from paper: the XLSX template an officer fills in after a day in a province, and the
reader of the filled-in sheet.

The template's headers and help are in English and Khmer; its drop-down lists are in the language
of whoever downloads it. The reader accepts, in the choice columns, the codes and the English and
Khmer labels, finds the columns by their header (in either language, in any order), and refuses
a file that is not a workbook, is too large or has too many rows with one clear message. It reads
the sheet row by row (openpyxl's read-only mode) and keeps every value as written: phone numbers
and references are text, a name is only trimmed at its ends and loses its invisible characters
(core.text).
"""

from __future__ import annotations

import datetime
import io
import json
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wholejourney.clients.models import Sex
from wholejourney.core.text import strip_invisible
from wholejourney.programmes.models import AgeBand, ParticipantGroup

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# A 5 MB zip can unpack to gigabytes; a real attendance sheet of 5,000 rows unpacks to a few MB.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
ZIP_SIGNATURE = b"PK\x03\x04"
# How many rows at the top may come before the header row (a title, a date line).
HEADER_SEARCH_ROWS = 10
LANGUAGES = ("en", "km")


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    help: str | Promise
    choices: Sequence[tuple[str, Any]] = ()
    as_text: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "ref",
        gettext_lazy("Reference"),
        gettext_lazy(
            "Your own code for the person, the same on every sheet (for example the number on their card). "
            "If you leave it empty, the app makes one from the row, so that uploading the same sheet again "
            "adds no one twice."
        ),
        as_text=True,
    ),
    Column("name", gettext_lazy("Name"), gettext_lazy("Optional. Leave it empty if the person prefers.")),
    Column("phone", gettext_lazy("Phone"), gettext_lazy("Optional. Kept as text, so a leading 0 stays."), as_text=True),
    Column("sex", gettext_lazy("Sex"), gettext_lazy("Choose from the list."), choices=Sex.choices),
    Column(
        "age_band",
        gettext_lazy("Age group"),
        gettext_lazy("Choose from the list, or write the age in years."),
        choices=AgeBand.choices,
    ),
    Column(
        "group",
        gettext_lazy("Participant group"),
        gettext_lazy("Required. Choose from the list."),
        choices=ParticipantGroup.choices,
    ),
    Column("village", gettext_lazy("Village"), gettext_lazy("Optional.")),
    Column("commune", gettext_lazy("Commune"), gettext_lazy("Optional.")),
    Column("province", gettext_lazy("Province"), gettext_lazy("Optional.")),
    Column(
        "organisation",
        gettext_lazy("Organisation"),
        gettext_lazy("Optional. The name of a partner organisation, written as it is in the app."),
    ),
    Column("pre_test", gettext_lazy("Pre-test score"), gettext_lazy("0 to 100. Only for trainings with tests.")),
    Column("post_test", gettext_lazy("Post-test score"), gettext_lazy("0 to 100. Only for trainings with tests.")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_COLUMNS = ("group",)


class SheetError(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


def _normal(value: Any) -> str:
    """How a header or a choice is compared: Unicode NFC, case and spaces ignored."""
    text = unicodedata.normalize("NFC", str(value)).casefold()
    return " ".join(text.replace("*", " ").split())


def _in_each_language(text: str | Promise) -> dict[str, str]:
    found = {}
    for language in LANGUAGES:
        with translation.override(language):
            found[language] = str(text)
    return found


def bilingual(text: str | Promise) -> str:
    """ "English / ខ្មែរ", or the English alone while a text has no Khmer translation."""
    found = _in_each_language(text)
    return found["en"] if found["km"] == found["en"] else f"{found['en']} / {found['km']}"


def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in COLUMNS:
        names = {
            column.key,
            column.key.replace("_", " "),
            bilingual(column.label),
            *_in_each_language(column.label).values(),
        }
        for name in names:
            aliases[_normal(name)] = column.key
    return aliases


def _choice_aliases(column: Column) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for code, label in column.choices:
        for name in (code, bilingual(label), *_in_each_language(label).values()):
            if name:
                aliases.setdefault(_normal(name), code)
    if column.key == "sex":
        aliases |= {"f": Sex.FEMALE, "m": Sex.MALE}
    return aliases


# --- the template ----------------------------------------------------------------------------


def attendance_template() -> bytes:
    """The template, with its drop-down lists in the active language."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "Attendance"
    lists = workbook.create_sheet("Lists")
    help_sheet = workbook.create_sheet("Help")

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF0F4")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=bilingual(column.label))
        cell.font, cell.fill = bold, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 24
        if column.as_text:
            # Text, so Excel keeps a phone's leading 0 and does not turn a reference into a number.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 36

    list_column = 0
    for index, column in enumerate(COLUMNS, start=1):
        if not column.choices:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.key)
        labels = [str(label) for code, label in column.choices if code]
        for row, label in enumerate(labels, start=2):
            lists.cell(row=row, column=list_column, value=label)
        validation = DataValidation(
            type="list",
            formula1=f"=Lists!${list_letter}$2:${list_letter}${len(labels) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            # A warning, not a stop: a code or the other language's label is accepted too.
            errorStyle="warning",
            errorTitle=bilingual(column.label)[:32],
            error=_("Choose from the list.")[:255],
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    _write_help(help_sheet, bold)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HELP_LINES: tuple[str | Promise, ...] = (
    gettext_lazy("Attendance sheet"),
    gettext_lazy(
        "Write one person per row on the Attendance sheet, from row 2. Keep the first row: the app finds "
        "the columns by their names. Empty rows are skipped. At most %(rows)s rows and %(size)s MB."
    ),
    gettext_lazy(
        "The whole sheet is checked before anything is recorded: if a row has a problem, nothing is "
        "recorded and every problem is listed with its row number. Uploading the same sheet again "
        "changes nothing."
    ),
)


def _write_help(sheet: Any, bold: Font) -> None:
    row = 1
    for number, text in enumerate(HELP_LINES):
        values = _in_each_language(text)
        for value in dict.fromkeys(values.values()):  # once when the Khmer is not there yet
            if number == 1:
                value = value % {"rows": MAX_ROWS, "size": MAX_BYTES // 2**20}
            sheet.cell(row=row, column=1, value=value).font = Font(bold=True, size=14) if number == 0 else Font()
            row += 1
        row += 1
    headings = (("en", gettext_lazy("Column")), ("en", gettext_lazy("What to write")),
                ("km", gettext_lazy("What to write")), ("en", gettext_lazy("Accepted values")))  # fmt: skip
    for index, (language, heading) in enumerate(headings, start=1):
        with translation.override(language):
            sheet.cell(row=row, column=index, value=str(heading)).font = bold
    for column in COLUMNS:
        row += 1
        helps = _in_each_language(column.help)
        accepted = "; ".join(
            " / ".join(dict.fromkeys([code, *_in_each_language(label).values()]))
            for code, label in column.choices
            if code
        )
        for index, value in enumerate((bilingual(column.label), helps["en"], helps["km"], accepted), start=1):
            cell = sheet.cell(row=row, column=index, value=value or None)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (28, 48, 48, 60), strict=True):
        sheet.column_dimensions[letter].width = width


# --- the reader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number in the spreadsheet, as the officer sees it
    values: dict[str, str]


def check_upload(head: bytes, size: int) -> None:
    """The cheap checks an upload page makes before keeping a file: size and zip signature."""
    if size > MAX_BYTES:
        raise SheetError(
            _("The file is larger than %(size)s MB. Split the sheet into smaller ones.") % {"size": MAX_BYTES // 2**20}
        )
    if size == 0:
        raise SheetError(_("The file is empty."))
    if not head.startswith(ZIP_SIGNATURE):
        raise SheetError(_not_a_workbook())


def _not_a_workbook() -> str:
    return _(
        "This file is not an Excel workbook (.xlsx). Start from the template, or save the sheet from Excel "
        'or LibreOffice as "Excel Workbook (.xlsx)", and upload it again.'
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _age_band(value: Any) -> str | None:
    """The band of an age written in years, or None when the value is not an age."""
    try:
        years = int(str(value).strip())
    except ValueError:
        return None
    if not 0 <= years <= 120:
        return None
    for band, low in ((AgeBand.OLDER, 60), (AgeBand.ADULT, 25), (AgeBand.YOUNG_ADULT, 18), (AgeBand.TEEN, 12)):
        if years >= low:
            return str(band)
    return str(AgeBand.UNDER_12)


def _choice_code(key: str, raw: str, aliases: Mapping[str, str]) -> str | None:
    code = aliases.get(_normal(raw))
    if code is None and key == "age_band":
        code = _age_band(raw)
    return code


def choice_code(key: str, raw: str) -> str | None:
    """The code of a choice written as on a sheet: the code, its label in either language, F or M
    for the sex, an age in years for the age group; None when it is none of these."""
    return _choice_code(key, raw, _choice_aliases(COLUMN_BY_KEY[key]))


def _open_workbook(source: IO[bytes]) -> Any:
    head = source.read(len(ZIP_SIGNATURE))
    source.seek(0, io.SEEK_END)
    check_upload(head, source.tell())
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_not_a_workbook()) from exc
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise SheetError(_not_a_workbook())  # a Word document or another zip
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise SheetError(_("The workbook holds far more than an attendance sheet. Upload the attendance sheet alone."))
    source.seek(0)
    try:
        return load_workbook(source, read_only=True, data_only=True)
    # openpyxl raises many kinds of errors on a damaged or unusual file; each means the same to the officer.
    except Exception as exc:  # noqa: BLE001
        raise SheetError(_not_a_workbook()) from exc


def _find_header(rows: Iterator[tuple[Any, ...]], aliases: Mapping[str, str]) -> tuple[int, dict[int, str]]:
    for number, cells in enumerate(rows, start=1):
        found = {
            index: aliases[_normal(value)]
            for index, value in enumerate(cells)
            if value not in (None, "") and _normal(value) in aliases
        }
        if len(set(found.values())) >= 2:
            return number, found
        if number >= HEADER_SEARCH_ROWS:
            break
    return 0, {}


def read_attendance(source: IO[bytes], *, on_progress: Callable[[int, int], None] | None = None) -> list[SheetRow]:
    """Every non-empty row of the attendance sheet, its choice values turned into codes; values the
    reader does not recognise are passed on unchanged, for the service to report with the row.
    `on_progress(rows_read, rows_expected)` is called every few hundred rows."""
    workbook = _open_workbook(source)
    try:
        return _read_rows(workbook, on_progress)
    except SheetError:
        raise
    # A sheet that opened but fails while streaming its rows is damaged in the same way.
    except Exception as exc:  # noqa: BLE001
        raise SheetError(_not_a_workbook()) from exc
    finally:
        workbook.close()


def _read_rows(workbook: Any, on_progress: Callable[[int, int], None] | None) -> list[SheetRow]:
    aliases = _header_aliases()
    choices = {column.key: _choice_aliases(column) for column in COLUMNS if column.choices}
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header_row, columns = _find_header(rows, aliases)
        if columns:
            break
    else:
        raise SheetError(
            _(
                "No row of column names was found (Reference, Name, Sex…). Start from the template and keep its first row."
            )
        )
    missing = [COLUMN_BY_KEY[key] for key in REQUIRED_COLUMNS if key not in columns.values()]
    if missing:
        raise SheetError(
            _("The sheet has no column %(columns)s. Start from the template and keep its first row.")
            % {"columns": ", ".join(bilingual(column.label) for column in missing)}
        )
    expected = max(0, (sheet.max_row or 0) - header_row)
    found: list[SheetRow] = []
    for number, cells in enumerate(rows, start=header_row + 1):
        values = {
            key: strip_invisible(_as_text(cells[index])).strip() for index, key in columns.items() if index < len(cells)
        }
        if not any(values.values()):
            continue
        if len(found) >= MAX_ROWS:
            raise SheetError(
                _("The sheet has more than %(rows)s rows. Split it into smaller sheets.") % {"rows": MAX_ROWS}
            )
        for key, known in choices.items():
            raw = values.get(key, "")
            if raw:
                code = _choice_code(key, raw, known)
                values[key] = raw if code is None else code
        found.append(SheetRow(number, values))
        if on_progress is not None and len(found) % 250 == 0:
            on_progress(len(found), max(expected, len(found)))
    return found


def row_reference(activity_id: int, number: int, values: Mapping[str, Any]) -> str:
    """A reference for a row written without one: the same for the same row of the same sheet
    recorded again for the same activity, so a second upload adds no one. Keyed with the
    installation's secret, so it cannot be used to guess a name."""
    material = json.dumps([activity_id, number, [str(values.get(column.key) or "") for column in COLUMNS]])
    return "R-" + salted_hmac("wholejourney.programmes.attendance-row", material).hexdigest()[:24]
