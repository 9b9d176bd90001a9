"""Logs without secrets: a client's name, phone number and a typed password reach no log line and no
database column in plain text, whatever the flow and however verbose the logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from wholejourney.clients import services as client_services
from wholejourney.conftest import Cast
from wholejourney.core.log_filters import NoRequestDetails
from wholejourney.core.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
SEARCH = "/clients/search/"
SENTINEL = "Zzsentinelqx"
PHONE = "+855 97 731 9468"
# Every form the phone number could be stored or logged in: as typed, digits only, national form.
PHONE_FORMS = ("731 9468", "7319468")


@pytest.fixture
def every_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG, including those our settings keep from the root logger."""
    caplog.set_level(logging.DEBUG)
    detached = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            detached.append(logger)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


def sign_in(browser: HttpClient, username: str, password: str = PASSWORD) -> Any:
    return browser.post(LOGIN, {"username": username, "password": password})


def leaks(value: str) -> bool:
    folded = value.casefold()
    return SENTINEL.casefold() in folded or any(form in value for form in PHONE_FORMS)


def run_every_flow(cast: Cast) -> None:
    """Sign in, register, open, search, break the glass, fail a sign-in: each with the sentinel."""
    director, outsider, me_officer, stranger = HttpClient(), HttpClient(), HttpClient(), HttpClient()
    assert sign_in(director, "director").status_code == 302
    assert sign_in(outsider, "otherteam").status_code == 302
    assert sign_in(me_officer, "me").status_code == 302
    client = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=cast.team,
        given_name_km=SENTINEL,
        family_name_km=SENTINEL,
        given_name_latin=SENTINEL,
        family_name_latin=SENTINEL,
        aliases=[SENTINEL],
        phone_numbers=[PHONE],
        id_documents=[{"kind": "id_card", "number": SENTINEL}],
        address={"village": SENTINEL},
        sex="female",
        birth_year=1990,
    )
    detail = reverse("clients:detail", kwargs={"pk": client.pk})
    for tab in ("", "history"):
        assert SENTINEL in director.get(detail, {"tab": tab}).content.decode()
    name_search = {"q": f"{SENTINEL} {SENTINEL}"}
    glass = reverse("clients:break_glass", kwargs={"pk": client.pk})
    assert client.code in director.get(SEARCH, name_search).content.decode()
    assert client.code in director.get(SEARCH, {"q": PHONE}).content.decode()
    assert client.code in director.get(SEARCH, {"q": SENTINEL}).content.decode()
    assert glass in outsider.get(SEARCH, name_search, HTTP_HX_REQUEST="true").content.decode()
    # Refused searches: Django logs "Not Found" for these.
    assert me_officer.get(SEARCH, name_search).status_code == 404
    assert stranger.get(SEARCH, name_search).status_code == 302
    assert outsider.post(glass, {"reason": SENTINEL[:6]}).status_code == 200  # too short: refused
    assert outsider.post(glass, {"reason": f"{SENTINEL} called the hotline from {PHONE}"}).status_code == 302
    assert SENTINEL in outsider.get(detail).content.decode()
    assert "not correct" in sign_in(stranger, "director", password=SENTINEL).content.decode()
    assert "not correct" in sign_in(stranger, "nobody-here", password=SENTINEL).content.decode()


def plain_text_in_database() -> Iterator[tuple[str, str, str]]:
    """Every text value of every table, as stored: (table, column, value). Session data is
    decoded too, since it is only signed and encoded, not encrypted."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table name)
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if isinstance(value, bytes):
                        value = value.decode("latin-1")
                    if isinstance(value, dict | list):  # JSON columns on PostgreSQL
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        yield table, column, value
                    if table == "django_session" and column == "session_data":
                        yield table, "session_data (decoded)", repr(SessionStore().decode(value))


@pytest.mark.django_db
def test_logs_hold_no_client_identity_or_password(cast: Cast, every_log_line: pytest.LogCaptureFixture) -> None:
    assert settings.DEBUG is False

    run_every_flow(cast)

    assert every_log_line.records, "nothing was logged: the capture is not working"
    assert "Not Found: /clients/search/" in every_log_line.text
    leaked = [record.getMessage() for record in every_log_line.records if leaks(record.getMessage())]
    assert leaked == []
    assert not leaks(every_log_line.text)


@pytest.mark.django_db
def test_log_records_hold_no_query_string_in_the_request_they_carry(
    cast: Cast, every_log_line: pytest.LogCaptureFixture
) -> None:
    # A handler that serialises the whole record (JSON, an error tracker, the admin e-mail) would
    # print the request Django attaches to "Not Found" lines, and with it the query string.
    run_every_flow(cast)

    attached = [repr(vars(record)) for record in every_log_line.records]

    assert any("'request': 'GET /clients/search/" in line for line in attached)
    assert [line for line in attached if leaks(line)] == []


def test_log_handlers_all_drop_request_details() -> None:
    loggers = [logging.root, *(lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    handlers = {
        (logger.name, type(handler).__name__): handler
        for logger in loggers
        for handler in logger.handlers
        # pytest's capture handlers, and the NullHandlers libraries install (they write nothing).
        if not type(handler).__module__.startswith("_pytest") and not isinstance(handler, logging.NullHandler)
    }

    unfiltered = [name for name, h in handlers.items() if not any(isinstance(f, NoRequestDetails) for f in h.filters)]

    assert handlers
    assert unfiltered == []


def test_no_request_details_keeps_method_path_and_request_id() -> None:
    request = RequestFactory().get("/clients/search/", {"kind": "name", "q": f"{SENTINEL} {SENTINEL}"})
    request.request_id = "abc123"  # type: ignore[attr-defined]
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Not Found: %s", (request.path,), None)
    record.request = request

    kept = NoRequestDetails().filter(record)

    assert kept is True
    assert record.request == "GET /clients/search/ [abc123]"
    assert logging.Formatter("%(message)s %(request)s").format(record) == (
        "Not Found: /clients/search/ GET /clients/search/ [abc123]"
    )


@pytest.mark.django_db
def test_database_holds_no_client_identity_or_password_in_plain_text(cast: Cast) -> None:
    run_every_flow(cast)

    stored = list(plain_text_in_database())

    assert any(value.startswith("KH-") for _table, _column, value in stored)  # the scan sees the client
    assert [(table, column) for table, column, value in stored if leaks(value)] == []
