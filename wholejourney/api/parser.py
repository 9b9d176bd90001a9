"""How the API reads a request: JSON as usual, then without invisible characters (core.text), so an
operation's schema and the services check the text as it will be stored, as a page's form does."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from wholejourney.core.text import clean_user_text


class CleaningParser(Parser):
    """Every string of the body, the query and the form values, cleaned before validation: a name
    made only of bidi controls reaches the schema as "" and is refused like an empty one."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return clean_user_text(super().parse_body(request))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        return clean_user_text(super().parse_querydict(data, list_fields, request))
