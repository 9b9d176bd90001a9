"""How the API reads a request: JSON as usual, then without invisible characters (core.text), so an
operation's schema and the services check the text as it will be stored, as a page's form does.
A text with a NUL character is refused on its field, as the pages refuse it (PostgreSQL cannot
store one, and SQLite would): `refuse_nul_characters`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Schema
from ninja.errors import ValidationError
from ninja.parser import Parser

from wholejourney.core.text import clean_user_text

# What the OpenAPI document says of every text a request may carry (api.router).
WITHOUT_NUL = "^[^\\u0000]*$"


def _texts_with_nul(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str) and "\x00" in value:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_with_nul(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts_with_nul(item, (*path, index))


def refuse_nul_characters(func: Callable[..., Any]) -> Callable[..., Any]:
    """Applied to every operation, after its input is validated: a text of a field the operation
    reads that holds a NUL character is refused on that field, with the message the pages give.
    Checked on the validated input, so a field the operation ignores is ignored, as on a page."""

    @wraps(func)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        errors = []
        for name, value in kwargs.items():
            if isinstance(value, Schema):
                # The body is the parameter `data`; a query schema's fields are the query's own.
                source = ("body", name) if name == "data" else ("query",)
                found = [(*source, *path) for path in _texts_with_nul(value.model_dump())]
            else:
                found = [("query", name, *path) for path in _texts_with_nul(value)]
            errors += [{"loc": loc, "msg": str(ProhibitNullCharactersValidator.message)} for loc in found]
        if errors:
            raise ValidationError(errors)
        return func(request, *args, **kwargs)

    return checked


class CleaningParser(Parser):
    """Every string of the body, the query and the form values, cleaned before validation: a name
    made only of bidi controls reaches the schema as "" and is refused like an empty one."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return clean_user_text(super().parse_body(request))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        return clean_user_text(super().parse_querydict(data, list_fields, request))
