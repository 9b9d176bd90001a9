"""Field work offline in a real browser on a phone, in Khmer (issue 22's browser acceptance): the case
manager prepares a pack online, goes offline, reopens the app from its service worker, records a
visit, an assessment, a crisis and a session, syncs when back online; the office then holds exactly those
records, made by them. IndexedDB holds no plaintext; five wrong PINs wipe it; an expired pack does
not open; a disabled account's pack is wiped at the next contact. A sync whose answer is lost after
the server committed is sent again and writes nothing twice."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.every_engine]

SENTINEL_NAME = "Zqxsentinelname"
SENTINEL_NOTE = "Zqxsentinelnote about the family"
PIN = "482913"

# Everything the app keeps in IndexedDB, as text: strings as they are, bytes decoded as Latin-1
# and as UTF-8, so a plaintext name or note would show whichever way it was stored.
DUMP_INDEXEDDB = """async () => {
  const dbs = indexedDB.databases ? await indexedDB.databases() : [{name: "wj-field"}];
  const out = [];
  const show = (v) => {
    if (v === null || v === undefined) return "";
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer ? v.buffer : v);
      return String.fromCharCode(...bytes) + " " + new TextDecoder("utf-8", {fatal: false}).decode(bytes);
    }
    if (typeof CryptoKey !== "undefined" && v instanceof CryptoKey) return "[key]";
    if (typeof v === "object") return Object.entries(v).map(([k, x]) => k + "=" + show(x)).join(" ");
    return String(v);
  };
  for (const info of dbs) {
    const db = await new Promise((ok, no) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
    for (const store of db.objectStoreNames) {
      const values = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
      const keys = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAllKeys(); r.onsuccess = () => ok(r.result); });
      out.push(keys.join(" "), ...values.map(show));
    }
    db.close();
  }
  return out.join("\\n");
}"""

# Every address and body the service worker keeps.
DUMP_CACHES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      out.push(request.url, await (await cache.match(request)).text());
    }
  }
  return out.join("\\n");
}"""

HAS_PACK = """async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === "wj-field")) return false;
  const db = await new Promise((ok) => { const r = indexedDB.open("wj-field"); r.onsuccess = () => ok(r.result); r.onupgradeneeded = () => {}; });
  if (!db.objectStoreNames.contains("kv")) { db.close(); return false; }
  const meta = await new Promise((ok) => { const r = db.transaction("kv").objectStore("kv").get("meta"); r.onsuccess = () => ok(r.result); });
  db.close();
  return Boolean(meta);
}"""


@pytest.fixture
def field_client(demo: None) -> Any:
    """A client of the demo case manager (also a counselor here) with a case opened 30 days ago."""
    from django.utils import timezone

    from wholejourney.accounts.models import User, UserRole
    from wholejourney.accounts.roles import Role
    from wholejourney.cases.services import case_open
    from wholejourney.clients.services import client_create

    casemanager = User.objects.get(username="casemanager")
    UserRole.objects.create(user=casemanager, role=Role.COUNSELOR)
    client = client_create(
        actor=casemanager,
        office=casemanager.office,
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Chan",
        given_name_latin=SENTINEL_NAME,
        birth_year=2004,
        birth_year_estimated=True,
        sex="female",
    )
    case_open(
        actor=casemanager,
        client=client,
        opened_on=timezone.localdate() - datetime.timedelta(days=30),
        primary_abuse_type="human_trafficking",
        trafficking_subtype="labour",
    )
    return client


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"field-{name}.png", full_page=True)


def prepare(page: Any, client: Any, *, start: bool = True) -> None:
    if start:
        page.goto("/field/")
    page.locator(f"input[name=client][value='{client.pk}']").check()
    page.locator("#pin").fill(PIN)
    page.locator("#pin2").fill(PIN)
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("article.client h2")).to_contain_text(SENTINEL_NAME)


def unlock(page: Any, pin: str = PIN) -> None:
    page.locator("#pin").fill(pin)
    page.locator("form.unlock button[type=submit]").click()


def test_field_work_offline_then_synced_without_loss(
    page: Any, console: Console, screenshot_dir: Path, field_client: Any, settings: Any
) -> None:
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.audit.models import AuditEvent
    from wholejourney.care.models import CounselingSession, Visit
    from wholejourney.outcomes.models import Assessment, ClockState, CrisisEvent

    context = page.context
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    page.locator("form.lang button[value=km]").click()

    # 1. Online: prepare the pack; the service worker keeps the shell.
    prepare(page, field_client)
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => caches.match('/field/')).then((r) => Boolean(r))", timeout=20_000
    )
    page.wait_for_function("caches.match(document.getElementById('field-app').src).then((r) => Boolean(r))")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    shoot(page, screenshot_dir, "pack-km")

    # 2. Offline: the app opens again from the service worker and asks for the PIN.
    context.set_offline(True)
    page.reload()
    expect(page.locator("form.unlock")).to_be_visible()
    unlock(page)
    expect(page.locator("article.client")).to_be_visible()

    # A visit, with a note.
    page.locator("article.client .actions button").nth(0).click()
    page.locator("textarea[name=note]").fill(SENTINEL_NOTE)
    shoot(page, screenshot_dir, "visit-form-offline-km")
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("#notice .message")).to_be_visible()

    # An assessment: a score for every question (the form says how many are left otherwise).
    page.locator("article.client .actions button").nth(1).click()
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("form.entry .errors .error")).to_be_visible()
    for item in page.locator("fieldset.item").all():
        item.locator("input[type=radio]").nth(2).check()
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("article.client")).to_be_visible()

    # Attendance of a counseling session.
    page.locator("#view > p > button.button").click()
    page.locator("input[name=attendee]").check()
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("article.client")).to_be_visible()

    # A crisis: the phone asks for the domains and what happened, as the page does.
    page.locator("article.client .actions button").nth(2).click()
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("form.entry .errors .error")).to_have_count(2)
    page.locator("input[name=domains][value=wellbeing]").check()
    page.locator("textarea[name=what_happened]").fill(SENTINEL_NOTE)
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("article.client")).to_be_visible()

    # A visit dated before the case opened: the phone cannot know; the office will refuse it.
    page.locator("article.client .actions button").nth(0).click()
    page.locator("input[name=visited_on]").fill((timezone.localdate() - datetime.timedelta(days=40)).isoformat())
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("article.client")).to_be_visible()

    page.locator("#field-nav button[data-go=sync]").click()
    expect(page.locator("li.waiting")).to_have_count(5)
    shoot(page, screenshot_dir, "sync-waiting-offline-km")

    # Nothing readable in IndexedDB: no name, no note.
    stored = page.evaluate(DUMP_INDEXEDDB)
    assert "entry:" in stored
    assert SENTINEL_NAME not in stored and SENTINEL_NOTE not in stored and field_client.code not in stored
    assert not Visit.objects.exists()
    cached = page.evaluate(DUMP_CACHES)
    assert "/field/" in cached and "vault.js" in cached
    assert SENTINEL_NAME not in cached and SENTINEL_NOTE not in cached and field_client.code not in cached

    # 3. Online again: sync. Three accepted, one conflict with the pages' message, kept on the phone.
    context.set_offline(False)
    page.locator("#sync-now").click()
    expect(page.locator("li.accepted")).to_have_count(4)
    expect(page.locator("li.conflict")).to_have_count(1)
    expect(page.locator("li.conflict .error").first).not_to_be_empty()
    shoot(page, screenshot_dir, "sync-list-km")

    casemanager = User.objects.get(username="casemanager")
    visit = Visit.objects.get(client=field_client)
    assert visit.note == SENTINEL_NOTE and visit.recorded_by == casemanager
    assessment = Assessment.objects.get(client=field_client)
    assert CounselingSession.objects.count() == 1
    assert CrisisEvent.objects.get(client=field_client).what_happened == SENTINEL_NOTE
    for kind, record in (("care.visit", visit), ("outcomes.assessment", assessment)):
        assert AuditEvent.objects.filter(
            actor_id=casemanager.pk, action="create", object_type=kind, object_id=str(record.pk)
        ).exists()
    assert ClockState.objects.get(client=field_client).last_assessed_on == assessment.assessed_on

    # Syncing again sends only what waits: nothing is recorded twice.
    page.reload()
    unlock(page)
    expect(page.locator("article.client")).to_be_visible()
    page.locator("#field-nav button[data-go=sync]").click()
    expect(page.locator("li.conflict")).to_have_count(1)
    assert Visit.objects.filter(client=field_client).count() == 1

    # The conflict is corrected on the phone (a date within the case) and synced: now accepted.
    page.locator("li.conflict button").first.click()
    page.locator("input[name=visited_on]").fill((timezone.localdate() - datetime.timedelta(days=2)).isoformat())
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("li.waiting")).to_have_count(1)
    page.locator("#sync-now").click()
    expect(page.locator("li.accepted")).to_have_count(5)
    expect(page.locator("li.conflict")).to_have_count(0)
    assert Visit.objects.filter(client=field_client).count() == 2

    # 4. Five wrong PINs erase what the phone keeps.
    page.locator("#field-nav button[data-go=lock]").click()
    for tried in range(1, 6):
        unlock(page, "000000")
        if tried < 5:
            expect(page.locator("form.unlock .error")).to_contain_text(str(5 - tried))
    expect(page.locator("#notice .message.error")).to_be_visible()
    assert page.evaluate(HAS_PACK) is False

    # 5. An expired pack does not open (a pack of 0 days expires as it is made).
    # An entry recorded before the expiry stays, to be synced, and moves to the next pack.
    settings.WJ_FIELD_PACK_DAYS = 0
    prepare(page, field_client)
    page.locator("article.client .actions button").nth(0).click()
    page.locator("form.entry button[type=submit]").click()
    expect(page.locator("article.client")).to_be_visible()
    page.locator("#field-nav button[data-go=lock]").click()
    unlock(page)
    expect(page.locator("#notice .message.error")).to_be_visible()
    expect(page.locator("article.client")).to_have_count(0)
    expect(page.locator("li.waiting")).to_have_count(1)

    # 6. A disabled account: the next contact wipes the pack (prepared again from the expired one).
    settings.WJ_FIELD_PACK_DAYS = 7
    page.locator("#prepare-again").click()
    prepare(page, field_client, start=False)
    page.locator("#field-nav button[data-go=sync]").click()
    expect(page.locator("li.waiting")).to_have_count(1)
    assert page.evaluate(HAS_PACK) is True
    casemanager.is_active = False
    casemanager.save(update_fields=["is_active"])
    page.reload()
    page.wait_for_function(f"async () => !(await ({HAS_PACK})())")

    assert console.csp_violations() == []


@pytest.fixture
def field_group(demo: None) -> Any:
    """A community group of KH whose leader is known by a reference."""
    from wholejourney.core.models import Office
    from wholejourney.programmes.tests.factories import CommunityGroupFactory, ParticipantFactory

    office = Office.objects.get(code="KH")
    group = CommunityGroupFactory(office=office, name="Prey Veng women's group", village="Kampong Leav")
    group.leaders.add(ParticipantFactory(office=office, name=MEMBER_NAME, external_ref="PV-1"))
    return group


MEMBER_NAME = "Zqxmembername"
NEW_PERSON = "Zqxnewperson"


def test_group_attendance_with_a_new_participant_offline(
    page: Any, console: Console, screenshot_dir: Path, field_group: Any
) -> None:
    from wholejourney.accounts.models import User
    from wholejourney.audit.models import AuditEvent
    from wholejourney.programmes.models import Activity, Attendance, Participant

    context = page.context
    page.set_viewport_size(PHONE)
    sign_in(page, "prevention")
    page.locator("form.lang button[value=km]").click()
    page.goto("/field/")
    page.locator("#group").select_option(str(field_group.pk))
    page.locator("#pin").fill(PIN)
    page.locator("#pin2").fill(PIN)
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("article.group")).to_contain_text(MEMBER_NAME)
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => caches.match('/field/')).then((r) => Boolean(r))", timeout=20_000
    )
    page.wait_for_function("caches.match(document.getElementById('field-app').src).then((r) => Boolean(r))")

    context.set_offline(True)
    page.reload()
    unlock(page)
    page.locator("article.group button").click()
    page.locator("input[name=member]").check()
    page.locator("input[name=new_name]").fill(NEW_PERSON)
    page.locator("fieldset.new-participant button").click()
    expect(page.locator("ul.added li")).to_have_count(1)
    shoot(page, screenshot_dir, "attendance-form-offline-km")
    page.locator("form.entry button[type=submit]").click()
    page.locator("#field-nav button[data-go=sync]").click()
    expect(page.locator("li.waiting")).to_have_count(1)
    stored = page.evaluate(DUMP_INDEXEDDB)
    assert MEMBER_NAME not in stored and NEW_PERSON not in stored

    # The first sync reaches the server, which commits, but the answer is lost on the way back.
    context.set_offline(False)
    lost: list[int] = []

    def answer_lost(route: Any) -> None:
        route.fetch()
        lost.append(1)
        route.abort("connectionreset")

    page.route("**/field/sync", answer_lost)
    page.locator("#sync-now").click()
    expect(page.locator("#notice .message.error")).to_be_visible()
    expect(page.locator("li.waiting")).to_have_count(1)
    assert lost == [1] and Activity.objects.count() == 1
    page.unroute("**/field/sync")
    # Sent again: the server answers as the first time and writes nothing more.
    page.locator("#sync-now").click()
    expect(page.locator("li.accepted")).to_have_count(1)

    officer = User.objects.get(username="prevention")
    activity = Activity.objects.get(facilitator=officer)
    assert sorted(a.participant.name for a in Attendance.objects.filter(activity=activity)) == [
        MEMBER_NAME, NEW_PERSON,
    ]  # fmt: skip
    assert Participant.objects.filter(office=field_group.office).count() == 2
    assert AuditEvent.objects.filter(actor_id=officer.pk, object_type="programmes.activity").exists()

    # Signing out (on the site's pages) revokes the pack: the app, opened again, erases it.
    assert page.evaluate(HAS_PACK) is True
    page.goto("/")
    page.locator("form.signout button").click()
    page.goto("/field/")
    page.wait_for_function(f"async () => !(await ({HAS_PACK})())")
    assert console.csp_violations() == []
