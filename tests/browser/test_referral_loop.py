"""A referral that closes its loop, in a real browser (issue 21): the case manager refers a client
to a partner from the client's record, the partner accepts it and reports the service in the
portal, and the case manager sees it on the client's timeline. By clicking, from home; the case
manager works in Khmer on a 360 px phone. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, assert_no_horizontal_scroll, main_menu, sign_in, sign_out
from tests.browser.test_search import search_from_home

pytestmark = pytest.mark.browser


@pytest.fixture
def client_with_consent(demo: None) -> Any:
    """A client of the KH team with an open case, who agreed to share with the partner organisation
    the demo's partner account belongs to."""
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.cases.services import case_open
    from wholejourney.clients.models import ConsentKind
    from wholejourney.clients.services import client_create, consent_record
    from wholejourney.core.models import Office
    from wholejourney.demo.accounts import build_partner_account
    from wholejourney.partners.models import Organisation, OrganisationKind

    office = Office.objects.get(code="KH")
    casemanager = User.objects.get(username="casemanager")
    shelter = Organisation.objects.create(office=office, name="Safe Haven Shelter", kind=OrganisationKind.NGO)
    build_partner_account(shelter)
    client = client_create(
        actor=casemanager,
        office=office,
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Ouk",
        given_name_latin="Sreyleak",
        birth_year=2006,
        birth_year_estimated=True,
        sex="female",
        address={"province": "Siem Reap"},
    )
    today = timezone.localdate()
    case_open(
        actor=casemanager,
        client=client,
        opened_on=today - datetime.timedelta(days=20),
        primary_abuse_type="human_trafficking",
        trafficking_subtype="labour",
    )
    consent_record(
        actor=casemanager,
        client=client,
        kind=ConsentKind.SHARING,
        partner=shelter,
        given_on=today - datetime.timedelta(days=10),
        how_given="signed",
    )
    return client


def _sign_out_in_english(page: Any) -> None:
    page.locator("form.lang button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_out(page)


def test_a_referral_goes_out_the_partner_answers_and_reports_and_the_case_manager_sees_it(
    page: Any, screenshot_dir: Path, client_with_consent: Any
) -> None:
    client = client_with_consent
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    page.locator("form.lang button[value=km]").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    search_from_home(page, "Sreyleak")
    page.locator(f"#search-results a[href='/clients/{client.pk}/']").first.click()
    page.locator(f"a[href='/clients/{client.pk}/?tab=referrals']").first.click()
    send = page.locator(f"form[action='/clients/{client.pk}/referrals/send/']")
    send.locator("xpath=ancestor::details").locator("summary").click()
    send.locator("select[name=organisation]").select_option(label="Safe Haven Shelter")
    send.locator("select[name=service_asked]").select_option("shelter")
    send.locator("select[name=urgency]").select_option("high")
    send.locator("textarea[name=reason]").fill("Needs a safe place to stay")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "referral-out-km-360.png", full_page=True)
    send.locator("button[type=submit]").click()
    expect(page.locator("span.status.sent").first).to_be_visible()
    _sign_out_in_english(page)

    page.set_viewport_size(DESKTOP)
    sign_in(page, "partner")
    main_menu(page).locator("a[href='/portal/referrals/']:visible").click()
    page.locator("#sent-to-us a").first.click()
    expect(page.locator("body")).not_to_contain_text("Sreyleak")
    expect(page.locator("dl.facts")).to_contain_text("Siem Reap")
    page.locator("#accept-referral").click()
    expect(page.locator("#referral-status")).to_contain_text("Accepted")
    page.locator("input[name=outcome][value=provided]").check()
    page.locator("textarea[name=note]").fill("Two weeks in the shelter, then home")
    page.screenshot(path=screenshot_dir / "referral-partner-report-1280.png", full_page=True)
    page.locator("#report-outcome").click()
    expect(page.locator("#referral-status")).to_contain_text("Completed")
    sign_out(page)

    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    page.locator("form.lang button[value=km]").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    search_from_home(page, "Sreyleak")
    page.locator(f"#search-results a[href='/clients/{client.pk}/']").first.click()
    page.locator(f"a[href='/clients/{client.pk}/timeline/']").first.click()
    entry = page.locator("ol.timeline li.referral-out")
    expect(entry).to_contain_text("Safe Haven Shelter")
    expect(entry).to_contain_text("Two weeks in the shelter, then home")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "referral-loop-timeline-km-360.png", full_page=True)
