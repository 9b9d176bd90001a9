"""Notifications in a real browser (issue 19): the case manager on duty has home open on a phone,
in Khmer; a partner sends an urgent referral through the portal; the header's count goes up
without a reload (htmx polling), and the list opens the referral. Screenshots at 360 and 1280 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Console, assert_no_horizontal_scroll, sign_in
from tests.browser.test_day import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def partner(demo: None, settings: Any) -> None:
    """The demo's partner referrer with their organisation; the header polls every second."""
    from wholejourney.cases.tests.factories import OrganisationFactory
    from wholejourney.core.models import Office
    from wholejourney.demo.accounts import build_partner_account

    settings.WJ_NOTIFICATION_POLL_SECONDS = 1
    build_partner_account(OrganisationFactory(office=Office.objects.get(code="KH"), name="Provincial Department"))


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"notifications-{name}.png", full_page=True)


def test_the_header_count_goes_up_when_an_urgent_referral_arrives_and_the_list_opens_it(
    page: Any, browser: Any, live_server: Any, partner: None, console: Console, screenshot_dir: Path
) -> None:
    from django.utils import timezone

    polls: list[dict[str, str]] = []
    page.on(
        "request", lambda request: polls.append(request.headers) if "/notifications/count/" in request.url else None
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("data-count", "0")
    shoot(page, screenshot_dir, "360-km-before")
    page.evaluate("window.wjStillTheSamePage = true")

    partner_context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    portal = partner_context.new_page()
    sign_in(portal, "partner")
    portal.goto("/portal/referrals/")
    portal.locator("[name=person_name]").fill("Sentinel Arrival")
    portal.locator("[name=urgency]").select_option("emergency")
    portal.locator("[name=referred_on]").fill(timezone.localdate().strftime("%d/%m/%Y"))
    portal.locator("[name=reason]").fill("Needs a safe place tonight")
    portal.get_by_role("button", name="Send the referral").click()
    expect(portal.locator(".message")).to_be_visible()
    partner_context.close()

    expect(bell).to_have_attribute("data-count", "1")
    assert page.evaluate("window.wjStillTheSamePage === true"), "the page was reloaded"
    # Polls say they are the page's, not the person's: they do not keep an idle session alive.
    assert len(polls) > 1 and all(headers.get("x-wj-background") == "1" for headers in polls)
    shoot(page, screenshot_dir, "360-km-count")

    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator("li.notification.unread")).to_have_count(1)
    assert "Sentinel" not in page.content()
    shoot(page, screenshot_dir, "360-km-list")
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    shoot(page, screenshot_dir, "1280-km-list")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, screenshot_dir, "1280-en-list")

    page.locator("li.notification a").first.click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    expect(page.locator("main")).to_contain_text("Sentinel Arrival")  # the referral itself, after sign-in
    expect(page.locator("#notification-bell")).to_have_attribute("data-count", "0")
    shoot(page, screenshot_dir, "1280-en-referral")
    page.goto("/notifications/settings/")
    shoot(page, screenshot_dir, "1280-en-settings")
    assert axe_violations(page) == []
    assert console.csp_violations() == []


def test_the_director_puts_a_case_manager_on_duty_on_a_phone(
    page: Any, partner: None, console: Console, screenshot_dir: Path
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "director")
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.goto("/notifications/")
    page.locator("main a[href='/notifications/duty/']").click()
    row = page.locator("tr", has_text="Sophea Chan")
    row.get_by_role("button").click()
    expect(page.locator(".message")).to_be_visible()
    expect(page.locator("tr", has_text="Sophea Chan").locator("td").nth(1)).not_to_have_text("No")
    shoot(page, screenshot_dir, "360-km-duty")
    assert axe_violations(page) == []
    assert console.csp_violations() == []
