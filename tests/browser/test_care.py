"""Care in a real browser on a phone (issue 6's browser acceptance): a counselor records one TF-CBT
group session for three clients, the legal officer opens a criminal case and records a verdict, the
economic-empowerment officer records a small-business grant, and the case manager sees all of it on
the client's timeline, newest first."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, sign_in, sign_out

pytestmark = pytest.mark.browser

FAMILY_NAME = "Chhim"


@pytest.fixture
def clients(demo: None) -> list[Any]:
    """Three clients of the KH team, each with a case opened five days ago."""
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.cases.services import case_open
    from wholejourney.clients.services import client_create
    from wholejourney.core.models import Office

    office = Office.objects.get(code="KH")
    casemanager = User.objects.get(username="casemanager")
    opened = timezone.localdate() - datetime.timedelta(days=5)
    made = []
    for given, year in (("Sokha", 2005), ("Dara", 2007), ("Vanna", 2003)):
        client = client_create(
            actor=casemanager,
            office=office,
            team=casemanager.team,
            case_manager=casemanager,
            family_name_latin=FAMILY_NAME,
            given_name_latin=given,
            birth_year=year,
            birth_year_estimated=True,
            sex="female",
        )
        case_open(
            actor=casemanager,
            client=client,
            opened_on=opened,
            primary_abuse_type="human_trafficking",
            trafficking_subtype="labour",
        )
        made.append(client)
    return made


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"care-{name}.png", full_page=True)


def day(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


def test_staff_record_care_on_a_phone_and_the_timeline_shows_it(
    page: Any, console: Console, screenshot_dir: Path, clients: list[Any]
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    page.set_viewport_size(PHONE)
    first = clients[0]

    # 1. The counselor records one TF-CBT group session for all three, found by name in the caseload.
    sign_in(page, "counselor")
    page.goto("/care/sessions/new/")
    page.get_by_label("Find a client by code or name").fill(FAMILY_NAME)
    picker = page.locator("#attendee-list")
    for client in clients:
        expect(picker.get_by_text(client.code)).to_be_visible()
    for client in clients:
        picker.locator(f"input[name=attendees][value='{client.pk}']").check()
    page.get_by_label("Date").fill(day(today - datetime.timedelta(days=3)))
    page.get_by_role("group", name="Session").get_by_label("Group").check()
    expect(page.get_by_label("Approach")).to_have_value("tf_cbt")
    page.get_by_label("Minutes").fill("90")
    shoot(page, screenshot_dir, "session-form")
    page.get_by_role("button", name="Save the session").click()
    expect(page.locator(".message.success")).to_contain_text("Session saved for 3 client(s)")
    for client in clients:
        expect(page.get_by_text(client.code).first).to_be_visible()
    shoot(page, screenshot_dir, "session-saved")
    sign_out(page)

    # 2. The legal officer opens a criminal case for the first client and records the verdict.
    sign_in(page, "legal")
    page.goto(f"/clients/{first.pk}/care/legal-case/new/")
    page.locator("select[name=kind]").select_option("criminal")
    page.locator("input[name=opened_on]").fill(day(today - datetime.timedelta(days=2)))
    page.locator("input[name=court]").fill("Phnom Penh Court of First Instance")
    page.locator("input[name=accused_role]").fill("Broker")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message.success")).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Criminal legal case")
    milestone = page.locator("form").filter(has=page.get_by_role("heading", name="Record a milestone"))
    milestone.locator("select[name=milestone-kind]").select_option("verdict")
    milestone.locator("input[name=milestone-happened_on]").fill(day(today - datetime.timedelta(days=1)))
    milestone.locator("select[name=milestone-outcome]").select_option("convicted")
    milestone.get_by_role("button", name="Save the milestone").click()
    expect(page.locator(".message.success")).to_have_text("Milestone recorded.")
    expect(page.locator("ol.timeline")).to_contain_text("Verdict: Convicted")
    shoot(page, screenshot_dir, "legal-case-verdict")
    sign_out(page)

    # 3. The economic-empowerment officer records a small-business grant.
    sign_in(page, "econ")
    page.goto(f"/clients/{first.pk}/care/economic/new/")
    page.locator("select[name=kind]").select_option(label="Small-business grant")
    page.locator("input[name=provided_on]").fill(day(today))
    page.get_by_label(re.compile(r"^Amount \(")).fill("1,200,000")
    if page.locator("input[name=amount_usd]").count():
        page.locator("input[name=amount_usd]").fill("300")
    shoot(page, screenshot_dir, "grant-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message.success")).to_have_text("Saved.")
    sign_out(page)

    # 4. The case manager reads the first client's timeline: grant, verdict, legal case, session.
    sign_in(page, "casemanager")
    page.goto(f"/clients/{first.pk}/timeline/")
    entries = page.locator("ol.timeline > li")
    expect(entries).to_have_count(4)
    expect(entries.nth(0)).to_contain_text("Small-business grant")
    expect(entries.nth(0)).to_contain_text(re.compile(r"1,?200,?000"))
    expect(entries.nth(1)).to_contain_text("Verdict: Convicted")
    expect(entries.nth(2)).to_contain_text("Criminal legal case opened")
    expect(entries.nth(3)).to_contain_text("Group counseling session")
    expect(entries.nth(3)).to_contain_text("TF-CBT")
    shoot(page, screenshot_dir, "timeline")
    assert console.errors == []
