"""Correcting records in a real browser (issue 18): two people open the same visit; the first
saves; the second's save shows the conflict and is re-applied by clicking. Then a visit entered on
the wrong client is voided from the timeline. On a 360 px phone, in Khmer; screenshots in
test-artifacts/."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, sign_in
from tests.browser.test_search import search_from_home

pytestmark = [pytest.mark.browser, pytest.mark.every_engine]


@pytest.fixture
def visited(demo: None) -> tuple[Any, Any]:
    """A client of the KH team with a case and one home visit, recorded by the case manager."""
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.care.services import visit_record
    from wholejourney.cases.services import case_open
    from wholejourney.clients.services import client_create
    from wholejourney.core.models import Office

    casemanager = User.objects.get(username="casemanager")
    client = client_create(
        actor=casemanager,
        office=Office.objects.get(code="KH"),
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Meas",
        given_name_latin="Sreyneang",
        birth_year=2004,
        birth_year_estimated=True,
        sex="female",
    )
    today = timezone.localdate()
    case_open(
        actor=casemanager,
        client=client,
        opened_on=today - datetime.timedelta(days=30),
        primary_abuse_type="human_trafficking",
        trafficking_subtype="labour",
    )
    visit = visit_record(
        actor=casemanager, client=client, mode="home", visited_on=today - datetime.timedelta(days=2), note="First note"
    )
    return client, visit


def _open_timeline_in_khmer(page: Any, username: str, client: Any) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, username)
    page.locator("form.lang button[value=km]").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    search_from_home(page, "Sreyneang")
    page.locator(f"#search-results a[href='/clients/{client.pk}/']").first.click()
    page.locator(f"a[href='/clients/{client.pk}/timeline/']").first.click()
    expect(page.locator("ol.timeline")).to_be_visible()


def test_a_second_save_shows_the_conflict_and_re_applies_then_a_visit_is_voided_from_the_timeline(
    browser: Any, live_server: Any, screenshot_dir: Path, visited: tuple[Any, Any]
) -> None:
    client, visit = visited
    contexts = [browser.new_context(base_url=live_server.url, locale="en-GB") for _ in range(2)]
    first, second = (context.new_page() for context in contexts)
    try:
        _open_timeline_in_khmer(first, "casemanager", client)
        _open_timeline_in_khmer(second, "director", client)
        edit = f"a[href='/records/visit/{visit.pk}/edit/']"
        first.locator(edit).click()
        second.locator(edit).click()
        expect(second.locator("textarea[name=note]")).to_have_value("First note")

        first.locator("textarea[name=note]").fill("Note by the case manager")
        first.locator("form.narrow-form button[type=submit]").click()
        expect(first.locator("ol.timeline")).to_contain_text("Note by the case manager")

        second.locator("textarea[name=note]").fill("Note by the director")
        second.locator("form.narrow-form button[type=submit]").click()
        conflict = second.locator("section.conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("Note by the case manager")  # what it says now
        expect(second.locator("textarea[name=note]")).to_have_value("Note by the director")  # not lost
        assert_no_horizontal_scroll(second)
        second.screenshot(path=screenshot_dir / "corrections-conflict-km-360.png", full_page=True)

        second.locator("form.narrow-form button[type=submit]").click()  # save my changes again
        expect(second.locator("ol.timeline")).to_contain_text("Note by the director")

        # The visit was on the wrong client: the case manager voids it from the timeline.
        first.reload()
        first.locator(f"a[href='/records/visit/{visit.pk}/void/']").click()
        first.locator("textarea[name=reason]").fill("Entered on the wrong client")
        assert_no_horizontal_scroll(first)
        first.screenshot(path=screenshot_dir / "corrections-void-km-360.png", full_page=True)
        first.locator("form.narrow-form button[type=submit]").click()
        voided = first.locator("ol.timeline li.voided")
        expect(voided).to_have_count(1)
        expect(first.locator("ol.timeline")).not_to_contain_text("Note by the director")
        assert_no_horizontal_scroll(first)
        first.screenshot(path=screenshot_dir / "corrections-voided-timeline-km-360.png", full_page=True)
    finally:
        for context in contexts:
            context.close()

    from wholejourney.care.models import Visit

    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert Visit.all_records.get(pk=visit.pk).version == 4  # two edits, then the void
