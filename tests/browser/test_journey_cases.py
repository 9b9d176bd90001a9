"""The whole journey in a real browser (issue 5's browser acceptance): the case manager searches,
registers despite a possible match (with a reason), accepts a referral that opens a case, places the
client in the shelter, moves them home (a reintegration), asks to close the case and the director
approves; a partner referrer submits a referral and sees only its status."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Console, assert_no_horizontal_scroll, sign_in, sign_out

pytestmark = pytest.mark.browser

PARTNER_ORGANISATION = "Kampong Cham Provincial Department of Social Affairs"


@pytest.fixture
def journey(demo: None) -> dict[str, Any]:
    """What the demo accounts lack: a partner organisation for the `partner` account, and a client
    already called Sok Dara so the registration search finds a possible match."""
    from wholejourney.accounts.models import User
    from wholejourney.clients.services import client_create
    from wholejourney.core.models import Office
    from wholejourney.demo.accounts import build_partner_account
    from wholejourney.partners.models import Organisation, OrganisationKind

    office = Office.objects.get(code="KH")
    organisation = Organisation.objects.create(
        office=office, name=PARTNER_ORGANISATION, kind=OrganisationKind.PROVINCIAL_AUTHORITY, province="Kampong Cham"
    )
    build_partner_account(organisation)  # a partner referrer needs its organisation
    casemanager = User.objects.get(username="casemanager")
    existing = client_create(
        actor=casemanager,
        office=office,
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Sok",
        given_name_latin="Dara",
        birth_year=1990,
        birth_year_estimated=True,
        sex="female",
    )
    return {"existing": existing, "organisation": organisation}


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    """The page as it is now, on a phone and on a desktop; on a phone nothing may scroll sideways."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
        page.screenshot(path=screenshot_dir / f"journey-{name}-{viewport['width']}.png", full_page=True)


def test_case_manager_walks_the_journey_and_the_director_approves_the_closure(
    page: Any, console: Console, screenshot_dir: Path, journey: dict[str, Any]
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    five_days_ago = f"{today - datetime.timedelta(days=5):%d/%m/%Y}"
    two_days_ago = f"{today - datetime.timedelta(days=2):%d/%m/%Y}"
    existing = journey["existing"]
    sign_in(page, "casemanager")

    # 1. Search first: the name is already known, so the registration asks why.
    page.goto("/clients/register/")
    page.get_by_label(re.compile(r"^Search:?$")).fill("Sok Dara")
    page.get_by_role("button", name="Search").click()
    warning = page.locator("section.notice").filter(has=page.get_by_role("heading", name="Possible match"))
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name=existing.code)).to_be_visible()
    page.get_by_label("Family name (Latin script)").fill("Sok")
    page.get_by_label("Given name (Latin script)").fill("Dara")
    page.get_by_label("Year of birth, if the date is not known").fill("2006")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone numbers").fill("012 345 678")
    page.get_by_role("button", name="Register the client").click()
    expect(page.locator("#id_duplicate_reason_error")).to_have_text(
        "A possible match exists. Open that record instead, or say why you register someone new."
    )
    shoot(page, screenshot_dir, "register-duplicate")
    reason = page.get_by_label("Reason for registering despite a possible match")
    reason.fill("Another Sok Dara: 16 years younger, from Prey Veng, a different phone.")
    page.get_by_role("button", name="Register the client").click()
    registered = page.locator(".message.success")
    expect(registered).to_contain_text(re.compile(r"KH-\d{4}-\d{4} is registered"))
    new_code = registered.inner_text().split(" ")[0]
    assert new_code != existing.code
    expect(page.get_by_role("heading", level=1)).to_contain_text(new_code)

    # 2. A referral arrives for her from the provincial department.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name="Add incoming referral").click()
    page.get_by_label("Date of referral").fill(five_days_ago)
    page.get_by_label("Referred by").select_option("organisation")
    page.get_by_label("Organisation").select_option(label=PARTNER_ORGANISATION)
    page.get_by_label("Urgency").select_option("high")
    page.get_by_label("Name of the person").fill("Sok Dara")
    page.get_by_label("Phone number").fill("012 345 678")
    page.get_by_label("Reason for the referral").fill("Returned from a fishing boat; needs a safe place.")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".message.success")).to_have_text("The referral is recorded.")
    expect(page.get_by_role("heading", name=re.compile(r"^Referral \d+$"))).to_be_visible()

    # 3. Accept it: the search on the referral page offers both Sok Daras; link the new one.
    person = page.get_by_role("group", name="The referred person is")
    expect(person.get_by_label(re.compile(existing.code))).to_be_visible()
    person.get_by_label(re.compile(new_code)).check()
    page.get_by_label("Opening date").fill(five_days_ago)
    page.get_by_label("Primary abuse type").select_option("human_trafficking")
    page.get_by_label("Kind of trafficking").select_option("labour")
    shoot(page, screenshot_dir, "referral-accept")
    page.get_by_role("button", name="Accept and open the case").click()
    expect(page.locator(".message.success")).to_have_text(
        f"The referral is accepted and a case is open for {new_code}."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(new_code)
    expect(page.locator(".facts .status").first).to_have_text("Open")

    # 4. She lives in the Home of Love, then goes home to her family: a reintegration.
    page.get_by_role("navigation", name="Parts of the record").get_by_role("link", name="Placements").click()
    expect(page).to_have_url(re.compile(r"\?tab=placements$"))
    page.get_by_label("Where does the client live?").select_option("shelter")
    page.get_by_label("From").fill(five_days_ago)
    page.get_by_role("button", name="Save the placement").click()
    expect(page.locator(".message.success")).to_have_text("The placement is recorded.")
    expect(page.get_by_role("heading", name="Move the client")).to_be_visible()
    page.get_by_label("Where does the client live?").select_option("family")
    page.get_by_label("From").fill(two_days_ago)
    page.get_by_role("button", name="Save the placement").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Family")).to_contain_text("Reintegration")
    expect(rows.filter(has_text="Home of Love")).not_to_contain_text("Reintegration")
    shoot(page, screenshot_dir, "placements-reintegration")

    # 5. Ask to close the case: without a reason first, then "goals achieved".
    page.get_by_role("navigation", name="Parts of the record").get_by_role("link", name="Case").click()
    page.get_by_text("Request closure").click()
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator("#id_reason_error")).to_have_text("Choose the reason for closing the case.")
    expect(page.get_by_label("Reason for closing")).to_be_visible()  # the form stays open on the error
    shoot(page, screenshot_dir, "closure-no-reason")
    page.get_by_label("Reason for closing").select_option("goals_achieved")
    page.get_by_label("Note for the approver").fill("Living with her mother; school fees covered for a year.")
    # No assessment yet, so the clock has not started: "goals achieved" needs the override and its reason.
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator("#id_reason_error")).to_contain_text("the clock had not started")
    page.get_by_label("Close as “goals achieved” although the stability clock does not show the client whole").check()
    page.get_by_label("Why close as “goals achieved” now?").fill("Assessed whole by the partner NGO before transfer.")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator(".message.success")).to_have_text(
        "The closure is requested; the case closes when it is approved."
    )
    expect(page.locator("#closure-pending")).to_contain_text("Goals achieved (wholeness reached)")
    client_case_url = page.url
    sign_out(page)

    # 6. The director approves on the closures page; the case is closed.
    sign_in(page, "director")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Closures to approve").click()
    closure = page.locator("section.card").filter(has=page.get_by_role("link", name=new_code))
    expect(closure).to_contain_text("Goals achieved (wholeness reached)")
    shoot(page, screenshot_dir, "closure-approve")
    closure.get_by_role("button", name="Approve and close the case").click()
    expect(page.locator(".message.success")).to_have_text(f"Approved: the case of {new_code} is closed.")
    expect(page.get_by_text("No closure is waiting for your approval.")).to_be_visible()
    page.goto(client_case_url)
    expect(page.locator(".facts .status").first).to_have_text("Closed")
    expect(page.get_by_text("Goals achieved (wholeness reached)")).to_be_visible()
    shoot(page, screenshot_dir, "case-closed")
    assert console.errors == []


def test_partner_referrer_submits_a_referral_and_sees_only_its_status(
    page: Any, console: Console, screenshot_dir: Path, journey: dict[str, Any]
) -> None:
    sign_in(page, "partner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My referrals").click()
    expect(page.get_by_text(f"You refer for {PARTNER_ORGANISATION}.")).to_be_visible()
    page.get_by_label("Name of the person").fill("Keo Sreymom")
    page.get_by_label("Age").fill("15")
    page.get_by_label("Where the person is now").fill("Chamkar Leu district")
    page.get_by_label("Reason for the referral").fill("Offered work across the border by a stranger.")
    page.get_by_label("Urgency").select_option("high")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".message.success")).to_contain_text(re.compile(r"Your referral number \d+ is received"))
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Received")
    expect(rows.first).to_contain_text("High (within a week)")
    # Only the status: no name, no client record, nothing to open.
    main = page.locator("main")
    for secret in ("Keo Sreymom", "Sok Dara", "Chamkar Leu", "Offered work", journey["existing"].code):
        expect(main).not_to_contain_text(secret)
    expect(main.locator("a[href*='/clients/'], a[href*='/referrals/']")).to_have_count(0)
    shoot(page, screenshot_dir, "portal")
    assert console.errors == []
