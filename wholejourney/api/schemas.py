"""Schemas and helpers every app's API shares: the page of a list, and choosing a related record
by id among those the user may choose from (the same choices the page's form offers)."""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet, TextChoices
from django.utils.translation import gettext as _
from ninja import Path, Schema
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from wholejourney.api.errors import ApiError
from wholejourney.api.pagination import DEFAULT_LIMIT, MAX_LIMIT

M = TypeVar("M", bound=Model)

# Ids are 64-bit in the database: a larger number is refused as invalid, not sent to the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


def _iso_day(value: Any) -> Any:
    """A day as the pages take one: written year-month-day (2024-11-23), never a number, which
    would be read as seconds since 1970 ("referred_on": 0 was recorded as 1 January 1970)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    raise PydanticCustomError("day", str(_("Write the date as year-month-day, for example 2024-11-23.")))


# Every date the API reads or writes.
Day = Annotated[datetime.date, BeforeValidator(_iso_day)]


def decimal_rules(
    *, digits: int, places: int, minimum: int | None = None, maximum: int | None = None
) -> tuple[Any, ...]:
    """A decimal number as the page's field takes it: at most `digits` digits, `places` of them
    after the point, as a JSON number or as text ("1250.50"). Use as
    `Annotated[Decimal, *decimal_rules(digits=12, places=2)]`.

    The document says so (a number within the bounds and a multiple of the smallest step, or text
    of that shape), so no request it calls valid is refused. `minimum` and `maximum` are written
    in the document only: the service checks them, with its own message (a score goes from 0 to
    100). A JSON number is a binary fraction: 0.35 arrives as 0.35000000000000003, and is read as
    the decimal it stands for."""
    step = 10.0**-places
    largest = float(10 ** (digits - places)) - step

    def read(value: Any) -> Any:
        if isinstance(value, float) and math.isclose(value, round(value, places), rel_tol=1e-12, abs_tol=1e-12):
            return Decimal(str(round(value, places)))
        return value

    sign = "" if minimum is not None and minimum >= 0 else "-?"
    document = {
        "anyOf": [
            {
                "type": "number",
                "minimum": -largest if minimum is None else minimum,
                "maximum": largest if maximum is None else maximum,
                "multipleOf": step,
            },
            {"type": "string", "pattern": rf"^{sign}[0-9]{{1,{digits - places}}}(\.[0-9]{{1,{places}}})?$"},
        ]
    }
    return BeforeValidator(read), Field(max_digits=digits, decimal_places=places), WithJsonSchema(document)


# What `encode_cursor` writes: signed URL-safe base64, under 200 characters.
CURSOR_CHARACTERS, CURSOR_MAX = "A-Za-z0-9_.:-", 300


def _cursor_shape(value: Any) -> Any:
    """A cursor of the shape `encode_cursor` writes, so the longest page request stays far inside
    what the web server reads; anything else gets the message of a cursor that fails its signature."""
    if isinstance(value, str) and re.fullmatch(f"[{CURSOR_CHARACTERS}]{{0,{CURSOR_MAX}}}", value):
        return value
    raise PydanticCustomError("cursor", str(_("Use the next_cursor of a previous page, unchanged.")))


Cursor = Annotated[
    str,
    BeforeValidator(_cursor_shape),
    WithJsonSchema({"type": "string", "maxLength": CURSOR_MAX, "pattern": f"^[{CURSOR_CHARACTERS}]*$"}),
]


class PageParams(Schema):
    cursor: Cursor | None = Field(None, description="The next_cursor of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Created(Schema):
    id: int


def pick(choices: QuerySet[M], pk: int | None, field: str) -> M | None:
    """The record with id `pk` among `choices`, None when `pk` is None; an unknown id (or one the
    user may not choose) is the page form's "not one of the available choices" on that field."""
    if pk is None:
        return None
    found = choices.filter(pk=pk).first()
    if found is None:
        raise ApiError(
            422,
            "invalid",
            _("Select a valid choice. That choice is not one of the available choices."),
            {field: [_("Select a valid choice. That choice is not one of the available choices.")]},
        )
    return found


def code_of(obj: Any) -> str | None:
    return obj.code if obj is not None else None


def inline_enum(choices: type[TextChoices]) -> WithJsonSchema:
    """Describe a choice list in place rather than as a named component: choice lists nested in
    models share names (every `Kind`, every `Status`), and named components would overwrite each
    other in the OpenAPI document. Use as `Annotated[Model.Kind, inline_enum(Model.Kind)]`."""
    return WithJsonSchema({"type": "string", "enum": list(choices.values)})
