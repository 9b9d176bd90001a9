"""Correcting records from the pages: edit with a version, conflicts shown, void and restore, the
history, and who may do which (the shared cast)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.test import override_settings

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.care.models import Visit
from wholejourney.care.tests.records import client_in_care, close_case, days_ago, staff
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.corrections import services
from wholejourney.core.corrections.registry import kind_named
from wholejourney.core.models import RecordChange
from wholejourney.outcomes.models import ClockState, CrisisEvent
from wholejourney.outcomes.tests import records as outcome_records
from wholejourney.outcomes.tests.records import assess


def _visit(cast: Cast, note: str = "Met at home") -> Visit:
    client, _case = client_in_care(cast)
    return care_services.visit_record(
        actor=cast.case_manager, client=client, mode=Visit.Mode.HOME, visited_on=days_ago(3), note=note
    )


def _page(user, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    browser = HttpClient()
    browser.force_login(user)
    return browser.post(url, data) if data is not None else browser.get(url)


def _edit_data(visit: Visit, version: int, **changes: str) -> dict[str, str]:
    data = {
        "mode": visit.mode,
        "visited_on": visit.visited_on.isoformat(),
        "next_visit_on": "",
        "note": visit.note,
        "version": str(version),
    }
    return {**data, **changes}


def test_edit_page_saves_the_change_and_keeps_the_earlier_value_in_the_history(cast: Cast) -> None:
    visit = _visit(cast)
    url = f"/records/visit/{visit.pk}/edit/"
    assert "Met at home" in _page(cast.case_manager, url).content.decode()

    response = _page(cast.case_manager, url, _edit_data(visit, 1, note="Met at the market"))

    assert response.status_code == 302
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.note, visit.version) == ("Met at the market", 2)
    change = RecordChange.objects.get(kind="visit", record_id=visit.pk)
    assert (change.fields, change.earlier, change.changed_by) == (["note"], {"note": "Met at home"}, cast.case_manager)
    assert AuditEvent.objects.filter(object_id=str(visit.pk), action="change", changed_fields=["note"]).exists()
    history = _page(cast.case_manager, f"/records/visit/{visit.pk}/history/").content.decode()
    assert "was: Met at home" in history


def test_a_save_over_a_newer_version_shows_what_changed_and_saves_only_when_re_applied(cast: Cast) -> None:
    visit = _visit(cast)
    url = f"/records/visit/{visit.pk}/edit/"
    assert _page(cast.director, url, _edit_data(visit, 1, note="Director's words")).status_code == 302

    stale = _page(cast.case_manager, url, _edit_data(visit, 1, note="My words"))

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Someone saved this record while you were editing it" in page
    assert "Director&#x27;s words" in page  # what it says now
    assert 'name="version" value="2"' in page  # re-applying goes over the version just seen
    assert Visit.objects.get(pk=visit.pk).note == "Director's words"

    again = _page(cast.case_manager, url, _edit_data(visit, 2, note="My words"))

    assert again.status_code == 302
    assert Visit.objects.get(pk=visit.pk).note == "My words"
    assert RecordChange.objects.filter(kind="visit", record_id=visit.pk).count() == 2


def test_bad_input_is_refused_with_the_creation_rules_and_nothing_changes(cast: Cast) -> None:
    visit = _visit(cast)

    response = _page(
        cast.case_manager,
        f"/records/visit/{visit.pk}/edit/",
        _edit_data(visit, 1, next_visit_on=days_ago(5).isoformat()),
    )

    assert response.status_code == 200
    assert "The next visit must come after this one." in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).version == 1
    assert not RecordChange.objects.exists()


def test_a_voided_visit_leaves_lists_and_the_timeline_and_a_director_restores_it(cast: Cast) -> None:
    visit = _visit(cast, note="Wrong client")
    client_id = visit.client_id

    response = _page(
        cast.case_manager, f"/records/visit/{visit.pk}/void/", {"reason": "Entered on the wrong client", "version": "1"}
    )

    assert response.status_code == 302
    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert Visit.all_records.get(pk=visit.pk).voided_by == cast.case_manager
    timeline = _page(cast.case_manager, f"/clients/{client_id}/timeline/").content.decode()
    assert "voided" in timeline and "Wrong client" not in timeline
    assert _page(cast.case_manager, f"/records/visit/{visit.pk}/restore/", {}).status_code == 404  # directors only

    assert _page(cast.director, f"/records/visit/{visit.pk}/restore/", {}).status_code == 302

    assert Visit.objects.filter(pk=visit.pk).exists()
    actions = list(RecordChange.objects.filter(record_id=visit.pk).values_list("action", flat=True))
    assert actions == ["restore", "void"]


def test_void_needs_a_reason(cast: Cast) -> None:
    visit = _visit(cast)

    response = _page(cast.case_manager, f"/records/visit/{visit.pk}/void/", {"reason": " ", "version": "1"})

    assert response.status_code == 200
    assert Visit.objects.filter(pk=visit.pk).exists()


@pytest.mark.parametrize(
    ("who", "sees", "corrects"),
    [
        ("case_manager", True, True),  # the author
        ("director", True, True),
        ("colleague", True, False),  # same team: sees it, did not enter it, is not the case manager
        ("other_team_colleague", False, False),
        ("other_office", False, False),
        ("me_officer", False, False),
        ("partner", False, False),
        ("admin", False, False),
    ],
)
def test_who_may_see_and_correct_a_visit(cast: Cast, who: str, sees: bool, corrects: bool) -> None:
    visit = _visit(cast)
    user = getattr(cast, who)

    page = _page(user, f"/records/visit/{visit.pk}/edit/")
    saved = _page(user, f"/records/visit/{visit.pk}/edit/", _edit_data(visit, 1, note="Changed"))
    voided = _page(user, f"/records/visit/{visit.pk}/void/", {"reason": "x", "version": "1"})

    assert page.status_code == (200 if sees else 404)
    if corrects:
        assert saved.status_code == 302 and voided.status_code in (302, 409)
    else:
        assert saved.status_code in (403, 404) and voided.status_code in (403, 404)
        assert Visit.objects.get(pk=visit.pk).note == "Met at home"


def test_the_case_manager_may_correct_a_colleagues_entry_in_their_caseload(cast: Cast) -> None:
    client, _case = client_in_care(cast)
    visit = care_services.visit_record(actor=cast.colleague, client=client, mode="phone", visited_on=days_ago(2))
    kind = kind_named("visit")

    assert services.may_correct_record(cast.case_manager, kind, visit)
    assert not services.may_correct_record(staff(cast, Role.CASE_MANAGER), kind, visit)


@override_settings(WJ_CORRECTION_DAYS=0)
def test_after_the_correction_window_only_the_director_corrects(cast: Cast) -> None:
    visit = _visit(cast)
    kind = kind_named("visit")

    assert not services.may_correct_record(cast.case_manager, kind, visit)
    assert services.may_correct_record(cast.director, kind, visit)


def test_a_closed_cases_records_are_read_only_until_it_is_reopened(cast: Cast) -> None:
    client, case = client_in_care(cast)
    visit = care_services.visit_record(actor=cast.case_manager, client=client, mode="phone", visited_on=days_ago(20))
    close_case(cast, case, closed_days_ago=10)

    response = _page(cast.director, f"/records/visit/{visit.pk}/edit/", _edit_data(visit, 1, note="Late change"))

    assert "its records can be corrected once it is reopened" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).note == ""


def test_voiding_a_crisis_recomputes_the_clock(cast: Cast) -> None:
    client, _case = client_in_care(cast)
    assess(cast.case_manager, client, 40)  # stable in every domain: the clock runs
    crisis = outcome_records.crisis(cast.case_manager, client, 5, "protection")
    assert ClockState.objects.get(client=client).last_reset_on == days_ago(5)
    assert ClockState.objects.get(client=client).run_started_on is None

    services.record_void(
        actor=cast.case_manager, kind=kind_named("crisis"), record=crisis, version=1, reason="Not a crisis"
    )

    assert not CrisisEvent.objects.filter(client=client).exists()
    state = ClockState.objects.get(client=client)
    assert (state.last_reset_on, state.run_started_on) == (None, days_ago(40))


def test_the_identity_history_shows_earlier_names_to_the_case_manager_and_nothing_after_erasure(cast: Cast) -> None:
    client, _case = client_in_care(cast, name="Sentinelname")
    data = {
        "family_name_latin": "Test",
        "given_name_latin": "Sophea",
        "sex": "female",
        "date_of_birth": "1995-06-01",
        "version": "1",
    }
    assert _page(cast.case_manager, f"/records/client/{client.pk}/edit/", data).status_code == 302
    client = Client.objects.get(pk=client.pk)
    assert (client.given_name_latin, client.version) == ("Sophea", 2)

    history_url = f"/records/client/{client.pk}/history/"
    assert "Sentinelname" in _page(cast.case_manager, history_url).content.decode()
    assert _page(cast.me_officer, history_url).status_code == 404
    assert _page(cast.other_office, history_url).status_code == 404

    client_services.client_erase(actor=cast.director, client=client)

    assert "Sentinelname" not in _page(cast.director, history_url).content.decode()
    change = RecordChange.objects.get(kind="client", record_id=client.pk)
    assert change.fields == ["given_name_latin"]
    assert change.earlier is None  # shredded with the client's key


def test_a_voided_placement_frees_its_dates_for_the_right_one(cast: Cast) -> None:
    from wholejourney.cases import services as case_services
    from wholejourney.cases.models import Placement

    _client, case = client_in_care(cast)
    wrong = case_services.placement_add(actor=cast.case_manager, case=case, kind="shelter", start=days_ago(100))
    services.record_void(
        actor=cast.case_manager, kind=kind_named("placement"), record=wrong, version=1, reason="Wrong dates"
    )

    right = case_services.placement_add(actor=cast.case_manager, case=case, kind="relatives", start=days_ago(90))

    assert list(Placement.objects.filter(client=right.client)) == [right]
