"""Finding people in a real browser (issue 16): from home, by clicking, a case manager finds a client
spelled another way, and a search that finds nobody leads to the registration form with the name
already in it — on a desktop and a phone, in English and in Khmer. Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, assert_no_horizontal_scroll, go_home, main_menu, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def sreypov(demo: None) -> Any:
    """Chan Sreypov, in the demo case manager's caseload."""
    from wholejourney.accounts.models import User
    from wholejourney.clients import services

    manager = User.objects.get(username="casemanager")
    director = User.objects.get(username="director")
    return services.client_create(
        actor=director, office=manager.office, team=manager.team, case_manager=manager,
        family_name_latin="Chan", given_name_latin="Sreypov", family_name_km="ចាន់", given_name_km="ស្រីពៅ",
        sex="female", birth_year=2004,
    )  # fmt: skip


def search_from_home(page: Any, query: str) -> None:
    go_home(page)
    main_menu(page).locator("a[href='/clients/search/']:visible").click()
    page.locator("#id_q").fill(query)
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("#search-results section")).to_be_visible()


@pytest.mark.parametrize(("language", "viewport"), [("en", DESKTOP), ("km", PHONE)])
def test_a_case_manager_finds_a_variant_spelling_and_registers_a_new_name_from_the_search(
    page: Any, screenshot_dir: Path, sreypov: Any, language: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, "casemanager")
    if language == "km":
        page.get_by_role("button", name="ខ្មែរ").click()
        expect(page.locator("html")).to_have_attribute("lang", "km")
    shot = f"search-{language}-{viewport['width']}"

    search_from_home(page, "Sreypeou")
    found = page.locator("#search-results ul.matches li").filter(has_text=sreypov.code)
    expect(found).to_be_visible()
    expect(found).to_contain_text("2004")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"{shot}-found.png", full_page=True)

    search_from_home(page, "Kong Bopha")
    expect(page.locator("#search-results ul.matches")).to_have_count(0)
    page.locator("#search-results a[href^='/clients/register/']").click()
    expect(page.locator("input[name=family_name_latin]")).to_have_value("Kong")
    expect(page.locator("input[name=given_name_latin]")).to_have_value("Bopha")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"{shot}-register.png", full_page=True)
