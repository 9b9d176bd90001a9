"""The annual report in a browser (issue 9's acceptance): a director and an M&E officer open the
2023 report of the demo office, drill into three figures, and the director downloads the PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, run_the_worker, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.every_engine]

FIGURES = [("survivors_supported", "368"), ("counseling_sessions", "841"), ("prevention_trained", "1,624")]


@pytest.fixture
def demo(demo_office: str, transactional_db: None) -> None:
    """The whole demo organisation, its accounts included: this module's copy of the session's demo
    database (the browser fixtures' `demo` would add the accounts a second time)."""


def open_2023_report(page: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_label("Year").fill("2023")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report: Cambodia, 2023")


def drill_into_three_figures(page: Any, screenshot_dir: Path, who: str) -> list[str]:
    pages = []
    for metric_id, shown in FIGURES:
        page.locator(f"#figure-{metric_id} a", has_text=shown).first.click()
        expect(page.locator(".records-size")).to_contain_text(f"{shown} records")
        page.screenshot(path=screenshot_dir / f"report-{who}-{metric_id}.png")
        pages.append(page.content())
        page.get_by_role("link", name="Back to the report").click()
    return pages


def test_director_and_me_officer_read_the_2023_report_drill_down_and_download_the_pdf(
    page: Any, console: Console, screenshot_dir: Path, media: Path, demo_office: None, background_worker: None
) -> None:
    sign_in(page, "director")
    open_2023_report(page)
    expect(page.locator("#figure-survivors_supported")).to_contain_text("368")
    expect(page.locator("#chart-abuse_types")).to_be_visible()
    page.locator("#figure-survivors_supported details summary").click()
    expect(page.locator("#figure-survivors_supported details p")).to_be_visible()
    page.screenshot(path=screenshot_dir / "report-director-1280.png", full_page=True)
    director_pages = drill_into_three_figures(page, screenshot_dir, "director")
    assert re.search(r'href="/clients/\d+/"', director_pages[0])  # the director may open the records

    page.get_by_role("link", name="PDF and spreadsheet").click()
    page.get_by_label("Format").select_option("pdf")
    page.get_by_role("button", name="Make the file").click()
    # Queued: the row shows its progress; once the worker has made the file, the download link
    # replaces the bar without a reload.
    expect(page.locator("#report-files progress")).to_have_attribute("value", "0")
    run_the_worker()
    download_link = page.get_by_role("link", name="Download").first
    expect(download_link).to_be_visible()
    with page.expect_download() as download_info:
        download_link.click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.screenshot(path=screenshot_dir / "report-files-1280.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "me")
    open_2023_report(page)
    me_pages = drill_into_three_figures(page, screenshot_dir, "me")
    assert not any(re.search(r'href="/clients/\d+/"', content) for content in me_pages)
    assert "KH-2021-0001" in me_pages[0]
    assert console.errors == []
