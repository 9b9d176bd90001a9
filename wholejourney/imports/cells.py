"""One row of a sheet as the check reads it: each cell turned into the value the loader stores
(a date, a number, a code from a code or either language's label), or the problem with it, and the
header row matched to the sheet's columns. A million rows pass through here.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from wholejourney.core.text import strip_invisible
from wholejourney.imports import format as fmt
from wholejourney.imports.reader import cell_text, normal_name

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# Dates that may lie ahead: a planned visit, an agreement or partnership that runs on, a course's planned end.
FUTURE_OK = frozenset(
    {
        ("visits", "next_visit_on"),
        ("agreements", "end"),
        ("partnerships", "active_to"),
        ("trainings", "end"),
        ("employment", "end"),
        ("group_plan_actions", "planned_on"),
    }
)

ACTIVE_WORDS = {"yes", "y", "true", "1", "x", "បាទ", "ចាស", "មាន", "ត្រូវ"}
INACTIVE_WORDS = {"no", "n", "false", "0", "ទេ", "គ្មាន", "មិនមែន"}


def normal_text(value: Any) -> str:
    """Text compared as a person reads it: one Unicode form, any case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", str(value)).casefold().split())


_CHOICE_CACHE: dict[tuple[int, tuple[str, ...]], dict[str, str]] = {}


def choice_aliases(column: fmt.Column) -> dict[str, str]:
    """Code, English label and Khmer label, each → the code. (A column whose choices an
    administrator keeps, wholejourney.options, is cached by what it offers now.)"""
    key = (id(column), tuple(f"{code}={label}" for code, label in column.choices))
    if key not in _CHOICE_CACHE:
        aliases: dict[str, str] = {}
        for code, label in column.choices:
            names = [code]
            for language in ("en", "km"):
                with translation.override(language):
                    names.append(str(label))
            for name in names:
                if name:
                    aliases.setdefault(normal_text(name), code)
        if column.choices and any(code == "" for code, _label in column.choices):
            aliases[""] = ""
        _CHOICE_CACHE[key] = aliases
    return _CHOICE_CACHE[key]


def _accepted(column: fmt.Column) -> str:
    return ", ".join(code for code, _label in column.choices if code)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value).strip().translate(KHMER_DIGITS)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a day, no time of day
        except ValueError:
            continue
    return None


CellProblem = tuple[str, str, dict[str, Any]]


def parse_cell(sheet: fmt.Sheet, column: fmt.Column, raw: Any, today: datetime.date) -> tuple[Any, CellProblem | None]:
    """One cell as the loader stores it, or the problem with it."""
    name = column.name
    if isinstance(raw, str) and len(raw) > fmt.MAX_CELL:
        return None, (name, "too_long", {"max": column.max_length or fmt.MAX_CELL})
    text = cell_text(raw).strip() if not isinstance(raw, datetime.date) else "x"
    if text.startswith("="):
        return None, (name, "formula", {})
    if text == "":
        if column.required:
            return None, (name, "required", {})
        return _empty(column), None
    kind = column.kind
    if kind in (fmt.TEXT, fmt.REF, fmt.LINK):
        if column.max_length and len(text) > column.max_length:
            return None, (name, "too_long", {"max": column.max_length})
        return unicodedata.normalize("NFC", text), None
    if kind == fmt.DATE:
        day = _date(raw)
        if day is None or day.year < 1900:
            return None, (name, "bad_date", {})
        if day > today and (sheet.name, name) not in FUTURE_OK:
            return None, (name, "future", {})
        return day, None
    if kind == fmt.INT:
        number: Any
        if isinstance(raw, bool):
            return None, (name, "bad_int", {})
        if isinstance(raw, int):
            number = raw
        elif isinstance(raw, float) and raw.is_integer():
            number = int(raw)
        else:
            try:
                number = int(text.translate(KHMER_DIGITS))
            except ValueError:
                return None, (name, "bad_int", {})
        return _in_range(column, number)
    if kind == fmt.DECIMAL:
        if isinstance(raw, bool):
            return None, (name, "bad_decimal", {})
        try:
            amount = Decimal(text.translate(KHMER_DIGITS).replace(",", ""))
        except InvalidOperation:
            return None, (name, "bad_decimal", {})
        if not amount.is_finite():
            return None, (name, "bad_decimal", {})
        return _in_range(column, amount.quantize(Decimal("0.01")) if abs(amount) < 10**12 else amount)
    if kind == fmt.BOOL:
        if isinstance(raw, bool):
            return raw, None
        word = normal_text(text)
        if word in ACTIVE_WORDS or word == normal_text(_("Yes")):
            return True, None
        if word in INACTIVE_WORDS or word == normal_text(_("No")):
            return False, None
        return None, (name, "bad_bool", {})
    if kind == fmt.CHOICE:
        code = choice_aliases(column).get(normal_text(text))
        if code is None:
            return None, (name, "unknown_choice", {"choices": _accepted(column)})
        return code, None
    if kind == fmt.MULTI:
        aliases = choice_aliases(column)
        codes = []
        for part in _split(text):
            code = aliases.get(normal_text(part))
            if code is None:
                return None, (name, "unknown_choice", {"choices": _accepted(column)})
            codes.append(code)
        if not codes and column.required:
            return None, (name, "required", {})
        return sorted(set(codes)), None
    if kind == fmt.LIST:
        if column.max_length and len(text) > column.max_length:
            return None, (name, "too_long", {"max": column.max_length})
        return [unicodedata.normalize("NFC", part) for part in _split(text)], None
    raise AssertionError(kind)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def _empty(column: fmt.Column) -> Any:
    if column.kind in (fmt.MULTI, fmt.LIST):
        return []
    if column.kind in (fmt.TEXT, fmt.REF, fmt.LINK, fmt.CHOICE):
        return ""
    return None


def _in_range(column: fmt.Column, number: Any) -> tuple[Any, CellProblem | None]:
    low = column.low
    high = (
        column.high if column.high is not None else (timezone.localdate().year if column.name == "birth_year" else None)
    )
    if (low is not None and number < low) or (high is not None and number > high):
        if column.name == "birth_year":
            return None, (column.name, "birth_year", {})
        return None, (column.name, "out_of_range", {"low": low, "high": high})
    return number, None


@dataclass
class Header:
    columns: dict[int, fmt.Column]  # cell index → column
    missing: set[str]
    absent: list[fmt.Column] = field(default_factory=list)  # the sheet's columns not in the header


def read_header(sheet: fmt.Sheet, cells: tuple[Any, ...], add: Callable[..., None]) -> Header:
    columns: dict[int, fmt.Column] = {}
    found: set[str] = set()
    by_name = {normal_name(column.name): column for column in sheet.columns}
    for index, value in enumerate(cells):
        text = cell_text(value).strip()
        if not text:
            continue
        column = by_name.get(normal_name(text))
        if column is None:
            add(sheet.name, 1, text[:64], "unknown_column")
        elif column.name in found:
            add(sheet.name, 1, column.name, "duplicate_column")
        else:
            columns[index] = column
            found.add(column.name)
    missing = {column.name for column in sheet.columns if column.required and column.name not in found}
    for name in sorted(missing):
        add(sheet.name, 1, name, "missing_column", column=name)
    return Header(columns, missing, [column for column in sheet.columns if column.name not in found])


_TEXTUAL = frozenset({fmt.TEXT, fmt.REF, fmt.LINK})
_NORMALIZE = unicodedata.normalize


def row_values(
    sheet: fmt.Sheet, header: Header, cells: tuple[Any, ...], today: datetime.date
) -> tuple[dict[str, Any] | None, list[CellProblem]]:
    """The row's values by column name (None for an empty row), and the problems of its cells.

    The common cells — text from a text cell, a code, a date from a date cell, an empty cell — are
    read here as parse_cell reads them, without its general path: a million rows pass through."""
    for raw in cells:
        if raw is not None and (type(raw) is not str or strip_invisible(raw).strip()):
            break
    else:
        return None, []
    values: dict[str, Any] = {}
    problems: list[CellProblem] = []
    count = len(cells)
    for index, column in header.columns.items():
        raw = cells[index] if index < count else None
        if type(raw) is str:
            # Text without its invisible characters (core.text), before any check: a name made only
            # of them is a missing name.
            raw = strip_invisible(raw)
        name = column.name
        if raw is None:
            if column.required:
                problems.append((name, "required", {}))
                values[name] = None
            else:
                values[name] = _empty(column)
            continue
        kind = column.kind
        if type(raw) is str and len(raw) <= fmt.MAX_CELL and (kind in _TEXTUAL or kind == fmt.CHOICE):
            text = raw.strip()
            if text and text[0] != "=":
                if kind == fmt.CHOICE:
                    code = choice_aliases(column).get(text)
                    if code is not None:
                        values[name] = code
                        continue
                elif not column.max_length or len(text) <= column.max_length:
                    values[name] = _NORMALIZE("NFC", text)
                    continue
        elif kind == fmt.DATE and type(raw) is datetime.datetime:
            day = raw.date()
            if day.year >= 1900 and (day <= today or (sheet.name, name) in FUTURE_OK):
                values[name] = day
                continue
        value, problem = parse_cell(sheet, column, raw, today)
        if problem is not None:
            problems.append(problem)
        values[name] = value
    for column in header.absent:
        values[column.name] = _empty(column)
    return values, problems
