"""Issue 16's acceptance in the browser: the director goes from home, by clicking only, to the list of
likely duplicates, opens a pair, merges it after the confirmation, and the merged record's address
leads to the kept one; on a phone (360 px), in English and in Khmer, screenshotted."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def translation_of(text: str, language: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


def two_records_of_one_person() -> tuple[Any, Any]:
    from wholejourney.accounts.models import User
    from wholejourney.clients.services import client_create

    director = User.objects.get(username="director")
    first, second = (
        client_create(
            actor=director,
            office=director.office,
            family_name_latin="Chan",
            given_name_latin=given,
            family_name_km="ចាន់",
            given_name_km="ស្រីពៅ",
            sex="female",
            date_of_birth=datetime.date(1995, 6, 1),
            address={"province": province},
        )  # fmt: skip
        for given, province in (("Sreypov", "Battambang"), ("Srey Pov", "Siem Reap"))
    )
    return first, second


@pytest.mark.parametrize("language", ["en", "km"])
def test_director_finds_and_merges_a_duplicate_by_clicking(
    page: Any, console: Console, screenshot_dir: Path, language: str
) -> None:
    first, second = two_records_of_one_person()
    page.set_viewport_size(PHONE)
    sign_in(page, "director")
    if language == "km":
        page.get_by_role("button", name="ខ្មែរ").click()
        expect(page.locator("html")).to_have_attribute("lang", "km")

    # Home → the list, by its glance on the director's home.
    glance_link = page.get_by_role("link", name=translation_of("Likely duplicates to review", language))
    glance_link.click()
    expect(page).to_have_url(re.compile(r"/clients/duplicates/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(translation_of("Likely duplicates", language))
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"duplicates-list-{language}-360.png", full_page=True)

    # The pair, side by side.
    page.locator(f'a[href="/clients/duplicates/{first.pk}-{second.pk}/"]').click()
    expect(page.get_by_text("Battambang")).to_be_visible()
    expect(page.get_by_text("Siem Reap")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"duplicates-pair-{language}-360.png", full_page=True)

    # Keep the first: the confirmation says what will happen, then the merge.
    with translation.override(language):
        merge_into = translation.gettext("Same person: merge into %(code)s") % {"code": first.code}
        merge_now = translation.gettext("Merge %(merged)s into %(kept)s") % {"merged": second.code, "kept": first.code}
    page.get_by_role("link", name=merge_into).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(merge_now)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"duplicates-confirm-{language}-360.png", full_page=True)
    page.get_by_role("button", name=merge_now).click()
    expect(page).to_have_url(re.compile(rf"/clients/{first.pk}/$"))
    expect(page.get_by_text(first.code).first).to_be_visible()
    page.screenshot(path=screenshot_dir / f"duplicates-merged-{language}-360.png", full_page=True)

    # The merged record's address leads to the kept record; the merge is in the list of merges.
    page.goto(f"/clients/{second.pk}/")
    expect(page).to_have_url(re.compile(rf"/clients/{first.pk}/$"))
    page.goto("/clients/merges/")
    expect(page.get_by_role("cell", name=second.code)).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"duplicates-merges-{language}-360.png", full_page=True)
    assert console.errors == []
