"""The API stores a client's names without bidi controls or zero-width characters, or refuses a
name made only of them with the message the registration page gives (issue 16; the pages' test is
clients/tests/test_invisible_characters.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from wholejourney.api.tests.conftest import Api
from wholejourney.clients.models import Client
from wholejourney.clients.tests.test_access import new_client
from wholejourney.clients.tests.test_invisible_characters import EXAMPLES, NO_NAME, rolled_back, typed_names
from wholejourney.conftest import Cast

pytestmark = pytest.mark.django_db

MakeApi = Callable[..., Api]


@EXAMPLES
@given(given=typed_names(), alias=typed_names(), village=typed_names())
def test_api_create_stores_text_without_invisible_characters_or_refuses_with_the_pages_message(
    cast: Cast, api_as: MakeApi, given: tuple[str, str], alias: tuple[str, str], village: tuple[str, str]
) -> None:
    api = api_as(cast.case_manager, write=True)
    body: dict[str, Any] = {
        "given_name_latin": given[1],
        "aliases": [alias[1]],
        "address": {"village": village[1]},
        "sex": "female",
        "birth_year": 1990,
    }

    def example() -> None:
        response = api.post("/clients", body)

        if not given[0]:
            assert response.status_code == 422
            assert NO_NAME in response.content.decode()
            assert not Client.objects.exists()
            return
        assert response.status_code == 201, response.content
        stored = Client.objects.get(pk=response.json()["id"])
        assert stored.given_name_latin == given[0]
        assert stored.aliases == ([alias[0]] if alias[0] else [])  # an empty other name is dropped
        assert stored.address.get("village", "") == village[0]

    rolled_back(example)


@EXAMPLES
@given(family=typed_names())
def test_api_identity_change_stores_names_without_invisible_characters_or_refuses(
    cast: Cast, api_as: MakeApi, family: tuple[str, str]
) -> None:
    api = api_as(cast.case_manager, write=True)

    def example() -> None:
        sok = new_client(
            cast, team=cast.team, case_manager=cast.case_manager, given_name_latin="", family_name_latin="Sok"
        )

        response = api.send("PATCH", f"/clients/{sok.pk}", {"family_name_latin": family[1]}, if_match='"1"')

        stored = Client.objects.get(pk=sok.pk)
        if not family[0]:
            assert response.status_code == 422
            assert NO_NAME in response.content.decode()
            assert stored.family_name_latin == "Sok"
            return
        assert response.status_code == 200, response.content
        assert stored.family_name_latin == family[0]

    rolled_back(example)
