"""Issue 16: a client's name is what it looks like. Bidi controls and zero-width characters typed
or pasted into a name are removed on the way in, by the registration page and by the API alike
(the API and the import have their own tests); a name is shown isolated from the text around it; and a name with
a zero-width space is found like the same name without it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholejourney.clients.models import Client, ClientLookup
from wholejourney.clients.tests.test_access import detail_url, new_client
from wholejourney.clients.tests.test_registration import form
from wholejourney.conftest import Cast
from wholejourney.core.blind_index import IndexKind, blind_index
from wholejourney.core.text import INVISIBLE

pytestmark = pytest.mark.django_db

NO_NAME = "Give at least one name, in Khmer or in Latin script."
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Names in the scripts staff meet: Latin with accents, Khmer, and right-to-left Arabic and Hebrew.
name_letters = st.sampled_from(list("SokDaraChnéñüសុខដារាស្រីពៅسلامשלום"))
invisible = st.sampled_from(sorted(INVISIBLE))


@st.composite
def typed_names(draw: st.DrawFn) -> tuple[str, str]:
    """(a name as it looks, the same name with bidi controls and zero-width characters anywhere in
    it). The name may be empty: then what was typed is only invisible characters."""
    name = draw(st.text(name_letters, max_size=20))
    chars = list(name)
    for _ in range(draw(st.integers(1, 6))):
        chars.insert(draw(st.integers(0, len(chars))), draw(invisible))
    return name, "".join(chars)


def rolled_back(test: Callable[[], None]) -> None:
    """One hypothesis example in a transaction of its own, undone after: each starts with no client."""
    with transaction.atomic():
        test()
        transaction.set_rollback(True)


# --- On the way in ---------------------------------------------------------------------------------


@EXAMPLES
@given(family=typed_names(), given_km=typed_names())
def test_register_page_stores_names_without_invisible_characters_or_asks_for_a_name(
    client: HttpClient, cast: Cast, family: tuple[str, str], given_km: tuple[str, str]
) -> None:
    client.force_login(cast.case_manager)

    def example() -> None:
        response = client.post(
            "/clients/register/",
            form(family_name_latin=family[1], given_name_latin="", given_name_km=given_km[1]),
        )

        if not (family[0] or given_km[0]):
            assert response.status_code == 200
            assert NO_NAME in response.content.decode()
            assert not Client.objects.exists()
            return
        assert response.status_code == 302, response.content.decode()[:3000]
        stored = Client.objects.get()
        assert (stored.family_name_latin, stored.given_name_km) == (family[0], given_km[0])

    rolled_back(example)


# --- Shown isolated --------------------------------------------------------------------------------


def _isolated(page: str, name: str) -> bool:
    """`name` is shown in a <bdi> of its own, or in an element whose direction is its own."""
    escaped = re.escape(name)
    return bool(re.search(rf"<bdi[^>]*>{escaped}</bdi>|<(\w+)[^>]* dir=\"auto\"[^>]*>{escaped}</\1>", page))


def test_a_stored_name_with_a_right_to_left_override_is_isolated_on_the_client_page_and_the_caseload(
    client: HttpClient, cast: Cast
) -> None:
    evil = new_client(cast, team=cast.team, case_manager=cast.case_manager, family_name_latin="Sok")
    # Stored as a record from before names were cleaned on the way in: past the field's cleaning.
    evil.__dict__["family_name_latin"] = "\u202eevil"
    evil.save(update_fields=["family_name_latin"])
    client.force_login(cast.case_manager)

    record = client.get(detail_url(evil)).content.decode()
    caseload = client.get("/clients/").content.decode()

    name = "\u202eevil Dara"
    assert Client.objects.get(pk=evil.pk).display_name == name
    assert _isolated(record, name), "client page header"
    assert _isolated(record, "\u202eevil"), "the name on the overview tab"
    assert _isolated(caseload, name), "caseload"


# --- Found like the clean name --------------------------------------------------------------------


def test_a_name_with_zero_width_spaces_is_found_by_the_duplicate_check_like_the_clean_name(
    client: HttpClient, cast: Cast
) -> None:
    new_client(cast, team=cast.team, case_manager=cast.case_manager, family_name_latin="Sok", given_name_latin="Dara")
    client.force_login(cast.case_manager)

    response = client.post("/clients/register/", form(family_name_latin="So\u200bk", given_name_latin="Da\u200bra"))

    assert response.status_code == 200
    assert "A possible match exists" in response.content.decode()
    assert Client.objects.count() == 1
    for typed in ("So\u200bk Da\u200bra", "Sok\u2060 \u202eDara", "\ufeffDara Sok"):
        digest = blind_index(IndexKind.NAME, typed)
        assert ClientLookup.objects.filter(kind=IndexKind.NAME, digest=digest).exists(), typed
