"""Requests too large to read get their own message and a status the document declares: a body
over Django's limit (413), too many query values (400), a cursor that is not one of ours (422);
and no request the document calls valid is longer than the web server reads (its 414)."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from gunicorn.config import LimitRequestLine

from wholejourney.api.pagination import encode_cursor
from wholejourney.api.router import REQUEST_LINE_LIMIT, api
from wholejourney.api.schemas import CURSOR_CHARACTERS, CURSOR_MAX, MAX_ID
from wholejourney.api.tests.conftest import BASE, Api
from wholejourney.conftest import Cast

MakeApi = Callable[..., Api]
CURSOR_SHAPE = f"[{CURSOR_CHARACTERS}]{{1,{CURSOR_MAX}}}"
# A character at its longest in a query: four UTF-8 bytes, each written %XX.
WORST_CHARACTER = len("%F0%9F%98%80")


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_and_says_the_limit(cast: Cast, api_as: MakeApi, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"family_name_latin": "Sok", "aliases": ["x" * 1000] * 1100})
    writer = api_as(cast.case_manager, write=True)

    response = writer.http.post(BASE + "/clients", body, content_type="application/json", headers=writer._headers())

    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"
    assert _error(response)["message"] == "The request is larger than 1.0\xa0MB, the most the API reads at once."


@pytest.mark.django_db
def test_too_many_query_values_is_400_and_says_how_many(cast: Cast, api_as: MakeApi) -> None:
    reader = api_as(cast.case_manager)

    response = reader.http.get(BASE + "/clients?" + "&".join(f"v{n}=1" for n in range(1200)), headers=reader._headers())

    assert response.status_code == 400
    assert _error(response)["message"] == "The request has more than 1000 values, the most the API reads."


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["x" * 301, "not a cursor", "€uro"])
def test_a_cursor_not_written_by_the_api_is_422_on_the_cursor(cast: Cast, api_as: MakeApi, cursor: str) -> None:
    response = api_as(cast.case_manager).get("/clients", cursor=cursor)

    assert response.status_code == 422
    assert _error(response)["fields"] == {"cursor": ["Use the next_cursor of a previous page, unchanged."]}


def test_the_longest_cursor_the_api_writes_has_the_documented_shape() -> None:
    longest = encode_cursor(datetime.datetime.now(datetime.UTC), 2**63 - 1, "economic_service")

    assert re.fullmatch(CURSOR_SHAPE, longest)


def test_every_operation_declares_the_answers_given_before_its_code_runs() -> None:
    document = api.get_openapi_schema(path_prefix="")
    operations = [op for operations in document["paths"].values() for op in operations.values()]

    assert all(414 in op["responses"] for op in operations)
    assert all(413 in op["responses"] for op in operations if "requestBody" in op)
    assert all(413 not in op["responses"] for op in operations if "requestBody" not in op)


def _longest(schema: dict[str, Any], components: dict[str, Any]) -> int:
    """The most bytes a value the schema allows takes in a query, percent-encoded."""
    if "$ref" in schema:
        return _longest(components[schema["$ref"].rsplit("/", 1)[1]], components)
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if options:
        return max(_longest(option, components) for option in options)
    if "enum" in schema:
        return max(len(str(value)) for value in schema["enum"])
    if schema.get("type") == "integer":
        assert "maximum" in schema and "minimum" in schema, f"an unbounded number: {schema}"
        return max(len(str(schema["maximum"])), len(str(schema["minimum"])))
    if schema.get("format") == "date":
        return len("2024-11-23")
    assert schema.get("type") == "string" and "maxLength" in schema, f"an unbounded value: {schema}"
    ascii_only = "pattern" in schema and schema["pattern"].isascii()
    return int(schema["maxLength"]) * (len("%3A") if ascii_only else WORST_CHARACTER)


def test_no_request_the_document_calls_valid_is_longer_than_the_web_server_reads() -> None:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    components = document["components"]["schemas"]
    longest = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            line = len(f"{method.upper()} {path} HTTP/1.1")
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    line += len(str(MAX_ID))
                elif parameter["in"] == "query":
                    line += len(f"&{parameter['name']}=") + _longest(parameter["schema"], components)
            longest[f"{method.upper()} {path}"] = line

    assert max(longest.values()) <= REQUEST_LINE_LIMIT, longest
    # `serve` runs gunicorn with its default limit; the document says it.
    assert LimitRequestLine.default == REQUEST_LINE_LIMIT
    assert str(REQUEST_LINE_LIMIT) in json.dumps(document)
