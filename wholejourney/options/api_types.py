"""The API's type for a value of an option list: a string the services resolve (a built-in value
or an option in force), documented in the OpenAPI document with the values offered when the
document is made, so an option added appears there as in the forms."""

from __future__ import annotations

from typing import Annotated, Any

from django.db import DatabaseError
from pydantic import GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from wholejourney.options.lists import LISTS
from wholejourney.options.selectors import choices


class OfferedValues:
    def __init__(self, list_id: str) -> None:
        self.list_id = list_id

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.pop("maxLength", None)
        try:
            offered = choices(self.list_id)
        # The document made where there is no database (yet, or none allowed, as in some tests):
        # the built-in values.
        except (DatabaseError, RuntimeError):
            offered = list(LISTS[self.list_id].categories.choices)
        schema["enum"] = [code for code, _label in offered]
        return schema


def option_code(list_id: str) -> Any:
    """`kind: option_code("legal_service_kind")` in an input schema."""
    return Annotated[str, StringConstraints(max_length=32), OfferedValues(list_id)]
