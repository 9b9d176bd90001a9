"""The outcomes pages as staff use them: recording assessments and crises on a phone, the clock,
its history and the chart on the client page, who reads what a crisis was, the supervisor's flags."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.outcomes.clock import add_months, age_on
from wholejourney.outcomes.models import Assessment, ClockFlag, ClockState, CrisisEvent, EconomicSurvey
from wholejourney.outcomes.tests.records import (
    BASELINE,
    STABLE,
    assess,
    client_in_care,
    crisis,
    days_ago,
    form_data,
    kh_flag,
)


def page(pk: int, action: str = "") -> str:
    return f"/clients/{pk}/outcomes/{action + '/' if action else ''}"


def signed_in(browser: HttpClient, user: User) -> HttpClient:
    browser.force_login(user)
    return browser


def text_of(html: bytes) -> str:
    """The page's words, without tags, on one line (what a reader sees, near enough)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.fixture
def counselor(cast: Cast) -> User:
    return make_user(Role.COUNSELOR, office=cast.kh, team=cast.team, username="counselor")


def test_outcomes_page_follows_a_baseline_two_reassessments_and_a_crisis(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    person, _case = client_in_care(cast)
    browser = signed_in(client, counselor)
    started = days_ago(100)
    required = (add_months(started, 6) - started).days

    baseline = browser.post(page(person.pk, "assess"), form_data(BASELINE, days_ago(200)))
    first = text_of(browser.get(page(person.pk)).content)
    browser.post(page(person.pk, "assess"), form_data(STABLE, started))
    running = text_of(browser.get(page(person.pk)).content)
    browser.post(page(person.pk, "assess"), form_data(STABLE, days_ago(10)))
    still = text_of(browser.get(page(person.pk)).content)
    after_crisis = browser.post(
        page(person.pk, "crisis"),
        {
            "date": days_ago(5).isoformat(),
            "domains": ["protection"],
            "severity": "severe",
            "what_happened": "The trafficker came to the village.",
            "response": "Moved to the shelter.",
        },
        follow=True,
    )
    reset = text_of(after_crisis.content)

    assert baseline.status_code == 302
    assert "Stability clock: Not started" in first
    assert "Not stable now: Protection, Personal well-being" in first
    assert "Stability clock: Running" in running and f"Day 100 of {required}" in running
    assert f"Projected wholeness {add_months(started, 6).strftime('%-d %B %Y')}" in running
    age = age_on(started, datetime.date(1995, 6, 1), None)
    assert f"6 months: the client was {age}, an adult, when this run started." in running
    assert f"Day 100 of {required}" in still
    assert "Crisis of" in reset and "The clock has not started." in reset
    assert "Stability clock: Not started" in reset
    assert "Reset to zero Crisis in Protection" in reset
    assert "Started All four domains stable; 6 months needed." in reset
    assert "The trafficker came to the village." in reset  # the counselor reads what happened
    svg = after_crisis.content.decode()
    assert svg.count("<svg") == 2  # the phone's drawing and the wide one
    assert svg.count("<polyline") == 2 * 4 and "<title id='domain-chart-title'>Domain scores over time</title>" in svg
    assert "Noto Sans Khmer" in svg
    assert list(Assessment.objects.filter(client=person).values_list("kind", flat=True)) == [
        "baseline",
        "reassessment",
        "reassessment",
    ]
    assert ClockState.objects.get(client=person).run_started_on is None


def test_clock_of_a_child_explains_the_twelve_months(client: HttpClient, cast: Cast, counselor: User) -> None:
    today = days_ago(0)
    person, _case = client_in_care(cast, born=today.replace(year=today.year - 12))
    assess(counselor, person, 20)

    body = text_of(signed_in(client, counselor).get(page(person.pk)).content)

    assert "12 months: the client was 11 when this run started, a child of 14 or under." in body


def test_assessment_page_lists_every_question_by_domain_with_the_scale(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    person, _case = client_in_care(cast)

    body = signed_in(client, counselor).get(page(person.pk, "assess")).content.decode()

    assert body.count('type="radio"') == 12 * 4
    assert body.index("Protection") < body.index("Personal well-being") < body.index("Economic empowerment")
    for label in ("In crisis", "Vulnerable", "Stable", "Thriving"):
        assert label in body
    assert f'value="{days_ago(0):%d/%m/%Y}"' in body  # today by default


def test_assessment_page_in_khmer_shows_the_khmer_questions(client: HttpClient, cast: Cast, counselor: User) -> None:
    person, _case = client_in_care(cast)
    browser = signed_in(client, counselor)
    browser.post("/language/", {"language": "km", "next": "/"})

    body = browser.get(page(person.pk, "assess")).content.decode()
    outcomes = browser.get(page(person.pk)).content.decode()

    assert "រស់នៅកន្លែងមានសុវត្ថិភាព ឆ្ងាយពីជនដែលបានធ្វើបាប" in body
    assert "Lives in a safe place" not in body
    assert "<svg" in outcomes and "Noto Sans Khmer" in outcomes


def test_assessment_with_a_missing_answer_saves_nothing(client: HttpClient, cast: Cast, counselor: User) -> None:
    person, _case = client_in_care(cast)
    data = form_data(STABLE, days_ago(3))
    del data["item_hope"]

    response = signed_in(client, counselor).post(page(person.pk, "assess"), data)

    body = text_of(response.content)
    assert response.status_code == 200
    assert "Answer every question (1 left): nothing was saved." in body
    assert "Choose a score for this question." in body
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (1, "The date cannot be in the future."),
        (-400, "This is before the case opened"),
    ],
)
def test_assessment_dated_outside_the_case_saves_nothing(
    client: HttpClient, cast: Cast, counselor: User, day: int, message: str
) -> None:
    person, _case = client_in_care(cast, opened_days_ago=365)
    when = days_ago(0) + datetime.timedelta(days=day)

    response = signed_in(client, counselor).post(page(person.pk, "assess"), form_data(STABLE, when))

    assert response.status_code == 200
    assert message in text_of(response.content) or "The client had no case open on that day." in text_of(
        response.content
    )
    assert not Assessment.objects.exists() and not ClockState.objects.exists()


def test_assessment_after_the_case_closed_is_refused(client: HttpClient, cast: Cast, counselor: User) -> None:
    from wholejourney.cases import services as case_services
    from wholejourney.cases.models import ClosureReason

    person, case = client_in_care(cast, opened_days_ago=300)
    request = case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(50), reason=ClosureReason.MOVED_AWAY
    )
    case_services.closure_decide(actor=cast.director, request=request, approve=True)

    response = signed_in(client, counselor).post(page(person.pk, "assess"), form_data(STABLE, days_ago(10)))

    assert "This is after the case closed" in text_of(response.content)
    assert not Assessment.objects.exists()


def test_crisis_without_domains_or_story_saves_nothing(client: HttpClient, cast: Cast, counselor: User) -> None:
    person, _case = client_in_care(cast)

    response = signed_in(client, counselor).post(
        page(person.pk, "crisis"), {"date": days_ago(1).isoformat(), "severity": "severe", "what_happened": ""}
    )

    body = text_of(response.content)
    assert "Choose the domain or domains the crisis touched." in body
    assert "This field is required." in body
    assert not CrisisEvent.objects.exists()


def test_crisis_text_only_to_counselors_supervisor_and_director(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    person, _case = client_in_care(cast)
    assess(counselor, person, 100)
    crisis(counselor, person, 20, "wellbeing", "social")
    story = "Ran away from the shelter"

    seen = {}
    for user in (counselor, cast.director, cast.case_manager):
        seen[user.username] = text_of(signed_in(client, user).get(page(person.pk)).content)

    assert story in seen["counselor"] and story in seen["director"]
    assert story not in seen["cm"]
    assert "Personal well-being, Social capital / integration" in seen["cm"]  # the fact and its domains
    assert days_ago(20).strftime("%d/%m/%Y") in seen["cm"]
    assert "What happened is kept for the client's counselors" in seen["cm"]


@pytest.mark.parametrize("who", ["other_office", "partner", "me_officer", "other_team_colleague"])
@pytest.mark.parametrize("action", ["", "assess", "crisis", "survey"])
def test_outcomes_pages_are_404_outside_the_caseload(client: HttpClient, cast: Cast, who: str, action: str) -> None:
    person, _case = client_in_care(cast)

    response = signed_in(client, getattr(cast, who)).get(page(person.pk, action))

    assert response.status_code == 404


def test_legal_officer_sees_the_clock_but_may_not_record(client: HttpClient, cast: Cast) -> None:
    person, _case = client_in_care(cast)
    legal = make_user(Role.LEGAL_OFFICER, office=cast.kh, team=cast.team, username="legal")
    browser = signed_in(client, legal)

    assert browser.get(page(person.pk)).status_code == 200
    assert browser.get(page(person.pk, "assess")).status_code == 404
    assert browser.post(page(person.pk, "crisis"), {}).status_code == 404


def test_survey_is_saved_with_unanswered_questions(client: HttpClient, cast: Cast) -> None:
    person, _case = client_in_care(cast)

    response = signed_in(client, cast.case_manager).post(
        page(person.pk, "survey"),
        {"date": days_ago(2).isoformat(), "income_increased": "yes", "income_covers_needs": ""},
    )

    survey = EconomicSurvey.objects.get()
    assert response.status_code == 302
    assert survey.income_increased is True and survey.income_covers_needs is None


def test_flag_is_shown_to_the_supervisor_who_resolves_it(client: HttpClient, cast: Cast) -> None:
    flag = kh_flag(cast)
    url = page(flag.client_id)

    case_manager_view = text_of(signed_in(client, cast.case_manager).get(url).content)
    refused = client.post(f"/outcomes/flags/{flag.pk}/resolve/")
    director_view = text_of(signed_in(client, cast.director).get(url).content)
    resolved = client.post(f"/outcomes/flags/{flag.pk}/resolve/")
    after = text_of(client.get(url).content)

    assert "For the supervisor" not in case_manager_view and refused.status_code == 404
    assert "For the supervisor" in director_view and "goals achieved" in director_view
    assert resolved.status_code == 302
    assert ClockFlag.objects.get().resolved_by == cast.director
    assert "For the supervisor" not in after


def test_outcomes_page_queries_do_not_grow_with_records(client: HttpClient, cast: Cast, counselor: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person, _case = client_in_care(cast, opened_days_ago=700)
    assess(counselor, person, 650, BASELINE)
    browser = signed_in(client, counselor)
    browser.get(page(person.pk))
    with CaptureQueriesContext(connection) as few:
        browser.get(page(person.pk))
    for days in range(600, 10, -60):
        assess(counselor, person, days)
    crisis(counselor, person, 300)
    crisis(counselor, person, 100)
    with CaptureQueriesContext(connection) as many:
        browser.get(page(person.pk))

    assert len(many.captured_queries) == len(few.captured_queries)
