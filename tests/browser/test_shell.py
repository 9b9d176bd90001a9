"""The page shell in a real browser: sign-in, navigation, the language switch, htmx, keyboard use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, REPO_ROOT, Console, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

KHMER = re.compile(r"[\u1780-\u17ff]")
# Compiled by `make` (compilemessages); .mo files are not in git.
KHMER_CATALOGUE = REPO_ROOT / "wholejourney" / "locale" / "km" / "LC_MESSAGES" / "django.mo"


def assert_clean_console(console: Console) -> None:
    assert console.csp_violations() == [], "the Content Security Policy blocked something"
    # Anything else (a script error, a 404 for a stylesheet or the favicon) is a bug too.
    assert console.errors == []


def test_case_manager_signs_in_and_switches_to_khmer(page: Any, console: Console, screenshot_dir: Path) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "login-en-360.png", full_page=True)

    page.set_viewport_size(DESKTOP)
    sign_in(page, "casemanager")
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("heading", name="Welcome, Sophea")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="My account")).to_be_visible()
    expect(nav.get_by_role("link", name="Staff")).to_have_count(0)
    expect(page.locator(".site-header .office")).to_have_text("Cambodia")

    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.get_by_role("button", name="ខ្មែរ")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "false")
    if KHMER_CATALOGUE.exists():
        expect(page.locator("h1")).to_have_text(KHMER)
        expect(page.locator("h1")).to_contain_text("Sophea")
        expect(page.locator(".main-nav a").first).to_have_text(KHMER)  # "Home"

    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
        page.screenshot(path=screenshot_dir / f"home-km-{viewport['width']}.png", full_page=True)

    # The choice is saved on the account: it survives a reload.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    assert_clean_console(console)


def test_admin_filters_the_staff_list_with_htmx(page: Any, console: Console, screenshot_dir: Path) -> None:
    sign_in(page, "admin")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    rows = page.locator("#user-rows tbody tr")
    expect(rows).to_have_count(9)  # every demo account but the partner (made with its organisation)

    # The first load is a full page; the filter then swaps only the table in (an htmx request).
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: "/manage/staff/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search by username or last name").press_sequentially("chan")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("casemanager")
    expect(rows.first).to_contain_text("Sophea Chan")
    assert page.evaluate("window.__sameDocument") is True, "the filter reloaded the page instead of swapping the table"
    expect(page).to_have_url(re.compile(r"[?&]q=chan\b"))

    page.get_by_label("Search by username or last name").fill("")
    expect(rows).to_have_count(9)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "staff-en-1280.png", full_page=True)

    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "staff-km-360.png", full_page=True)
    assert_clean_console(console)


def test_keyboard_reaches_the_skip_link_and_a_wrong_password_is_refused(page: Any, console: Console) -> None:
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    sign_in(page, "casemanager", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not correct.")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert_clean_console(console)
