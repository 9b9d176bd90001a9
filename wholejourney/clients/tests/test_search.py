"""Finding people safely (issue 16): one search that finds the person however they are written,
tells nobody about clients they may not open, is audited and limited, and signals a strong match in
another office to that office's director instead of the searcher."""

from __future__ import annotations

import datetime
import re
from typing import Any
from unittest import mock
from urllib.parse import quote, quote_plus

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from wholejourney.api.tests.conftest import Api
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.clients import services
from wholejourney.clients.matching import query_of, sound_key
from wholejourney.clients.models import BreakGlassGrant, Client, DuplicateSignal
from wholejourney.clients.search import NAME_SEARCHES_PER_MINUTE, SEARCH_LIMIT
from wholejourney.clients.tests.test_access import GOOD_REASON, as_user, new_client, text
from wholejourney.conftest import Cast

SEARCH = "/clients/search/"
HOME = "/"


@pytest.fixture
def pov(cast: Cast) -> Client:
    """Chan Sreypov of Team A, managed by the cast's case manager, written in both scripts."""
    return new_client(
        cast,
        team=cast.team,
        case_manager=cast.case_manager,
        family_name_latin="Chan",
        given_name_latin="Sreypov",
        family_name_km="ចាន់",
        given_name_km="ស្រីពៅ",
        phone_numbers=["012 345 678"],
        birth_year=2004,
    )


def found(browser: HttpClient, query: str) -> str:
    return text(browser.get(SEARCH, {"q": query}, HTTP_HX_REQUEST="true"))


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{code}", id="code"),
        pytest.param("{code_tail}", id="part of the code"),
        pytest.param("Chan", id="family name alone"),
        pytest.param("sreypov", id="given name alone"),
        pytest.param("ចាន់", id="Khmer family name alone"),
        pytest.param("ស្រីពៅ", id="Khmer given name alone"),
        pytest.param("Srey Pov", id="given name spaced"),
        pytest.param("Sreypeou", id="romanisation variant"),
        pytest.param("Chan Sreipov", id="one-letter typo"),
        pytest.param("Chsn", id="one-letter typo in a short name"),
        pytest.param("012 345 678", id="phone with spaces"),
        pytest.param("+855 12 345 678", id="phone with country code"),
        pytest.param("012-345-678", id="phone with dashes"),
    ],
)
def test_search_finds_the_client_however_they_are_written(
    client: HttpClient, cast: Cast, pov: Client, query: str
) -> None:
    as_user(client, cast.case_manager)

    page = found(client, query.format(code=pov.code, code_tail=pov.code.split("-", 1)[1]))

    assert f'href="/clients/{pov.pk}/"' in page
    assert "born 2004" in page and "Female" in page  # what tells people of one name apart


def test_search_ranks_the_closest_first(client: HttpClient, cast: Cast, pov: Client) -> None:
    cousin = new_client(
        cast, team=cast.team, case_manager=cast.case_manager, family_name_latin="Chan", given_name_latin="Dara"
    )
    as_user(client, cast.case_manager)

    page = found(client, "Chan Sreypov")

    assert page.index(pov.code) < page.index(cousin.code)


def test_sound_key_folds_the_usual_romanisations() -> None:
    assert sound_key("sreypov") == sound_key("sreypeou") == sound_key("sreypoy")
    assert sound_key("dara") == sound_key("tara")
    assert sound_key("chantha") == sound_key("chanta")
    assert sound_key("dara") != sound_key("sokha")


def test_a_number_and_a_code_are_told_from_a_name() -> None:
    assert query_of("012 345 678").number
    assert query_of("+855 12 345 678").number
    assert not query_of("Sok Dara").number


def test_a_common_name_lists_a_page_and_says_there_are_more(client: HttpClient, cast: Cast) -> None:
    for _ in range(SEARCH_LIMIT + 2):
        new_client(cast, team=cast.team, case_manager=cast.case_manager)
    as_user(client, cast.case_manager)

    page = found(client, "Sok Dara")

    assert len(re.findall(r'href="/clients/\d+/"', page)) == SEARCH_LIMIT
    assert "More clients match than are listed here." in page


# --- telling nobody --------------------------------------------------------------------------------


def _neutral(response: Any, query: str) -> str:
    """The page with what must differ taken out: the CSRF token and CSP nonce, and the query it
    echoes (in the search box, the language switch and the registration link) as QUERY."""
    body = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]+', r"\1", text(response))
    for echoed in (quote(query, safe="/"), quote_plus(query), escape(query)):
        body = body.replace(echoed, "QUERY")
    return body


@pytest.mark.parametrize("query", ["Chan Sreypov", "ចាន់ ស្រីពៅ", "Sreypov", "012 345 678", "+855 12 345 678"])
def test_another_office_gets_the_same_answer_as_for_nobody(client: HttpClient, cast: Cast, query: str) -> None:
    as_user(client, cast.other_office)
    before = client.get(SEARCH, {"q": query})

    pov = new_client(
        cast, team=cast.team, family_name_latin="Chan", given_name_latin="Sreypov", family_name_km="ចាន់",
        given_name_km="ស្រីពៅ", phone_numbers=["012 345 678"],
    )  # fmt: skip
    after = client.get(SEARCH, {"q": query})
    nobody = client.get(SEARCH, {"q": "Nobody Hasthisname"})

    assert after.status_code == before.status_code == nobody.status_code == 200
    # The headers differ only by the request id and the CSP nonce, new with each request.
    assert {k: re.sub(r"'nonce-[^']+'", "", v) for k, v in after.headers.items() if k != "X-Request-ID"} == {
        k: re.sub(r"'nonce-[^']+'", "", v) for k, v in before.headers.items() if k != "X-Request-ID"
    }
    assert _neutral(after, query) == _neutral(before, query) == _neutral(nobody, "Nobody Hasthisname")
    assert "No client matches." in text(after)
    assert pov.code not in text(after)


def test_a_strong_match_elsewhere_is_signalled_to_that_office_s_director_not_the_searcher(
    client: HttpClient, cast: Cast, pov: Client
) -> None:
    as_user(client, cast.other_office)
    page = found(client, "Chan Sreypov")
    found(client, "Chan")  # a part of a name is not strong enough to say anything

    assert "No client matches." in page
    signal = DuplicateSignal.objects.get()
    assert signal.client == pov and signal.from_office == cast.vn
    assert pov.code not in text(as_user(client, cast.other_office).get(HOME))
    director_home = text(as_user(client, cast.director).get(HOME))
    assert pov.code in director_home and "Vietnam" in director_home


def test_matches_outside_the_caseload_show_that_a_record_exists_not_whose(
    client: HttpClient, cast: Cast, pov: Client
) -> None:
    as_user(client, cast.other_team_colleague)

    page = found(client, "Chan Sreypov")

    assert "A record in your office outside your caseload matches." in page
    assert reverse("clients:break_glass", kwargs={"pk": pov.pk}) in page
    matches = page.split("<section", 1)[1].split("</section>", 1)[0]
    assert pov.code not in page and "Sreypov" not in matches


def test_every_search_is_audited_with_its_kind_and_count_never_its_text(
    client: HttpClient, cast: Cast, pov: Client
) -> None:
    as_user(client, cast.case_manager)

    for query in ("Chan Sreypov", "012 345 678", pov.code, "Nobody"):
        found(client, query)

    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).order_by("seq"))
    assert [e.object_id for e in events] == ["name", "number", "code", "name"]
    assert [f for f in events[0].changed_fields if f.startswith("results:")] == ["results:1"]
    assert [f for f in events[3].changed_fields if f.startswith("results:")] == ["results:0"]
    written = " ".join(str(e.changed_fields) + e.object_type + e.object_id for e in events)
    assert "Chan" not in written and "345" not in written and pov.code not in written


def test_the_31st_name_search_in_a_minute_is_refused_and_the_director_sees_it(client: HttpClient, cast: Cast) -> None:
    as_user(client, cast.other_team_colleague)

    answers = [client.get(SEARCH, {"q": f"Name{n}"}).status_code for n in range(NAME_SEARCHES_PER_MINUTE + 1)]

    assert answers[:NAME_SEARCHES_PER_MINUTE] == [200] * NAME_SEARCHES_PER_MINUTE
    assert answers[-1] == 429
    refused = client.get(SEARCH, {"q": "Chan Sreypov"})
    assert refused.status_code == 429 and "Too many searches" in text(refused)
    assert client.get(SEARCH, {"q": "012 345 678"}).status_code == 200  # a number is not a name search
    director_home = text(as_user(client, cast.director).get(HOME))
    assert "Searches stopped" in director_home and cast.other_team_colleague.username in director_home


def test_name_searches_are_allowed_again_a_minute_later(client: HttpClient, cast: Cast) -> None:
    as_user(client, cast.case_manager)
    for n in range(NAME_SEARCHES_PER_MINUTE):
        client.get(SEARCH, {"q": f"Name{n}"})
    assert client.get(SEARCH, {"q": "Chan"}).status_code == 429

    # The audit trail cannot be rewritten (PostgreSQL refuses), so the clock moves on instead.
    a_minute_later = timezone.now() + datetime.timedelta(minutes=1, seconds=1)
    with mock.patch("wholejourney.clients.search.timezone.now", return_value=a_minute_later):
        assert client.get(SEARCH, {"q": "Chan"}).status_code == 200


def test_break_the_glass_again_as_soon_as_it_ended_shows_on_the_director_s_home(
    client: HttpClient, cast: Cast, pov: Client
) -> None:
    first = services.break_glass(actor=cast.other_team_colleague, client=pov, reason=GOOD_REASON)
    BreakGlassGrant.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=5))

    again = services.break_glass(actor=cast.other_team_colleague, client=pov, reason=GOOD_REASON)

    assert not first.renews and again.renews
    director_home = text(as_user(client, cast.director).get(HOME))
    assert "Access renewed back to back" in director_home and pov.code in director_home


def test_registration_carries_the_searched_name_into_the_form(client: HttpClient, cast: Cast) -> None:
    as_user(client, cast.case_manager)

    page = text(client.get(reverse("clients:register"), {"q": "Chan Sreypov"}))

    assert re.search(r'name="family_name_latin"[^>]*value="Chan"', page)
    assert re.search(r'name="given_name_latin"[^>]*value="Sreypov"', page)
    khmer = text(client.get(reverse("clients:register"), {"q": "ចាន់ ស្រីពៅ"}))
    assert re.search(r'name="family_name_km"[^>]*value="ចាន់"', khmer)
    number = text(client.get(reverse("clients:register"), {"q": "012 345 678"}))
    assert re.search(r'name="phone_numbers"[^>]*>012 345 678<', number) or 'value="012 345 678"' in number


def test_registration_flags_a_romanisation_variant_of_someone_already_registered(
    client: HttpClient, cast: Cast, pov: Client
) -> None:
    as_user(client, cast.case_manager)

    response = client.post(
        reverse("clients:register"),
        {
            "family_name_latin": "Chan", "given_name_latin": "Sreypeou", "sex": "female", "birth_year": "2004",
            "team": cast.team.pk, "case_manager": cast.case_manager.pk,
        },
    )  # fmt: skip

    assert "Possible match" in text(response)
    assert pov.code in text(response)
    assert Client.objects.count() == 1


def test_the_api_search_answers_as_the_page_does(cast: Cast, pov: Client) -> None:
    answer = Api(token_for(cast.case_manager)[1]).get("/clients/search", q="Sreypeou").json()
    elsewhere = Api(token_for(cast.other_office)[1]).get("/clients/search", q="Chan Sreypov").json()

    assert [item["code"] for item in answer["items"]] == [pov.code]
    assert elsewhere == {"items": [], "outside_caseload": 0, "more": False}
