"""The outcomes dashboard (case managers: their caseload; directors: their office) and the M&E
counts: clock states, clocks nearest wholeness, resets this month and why, assessments overdue;
queries that do not grow with the number of clients."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from wholejourney.accounts.models import User
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.outcomes import selectors
from wholejourney.outcomes.tests.records import BASELINE, STABLE, assess, client_in_care, crisis, days_ago

DASHBOARD = "/outcomes/"
COUNTS = "/outcomes/counts/"


def signed_in(browser: HttpClient, user: User) -> HttpClient:
    browser.force_login(user)
    return browser


def text_of(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def tiles(body: str) -> dict[str, int]:
    """The four counts as a reader sees them ("12 Running")."""
    found = re.findall(r"(\d+) (Not started|Running|Whole|Assessment overdue)", body)
    return {label: int(number) for number, label in found}


def office_of_every_state(cast: Cast) -> dict[str, Client]:
    """One client per clock state in the cast's team, one reset this month, one in the other team."""
    cm = cast.case_manager
    never, _ = client_in_care(cast, name="Never", opened_days_ago=10)
    unstable, _ = client_in_care(cast, name="Unstable")
    assess(cm, unstable, 20, BASELINE)
    running, _ = client_in_care(cast, name="Running")
    assess(cm, running, 100)
    whole, _ = client_in_care(cast, name="Whole", opened_days_ago=500)
    assess(cm, whole, 400)
    assess(cm, whole, 200)  # not overdue: 200 days ago is too old, so assess again
    assess(cm, whole, 30)
    reset, _ = client_in_care(cast, name="Reset")
    assess(cm, reset, 60)
    crisis(cm, reset, 0, "protection", "social")
    other, _ = client_in_care(cast, name="Other", team=cast.other_team)
    assess(cast.director, other, 40)
    return {"never": never, "unstable": unstable, "running": running, "whole": whole, "reset": reset, "other": other}


def test_case_manager_sees_their_caseload_by_clock_state(client: HttpClient, cast: Cast) -> None:
    people = office_of_every_state(cast)

    body = text_of(signed_in(client, cast.case_manager).get(DASHBOARD).content)

    assert tiles(body) == {"Not started": 3, "Running": 1, "Whole": 1, "Assessment overdue": 1}
    assert "5 clients in care" in body
    assert people["running"].code in body and people["other"].code not in body
    assert "1 clock reset this month" in body
    assert "Crisis in Protection 1" in body and "Crisis in Social capital / integration 1" in body
    assert f"{people['reset'].code} " in body


def test_director_sees_the_office_and_filters_by_team(client: HttpClient, cast: Cast) -> None:
    people = office_of_every_state(cast)
    browser = signed_in(client, cast.director)

    office = text_of(browser.get(DASHBOARD).content)
    team_b = text_of(browser.get(DASHBOARD, {"team": cast.other_team.pk}).content)

    assert "6 clients in care" in office and tiles(office)["Running"] == 2
    assert "1 client in care" in team_b and people["other"].code in team_b
    assert people["running"].code not in team_b


def test_case_manager_cannot_filter_by_a_team_not_theirs(client: HttpClient, cast: Cast) -> None:
    people = office_of_every_state(cast)

    body = text_of(signed_in(client, cast.case_manager).get(DASHBOARD, {"team": cast.other_team.pk}).content)

    assert people["other"].code not in body
    assert "5 clients in care" in body


def test_running_clocks_nearest_wholeness_first(client: HttpClient, cast: Cast) -> None:
    late, _ = client_in_care(cast, name="Late")
    assess(cast.case_manager, late, 20)
    soon, _ = client_in_care(cast, name="Soon")
    assess(cast.case_manager, soon, 150)

    body = text_of(signed_in(client, cast.case_manager).get(DASHBOARD).content)

    assert body.index(soon.code) < body.index(late.code)
    assert "day 150 of" in body and "day 20 of" in body


def test_overdue_lists_the_latest_assessment_older_than_ninety_days(client: HttpClient, cast: Cast) -> None:
    old, _ = client_in_care(cast, name="Old")
    assess(cast.case_manager, old, 120)
    recent, _ = client_in_care(cast, name="Recent")
    assess(cast.case_manager, recent, 120)
    assess(cast.case_manager, recent, 30)
    new, _ = client_in_care(cast, name="New", opened_days_ago=10)
    forgotten, _ = client_in_care(cast, name="Forgotten", opened_days_ago=60)

    dashboard = selectors.dashboard(selectors.caseload_in_care(cast.case_manager))

    overdue = [row["code"] for row in dashboard.overdue]
    assert overdue == [forgotten.code, old.code]  # never assessed first
    assert dashboard.counts.overdue == 2
    assert new.code not in overdue and recent.code not in overdue


def test_closed_cases_are_not_in_the_counts(client: HttpClient, cast: Cast) -> None:
    from wholejourney.cases import services as case_services
    from wholejourney.cases.models import ClosureReason

    _open, _ = client_in_care(cast, name="Open")
    _closed, case = client_in_care(cast, name="Closed")
    request = case_services.closure_request(
        actor=cast.case_manager,
        case=case,
        closing_date=days_ago(3),
        reason=ClosureReason.MOVED_AWAY,
    )
    case_services.closure_decide(actor=cast.director, request=request, approve=True)

    counts = selectors.clock_counts(selectors.caseload_in_care(cast.case_manager))

    assert counts.in_care == 1


def test_me_officer_sees_counts_only(client: HttpClient, cast: Cast) -> None:
    people = office_of_every_state(cast)
    browser = signed_in(client, cast.me_officer)

    dashboard = browser.get(DASHBOARD)
    counts = browser.get(COUNTS)
    body = text_of(counts.content)

    assert dashboard.status_code == 404
    assert counts.status_code == 200
    assert tiles(body) == {"Not started": 3, "Running": 2, "Whole": 1, "Assessment overdue": 1}
    assert "Counts only" in body
    for person in people.values():
        assert person.code not in body
        assert f"/clients/{person.pk}/" not in counts.content.decode()
    assert "KH-" not in body


@pytest.mark.parametrize("who", ["other_office", "partner"])
def test_other_office_and_partner_see_nothing_of_kh(client: HttpClient, cast: Cast, who: str) -> None:
    people = office_of_every_state(cast)
    browser = signed_in(client, getattr(cast, who))

    dashboard, counts = browser.get(DASHBOARD), browser.get(COUNTS)

    assert counts.status_code == 404
    if who == "partner":
        assert dashboard.status_code == 404
    else:
        body = text_of(dashboard.content)
        assert "0 clients in care" in body and people["running"].code not in body


def _queries(browser: HttpClient, url: str, params: dict[str, object] | None = None) -> int:
    browser.get(url, params)  # the session's first-request writes happen here
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(("who", "url"), [("case_manager", DASHBOARD), ("director", DASHBOARD), ("me_officer", COUNTS)])
def test_dashboard_queries_do_not_grow_with_clients(
    client: HttpClient, cast: Cast, who: str, url: str, django_assert_num_queries: object
) -> None:
    browser = signed_in(client, getattr(cast, who))
    office_of_every_state(cast)
    small = _queries(browser, url)
    filtered = _queries(browser, url, {"team": cast.team.pk})
    for number in range(12):
        person, _ = client_in_care(cast, name=f"More{number}")
        assess(cast.case_manager, person, 10 + number * 20, BASELINE if number % 3 else STABLE)
        if number % 4 == 0:
            crisis(cast.case_manager, person, 0)

    with django_assert_num_queries(small):  # type: ignore[operator]
        response = browser.get(url)

    assert response.status_code == 200
    assert _queries(browser, url, {"team": cast.team.pk}) == filtered


def test_counts_are_one_query(cast: Cast, django_assert_num_queries: object) -> None:
    office_of_every_state(cast)
    clients = selectors.office_in_care(cast.director)

    with django_assert_num_queries(1):  # type: ignore[operator]
        counts = selectors.clock_counts(clients)

    assert (counts.not_started, counts.running, counts.whole) == (3, 2, 1)


def test_clock_rebuild_restores_every_clock_state(cast: Cast) -> None:
    from io import StringIO

    from django.core.management import call_command

    from wholejourney.outcomes.models import ClockState

    people = office_of_every_state(cast)
    before = {row["client_id"]: row for row in ClockState.objects.values().order_by("client_id")}
    ClockState.objects.all().delete()
    out = StringIO()

    call_command("clock", "rebuild", "--batch-size", "2", stdout=out)

    after = {row["client_id"]: row for row in ClockState.objects.values().order_by("client_id")}
    assert f"rebuilt for {len(people)} clients" in out.getvalue()
    assert set(after) == {person.pk for person in people.values()}
    ignored = {"id", "computed_at"}
    for client_id, row in before.items():
        assert {k: v for k, v in after[client_id].items() if k not in ignored} == {
            k: v for k, v in row.items() if k not in ignored
        }
