"""Requests too large to read get their own message and a status the document declares: a body
over Django's limit (413), too many query values (400), a cursor that is not one of ours (422);
and no request the document calls valid is longer than the web server reads (its 414)."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _status_and_type(port: int, request_line: str) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"{request_line}\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), headers.get("Content-Type", "")


@pytest.fixture
def web_server(tmp_path: Any) -> Iterator[int]:
    """gunicorn serving the application as `serve` starts it (its default request-line limit)."""
    port = _free_port()
    env = {**os.environ, "WJ_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    server = subprocess.Popen(  # noqa: S603 (this interpreter, our application)
        [sys.executable, "-m", "gunicorn", "wholejourney.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_web_server_answers_a_request_line_over_its_limit_as_the_document_says(web_server: int) -> None:
    def line_of(length: int) -> str:
        start = "GET /api/v1/clients?cursor="
        return start + "x" * (length - len(start) - len(" HTTP/1.1")) + " HTTP/1.1"

    at_limit = _status_and_type(web_server, line_of(REQUEST_LINE_LIMIT))
    over = _status_and_type(web_server, line_of(REQUEST_LINE_LIMIT + 1))

    assert at_limit == (401, "application/json; charset=utf-8")  # the application's answer: no token
    documented = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]["/api/v1/clients"]["get"]["responses"][414]
    assert over[0] == 414 and over[1] in documented["content"]
