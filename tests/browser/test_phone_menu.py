"""On a phone the main navigation is a "Menu" button that lists every item (issue 15, point 7): the
case manager opens it by clicking, sees all of it, and reaches a page, in English and in Khmer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Console, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def labels_for(username: str, language: str) -> tuple[str, list[str]]:
    """The word "Menu" and the navigation's labels as the server gives them to this user."""
    from wholejourney.accounts.models import User
    from wholejourney.core.navigation import navigation_for

    with translation.override(language):
        items = navigation_for(User.objects.get(username=username), "/")
        return translation.gettext("Menu"), [str(item["label"]) for item in items]


def assert_nothing_spills(page: Any, selector: str) -> None:
    """No text wider than its box, and no box past the screen's edge or over the next one."""
    boxes = page.eval_on_selector_all(
        selector,
        """els => els.map(el => {
            const r = el.getBoundingClientRect();
            return {text: el.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    spills: el.scrollWidth > el.clientWidth + 1};
        })""",
    )
    width = page.viewport_size["width"]
    assert [box["text"] for box in boxes if box["spills"] or box["left"] < 0 or box["right"] > width] == []
    assert all(a["bottom"] <= b["top"] + 1 for a, b in zip(boxes, boxes[1:], strict=False)), "menu items overlap"


@pytest.mark.parametrize("language", ["en", "km"])
def test_case_manager_opens_the_phone_menu_and_reaches_a_page(
    page: Any, console: Console, screenshot_dir: Path, language: str
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    if language == "km":
        page.get_by_role("button", name="ខ្មែរ").click()
        expect(page.locator("html")).to_have_attribute("lang", "km")
    menu_word, labels = labels_for("casemanager", language)
    nav = page.locator("nav.main-nav")  # named "Main" in the reader's language
    summary = nav.locator("details.nav-menu > summary")

    # Closed: one visible button that says "Menu" and where the user is; no link of the row.
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(menu_word)
    expect(summary).to_contain_text(labels[0])  # Home, the page after signing in
    expect(nav.get_by_role("link")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"phone-menu-closed-{language}-360.png")

    summary.click()

    expect(nav.get_by_role("link")).to_have_text(labels)
    for link in nav.get_by_role("link").all():
        expect(link).to_be_in_viewport()
    expect(nav.get_by_role("button", name=translation_of("Sign out", language))).to_be_visible()
    assert_nothing_spills(page, ".nav-menu li a")
    assert_nothing_spills(page, ".nav-menu > summary")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"phone-menu-open-{language}-360.png", full_page=True)

    caseload = labels[labels.index(translation_of("My caseload", language))]
    nav.get_by_role("link", name=caseload, exact=True).click()

    expect(page).to_have_url(f"{page.url.split('/', 3)[0]}//{page.url.split('/', 3)[2]}/clients/")
    expect(summary).to_contain_text(caseload)  # the closed menu now names the page the user is on
    expect(nav.get_by_role("link")).to_have_count(0)
    assert console.csp_violations() == []
    assert console.errors == []


def translation_of(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_phone_menu_opens_from_the_keyboard_and_the_wide_row_is_unchanged(page: Any, console: Console) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    _, labels = labels_for("casemanager", "en")
    nav = page.locator("nav.main-nav")  # named "Main" in the reader's language
    summary = nav.locator("details.nav-menu > summary")

    summary.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link")).to_have_text(labels)
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name=labels[0], exact=True)).to_be_focused()

    page.set_viewport_size(DESKTOP)
    expect(summary).to_be_hidden()
    expect(nav.get_by_role("link")).to_have_text(labels)  # the row, one link per item
    tops = {round(box["y"]) for box in (link.bounding_box() for link in nav.get_by_role("link").all()) if box}
    assert len(tops) == 1, "on a wide screen the items are one row"
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert console.errors == []
