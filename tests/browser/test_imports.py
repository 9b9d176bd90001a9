"""The administrator on a phone imports an office's workbook: the first upload has mistakes, the page
lists every one with its sheet, row and column and records nothing; the corrected workbook goes
through, and the progress bar runs to the end while the page watches (issue 10's browser acceptance).

The import runs in the real background worker (django-tasks' database backend), started by the test
once the page shows the job waiting, so the page is seen polling a job that is not finished yet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, main_menu, run_the_worker, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.every_engine]


def workbook(path: Path, *, mistakes: bool) -> Path:
    from wholejourney.imports.template import EXAMPLES, write_workbook

    rows = {sheet: [dict(row) for row in sheet_rows] for sheet, sheet_rows in EXAMPLES.items()}
    if mistakes:
        rows["cases"][2]["opened_on"] = "someday"
        rows["clients"][1]["sex"] = "unknown-code"
        rows["placements"][2]["case_ref"] = "K999"
    with path.open("wb") as handle:
        write_workbook(handle, rows)
    return path


def upload(page: Any, path: Path) -> None:
    page.get_by_label("Office").select_option(label="KH · Cambodia")
    page.get_by_label("Workbook").set_input_files(path)
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/imports/jobs/\d+/$"))


def test_administrator_corrects_a_workbook_and_watches_its_import_finish(
    page: Any, console: Console, screenshot_dir: Path, media: Path, tmp_path: Path, background_worker: None
) -> None:
    from wholejourney.clients.models import Client

    page.set_viewport_size(PHONE)
    sign_in(page, "admin")
    main_menu(page).get_by_role("link", name="Import records").click()
    expect(page.get_by_role("heading", name="Import records", level=1)).to_be_visible()

    upload(page, workbook(tmp_path / "with-mistakes.xlsx", mistakes=True))
    # Queued, not yet run: the bar is empty and the page keeps asking.
    expect(page.locator("progress")).to_have_attribute("value", "0")
    run_the_worker()
    problems = page.locator("#import-problems tbody tr")
    expect(page.get_by_role("heading", name="Nothing was recorded")).to_be_visible()
    expect(problems).to_have_count(3)
    expect(page.locator("#import-outcome")).to_contain_text("The workbook has 3 problems")
    # Each mistake where it is, and why.
    expect(problems.nth(0)).to_contain_text("clients3sexNot one of the accepted values")
    expect(problems.nth(1)).to_contain_text("cases4opened_onNot a date")
    expect(problems.nth(2)).to_contain_text("placements4case_refNo row of the sheet cases has this id")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "import-problems-360.png", full_page=True)
    assert Client.objects.count() == 0

    page.get_by_role("link", name="Upload the workbook again").click()
    upload(page, workbook(tmp_path / "corrected.xlsx", mistakes=False))
    expect(page.locator("progress")).to_have_attribute("value", "0")
    run_the_worker()
    expect(page.locator(".job")).to_contain_text("Finished")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    counts = page.locator("#import-counts")
    expect(counts).to_be_visible()
    # Each sheet under its title, with the workbook's sheet name beneath it.
    clients_row = counts.get_by_role("row").filter(has=page.locator("code", has_text=re.compile(r"^clients$")))
    expect(clients_row).to_contain_text("Clients")
    expect(clients_row.get_by_role("cell").nth(1)).to_have_text("3")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "import-finished-360.png", full_page=True)
    assert Client.objects.count() == 3
    assert console.csp_violations() == []
    assert console.errors == []
