"""Home and My tasks: every kind of due work reaches the person who owns it, most urgent first,
nothing about a client outside their caseload, and the same number of queries for any caseload."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.care import services as care_services
from wholejourney.care.models import LegalCase, LegalMilestone
from wholejourney.care.tests.records import client_in_care, days_ago, kh_care_plan, staff
from wholejourney.cases import services as case_services
from wholejourney.cases.models import ClosureReason, Referral, Urgency
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.core import due
from wholejourney.programmes.models import CommunityGroup, GroupPlanAction

pytestmark = pytest.mark.django_db

HOME, TASKS = "/", "/tasks/"


def page(browser: HttpClient, user: User, path: str = TASKS) -> str:
    browser.force_login(user)
    response = browser.get(path)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def items(html: str) -> list[str]:
    """The due items listed, as text, in the order shown."""
    found = re.findall(r'<li class="due-item[^"]*">(.*?)</li>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in found]


def counts(html: str) -> dict[str, int]:
    """Home's counts by kind label."""
    return {
        re.sub(r"\s+", " ", label).strip(): int(count)
        for count, label in re.findall(r'<span class="count">(\d+)</span>\s*([^<]+)</a>', html)
    }


def incoming_referral(cast: Cast, urgency: str, days: int) -> Referral:
    return case_services.referral_receive(
        actor=cast.case_manager,
        office=cast.kh,
        organisation=OrganisationFactory(office=cast.kh, name=f"Provincial Department {urgency} {days}"),
        referred_on=days_ago(days),
        urgency=urgency,
        person={"name": "Dara Sok"},
    )


def test_case_manager_sees_reviews_visits_and_referrals_most_urgent_first(client: HttpClient, cast: Cast) -> None:
    overdue_plan = kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
    kh_care_plan(cast, drafted_days_ago=10, review_days_ago=-50)  # not due
    visited, _case = client_in_care(cast, name="Visited")
    care_services.visit_record(
        actor=cast.case_manager, client=visited, mode="home", visited_on=days_ago(20), next_visit_on=days_ago(-3)
    )
    incoming_referral(cast, Urgency.NORMAL, days=10)
    incoming_referral(cast, Urgency.EMERGENCY, days=0)

    listed = items(page(client, cast.case_manager))

    assert listed[0].startswith("Provincial Department emergency 0 New referral: Emergency")
    assert "Urgent" in listed[0]
    kinds_in_order = [
        next(k for k in ("referral", "review", "Visit due") if k.lower() in text.lower())
        for text in listed
        if any(k.lower() in text.lower() for k in ("referral", "review", "Visit due"))
    ]
    assert kinds_in_order == ["referral", "referral", "review", "Visit due"]  # by day, not by kind
    assert any(overdue_plan.client.code in text for text in listed)
    assert any(visited.code in text and "Visit due" in text for text in listed)


def test_home_counts_each_kind_and_links_to_tasks(client: HttpClient, cast: Cast) -> None:
    kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
    incoming_referral(cast, Urgency.HIGH, days=1)

    html = page(client, cast.case_manager, HOME)

    assert counts(html)["Care-plan reviews overdue"] == 1
    assert counts(html)["New referrals"] == 1
    assert 'href="/tasks/?kind=referrals"' in html
    assert "High (within a week)" in html  # the urgent referral is among this week's items on home


def test_director_sees_closures_and_care_plans_to_approve_and_the_office_by_stage(
    client: HttpClient, cast: Cast
) -> None:
    closing, case = client_in_care(cast, name="Closing")
    case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(1), reason=ClosureReason.MOVED_AWAY
    )
    draft = kh_care_plan(cast, drafted_days_ago=3, review_days_ago=-60)

    html = page(client, cast.director, HOME)
    tasks = items(page(client, cast.director))

    assert any(closing.code in text and "Closure to approve" in text for text in tasks)
    assert any(draft.client.code in text and "Care plan waiting for approval" in text for text in tasks)
    assert "The office's caseload" in html and "Closure waiting for approval" in html
    assert "Closures to approve" not in page(client, cast.case_manager, HOME)


def test_legal_officer_sees_court_dates_this_week(client: HttpClient, cast: Cast) -> None:
    person, _case = client_in_care(cast, name="Witness")
    legal = staff(cast, Role.LEGAL_OFFICER, team=cast.team)
    legal_case = care_services.legal_case_open(
        actor=legal, client=person, kind=LegalCase.Kind.CRIMINAL, opened_on=days_ago(30)
    )
    LegalMilestone.objects.create(legal_case=legal_case, kind=LegalMilestone.Kind.HEARING, happened_on=days_ago(-2))
    LegalMilestone.objects.create(legal_case=legal_case, kind=LegalMilestone.Kind.VERDICT, happened_on=days_ago(-20))

    listed = items(page(client, legal))

    assert len(listed) == 1 and person.code in listed[0] and "Trial hearing" in listed[0]
    assert "Nothing is due" not in page(client, legal)


def test_counselor_sees_overdue_assessments_of_clients_in_care(client: HttpClient, cast: Cast) -> None:
    never_assessed, case = client_in_care(cast, name="Never")
    counselor = staff(cast, Role.COUNSELOR, team=cast.team)
    # The baseline is due 30 days after the case opened.
    case.opened_on = days_ago(45)
    case.save(update_fields=["opened_on"])

    listed = items(page(client, counselor))

    assert any(never_assessed.code in text and "Baseline assessment overdue" in text for text in listed)


def test_prevention_officer_sees_plan_actions_due(client: HttpClient, cast: Cast) -> None:
    officer = staff(cast, Role.PREVENTION_OFFICER)
    group = CommunityGroup.objects.create(office=cast.kh, name="Kampong Speu group", province="Kampong Speu")
    GroupPlanAction.objects.create(group=group, year=days_ago(0).year, topic="child_protection", planned_on=days_ago(2))
    GroupPlanAction.objects.create(
        group=group, year=days_ago(0).year, topic="safe_migration", planned_on=days_ago(3), completed_on=days_ago(1)
    )

    listed = items(page(client, officer))

    assert len(listed) == 1 and "Kampong Speu group" in listed[0]


def test_nothing_about_a_client_outside_the_caseload(client: HttpClient, cast: Cast) -> None:
    theirs = kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)  # team A's client
    other_team = staff(cast, Role.CASE_MANAGER, team=cast.other_team)
    vn_manager = cast.other_office

    for user in (other_team, vn_manager):
        html = page(client, user) + page(client, user, HOME)
        assert theirs.client.code not in html
        assert theirs.client.display_name not in html


def test_tasks_filter_by_kind_and_person(client: HttpClient, cast: Cast) -> None:
    plan = kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
    incoming_referral(cast, Urgency.NORMAL, days=2)
    client.force_login(cast.colleague)  # same team: the case manager's clients are in their caseload

    reviews_only = items(client.get(TASKS, {"kind": "reviews"}).content.decode())
    by_person = items(client.get(TASKS, {"person": plan.client.case_manager_id}).content.decode())

    assert len(reviews_only) == 1 and plan.client.code in reviews_only[0]
    assert by_person and all(plan.client.code in text for text in by_person)
    assert not any("New referral" in text for text in by_person)  # a referral is nobody's yet


def test_every_app_registers_its_kinds_of_due_work() -> None:
    assert {kind.key for kind in due.registered_kinds()} >= {
        "referrals", "closures", "exports", "plans_to_approve", "court_dates", "visits", "reviews", "assessments",
        "trainings_ending", "plan_actions", "clock", "data_quality",
    }  # fmt: skip


@pytest.mark.parametrize("path", [HOME, TASKS])
def test_queries_do_not_grow_with_the_caseload(
    client: HttpClient, cast: Cast, django_assert_num_queries: Any, path: str
) -> None:
    kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
    incoming_referral(cast, Urgency.NORMAL, days=2)
    _closing, first_case = client_in_care(cast)
    case_services.closure_request(
        actor=cast.case_manager, case=first_case, closing_date=days_ago(1), reason=ClosureReason.MOVED_AWAY
    )
    client.force_login(cast.director)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(4):
        kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
        incoming_referral(cast, Urgency.HIGH, days=n)
        closing, case = client_in_care(cast)
        case_services.closure_request(
            actor=cast.case_manager, case=case, closing_date=days_ago(1), reason=ClosureReason.MOVED_AWAY
        )

    with django_assert_num_queries(len(few)):
        html = client.get(path).content.decode()

    assert len(items(html)) > 8 if path == TASKS else len(items(html)) == 8


def test_the_director_starts_from_approvals_and_the_office_not_every_visit(client: HttpClient, cast: Cast) -> None:
    overdue = kh_care_plan(cast, drafted_days_ago=100, review_days_ago=5)
    _closing, case = client_in_care(cast)
    case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(1), reason=ClosureReason.MOVED_AWAY
    )

    html = page(client, cast.director, HOME)

    assert "Closures to approve" in counts(html) and "Care-plan reviews overdue" not in counts(html)
    assert overdue.client.code in " ".join(items(html))  # its plan waits for approval
    assert "Care-plan review was due" not in " ".join(items(html))
    assert "Outcomes in the office" in html and "Assessments overdue" in html  # as a count, at a glance


def test_the_week_comes_before_later_work() -> None:
    today = datetime.date(2026, 3, 10)
    soon = due.DueItem(kind="visits", when=today + datetime.timedelta(days=3), subject="a", detail="", url="/")
    late = due.DueItem(kind="reviews", when=today - datetime.timedelta(days=30), subject="b", detail="", url="/")
    urgent = due.DueItem(kind="referrals", when=today, subject="c", detail="", url="/", urgent=True)
    far = due.DueItem(kind="visits", when=today + datetime.timedelta(days=20), subject="d", detail="", url="/")

    work = due.DueWork(today=today, items=due.by_urgency([far, soon, late, urgent], today))

    assert [i.subject for i in work.items] == ["c", "b", "a", "d"]
    assert [i.subject for i in work.this_week] == ["c", "b", "a"] and [i.subject for i in work.later] == ["d"]
