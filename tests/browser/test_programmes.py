"""The prevention officer on a phone: records a training, uploads its attendance sheet and watches
the import finish, then records a campaign (issue 8's browser acceptance); types in a training's
attendance, adding rows and pasting names without losing what was typed (issue 15, point 6)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, main_menu, sign_in

pytestmark = pytest.mark.browser


def attendance_sheet(path: Path, rows: int) -> Path:
    from wholejourney.programmes import sheets

    workbook = load_workbook(io.BytesIO(sheets.attendance_template()))
    sheet = workbook["Attendance"]
    for n in range(rows):
        sheet.append([f"BT-{n}", f"Person {n}", f"0{12000000 + n}", ["Female", "ប្រុស"][n % 2], "25 to 59",
                      ["Teacher", "គ្រូបង្រៀន", "church_leaders"][n % 3], "Prey Chhor"])  # fmt: skip
    workbook.save(path)
    return path


def record_a_training(page: Any) -> None:
    """On a phone, as the prevention officer: a prevention training on safe migration, saved."""
    page.set_viewport_size(PHONE)
    sign_in(page, "prevention")
    main_menu(page).get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="Record a training, meeting or event").click()
    page.get_by_label("What was it?").select_option("prevention_training")
    page.get_by_label("Topic").select_option("safe_migration")
    page.get_by_label("Place").fill("Ou Chrov pagoda")
    page.get_by_role("button", name="Save").click()


def test_prevention_officer_records_a_training_with_its_sheet_and_a_campaign(
    page: Any, console: Console, screenshot_dir: Path, media: Path, tmp_path: Path
) -> None:
    record_a_training(page)
    expect(page.get_by_role("heading", name="Prevention training")).to_be_visible()
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Upload the attendance sheet").click()
    page.get_by_label("Attendance sheet (.xlsx)").set_input_files(attendance_sheet(tmp_path / "sheet.xlsx", 120))
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/programmes/uploads/\d+/$"))
    expect(page.locator(".job")).to_contain_text("Finished")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.locator("#upload-outcome dd").nth(1)).to_have_text("120")  # added to the attendance
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "programmes-upload-done-360.png", full_page=True)
    page.get_by_role("link", name="See the attendance").click()
    expect(page.locator(".facts")).to_contain_text("120")
    expect(page.get_by_text("Person 7", exact=True)).to_be_visible()

    page.goto("/programmes/campaigns/new/")
    page.get_by_label("Community awareness campaign").check()
    page.get_by_label("Place").fill("Thma Koul market")
    page.get_by_label("Safe migration").check()
    page.locator("#id_adults_female").fill("42")
    page.locator("#id_adults_male").fill("30")
    page.locator("#id_children_female").fill("12")
    page.locator("#id_children_male").fill("9")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "programmes-campaign-form-360.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    # A busy CI machine (two suites, PostgreSQL) can take longer than Playwright's 5 s default.
    expect(page).to_have_url(re.compile(r"/programmes/campaigns/$"), timeout=20_000)
    expect(page.locator("table.list")).to_contain_text("Thma Koul market")
    page.screenshot(path=screenshot_dir / "programmes-campaigns-360.png", full_page=True)
    assert console.csp_violations() == []
    assert console.errors == []


def test_prevention_officer_adds_rows_pastes_names_and_saves_the_attendance(
    page: Any, console: Console, screenshot_dir: Path
) -> None:
    record_a_training(page)
    page.get_by_role("link", name="Type in attendance").click()

    rows = page.locator("fieldset.attendance-row")
    expect(rows).to_have_count(25)
    first = rows.nth(0)
    first.get_by_label("Name").fill("Sok Dara")
    first.get_by_label("Sex").select_option("female")
    first.get_by_label("Participant group").select_option("teachers")
    rows.nth(24).get_by_label("Name").fill("Chan Thy")
    rows.nth(24).get_by_label("Participant group").select_option("teachers")

    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="More rows").click()

    expect(rows).to_have_count(35)
    assert page.evaluate("window.__sameDocument") is True, "More rows reloaded the page instead of swapping the form"
    expect(rows.nth(0).get_by_label("Name")).to_have_value("Sok Dara")
    expect(rows.nth(0).get_by_label("Sex")).to_have_value("female")
    expect(rows.nth(24).get_by_label("Name")).to_have_value("Chan Thy")
    expect(rows.nth(25).get_by_label("Name")).to_be_focused()  # typing goes on in the first new row

    page.get_by_label("Paste names, one a line").fill("Keo Mony, F, 34\nPen Sokha, M, 17\nHeng Lina")
    page.get_by_label("Participant group of everyone on the list").select_option("caregivers")
    page.get_by_role("button", name="Fill the rows").click()

    expect(rows).to_have_count(5)
    expect(rows.nth(1).get_by_label("Name")).to_have_value("Keo Mony")
    expect(rows.nth(2).get_by_label("Age group")).to_have_value("12-17")
    expect(rows.nth(4).get_by_label("Name")).to_have_value("Chan Thy")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "attendance-filled-360.png", full_page=True)

    page.get_by_role("button", name="Save the attendance").click()

    expect(page.get_by_text("5 people added to the attendance (5 new participants).")).to_be_visible()
    assert console.csp_violations() == []
    assert console.errors == []
