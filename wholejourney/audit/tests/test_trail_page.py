"""The audit trail page: who may search it, and what each search shows."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast

TRAIL = "/audit/"
NO_EVENTS = "No events match."


def rows(response: Any) -> list[dict[str, str]]:
    """The table as a user reads it: one dict per row, keyed by column."""
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    table = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = dict(re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S))
        if cells:
            table.append({key: html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for key, value in cells.items()})
    return table


def who(response: Any) -> set[str]:
    """The usernames in the "Who" column (without the roles shown after them)."""
    return {row["Who"].split(" ", 1)[0] for row in rows(response)}


@pytest.fixture
def trail(cast: Cast) -> dict[str, Client]:
    """A KH client created by the director and opened by the case manager, and the same in Vietnam."""
    dara = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=cast.team,
        given_name_latin="Dara",
        family_name_latin="Sok",
        sex="female",
        birth_year=1990,
    )
    client_services.client_record_view(actor=cast.case_manager, client=dara)
    lan = client_services.client_create(
        actor=cast.other_office,
        office=cast.vn,
        case_manager=cast.other_office,
        given_name_latin="Lan",
        sex="female",
        birth_year=1990,
    )
    client_services.client_record_view(actor=cast.other_office, client=lan)
    other_kh = client_services.client_create(
        actor=cast.director, office=cast.kh, given_name_latin="Other", sex="female", birth_year=1990
    )
    client_services.client_record_view(actor=cast.director, client=other_kh)
    return {"dara": dara, "lan": lan, "other_kh": other_kh}


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def test_trail_search_by_username_shows_only_that_persons_events(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"username": "CM"})

    assert response.status_code == 200
    assert who(response) == {"cm"}
    assert [row["Action"] for row in rows(response)] == ["Viewed"]


def test_trail_search_by_client_code_shows_that_clients_events(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    dara = trail["dara"]
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"object_ref": dara.code})

    assert {row["Record"] for row in rows(response)} == {f"clients.client {dara.pk}"}
    assert sorted((row["Who"].split(" ", 1)[0], row["Action"]) for row in rows(response)) == [
        ("cm", "Viewed"),
        ("director", "Created"),
    ]


def test_trail_search_by_unknown_client_code_finds_nothing(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"object_ref": "KH-1999-9999"})

    assert rows(response) == []
    assert NO_EVENTS in response.content.decode()


def test_trail_search_by_action_and_date_range_includes_today(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"action": "view", "date_from": days(-1), "date_to": days(1)})

    assert {row["Action"] for row in rows(response)} == {"Viewed"}
    assert who(response) == {"cm", "vn.cm", "director"}


@pytest.mark.parametrize(("start", "end"), [(-30, -2), (2, 30)])
def test_trail_search_by_date_range_excludes_other_days(
    client: HttpClient, cast: Cast, trail: dict[str, Client], start: int, end: int
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"date_from": days(start), "date_to": days(end)})

    assert rows(response) == []
    assert NO_EVENTS in response.content.decode()


def test_trail_for_a_director_shows_only_their_offices_staff(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.director)

    everything = client.get(TRAIL)
    vietnamese_client = client.get(TRAIL, {"object_ref": trail["lan"].code})

    assert who(everything) == {"cm", "director"}
    assert rows(vietnamese_client) == []


def test_trail_for_the_global_admin_shows_every_office(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL)

    assert who(response) == {"cm", "director", "vn.cm"}


@pytest.mark.parametrize("who_", ["case_manager", "other_office", "me_officer", "partner"])
def test_trail_is_404_without_the_audit_permission(
    client: HttpClient, cast: Cast, trail: dict[str, Client], who_: str
) -> None:
    client.force_login(getattr(cast, who_))

    response = client.get(TRAIL, {"username": "cm"})

    assert response.status_code == 404
    assert "Viewed" not in response.content.decode()


def test_trail_with_end_date_before_start_date_shows_an_error(
    client: HttpClient, cast: Cast, trail: dict[str, Client]
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"date_from": days(0), "date_to": days(-3)})

    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert rows(response) == []


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "2025-13-01"])
def test_trail_with_an_impossible_date_shows_an_error(
    client: HttpClient, cast: Cast, trail: dict[str, Client], bad: str
) -> None:
    client.force_login(cast.admin)

    response = client.get(TRAIL, {"date_from": bad})

    assert response.status_code == 200
    assert (
        "is not a date" in response.content.decode() or "Write the date as day/month/year" in response.content.decode()
    )
    assert rows(response) == []
