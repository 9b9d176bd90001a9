"""Cursor pagination: a list is ordered newest first by a date (or time) and then by id, and the
cursor names the last row a page ended with. Rows added or removed meanwhile never make a client
skip or repeat a row, and a page costs the same at row 10 as at row 100,000 (no OFFSET).

The cursor is opaque to clients: the key signed, so it cannot be forged or read as anything else.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from wholejourney.api.errors import ApiError

M = TypeVar("M", bound=Model)

SALT = "wholejourney.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(value: datetime.date | datetime.datetime, pk: int, extra: str = "") -> str:
    kind = "t" if isinstance(value, datetime.datetime) else "d"
    return signing.dumps([kind, value.isoformat(), pk, extra], salt=SALT, compress=False)


def decode_cursor(cursor: str) -> tuple[datetime.date | datetime.datetime, int, str]:
    """The (date, id, extra) a cursor names; a 422 in the one error format when it is not ours."""
    try:
        kind, value, pk, extra = signing.loads(cursor, salt=SALT)
        day: datetime.date | datetime.datetime = (
            datetime.datetime.fromisoformat(value) if kind == "t" else datetime.date.fromisoformat(value)
        )
        if not isinstance(pk, int) or not isinstance(extra, str):
            raise ValueError(pk)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ApiError(
            422,
            "invalid",
            _("The cursor is not valid; start again from the first page."),
            {"cursor": [_("Use the next_cursor of a previous page, unchanged.")]},
        ) from exc
    return day, pk, extra


def cursor_page(queryset: QuerySet[M], *, key: str, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """One page of `queryset` newest first by `key` (a non-null date or time field), then by id."""
    queryset = queryset.order_by(f"-{key}", "-pk")
    if cursor:
        value, pk, _extra = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": pk}))
    rows = list(queryset[: limit + 1])
    return rows[:limit], next_cursor(rows, limit, lambda row: (_attr(row, key), row.pk))


def next_cursor(rows: Sequence[Any], limit: int, key_of: Any, extra_of: Any = None) -> str | None:
    """The cursor after a page, when there is more (the page was fetched with one row extra)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    value, pk = key_of(last)
    return encode_cursor(value, pk, extra_of(last) if extra_of else "")


def _attr(row: Any, key: str) -> Any:
    for part in key.split("__"):
        row = getattr(row, part)
    return row
