"""Outcomes in a real browser (issue 7's browser acceptance): a counselor records a baseline, two
reassessments and a crisis on a phone; the clock, its history and the chart on the client's
outcomes page follow, in English and in Khmer; the director's dashboard counts the client."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Console, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def person(demo: None) -> Any:
    """A client of the demo team with a case opened 300 days ago."""
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.cases.models import AbuseType
    from wholejourney.cases.services import case_open
    from wholejourney.clients.services import client_create

    casemanager = User.objects.get(username="casemanager")
    client = client_create(
        actor=casemanager,
        office=casemanager.office,
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Keo",
        given_name_latin="Sopheap",
        date_of_birth=datetime.date(1998, 4, 2),
        sex="female",
    )
    case_open(
        actor=casemanager,
        client=client,
        opened_on=timezone.localdate() - datetime.timedelta(days=300),
        primary_abuse_type=AbuseType.DOMESTIC_VIOLENCE,
    )
    return client


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
        page.screenshot(path=screenshot_dir / f"outcomes-{name}-{viewport['width']}.png", full_page=True)


def assess(page: Any, client_pk: int, day: datetime.date, levels: dict[str, int]) -> None:
    """Fill the assessment on a phone: the date, then one tap per question."""
    from wholejourney.outcomes.services import current_instrument

    page.goto(f"/clients/{client_pk}/outcomes/assess/")
    page.locator("input[name='date']").fill(f"{day:%d/%m/%Y}")
    for item in current_instrument().items.all():
        page.locator(f"label.s{levels[item.domain]}:has(input[name='item_{item.code}'])").click()
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.locator(".message.success")).to_be_visible()


def km(message: str) -> str:
    from django.utils import translation

    with translation.override("km"):
        return str(translation.gettext(message))


def test_counselor_records_assessments_and_a_crisis_and_the_clock_follows(
    page: Any, console: Console, screenshot_dir: Path, person: Any
) -> None:
    from django.utils import timezone

    from wholejourney.outcomes.clock import add_months

    today = timezone.localdate()
    stable = {"protection": 3, "wellbeing": 3, "economic": 3, "social": 4}
    page.set_viewport_size(PHONE)
    sign_in(page, "counselor")
    outcomes = f"/clients/{person.pk}/outcomes/"

    assess(page, person.pk, today - datetime.timedelta(days=280), {**stable, "wellbeing": 2})
    expect(page.locator("#clock-h")).to_contain_text("Not started")
    expect(page.locator(".clock")).to_contain_text("Personal well-being")
    started = today - datetime.timedelta(days=120)
    assess(page, person.pk, started, stable)
    required = (add_months(started, 6) - started).days
    expect(page.locator("#clock-h")).to_contain_text("Running")
    expect(page.locator(".clock .big")).to_have_text(f"Day 120 of {required}")
    assess(page, person.pk, today - datetime.timedelta(days=30), stable)
    expect(page.locator(".clock .big")).to_have_text(f"Day 120 of {required}")
    shoot(page, screenshot_dir, "running")
    page.set_viewport_size(PHONE)

    page.goto(f"/clients/{person.pk}/outcomes/crisis/")
    page.locator("input[name='date']").fill((today - datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Economic empowerment").check()
    page.get_by_label("Severe").check()
    page.get_by_label("What happened").fill("Lost her job after the employer learned of her past.")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#clock-h")).to_contain_text("Not started")
    history = page.locator("ol.history")
    expect(history.locator("li.reset")).to_contain_text("Crisis in Economic empowerment")
    expect(history.locator("li.start")).to_contain_text("All four domains stable; 6 months needed.")
    chart = page.locator("svg.chart.narrow")
    expect(chart).to_be_visible()
    assert chart.locator("polyline").count() == 4
    assert chart.locator("line[stroke='#a31b1b']").count() >= 1  # the crisis, drawn
    page.set_viewport_size(DESKTOP)
    expect(page.locator("svg.chart.wide")).to_be_visible()
    expect(page.locator("svg.chart.narrow")).to_be_hidden()
    shoot(page, screenshot_dir, "after-crisis")

    page.locator("form.lang button[value='km']").click()
    page.goto(outcomes)
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("#clock-h")).to_contain_text(km("Stability clock"))
    expect(page.locator("svg.chart.wide text").filter(has_text=km("Protection"))).to_have_count(1)
    expect(page.locator("ol.history li.reset")).to_contain_text(km("Reset to zero"))
    shoot(page, screenshot_dir, "after-crisis-km")
    page.goto(f"/clients/{person.pk}/outcomes/assess/")
    expect(page.get_by_text("រស់នៅកន្លែងមានសុវត្ថិភាព ឆ្ងាយពីជនដែលបានធ្វើបាប")).to_be_visible()
    shoot(page, screenshot_dir, "assess-km")
    assert console.errors == []
