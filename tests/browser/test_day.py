"""A working day in a real browser (issue 15's browser acceptance): each role signs in, starts at
home, reaches its main jobs by clicking only (no typed address after sign-in), does one and sees
home or My tasks change. Then the pages every role lives on — home, My tasks, the client hub, the
caseload — at a desktop's and a phone's width, in English and in Khmer: screenshotted, without
sideways scrolling, and without an axe-core violation."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, go_home, main_menu, sign_in

pytestmark = pytest.mark.browser


def _days(n: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def day(demo: None) -> dict[str, Any]:
    """Each role's due work in Cambodia, made through the services."""
    from wholejourney.accounts.models import User
    from wholejourney.care import services as care
    from wholejourney.care.models import Domain, LegalCase, LegalMilestone, Training
    from wholejourney.cases import services as cases
    from wholejourney.cases.models import AbuseType, ClosureReason, Urgency
    from wholejourney.clients import services as clients
    from wholejourney.core.models import Office
    from wholejourney.demo.accounts import build_partner_account
    from wholejourney.partners.models import Organisation, OrganisationKind
    from wholejourney.programmes.models import CommunityGroup, GroupPlanAction

    kh = Office.objects.get(code="KH")
    users = {u.username: u for u in User.objects.filter(office=kh)}
    manager, director = users["casemanager"], users["director"]

    def in_care(name: str, opened: int) -> Any:
        client = clients.client_create(
            actor=director, office=kh, team=manager.team, case_manager=manager,
            given_name_latin=name, family_name_latin="Day", sex="female", date_of_birth=datetime.date(2001, 3, 4),
        )  # fmt: skip
        case = cases.case_open(
            actor=director, client=client, opened_on=_days(-opened), primary_abuse_type=AbuseType.HUMAN_TRAFFICKING
        )
        return client, case

    reviewed, reviewed_case = in_care("Reviewed", 120)
    plan = care.care_plan_draft(
        actor=manager, case=reviewed_case, drafted_on=_days(-100), next_review_on=_days(-5),
        goals=[{"domain": d, "goal": f"A goal in {d}"} for d in Domain.values],
    )  # fmt: skip
    visited, _ = in_care("Visited", 90)
    care.visit_record(actor=manager, client=visited, mode="home", visited_on=_days(-20), next_visit_on=_days(2))
    organisation = Organisation.objects.create(
        office=kh, name="Kampong Cham Provincial Department", kind=OrganisationKind.PROVINCIAL_AUTHORITY
    )
    referral = cases.referral_receive(
        actor=manager, office=kh, organisation=organisation, referred_on=_days(0), urgency=Urgency.EMERGENCY,
        person={"name": "Srey Mom"}, reason="Found at the border; needs a safe place tonight.",
    )  # fmt: skip
    witness, _ = in_care("Witness", 200)
    legal_case = care.legal_case_open(
        actor=users["legal"], client=witness, kind=LegalCase.Kind.CRIMINAL, opened_on=_days(-30)
    )
    LegalMilestone.objects.create(legal_case=legal_case, kind=LegalMilestone.Kind.HEARING, happened_on=_days(2))
    trainee, _ = in_care("Trainee", 200)
    training = care.training_start(
        actor=users["econ"], client=trainee, kind=Training.Kind.VOCATIONAL, start=_days(-90), end=_days(3),
        organisation=organisation, trade="Sewing",
    )  # fmt: skip
    newcomer, _ = in_care("Newcomer", 45)  # its baseline assessment is overdue
    group = CommunityGroup.objects.create(office=kh, name="Kampong Speu group", province="Kampong Speu")
    action = GroupPlanAction.objects.create(
        group=group, year=_days(0).year, topic="child_protection", planned_on=_days(-2)
    )
    leaving, leaving_case = in_care("Leaving", 300)
    closure = cases.closure_request(
        actor=manager, case=leaving_case, closing_date=_days(-1), reason=ClosureReason.MOVED_AWAY
    )
    partner = build_partner_account(organisation)
    return locals()


def count_of(page: Any, kind: str) -> Any:
    """Home's count of one kind of due work, as a locator on its number."""
    return page.locator(".due-counts a").filter(has_text=kind).locator(".count")


def due_item(page: Any, text: str) -> Any:
    return page.locator("li.due-item").filter(has_text=text)


def test_case_manager_accepts_the_urgent_referral_and_records_the_visit_due(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "casemanager")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(count_of(page, "New referrals")).to_have_text("1")
    urgent = due_item(page, "New referral").first
    expect(urgent).to_contain_text("Urgent")

    # The emergency is first on home; accept it, registering the girl it is about.
    urgent.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Referral \d+$"))).to_be_visible()
    page.get_by_label("Year of birth, if the date is not known").fill("2009")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Primary abuse type").select_option("human_trafficking")
    page.get_by_label("Kind of trafficking").select_option("labour")
    page.get_by_role("button", name="Accept and open the case").click()
    expect(page.locator(".message.success")).to_contain_text("The referral is accepted")
    go_home(page)
    expect(count_of(page, "New referrals")).to_have_text("0")

    # A visit is due: from My tasks to the client's record, its timeline, and "Record…".
    main_menu(page).get_by_role("link", name="My tasks").click()
    visit = due_item(page, "Visit due")
    expect(visit).to_contain_text(day["visited"].code)
    visit.get_by_role("link").click()
    parts = page.get_by_role("navigation", name="Parts of the record")
    parts.get_by_role("link", name="Timeline").click()
    page.locator("summary", has_text="Record…").click()
    page.get_by_role("link", name="Record a visit").click()
    page.get_by_label("Visit:", exact=True).select_option("home")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=2, name="Timeline")).to_be_visible()
    main_menu(page).get_by_role("link", name="My tasks").click()
    expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()
    expect(due_item(page, "Visit due")).to_have_count(0)
    expect(due_item(page, "Care-plan review was due")).to_contain_text(day["reviewed"].code)


def test_counselor_records_an_overdue_baseline_assessment(page: Any, day: dict[str, Any]) -> None:
    newcomer = day["newcomer"]
    sign_in(page, "counselor")
    expect(count_of(page, "Assessments overdue")).to_have_text("6")

    due_item(page, newcomer.code).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="Record an assessment")).to_be_visible()
    for answer in page.get_by_role("radio", name="3 Stable").all():
        answer.check()
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.locator(".message.success")).to_be_visible()
    # The record's header leads on to the counseling part of the record.
    page.get_by_role("navigation", name="Parts of the record").get_by_role("link", name="Counseling").click()
    expect(page.locator("main").get_by_role("link", name="Record a session")).to_be_visible()
    go_home(page)
    expect(count_of(page, "Assessments overdue")).to_have_text("5")
    expect(due_item(page, newcomer.code)).to_have_count(0)


def test_legal_officer_follows_the_court_date_and_records_the_hearing(page: Any, day: dict[str, Any]) -> None:
    witness = day["witness"]
    sign_in(page, "legal")
    expect(count_of(page, "Court dates this week")).to_have_text("1")

    due_item(page, "Trial hearing").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="Criminal legal case")).to_be_visible()
    # The client's legal part, from the record's header, leads back to the case.
    page.get_by_role("navigation", name="Parts of the record").get_by_role("link", name="Legal").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Legal")
    page.get_by_role("link", name=re.compile("Criminal")).first.click()
    page.get_by_label("Milestone").select_option(label="Investigation")
    page.get_by_role("button", name="Save the milestone").click()
    expect(page.locator(".message.success")).to_be_visible()
    main_menu(page).get_by_role("link", name="My tasks").click()
    expect(due_item(page, "Trial hearing")).to_contain_text(witness.code)


def test_economic_officer_records_the_training_that_ends(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "econ")
    expect(count_of(page, "Trainings ending")).to_have_text("1")

    due_item(page, "ends: record how it went").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="Vocational training (TVET)")).to_be_visible()
    page.get_by_role("button", name="Record completion").click()
    expect(page.locator(".message.success")).to_be_visible()
    page.get_by_role("navigation", name="Parts of the record").get_by_role("link", name="Economic empowerment").click()
    page.locator("summary", has_text="Record…").click()
    expect(page.get_by_role("link", name=re.compile("training", re.I)).first).to_be_visible()
    go_home(page)
    expect(count_of(page, "Trainings ending")).to_have_text("0")


def test_prevention_officer_completes_the_plan_action_due(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "prevention")
    expect(count_of(page, "plan actions")).to_have_text("1")

    due_item(page, "Kampong Speu group").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="Kampong Speu group")).to_be_visible()
    page.get_by_role("button", name="Mark completed").click()
    go_home(page)
    expect(count_of(page, "plan actions")).to_have_text("0")
    main_menu(page).get_by_role("link", name="Programmes").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_me_officer_reads_figures_and_data_quality_from_home(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "me")
    glance = page.locator("section.glance").filter(has=page.get_by_role("heading", name="Figures and data quality"))
    expect(glance.get_by_role("link", name="Cases without an abuse type")).to_be_visible()

    glance.get_by_role("link", name=re.compile("The report of")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report: Cambodia")
    page.get_by_role("link", name="Data quality check").click()
    expect(page.get_by_text("Cases without an abuse type").first).to_be_visible()
    go_home(page)
    main_menu(page).get_by_role("link", name="Outcome figures").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_director_approves_the_closure_from_home(page: Any, day: dict[str, Any]) -> None:
    leaving = day["leaving"]
    sign_in(page, "director")
    expect(count_of(page, "Closures to approve")).to_have_text("1")
    office = page.locator("section.glance").filter(has=page.get_by_role("heading", name="The office's caseload"))
    expect(office.locator("dd").nth(2)).to_have_text("1")

    page.locator(".due-counts a").filter(has_text="Closures to approve").click()
    due_item(page, "Closure to approve").get_by_role("link").click()
    request = page.locator("main")
    expect(request.get_by_role("heading", name=leaving.code)).to_be_visible()
    expect(request).to_contain_text("Stability clock")
    page.get_by_role("button", name="Approve and close the case").click()
    expect(page.locator(".message.success")).to_be_visible()
    go_home(page)
    expect(count_of(page, "Closures to approve")).to_have_text("0")
    expect(office.locator("dd").nth(2)).to_have_text("0")

    # The care plan waiting for approval, then the office's open cases, from home.
    due_item(page, "Care plan waiting for approval").get_by_role("link").click()
    page.get_by_role("button", name="Approve").click()
    go_home(page)
    expect(count_of(page, "Care plans to approve")).to_have_text("0")
    office.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_partner_sees_its_referrals_states_and_submits_one(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "partner")
    mine = page.locator("section.glance").filter(has=page.get_by_role("heading", name="Your organisation's referrals"))
    waiting = mine.locator("dt", has_text="Received").locator("xpath=following-sibling::dd[1]")
    expect(waiting).to_have_text("1")

    mine.get_by_role("link", name=re.compile("Received")).click()
    page.get_by_label("Name of the person").fill("Chenda")
    page.get_by_label("Reason for the referral").fill("Came back from Thailand; her employer kept her passport.")
    page.get_by_label("Urgency").select_option("high")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".message.success")).to_be_visible()
    go_home(page)
    expect(waiting).to_have_text("2")


def test_administrator_adds_a_staff_account_from_home(page: Any, day: dict[str, Any]) -> None:
    sign_in(page, "admin")
    staff = page.locator("section.card").filter(has=page.get_by_role("heading", name="Your office at a glance"))
    before = int(staff.locator("dd").first.inner_text())

    staff.get_by_role("link", name="See the staff list").click()
    page.get_by_role("link", name="Add an account").click()
    page.get_by_label("Username").fill("new.counselor")
    page.get_by_label("Initial password").fill("a-long-initial-password")
    office = page.get_by_label(re.compile(r"^Office:?$"))
    office.select_option(office.locator("option", has_text="Cambodia").get_attribute("value"))
    page.get_by_label("Counselor").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_be_visible()
    go_home(page)
    expect(staff.locator("dd").first).to_have_text(str(before + 1))


# --- the pages of the day, at both widths and in both languages -----------------------------------

AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is, one line each: rule, impact, where."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # The app's CSP refuses inline scripts, a tag added by Playwright included; evaluating the
        # script's text through the DevTools protocol is not subject to it.
        page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["passes"], "axe-core checked nothing"
    return [
        f"{violation['id']} ({violation['impact']}): {', '.join(str(node['target']) for node in violation['nodes'])}"
        for violation in result["violations"]
    ]


def look(page: Any, screenshot_dir: Path, name: str, problems: list[str]) -> None:
    """The page at a desktop's and a phone's width: screenshotted, no sideways scroll, no axe violation."""
    # A click that navigates returns once the new page is committed; its document may still be
    # empty then (CI once read documentElement as null), so wait for the page to have loaded.
    page.wait_for_load_state("load")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"{name} at {width}px scrolls sideways by {overflow}px")
        page.screenshot(path=screenshot_dir / f"day-{name}-{width}.png", full_page=True)
        problems += [f"{name} at {width}px: {line}" for line in axe_violations(page)]


def look_through_the_day(
    page: Any, day: dict[str, Any], screenshot_dir: Path, prefix: str, problems: list[str]
) -> None:
    """From home: home, My tasks, the caseload and a client of it, each looked at (see `look`)."""
    look(page, screenshot_dir, f"{prefix}-home", problems)
    page.set_viewport_size(DESKTOP)
    nav = page.locator("nav.main-nav")  # its accessible name is translated
    nav.locator("a[href='/tasks/']:visible").click()
    expect(page.locator("li.due-item").first).to_be_visible()
    look(page, screenshot_dir, f"{prefix}-tasks", problems)
    page.set_viewport_size(DESKTOP)
    nav.locator("a[href='/clients/']:visible").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    look(page, screenshot_dir, f"{prefix}-caseload", problems)
    page.set_viewport_size(DESKTOP)
    page.locator("main").get_by_role("link", name=re.compile(day["visited"].code)).first.click()
    expect(page.get_by_role("navigation", name=re.compile("."))).not_to_have_count(0)
    look(page, screenshot_dir, f"{prefix}-client", problems)


@pytest.mark.parametrize("username", ["casemanager", "director"])
def test_the_pages_of_the_day_read_well_everywhere(
    page: Any, day: dict[str, Any], screenshot_dir: Path, username: str
) -> None:
    """The pages of the day in English, then again in Khmer after the switch, at both widths."""
    problems: list[str] = []
    sign_in(page, username)
    look_through_the_day(page, day, screenshot_dir, f"{username}-en", problems)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    go_home(page)
    look_through_the_day(page, day, screenshot_dir, f"{username}-km", problems)

    assert not problems, "\n".join(problems)
