"""Field work offline, the server's side: the pack, sync without loss, and the status at each contact."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care.models import CounselingSession, Visit
from wholejourney.cases import services as case_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.field.models import FieldPack, SyncEntry
from wholejourney.outcomes.models import Assessment, CrisisEvent
from wholejourney.outcomes.tests.records import answers, client_in_care, days_ago
from wholejourney.programmes.models import Attendance, Participant
from wholejourney.programmes.tests.factories import ActivityFactory

STABLE = {"protection": 3, "wellbeing": 3, "economic": 3, "social": 3}


def signed_in(user: User) -> HttpClient:
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def post_json(browser: HttpClient, name: str, body: dict[str, Any]) -> Any:
    browser.get(reverse("field:status"))  # sets the CSRF cookie, as the phone's first contact does
    token = browser.get(reverse("field:status")).json()["csrf"]
    return browser.post(
        reverse(name), data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )


def entry(kind: str, **data: Any) -> dict[str, Any]:
    return {"key": str(uuid.uuid4()), "kind": kind, "data": data}


def visit_entry(client: Client, **extra: Any) -> dict[str, Any]:
    data = {"client": client.pk, "mode": "home", "visited_on": days_ago(1).isoformat(), "note": "Sentinel-note"}
    return entry("visit", **(data | extra))


@pytest.fixture
def client_a(cast: Cast) -> Client:
    return client_in_care(cast, name="Sentinelname")[0]


# --- the pack ---------------------------------------------------------------------------------


def test_pack_holds_only_what_the_forms_need_and_audits_each_client(cast: Cast, client_a: Client) -> None:
    browser = signed_in(cast.case_manager)

    answer = post_json(browser, "field:pack", {"clients": [client_a.pk]})

    assert answer.status_code == 200
    pack = answer.json()
    assert set(pack["clients"][0]) == {
        "id", "code", "name", "case_opened_on", "last_visit_on", "visit_due_on", "last_assessed_on",
        "assessment_due_on", "goals",
    }  # fmt: skip
    assert pack["clients"][0]["name"] == "Test Sentinelname"
    assert pack["instrument"]["items"] and pack["secret"] and pack["token"]
    made = FieldPack.objects.get(token=pack["token"])
    assert (made.expires_at - made.made_at).days == 7
    assert AuditEvent.objects.filter(
        actor_id=cast.case_manager.pk, action="view", object_type="clients.client", object_id=str(client_a.pk)
    ).exists()


def test_pack_expiry_follows_the_setting(cast: Cast, client_a: Client, settings: Any) -> None:
    settings.WJ_FIELD_PACK_DAYS = 2
    pack = post_json(signed_in(cast.case_manager), "field:pack", {"clients": [client_a.pk]}).json()
    made = FieldPack.objects.get(token=pack["token"])
    assert (made.expires_at - made.made_at).days == 2


@pytest.mark.parametrize("who", ["other_office", "other_team_colleague", "me_officer", "partner"])
def test_pack_of_a_client_outside_the_caseload_is_404(cast: Cast, client_a: Client, who: str) -> None:
    answer = post_json(signed_in(getattr(cast, who)), "field:pack", {"clients": [client_a.pk]})

    assert answer.status_code == 404
    assert not FieldPack.objects.exists()


@pytest.mark.parametrize("who", ["other_office", "me_officer", "partner"])
def test_choices_show_nothing_to_outsiders(cast: Cast, client_a: Client, who: str) -> None:
    answer = signed_in(getattr(cast, who)).get(reverse("field:choices"))
    assert answer.status_code == 404 or answer.json()["clients"] == []


def test_choices_list_the_caseload(cast: Cast, client_a: Client) -> None:
    answer = signed_in(cast.case_manager).get(reverse("field:choices"))
    assert [c["code"] for c in answer.json()["clients"]] == [client_a.code]


# --- sync ------------------------------------------------------------------------------------


def test_sync_records_each_kind_through_the_services_audited_as_the_user(cast: Cast, client_a: Client) -> None:
    counselor = make_user(Role.COUNSELOR, office=cast.kh, team=cast.team, username="counselor")
    officer = make_user(Role.PREVENTION_OFFICER, office=cast.kh, username="prevention")
    activity = ActivityFactory(office=cast.kh, held_on=days_ago(3))
    day = days_ago(1).isoformat()

    cm = post_json(
        signed_in(cast.case_manager),
        "field:sync",
        {
            "entries": [
                visit_entry(client_a),
                entry("assessment", client=client_a.pk, assessed_on=day, answers=answers(STABLE), note=""),
                entry(
                    "crisis",
                    client=client_a.pk,
                    occurred_on=day,
                    domains=["wellbeing"],
                    severity="severe",
                    what_happened="Sentinel",
                ),
            ]
        },
    ).json()["results"]
    co = post_json(
        signed_in(counselor),
        "field:sync",
        {
            "entries": [
                entry(
                    "session",
                    clients=[client_a.pk],
                    held_on=day,
                    format="individual",
                    modality="tf_cbt",
                    duration_minutes=45,
                )
            ]
        },  # fmt: skip
    ).json()["results"]
    po = post_json(
        signed_in(officer),
        "field:sync",
        {
            "entries": [
                entry(
                    "attendance",
                    activity=activity.pk,
                    rows=[{"name": "New one", "sex": "female", "age_band": "18-24", "group": "caregivers"}],
                ),  # fmt: skip
            ]
        },
    ).json()["results"]

    assert [r["state"] for r in cm + co + po] == ["accepted"] * 5, cm + co + po
    visit = Visit.objects.get(client=client_a)
    assert visit.recorded_by == cast.case_manager and visit.note == "Sentinel-note"
    assert Assessment.objects.filter(client=client_a).count() == 1
    assert CrisisEvent.objects.filter(client=client_a).count() == 1
    assert CounselingSession.objects.count() == 1
    assert Attendance.objects.filter(activity=activity).count() == 1
    assert AuditEvent.objects.filter(actor_id=cast.case_manager.pk, action="create", object_type="care.visit").exists()
    client_a.refresh_from_db()
    assert client_a.clock.last_assessed_on == days_ago(1)


def test_sync_interrupted_after_commit_then_repeated_writes_nothing_twice(cast: Cast, client_a: Client) -> None:
    sent = visit_entry(client_a)
    browser = signed_in(cast.case_manager)
    first = post_json(browser, "field:sync", {"entries": [sent]}).json()["results"][0]
    # The server committed; the phone never heard the answer and sends the same entry again.

    again = post_json(browser, "field:sync", {"entries": [sent, sent]}).json()["results"]

    assert first["state"] == "accepted"
    assert [r["record_id"] for r in again] == [first["record_id"]] * 2
    assert Visit.objects.filter(client=client_a).count() == 1
    assert SyncEntry.objects.count() == 1


def test_sync_refuses_a_client_transferred_out_of_the_caseload_and_writes_nothing(cast: Cast, client_a: Client) -> None:
    case = client_a.cases.get()
    case_services.case_transfer(actor=cast.director, case=case, team=cast.other_team, case_manager=None)

    result = post_json(signed_in(cast.case_manager), "field:sync", {"entries": [visit_entry(client_a)]}).json()

    assert result["results"][0]["state"] == "refused"
    assert result["results"][0]["message"] == "This client or activity is no longer in your caseload."
    assert not Visit.objects.exists() and not SyncEntry.objects.exists()


def test_sync_refuses_a_date_outside_the_case_with_the_pages_message_in_khmer(cast: Cast, client_a: Client) -> None:
    cast.case_manager.language = "km"
    cast.case_manager.save(update_fields=["language"])
    browser = signed_in(cast.case_manager)
    too_early = days_ago(400).isoformat()

    result = post_json(browser, "field:sync", {"entries": [visit_entry(client_a, visited_on=too_early)]}).json()

    refused = result["results"][0]
    assert refused["state"] == "refused"
    with translation.override("km"):
        from wholejourney.care.services import visit_record

        try:
            visit_record(actor=cast.case_manager, client=client_a, mode="home", visited_on=days_ago(400), note="x")
        except Exception as exc:  # noqa: BLE001 - the page's own message, to compare
            expected = " ".join(getattr(exc, "messages", []))
    assert refused["message"] == expected and refused["message"]
    assert not Visit.objects.exists()


def test_sync_refuses_a_future_date_and_a_missing_answer_with_form_messages(cast: Cast, client_a: Client) -> None:
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    partial = dict(list(answers(STABLE).items())[:-1])
    result = post_json(
        signed_in(cast.case_manager),
        "field:sync",
        {
            "entries": [
                visit_entry(client_a, visited_on=tomorrow),
                entry("assessment", client=client_a.pk, assessed_on=days_ago(1).isoformat(), answers=partial),
            ]
        },
    ).json()["results"]

    assert [r["state"] for r in result] == ["refused", "refused"]
    assert "The date cannot be in the future." in result[0]["fields"]["visited_on"]
    assert "Answer every question (1 left): nothing was saved." in result[1]["message"]


def test_a_refused_entry_sent_again_after_the_cause_is_fixed_is_accepted(cast: Cast, client_a: Client) -> None:
    case = client_a.cases.get()
    case_services.case_transfer(actor=cast.director, case=case, team=cast.other_team, case_manager=None)
    sent = visit_entry(client_a)
    browser = signed_in(cast.case_manager)
    assert post_json(browser, "field:sync", {"entries": [sent]}).json()["results"][0]["state"] == "refused"
    case_services.case_transfer(actor=cast.director, case=case, team=cast.team, case_manager=cast.case_manager)

    again = post_json(browser, "field:sync", {"entries": [sent]}).json()["results"][0]

    assert again["state"] == "accepted"
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("who", ["other_office", "me_officer", "partner"])
def test_outsiders_cannot_sync(cast: Cast, client_a: Client, who: str) -> None:
    answer = post_json(signed_in(getattr(cast, who)), "field:sync", {"entries": [visit_entry(client_a)]})
    assert answer.status_code == 404 or answer.json()["results"][0]["state"] == "refused"
    assert not Visit.objects.exists()


def test_a_key_used_by_someone_else_is_refused(cast: Cast, client_a: Client) -> None:
    sent = visit_entry(client_a)
    post_json(signed_in(cast.case_manager), "field:sync", {"entries": [sent]})

    other = post_json(signed_in(cast.colleague), "field:sync", {"entries": [sent]}).json()["results"][0]

    assert other["state"] == "refused" and other["record_id"] is None


def test_sync_needs_the_csrf_token(cast: Cast, client_a: Client) -> None:
    browser = signed_in(cast.case_manager)
    answer = browser.post(reverse("field:sync"), data=json.dumps({"entries": [visit_entry(client_a)]}),
                          content_type="application/json")  # fmt: skip
    assert answer.status_code == 403
    assert not Visit.objects.exists()


def test_new_participants_in_attendance_are_not_duplicated_on_repeat(cast: Cast) -> None:
    officer = make_user(Role.PREVENTION_OFFICER, office=cast.kh, username="prevention")
    sent = entry(
        "attendance",
        new_activity={"kind": "prevention_training", "held_on": days_ago(0).isoformat(), "place": "Village hall"},
        rows=[{"name": "Sentinel participant", "sex": "female", "age_band": "18-24", "group": "caregivers"}],
    )
    browser = signed_in(officer)
    first = post_json(browser, "field:sync", {"entries": [sent]}).json()["results"][0]
    again = post_json(browser, "field:sync", {"entries": [sent]}).json()["results"][0]

    assert first["state"] == "accepted", first
    assert again["record_id"] == first["record_id"]
    assert Participant.objects.count() == 1


# --- status at each contact ---------------------------------------------------------------------


def pack_state(token: str) -> str:
    return HttpClient().get(reverse("field:status"), headers={"X-Field-Pack": token}).json()["pack"]


def test_status_says_wipe_once_the_account_is_disabled(cast: Cast, client_a: Client) -> None:
    token = post_json(signed_in(cast.case_manager), "field:pack", {"clients": [client_a.pk]}).json()["token"]
    assert pack_state(token) == "valid"

    cast.case_manager.is_active = False
    cast.case_manager.save()

    assert pack_state(token) == "wipe"
    assert pack_state("not-a-pack") == "wipe"


def test_status_says_expired_after_the_days(cast: Cast, client_a: Client) -> None:
    token = post_json(signed_in(cast.case_manager), "field:pack", {"clients": [client_a.pk]}).json()["token"]
    FieldPack.objects.filter(token=token).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    assert pack_state(token) == "expired"


def test_signing_out_revokes_the_packs_of_that_session(cast: Cast, client_a: Client) -> None:
    browser = signed_in(cast.case_manager)
    token = post_json(browser, "field:pack", {"clients": [client_a.pk]}).json()["token"]
    csrf = browser.get(reverse("field:status")).json()["csrf"]

    browser.post(reverse("accounts:logout"), headers={"X-CSRFToken": csrf})

    assert pack_state(token) == "wipe"


def test_the_shell_holds_no_identifying_value(cast: Cast, client_a: Client) -> None:
    page = signed_in(cast.case_manager).get(reverse("field:shell")).content.decode()
    assert "Sentinelname" not in page and client_a.code not in page
    assert signed_in(cast.me_officer).get(reverse("field:shell")).status_code == 404


def test_service_worker_is_allowed_the_field_scope(cast: Cast) -> None:
    answer = signed_in(cast.case_manager).get(reverse("field:service_worker"))
    assert answer["Service-Worker-Allowed"] == "/field/"
    assert answer["Content-Type"].startswith("text/javascript")


def test_home_links_to_the_field_app_for_field_workers_only(cast: Cast) -> None:
    field_url = reverse("field:shell")
    assert field_url in signed_in(cast.case_manager).get(reverse("core:home")).content.decode()
    assert field_url not in signed_in(cast.me_officer).get(reverse("core:home")).content.decode()


def test_choices_keep_a_client_with_a_closed_case_and_a_new_open_one(cast: Cast, client_a: Client) -> None:
    from wholejourney.cases.models import AbuseType, ClosureReason

    case = client_a.cases.get()
    request = case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(100), reason=ClosureReason.MOVED_AWAY
    )
    case_services.closure_decide(actor=cast.director, request=request, approve=True)
    closed_only = signed_in(cast.case_manager).get(reverse("field:choices")).json()["clients"]
    case_services.case_open(
        actor=cast.director, client=client_a, opened_on=days_ago(10), primary_abuse_type=AbuseType.HUMAN_TRAFFICKING
    )

    reopened = signed_in(cast.case_manager).get(reverse("field:choices")).json()["clients"]

    assert closed_only == []
    assert [c["code"] for c in reopened] == [client_a.code]


def test_a_pack_holds_a_days_work_not_an_office(cast: Cast, client_a: Client) -> None:
    from wholejourney.field.views import MAX_PACK_CLIENTS

    answer = post_json(signed_in(cast.case_manager), "field:pack", {"clients": list(range(1, MAX_PACK_CLIENTS + 2))})

    assert answer.status_code == 422
    assert answer.json()["error"] == f"A field pack holds at most {MAX_PACK_CLIENTS} clients."
    assert not FieldPack.objects.exists()
