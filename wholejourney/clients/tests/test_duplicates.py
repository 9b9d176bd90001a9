"""The director's list of likely duplicates (issue 16): pairs ranked by the search's own tokens,
birth year and sex; a pair said to be two people is not listed again."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as Browser

from wholejourney.accounts.roles import Role
from wholejourney.clients import services
from wholejourney.clients.duplicates import likely_duplicates
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def register(cast: Cast, family: str, given: str, year: int, *, sex: str = "female", **more: Any) -> Client:
    return services.client_create(
        actor=cast.director, office=cast.kh, team=cast.team, family_name_latin=family, given_name_latin=given,
        sex=sex, date_of_birth=datetime.date(year, 3, 1), **more,
    )  # fmt: skip


def ranked(cast: Cast, **kwargs: Any) -> list[tuple[int, int]]:
    return [(pair.a_id, pair.b_id) for pair in likely_duplicates(cast.kh.pk, **kwargs)]


def pair_of(a: Client, b: Client) -> tuple[int, int]:
    low, high = sorted((a.pk, b.pk))
    return low, high


def test_a_romanisation_variant_born_the_same_year_ranks_above_a_weak_pair(cast: Cast) -> None:
    sreypov = register(cast, "Chan", "Sreypov", 1995)
    srey_pov = register(cast, "Chan", "Srey Pov", 1995)
    pisey = register(cast, "Mao", "Pisey", 1990)
    piseth = register(cast, "Mao", "Piseth", 1991)
    register(cast, "Keo", "Bopha", 1980, sex="male")

    everything = ranked(cast, minimum=-10_000)
    listed = ranked(cast)

    assert everything.index(pair_of(sreypov, srey_pov)) < everything.index(pair_of(pisey, piseth))
    assert listed == [pair_of(sreypov, srey_pov)]  # the weak pair is below the list's threshold


def test_a_shared_phone_number_makes_a_pair_whatever_the_spelling(cast: Cast) -> None:
    one = register(cast, "Sok", "Dara", 1990, phone_numbers=["012 345 678"])
    other = register(cast, "Sokh", "Darra", 1990, phone_numbers=["+855 12 345 678"])

    pairs = likely_duplicates(cast.kh.pk)

    assert [(p.a_id, p.b_id) for p in pairs] == [pair_of(one, other)]
    assert "same phone number" in pairs[0].reasons


def test_same_name_years_apart_or_other_sex_ranks_below_a_variant(cast: Cast) -> None:
    variant = (register(cast, "Chan", "Sophea", 1995), register(cast, "Chan", "Sopheap", 1995))
    namesakes = (register(cast, "Chan", "Sophea", 1970), register(cast, "Chan", "Sophea", 2008))
    brother = register(cast, "Chan", "Sopheap", 1995, sex="male")

    everything = ranked(cast, minimum=-10_000)

    assert everything.index(pair_of(*variant)) < everything.index(pair_of(*namesakes))
    assert everything.index(pair_of(*variant)) < everything.index(pair_of(variant[0], brother))


def test_other_offices_and_erased_clients_are_not_paired(cast: Cast) -> None:
    ours = register(cast, "Chan", "Sreypov", 1995)
    erased = register(cast, "Chan", "Sreypov", 1995)
    services.client_erase(actor=cast.director, client=erased)
    vn_director = make_user(Role.DIRECTOR, office=cast.vn)
    services.client_create(
        actor=vn_director, office=cast.vn, family_name_latin="Chan", given_name_latin="Sreypov", sex="female",
        date_of_birth=datetime.date(1995, 3, 1),
    )  # fmt: skip

    assert ranked(cast, minimum=-10_000) == []
    assert likely_duplicates(cast.kh.pk, client_id=ours.pk, minimum=-10_000) == []


def test_not_the_same_person_hides_the_pair(cast: Cast) -> None:
    one, other = register(cast, "Chan", "Sreypov", 1995), register(cast, "Chan", "Srey Pov", 1995)
    browser = Browser()
    browser.force_login(cast.director)
    low, high = pair_of(one, other)
    listed_before = browser.get("/clients/duplicates/").content.decode()

    response = browser.post(f"/clients/duplicates/{low}-{high}/not-duplicate/")

    assert f"/clients/duplicates/{low}-{high}/" in listed_before
    assert response.status_code == 302
    assert ranked(cast) == []
    assert f"/clients/duplicates/{low}-{high}/" not in browser.get("/clients/duplicates/").content.decode()
    # …and the pair page still opens, to merge after all.
    assert browser.get(f"/clients/duplicates/{low}-{high}/").status_code == 200


def test_the_list_of_one_client_and_the_pair_page_show_what_tells_them_apart(cast: Cast) -> None:
    one = register(cast, "Chan", "Sreypov", 1995, address={"province": "Battambang"})
    other = register(cast, "Chan", "Srey Pov", 1995)
    register(cast, "Chan", "Sophea", 1995)
    browser = Browser()
    browser.force_login(cast.director)
    low, high = pair_of(one, other)

    of_one = browser.get(f"/clients/duplicates/?client={one.pk}").content.decode()
    page = browser.get(f"/clients/duplicates/{low}-{high}/").content.decode()

    assert f"/clients/duplicates/{low}-{high}/" in of_one
    assert "Battambang" in page and "1995" in page and "<bdi" in page
    assert "Not the same person" in page


def test_command_prints_ranked_pairs_by_code_without_names(cast: Cast) -> None:
    one, other = register(cast, "Chan", "Sreypov", 1995), register(cast, "Chan", "Srey Pov", 1995)
    out = StringIO()

    call_command("duplicates", "--office", "KH", stdout=out)

    printed = out.getvalue()
    assert one.code in printed and other.code in printed
    assert "Chan" not in printed and "Srey" not in printed
    assert "1 pairs in KH" in printed


def test_the_list_costs_the_same_queries_for_more_pairs(cast: Cast, django_assert_max_num_queries: Any) -> None:
    for year in (1990, 1991, 1992):
        register(cast, "Chan", "Sreypov", year), register(cast, "Chan", "Srey Pov", year)
    browser = Browser()
    browser.force_login(cast.director)
    browser.get("/clients/duplicates/")

    with django_assert_max_num_queries(12):
        response = browser.get("/clients/duplicates/")

    assert response.status_code == 200 and response.content.decode().count('class="card pair"') >= 3
