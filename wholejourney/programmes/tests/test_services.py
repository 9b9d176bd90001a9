"""The rules of recording programme work: batches of attendance all or nothing, every bad row
reported, the same batch twice changing nothing; permissions checked by the services themselves."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wholejourney.accounts.models import User
from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import OrganisationFactory, make_client
from wholejourney.conftest import Cast
from wholejourney.programmes import services
from wholejourney.programmes.models import Activity, Attendance, HusbandWifeGroup, Participant
from wholejourney.programmes.tests.factories import ActivityFactory, ParticipantFactory, kh_group, prevention_officer

D = datetime.date


@pytest.fixture
def officer(cast: Cast) -> User:
    return prevention_officer(cast.kh)


@pytest.fixture
def activity(cast: Cast) -> Activity:
    return ActivityFactory(office=cast.kh)


def row(ref: str = "", **values: Any) -> dict[str, Any]:
    return {"ref": ref, "group": "teachers", "sex": "female", "age_band": "25-59"} | values


def test_attendance_batch_records_people_and_scores(officer: User, activity: Activity) -> None:
    counts = services.attendance_record(
        actor=officer, activity=activity, rows=[row("A", pre_test="40", post_test=72.5), row("B", name="Sok")]
    )

    assert counts == {"participants_created": 2, "attendances_added": 2, "rows": 2}
    assert Attendance.objects.get(participant__external_ref="A").post_test == Decimal("72.5")
    assert Participant.objects.get(external_ref="B").name == "Sok"
    assert AuditEvent.objects.filter(object_type="programmes.activity", changed_fields=["attendance:+2"]).exists()


def test_attendance_batch_with_errors_reports_every_row_and_writes_nothing(officer: User, activity: Activity) -> None:
    rows = [row("A"), row("B", group="boss"), row("C", sex="x", pre_test="101"), row("A")]

    with pytest.raises(services.BatchError) as raised:
        services.attendance_record(actor=officer, activity=activity, rows=rows)

    assert [(error.row, error.field) for error in raised.value.rows] == [
        (2, "group"), (3, "sex"), (3, "pre_test"), (4, "ref"),
    ]  # fmt: skip
    assert Participant.objects.count() == 0
    assert Attendance.objects.count() == 0


def test_attendance_same_batch_twice_changes_nothing(officer: User, activity: Activity) -> None:
    rows = [row("A"), row("B")]
    services.attendance_record(actor=officer, activity=activity, rows=rows)

    again = services.attendance_record(actor=officer, activity=activity, rows=rows)

    assert again == {"participants_created": 0, "attendances_added": 0, "rows": 2}
    assert Attendance.objects.count() == 2


def test_attendance_known_reference_reuses_the_person_at_another_activity(
    officer: User, activity: Activity, cast: Cast
) -> None:
    services.attendance_record(actor=officer, activity=activity, rows=[row("A")])
    second = ActivityFactory(office=cast.kh, held_on=D(2023, 6, 1))

    counts = services.attendance_record(actor=officer, activity=second, rows=[row("A")])

    assert counts["participants_created"] == 0
    assert Participant.objects.get().attendances.count() == 2


def test_attendance_organisation_by_name_of_the_office_only(officer: User, activity: Activity, cast: Cast) -> None:
    ours = OrganisationFactory(office=cast.kh, name="Garden of Hope")
    OrganisationFactory(office=cast.vn, name="Hanoi Shelter")

    services.attendance_record(actor=officer, activity=activity, rows=[row("A", organisation="garden of HOPE")])
    with pytest.raises(services.BatchError):
        services.attendance_record(actor=officer, activity=activity, rows=[row("B", organisation="Hanoi Shelter")])

    assert Participant.objects.get().organisation == ours


def test_attendance_refused_to_another_office_and_to_other_roles(cast: Cast, activity: Activity) -> None:
    for actor in (prevention_officer(cast.vn, "vn.prevention"), cast.case_manager, cast.me_officer):
        with pytest.raises(PermissionDenied):
            services.attendance_record(actor=actor, activity=activity, rows=[row("A")])
    assert Participant.objects.count() == 0


def test_activity_with_a_known_reference_is_found_again(officer: User, cast: Cast) -> None:
    first = services.activity_record(
        actor=officer, office=cast.kh, kind="prevention_training", held_on=D(2023, 3, 3), external_ref="PT-1"
    )

    again = services.activity_record(
        actor=officer, office=cast.kh, kind="prevention_training", held_on=D(2023, 3, 3), external_ref="PT-1"
    )

    assert again.pk == first.pk
    assert Activity.objects.count() == 1


def test_reflection_meeting_needs_groups_of_the_office(officer: User, cast: Cast) -> None:
    theirs = HusbandWifeGroup.objects.create(office=cast.vn, label="HW-vn")

    with pytest.raises(ValidationError, match="Choose the husband-wife groups"):
        services.reflection_meeting_record(actor=officer, office=cast.kh, held_on=D(2023, 1, 1), groups=[])
    with pytest.raises(ValidationError, match="another office"):
        services.reflection_meeting_record(actor=officer, office=cast.kh, held_on=D(2023, 1, 1), groups=[theirs])


def test_campaign_reach_must_be_given_and_not_negative(officer: User, cast: Cast) -> None:
    with pytest.raises(ValidationError, match="Give the number"):
        services.campaign_record(actor=officer, office=cast.kh, kind="awareness", held_on=D(2023, 1, 1))
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.campaign_record(
            actor=officer, office=cast.kh, kind="awareness", held_on=D(2023, 1, 1), adults_female=5, adults_male=-1
        )


def test_group_status_periods_follow_each_other(officer: User, cast: Cast) -> None:
    group = kh_group(cast)  # active from 2021-01-01

    services.community_group_set_status(actor=officer, group=group, status="inactive", start=D(2022, 7, 1))
    services.community_group_set_status(actor=officer, group=group, status="active", start=D(2023, 2, 1))

    assert list(group.statuses.order_by("start").values_list("status", "start", "end")) == [
        ("active", D(2021, 1, 1), D(2022, 6, 30)),
        ("inactive", D(2022, 7, 1), D(2023, 1, 31)),
        ("active", D(2023, 2, 1), None),
    ]


def test_participant_linked_to_a_client_only_by_staff_who_see_the_client(cast: Cast, officer: User) -> None:
    client = make_client(cast.case_manager)
    person = ParticipantFactory(office=cast.kh, group="former_clients")

    with pytest.raises(PermissionDenied):
        services.participant_link_client(actor=officer, participant=person, client=client)
    with pytest.raises(PermissionDenied):
        services.participant_link_client(actor=cast.other_team_colleague, participant=person, client=client)
    services.participant_link_client(actor=cast.case_manager, participant=person, client=client)

    person.refresh_from_db()
    assert person.client == client
