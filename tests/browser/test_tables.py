"""The table builder in a browser (issue 23's acceptance): the demo M&E officer, in Khmer on a phone,
builds survivors supported in 2023 by sex and age band by clicking, sees it add up to the report's
368, opens a cell's records, saves the table, reruns it for another year and downloads it."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, main_menu, sign_in

pytestmark = pytest.mark.browser

NAME = "អ្នករស់រានមានជីវិតតាមភេទ និងអាយុ"  # survivors by sex and age


@pytest.fixture
def demo(demo_office: str, transactional_db: None) -> None:
    """The whole demo organisation, its accounts included (see test_reports.py)."""


def test_me_officer_builds_saves_and_downloads_a_table_in_khmer_on_a_phone(
    page: Any, console: Console, screenshot_dir: Path
) -> None:
    from wholejourney.tables.models import SavedTable

    page.set_viewport_size(PHONE)
    sign_in(page, "me")
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")

    main_menu(page).locator('a[href="/tables/"] >> visible=true').first.click()
    page.locator('select[name="measure"]').select_option("clients_supported")
    page.locator('select[name="rows"]').select_option("sex")
    page.locator('select[name="columns"]').select_option("age_band")
    page.locator('input[name="year"]').fill("2023")
    page.locator("form.table-query button[type=submit]").click()

    table = page.locator("table.built-table")
    expect(table.locator("tfoot td.total")).to_have_text("368")
    expect(page.locator("figure.chart").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "tables-me-km-360-built.png", full_page=True)

    table.locator("tbody a").first.click()
    expect(page.locator("table.drilldown tbody tr").first).to_contain_text("KH-")
    assert 'href="/clients/' not in page.content()  # codes only for M&E
    page.screenshot(path=screenshot_dir / "tables-me-km-360-cell.png", full_page=True)
    page.go_back()

    page.locator('input[name="name"]').fill(NAME)
    page.locator('input[name="in_report"]').check()
    page.locator('form[action="/tables/save/"] button[type=submit]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    saved = SavedTable.objects.get(name=NAME)
    assert saved.in_report and saved.measure == "clients_supported" and saved.dimensions() == ["sex", "age_band"]

    page.locator('input[name="year"]').fill("2022")
    page.locator("form.table-query button[type=submit]").click()
    expect(page.locator("table.built-table caption")).to_contain_text("2022")
    page.screenshot(path=screenshot_dir / "tables-me-km-360-saved-2022.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator('a[href*="format=xlsx"]').click()
    book = load_workbook(BytesIO(Path(download_info.value.path()).read_bytes()))
    sheet = book.active
    assert sheet is not None and sheet["A2"].value == "2022"

    page.locator('select[name="edition"]').select_option("external")
    page.locator("form.table-query button[type=submit]").click()
    expect(page.locator("table.built-table")).to_be_visible()
    page.screenshot(path=screenshot_dir / "tables-me-km-360-external.png", full_page=True)
    assert console.errors == []
