"""Who sees which care records. Counseling notes above all: only the client's counselors (in whose
caseload the client is), the supervisor of the client's team and the office's director read them;
not the case manager, not M&E, not another office's counselor."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import can_read_counseling_notes
from wholejourney.accounts.roles import Role
from wholejourney.care import services
from wholejourney.care.models import CounselingSession, SessionAttendance
from wholejourney.care.tests.records import client_in_care, days_ago, session_for, staff
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import TeamFactory, make_user

NOTE = "Spoke about the night she left the karaoke bar."
LEGAL_NOTE = "Statement taken at the provincial police."


@pytest.fixture
def counselor(cast: Cast) -> User:
    return staff(cast, Role.COUNSELOR, username="counselor")


@pytest.fixture
def sokha(cast: Cast) -> Client:
    return client_in_care(cast, name="Sokha")[0]


@pytest.fixture
def session(cast: Cast, counselor: User, sokha: Client) -> CounselingSession:
    return session_for(counselor, sokha, note=NOTE)


def _user(cast: Cast, who: str) -> User:
    if who == "counselor of the client's team":
        return User.objects.get(username="counselor")
    if who == "counselor of another team":
        return staff(cast, Role.COUNSELOR, team=cast.other_team)
    if who == "counselor in Vietnam":
        return make_user(Role.COUNSELOR, office=cast.vn, team=TeamFactory(office=cast.vn))
    if who == "global counselor":
        return make_user(Role.COUNSELOR, global_=True)
    if who == "legal officer of the team":
        return staff(cast, Role.LEGAL_OFFICER)
    return getattr(cast, who)


READERS = ["counselor of the client's team", "director"]
NOT_READERS = [
    "case_manager",
    "colleague",
    "other_team_colleague",
    "me_officer",
    "partner",
    "admin",
    "other_office",
    "counselor of another team",
    "counselor in Vietnam",
    "global counselor",
    "legal officer of the team",
]


@pytest.mark.parametrize("who", READERS)
def test_counseling_notes_are_readable_by_the_clients_counselors_and_director(
    cast: Cast, counselor: User, sokha: Client, who: str
) -> None:
    assert can_read_counseling_notes(_user(cast, who), sokha)


@pytest.mark.parametrize("who", NOT_READERS)
def test_counseling_notes_are_refused_to_everyone_else(cast: Cast, counselor: User, sokha: Client, who: str) -> None:
    assert not can_read_counseling_notes(_user(cast, who), sokha)


def test_counseling_notes_are_readable_by_the_supervisor_of_the_clients_team(cast: Cast) -> None:
    supervisor = staff(cast, Role.CASE_MANAGER, team=cast.other_team)
    cast.other_team.supervisor = supervisor
    cast.other_team.save()
    theirs, _case = client_in_care(cast, team=cast.other_team)
    ours, _case = client_in_care(cast)

    assert can_read_counseling_notes(supervisor, theirs)
    assert not can_read_counseling_notes(supervisor, ours)


def test_counseling_notes_are_not_opened_by_breaking_the_glass(cast: Cast, sokha: Client) -> None:
    other = staff(cast, Role.COUNSELOR, team=cast.other_team)
    client_services.break_glass(actor=other, client=sokha, reason="The client is in crisis at the shelter tonight.")

    assert not can_read_counseling_notes(other, sokha)


# --- the pages -------------------------------------------------------------------------------


def _get(browser: HttpClient, user: User, url: str) -> tuple[int, str]:
    browser.force_login(user)
    response = browser.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("who", READERS)
def test_session_page_shows_the_notes_to_readers(
    client: HttpClient, cast: Cast, session: CounselingSession, who: str
) -> None:
    status, page = _get(client, _user(cast, who), reverse("care:session_detail", kwargs={"pk": session.pk}))

    assert status == 200 and NOTE in page


def test_session_page_shows_the_case_manager_who_attended_but_not_the_notes(
    client: HttpClient, cast: Cast, session: CounselingSession, sokha: Client
) -> None:
    status, page = _get(client, cast.case_manager, reverse("care:session_detail", kwargs={"pk": session.pk}))

    assert status == 200 and sokha.code in page
    assert NOTE not in page
    assert "Notes are kept for the client's counselors and their supervisor." in page


@pytest.mark.parametrize(
    "who", ["me_officer", "partner", "admin", "other_office", "counselor of another team", "counselor in Vietnam"]
)
def test_session_page_is_404_to_those_without_the_client(
    client: HttpClient, cast: Cast, session: CounselingSession, who: str
) -> None:
    status, page = _get(client, _user(cast, who), reverse("care:session_detail", kwargs={"pk": session.pk}))

    assert status == 404 and NOTE not in page


def test_group_note_is_shown_only_to_someone_who_may_read_every_attendee(
    client: HttpClient, cast: Cast, counselor: User, sokha: Client
) -> None:
    # The counselor reaches the other team's client only by breaking the glass, which opens the
    # record but not its counseling notes; the director reads both clients' notes.
    other_team_client, _case = client_in_care(cast, team=cast.other_team)
    client_services.break_glass(
        actor=counselor, client=other_team_client, reason="Joined our group at the shelter today."
    )
    group = services.counseling_session_record(
        actor=counselor,
        held_on=days_ago(3),
        attendees=[sokha, other_team_client],
        format="group",
        group_note="The group talked about trust.",
    )
    url = reverse("care:session_detail", kwargs={"pk": group.pk})

    _status, as_counselor = _get(client, counselor, url)
    _status, as_director = _get(client, cast.director, url)

    assert "The group talked about trust." not in as_counselor
    assert "The group talked about trust." in as_director


def test_group_notes_are_encrypted_attendances_per_client(cast: Cast, session: CounselingSession) -> None:
    raw = SessionAttendance.objects.values_list("note", flat=True).get()
    assert NOTE not in raw


# --- the timeline ----------------------------------------------------------------------------


@pytest.fixture
def history(cast: Cast, counselor: User, sokha: Client, session: CounselingSession) -> None:
    legal = staff(cast, Role.LEGAL_OFFICER)
    econ = staff(cast, Role.ECONOMIC_OFFICER)
    services.legal_service_record(actor=legal, client=sokha, kind="police", provided_on=days_ago(5), note=LEGAL_NOTE)
    services.economic_service_record(actor=econ, client=sokha, kind="career_coaching", provided_on=days_ago(4))
    services.visit_record(actor=cast.case_manager, client=sokha, mode="home", visited_on=days_ago(2))


def _timeline(client: HttpClient, user: User, sokha: Client) -> tuple[int, str]:
    return _get(client, user, reverse("care:timeline", kwargs={"pk": sokha.pk}))


# (who, counseling entry shown, its notes shown, legal shown, economic shown)
TIMELINE_MATRIX = [
    ("counselor of the client's team", True, True, False, False),
    ("director", True, True, True, True),
    ("case_manager", True, False, True, True),
    ("legal officer of the team", False, False, True, False),
]


@pytest.mark.parametrize(("who", "counseling", "notes", "legal", "economic"), TIMELINE_MATRIX)
def test_timeline_shows_each_entry_only_to_those_allowed(
    client: HttpClient,
    cast: Cast,
    sokha: Client,
    history: None,
    who: str,
    counseling: bool,
    notes: bool,
    legal: bool,
    economic: bool,
) -> None:
    status, page = _timeline(client, _user(cast, who), sokha)

    assert status == 200
    assert ("Counseling session" in page) is counseling
    assert (NOTE in page) is notes
    assert ("Accompaniment to the police" in page and LEGAL_NOTE in page) is legal
    assert ("Career coaching" in page) is economic
    assert "Home visit" in page  # casework: everyone with the client in their caseload


def test_timeline_shows_economic_entries_to_the_economic_officer_only_with_casework(
    client: HttpClient, cast: Cast, sokha: Client, history: None
) -> None:
    status, page = _timeline(client, staff(cast, Role.ECONOMIC_OFFICER), sokha)

    assert status == 200
    assert "Career coaching" in page
    assert "Counseling session" not in page and "Accompaniment to the police" not in page


@pytest.mark.parametrize(
    "who", ["me_officer", "partner", "admin", "other_office", "counselor of another team", "counselor in Vietnam"]
)
def test_timeline_is_404_to_those_without_the_client(
    client: HttpClient, cast: Cast, sokha: Client, history: None, who: str
) -> None:
    status, page = _timeline(client, _user(cast, who), sokha)

    assert status == 404 and NOTE not in page and LEGAL_NOTE not in page


def test_timeline_view_is_written_to_the_audit_trail(client: HttpClient, cast: Cast, sokha: Client) -> None:
    from wholejourney.audit.models import AuditEvent

    _timeline(client, cast.case_manager, sokha)

    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).latest("seq")
    assert (event.actor_id, event.object_id, event.changed_fields) == (
        cast.case_manager.pk,
        str(sokha.pk),
        ["timeline"],
    )


# --- recording -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "who"),
    [
        ("legal_service", "case_manager"),
        ("legal_service", "counselor of the client's team"),
        ("economic", "legal officer of the team"),
        ("visit", "counselor of the client's team"),
        ("treatment_plan", "case_manager"),
        ("education", "counselor of the client's team"),
        ("care_plan", "counselor of the client's team"),
    ],
)
def test_record_pages_are_404_to_roles_that_do_not_do_that_work(
    client: HttpClient, cast: Cast, counselor: User, sokha: Client, kind: str, who: str
) -> None:
    status, _page = _get(client, _user(cast, who), reverse(f"care:{kind}_new", kwargs={"pk": sokha.pk}))

    assert status == 404


def test_counselor_cannot_record_a_session_for_a_client_outside_the_caseload(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    elsewhere, _case = client_in_care(cast, team=cast.other_team)
    client.force_login(counselor)

    response = client.post(
        reverse("care:session_new"),
        {
            "held_on": (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
            "format": "individual",
            "modality": "tf_cbt",
            "duration_minutes": "60",
            "attendees": [elsewhere.pk],
        },
    )

    assert response.status_code == 200
    assert not CounselingSession.objects.exists()
