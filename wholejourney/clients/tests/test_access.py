"""Who may open a client: the caseload page, the client page, search and break-the-glass access,
with the shared cast (see wholejourney/conftest.py)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import caseload_filter, in_caseload
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.clients import services
from wholejourney.clients.models import BreakGlassGrant, Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import TeamFactory, make_user

CASELOAD = "/clients/"
SEARCH = "/clients/search/"
BREAK_GLASS_LOG = "/clients/break-glass/"
NAME = "Sok Dara"
GOOD_REASON = "Her mother called the hotline; the case manager is away today."
TOO_SHORT = "Please"  # the form asks for at least 10 characters


def new_client(cast: Cast, *, office: Any = None, actor: User | None = None, **kwargs: Any) -> Client:
    """A client registered by the KH director (or `actor`, for another office)."""
    kwargs.setdefault("given_name_latin", "Dara")
    kwargs.setdefault("family_name_latin", "Sok")
    kwargs.setdefault("sex", "female")
    if "date_of_birth" not in kwargs:
        kwargs.setdefault("birth_year", 1990)
    return services.client_create(actor=actor or cast.director, office=office or cast.kh, **kwargs)


@pytest.fixture
def dara(cast: Cast) -> Client:
    """A client of Team A, managed by the cast's case manager."""
    return new_client(cast, team=cast.team, case_manager=cast.case_manager)


def detail_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"pk": client.pk})


def break_glass_url(client: Client) -> str:
    return reverse("clients:break_glass", kwargs={"pk": client.pk})


def as_user(browser: HttpClient, user: User) -> HttpClient:
    browser.force_login(user)
    return browser


def codes_listed(response: Any) -> set[str]:
    """The client codes a user sees in the caseload list."""
    listed = response.content.decode().split('<ul class="caseload">', 1)[-1]
    return set(re.findall(r'<a href="/clients/\d+/">([A-Z]{2}-\d{4}-\d{4}) ·', listed))


def text(response: Any) -> str:
    return response.content.decode()


# --- The client page -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["case_manager", "colleague", "director"])
def test_client_page_opens_for_the_caseload(client: HttpClient, cast: Cast, dara: Client, who: str) -> None:
    as_user(client, getattr(cast, who))

    response = client.get(detail_url(dara))

    assert response.status_code == 200
    assert NAME in text(response)
    assert dara.code in text(response)


@pytest.mark.parametrize("who", ["other_team_colleague", "other_office", "me_officer", "partner", "admin"])
def test_client_page_is_404_outside_the_caseload(client: HttpClient, cast: Cast, dara: Client, who: str) -> None:
    as_user(client, getattr(cast, who))

    response = client.get(detail_url(dara))

    assert response.status_code == 404
    assert "Dara" not in text(response)


def test_client_page_of_an_erased_client_is_404_even_to_its_case_manager(
    client: HttpClient, cast: Cast, dara: Client
) -> None:
    services.client_erase(actor=cast.director, client=dara)
    as_user(client, cast.case_manager)

    response = client.get(detail_url(dara))

    assert response.status_code == 404


# --- The caseload page ---------------------------------------------------------------------------


@pytest.fixture
def offices_clients(cast: Cast) -> dict[str, Client]:
    """One client for each way a client can sit in an office."""
    return {
        "team_a": new_client(cast, team=cast.team, case_manager=cast.case_manager, given_name_latin="Alpha"),
        "team_b": new_client(cast, team=cast.other_team, given_name_latin="Bravo"),
        "unassigned": new_client(cast, given_name_latin="Charlie"),
        "managed_alone": new_client(cast, case_manager=cast.case_manager, given_name_latin="Delta"),
        "vietnam": new_client(
            cast, office=cast.vn, actor=cast.other_office, case_manager=cast.other_office, given_name_latin="Echo"
        ),
        "vietnam_unassigned": new_client(cast, office=cast.vn, actor=cast.other_office, given_name_latin="Foxtrot"),
    }


CASELOADS = {
    "case_manager": {"team_a", "managed_alone"},
    "colleague": {"team_a"},
    "other_team_colleague": {"team_b"},
    "director": {"team_a", "team_b", "unassigned", "managed_alone"},
    "other_office": {"vietnam"},
}


@pytest.mark.parametrize("who", sorted(CASELOADS))
def test_caseload_page_lists_exactly_the_clients_the_user_may_open(
    client: HttpClient, cast: Cast, offices_clients: dict[str, Client], who: str
) -> None:
    as_user(client, getattr(cast, who))

    response = client.get(CASELOAD)

    assert response.status_code == 200
    assert codes_listed(response) == {offices_clients[key].code for key in CASELOADS[who]}


@pytest.mark.parametrize("who", ["me_officer", "partner", "admin"])
def test_caseload_page_is_404_to_roles_without_clients(
    client: HttpClient, cast: Cast, offices_clients: dict[str, Client], who: str
) -> None:
    as_user(client, getattr(cast, who))

    response = client.get(CASELOAD)

    assert response.status_code == 404


def test_caseload_page_query_count_does_not_grow_with_clients(
    client: HttpClient, cast: Cast, django_assert_num_queries: Any
) -> None:
    for n in range(3):
        new_client(cast, team=cast.team, case_manager=cast.colleague, given_name_latin=f"Few{n}")
    as_user(client, cast.case_manager)
    client.get(CASELOAD)  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as few:
        assert len(codes_listed(client.get(CASELOAD))) == 3
    for n in range(27):
        new_client(cast, team=cast.team, case_manager=cast.colleague, given_name_latin=f"Many{n}")

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(CASELOAD)

    assert len(codes_listed(response)) == 30
    assert "Many26" in text(response)


# --- The object rule and the list rule agree -----------------------------------------------------


def test_in_caseload_and_caseload_filter_agree_for_everyone(cast: Cast) -> None:
    # A case manager who supervises Team B without being in it, and a director of every office.
    supervisor = make_user(Role.CASE_MANAGER, office=cast.kh, username="supervisor")
    cast.other_team.supervisor = supervisor
    cast.other_team.save()
    global_director = make_user(Role.DIRECTOR, global_=True, username="global.director")
    vn_team = TeamFactory(office=cast.vn, name="VN team")
    vn_member = make_user(Role.COUNSELOR, office=cast.vn, team=vn_team, username="vn.counselor")
    clients = [
        new_client(cast, team=cast.team, case_manager=cast.case_manager),
        new_client(cast, team=cast.team),
        new_client(cast, team=cast.other_team),
        new_client(cast, team=cast.other_team, case_manager=cast.colleague),
        new_client(cast),
        new_client(cast, case_manager=cast.case_manager),
        new_client(cast, case_manager=cast.other_team_colleague),
        new_client(cast, office=cast.vn, actor=cast.other_office),
        new_client(cast, office=cast.vn, actor=cast.other_office, team=vn_team),
        new_client(cast, office=cast.vn, actor=cast.other_office, case_manager=cast.other_office),
    ]
    now = timezone.now()
    # An open grant and an expired one.
    BreakGlassGrant.objects.create(
        user=cast.other_team_colleague,
        client=clients[1],
        reason=GOOD_REASON,
        expires_at=now + datetime.timedelta(hours=1),
    )
    BreakGlassGrant.objects.create(
        user=cast.colleague, client=clients[2], reason=GOOD_REASON, expires_at=now - datetime.timedelta(minutes=1)
    )
    users = [
        cast.case_manager,
        cast.colleague,
        cast.other_team_colleague,
        cast.other_office,
        cast.me_officer,
        cast.partner,
        cast.director,
        cast.admin,
        supervisor,
        global_director,
        vn_member,
    ]

    disagreements = []
    allowed = 0
    for user in users:
        listed = set(Client.objects.filter(caseload_filter(user)).values_list("pk", flat=True))
        for client in clients:
            fresh = Client.objects.get(pk=client.pk)
            if in_caseload(user, fresh) != (client.pk in listed):
                disagreements.append((user.username, client.pk, in_caseload(user, fresh)))
            allowed += client.pk in listed

    assert disagreements == []
    # Not a trivial agreement: some pairs are allowed and some are not.
    assert 0 < allowed < len(users) * len(clients)


def test_clients_visible_to_a_team_supervisor_are_the_teams_clients(cast: Cast) -> None:
    supervisor = make_user(Role.CASE_MANAGER, office=cast.kh, username="supervisor")
    cast.other_team.supervisor = supervisor
    cast.other_team.save()
    in_team_b = new_client(cast, team=cast.other_team)

    visible_to_supervisor = set(clients_visible_to(supervisor))

    assert in_caseload(supervisor, in_team_b)
    assert visible_to_supervisor == {in_team_b}


# --- Break the glass -----------------------------------------------------------------------------


def test_break_glass_opens_the_client_page_for_two_hours(client: HttpClient, cast: Cast, dara: Client) -> None:
    as_user(client, cast.other_team_colleague)
    assert client.get(detail_url(dara)).status_code == 404

    response = client.post(break_glass_url(dara), {"reason": GOOD_REASON}, follow=True)

    assert response.status_code == 200
    assert NAME in text(response)
    assert f"You have access to {dara.code} for 2 hours" in text(response)
    grant = BreakGlassGrant.objects.get(user=cast.other_team_colleague, client=dara)
    assert grant.expires_at - grant.granted_at == datetime.timedelta(hours=2)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.BREAK_GLASS,
        actor_username="otherteam",
        object_type="clients.client",
        object_id=str(dara.pk),
    ).exists()


def test_break_glass_grant_is_shown_to_the_director_with_its_reason(
    client: HttpClient, cast: Cast, dara: Client
) -> None:
    services.break_glass(actor=cast.other_team_colleague, client=dara, reason=GOOD_REASON)
    as_user(client, cast.director)

    response = client.get(BREAK_GLASS_LOG)

    assert response.status_code == 200
    row = re.search(r"<tr>\s*<td data-label=\"When\">.*?</tr>", text(response), re.S)
    assert row is not None
    assert "otherteam" in row.group(0)
    assert dara.code in row.group(0)
    assert GOOD_REASON.replace("'", "&#x27;") in row.group(0)
    assert "Open" in row.group(0)


def test_break_glass_log_is_404_to_a_case_manager(client: HttpClient, cast: Cast, dara: Client) -> None:
    services.break_glass(actor=cast.other_team_colleague, client=dara, reason=GOOD_REASON)
    as_user(client, cast.case_manager)

    response = client.get(BREAK_GLASS_LOG)

    assert response.status_code == 404


def test_break_glass_after_expiry_closes_the_client_page(client: HttpClient, cast: Cast, dara: Client) -> None:
    grant = services.break_glass(actor=cast.other_team_colleague, client=dara, reason=GOOD_REASON)
    as_user(client, cast.other_team_colleague)
    assert client.get(detail_url(dara)).status_code == 200

    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(detail_url(dara))

    assert response.status_code == 404
    assert dara.code not in codes_listed(client.get(CASELOAD))
    as_user(client, cast.director)
    assert "Expired" in text(client.get(BREAK_GLASS_LOG))


@pytest.mark.parametrize("who", ["other_office", "partner"])
def test_break_glass_into_another_office_is_404(client: HttpClient, cast: Cast, dara: Client, who: str) -> None:
    as_user(client, getattr(cast, who))

    got = client.get(break_glass_url(dara))
    posted = client.post(break_glass_url(dara), {"reason": GOOD_REASON})

    assert got.status_code == 404
    assert posted.status_code == 404
    assert not BreakGlassGrant.objects.exists()
    assert client.get(detail_url(dara)).status_code == 404


def test_break_glass_with_a_too_short_reason_shows_an_error_and_saves_nothing(
    client: HttpClient, cast: Cast, dara: Client
) -> None:
    as_user(client, cast.other_team_colleague)

    response = client.post(break_glass_url(dara), {"reason": TOO_SHORT})

    assert response.status_code == 200
    assert "Say why you need this record (at least 10 characters)." in text(response)
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.BREAK_GLASS).exists()
    assert client.get(detail_url(dara)).status_code == 404


# --- Reading a client is recorded ----------------------------------------------------------------


def test_client_page_view_is_recorded_with_actor_role_and_office(client: HttpClient, cast: Cast, dara: Client) -> None:
    as_user(client, cast.case_manager)

    client.get(detail_url(dara))

    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="clients.client")
    assert [(e.object_id, e.actor_id, e.actor_username, e.actor_roles, e.office_code) for e in views] == [
        (str(dara.pk), cast.case_manager.pk, "cm", "case_manager", "KH")
    ]


def test_client_page_shows_access_history_to_the_director_only(client: HttpClient, cast: Cast, dara: Client) -> None:
    as_user(client, cast.colleague)
    client.get(detail_url(dara))
    history_url = detail_url(dara) + "?tab=history"

    as_user(client, cast.director)
    directors_page = text(client.get(history_url))
    as_user(client, cast.case_manager)
    case_managers_page = text(client.get(history_url))

    assert "Access history" in directors_page
    assert re.search(r'data-label="Who">colleague</td><td data-label="What">Viewed', directors_page)
    assert "Access history" not in case_managers_page
    assert 'data-label="Who">colleague</td>' not in case_managers_page


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Sok Dara", "Dara Sok", "sok dara", "  SOK   DARA  ", "dARA  sok"])
def test_search_by_full_name_finds_the_case_managers_client(
    client: HttpClient, cast: Cast, dara: Client, query: str
) -> None:
    as_user(client, cast.case_manager)

    response = client.get(SEARCH, {"q": query})

    assert response.status_code == 200
    assert f'<a href="{detail_url(dara)}">{dara.code}</a>' in text(response)
    assert NAME in text(response)


@pytest.mark.parametrize("url", [CASELOAD, SEARCH + "?q=Sok+Dara"])
def test_me_officer_gets_404_on_client_lists_and_search(client: HttpClient, cast: Cast, dara: Client, url: str) -> None:
    as_user(client, cast.me_officer)

    response = client.get(url)

    assert response.status_code == 404
    assert dara.code not in text(response)
