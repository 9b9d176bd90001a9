"""The casework rules, as the services enforce them: a clear message for bad input, nothing half-saved,
permission checked by the service itself."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.cases import services
from wholejourney.cases.models import (
    AbuseType,
    Case,
    CaseReopening,
    CaseStatus,
    ClosureReason,
    ClosureRequest,
    Placement,
    PlacementKind,
    Referral,
    ReferralSource,
)
from wholejourney.cases.tests.records import (
    CaseFactory,
    ClientFactory,
    FosterFamilyFactory,
    OrganisationFactory,
    PlacementFactory,
    close_case,
    day,
    open_case,
    record_counts,
    register,
)
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import TeamFactory, make_user
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.tests.records import STABLE, answers
from wholejourney.partners.models import OrganisationKind

pytestmark = pytest.mark.django_db

FUTURE = "The date cannot be in the future."


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def refused(call: Callable[[], Any], exception: type[Exception] = ValidationError) -> Any:
    """Run a call that must be refused; fail if it changed any casework table or the audit trail."""
    before = record_counts()
    with pytest.raises(exception) as raised:
        call()
    assert record_counts() == before, "a refused call left rows behind"
    return raised.value


def vn_case(cast: Cast) -> Case:
    """A case in Vietnam, in the caseload of the Vietnamese case manager."""
    return open_case(cast.other_office, opened_on=day(2023, 2, 1))


# --- placements ------------------------------------------------------------------------------


def test_placement_add_move_ends_current_placement_on_new_start(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    shelter = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10)
    )

    family = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 6, 1)
    )

    shelter.refresh_from_db()
    assert (shelter.start, shelter.end) == (day(2023, 1, 10), day(2023, 6, 1))
    assert (family.start, family.end) == (day(2023, 6, 1), None)


def test_placement_add_allows_start_on_day_previous_placement_ended(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10), end=day(2023, 4, 1)
    )

    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.RELATIVES, start=day(2023, 4, 1))

    assert list(case.client.placements.values_list("kind", "end")) == [
        ("shelter", day(2023, 4, 1)),
        ("relatives", None),
    ]


def test_placement_add_refuses_explicit_end_overlapping_existing_placement(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 3, 1), end=day(2023, 6, 1)
    )

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 2, 1), end=day(2023, 4, 1)
        )
    )

    assert error.messages == [
        "The client already has a placement from 01/03/2023 to 01/06/2023 that overlaps these dates."
    ]


def test_placement_add_refuses_start_on_same_day_as_open_placement(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    shelter = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 3, 1)
    )

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 3, 1)
        )
    )

    assert error.messages == ["The client already has a placement from 01/03/2023 to now that overlaps these dates."]
    shelter.refresh_from_db()
    assert shelter.end is None


def test_placement_add_refuses_start_inside_earlier_finished_placement(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10))
    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 5, 1))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager,
            case=case,
            kind=PlacementKind.FOSTER_CARE,
            start=day(2023, 3, 1),
            foster_family=FosterFamilyFactory(office=cast.kh),
        )
    )

    assert "from 10/01/2023 to 01/05/2023" in error.messages[0]
    assert list(case.client.placements.values_list("kind", "end")) == [("shelter", day(2023, 5, 1)), ("family", None)]


def test_placement_overlap_refused_by_database_when_service_bypassed(cast: Cast) -> None:
    case = CaseFactory(client__office=cast.kh, opened_on=day(2023, 1, 1))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 1), end=day(2023, 5, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(client=case.client, case=case, kind=PlacementKind.FAMILY, start=day(2023, 4, 30))

    assert case.client.placements.count() == 1


def test_placement_overlap_refused_by_database_on_update(cast: Cast) -> None:
    case = CaseFactory(client__office=cast.kh, opened_on=day(2023, 1, 1))
    first = PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 1), end=day(2023, 5, 1))
    PlacementFactory(case=case, kind=PlacementKind.FAMILY, start=day(2023, 5, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=first.pk).update(end=day(2023, 5, 2))

    first.refresh_from_db()
    assert first.end == day(2023, 5, 1)


def test_placement_database_allows_adjacent_half_open_periods(cast: Cast) -> None:
    case = CaseFactory(client__office=cast.kh, opened_on=day(2023, 1, 1))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 1), end=day(2023, 5, 1))

    with transaction.atomic():
        Placement.objects.create(client=case.client, case=case, kind=PlacementKind.FAMILY, start=day(2023, 5, 1))

    assert case.client.placements.count() == 2


def test_placement_add_refuses_start_in_future(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=tomorrow())
    )

    assert error.message_dict == {"start": [FUTURE]}


def test_placement_add_refuses_end_in_future(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10), end=tomorrow()
        )
    )

    assert error.message_dict == {"end": [FUTURE]}


def test_placement_add_refuses_start_before_case_opened(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 9)
        )
    )

    assert error.message_dict == {"start": ["The placement cannot start before the case opened (10/01/2023)."]}


def test_placement_add_refuses_foster_care_without_family(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.FOSTER_CARE, start=day(2023, 2, 1)
        )
    )

    assert error.message_dict == {"foster_family": ["Choose the foster family."]}


def test_placement_add_refuses_other_shelter_without_organisation(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.OTHER_SHELTER, start=day(2023, 2, 1)
        )
    )

    assert error.message_dict == {"organisation": ["Choose the organisation whose shelter it is."]}


def test_placement_add_records_foster_family_and_audits(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    family = FosterFamilyFactory(office=cast.kh)

    placement = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.FOSTER_CARE, start=day(2023, 2, 1), foster_family=family
    )

    assert placement.foster_family == family
    assert AuditEvent.objects.filter(object_type="cases.placement", object_id=str(placement.pk)).count() == 1


def test_placement_add_refuses_closed_case(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(case, requested_by=cast.case_manager, approved_by=cast.director, closing_date=day(2023, 5, 1))

    error = refused(
        lambda: services.placement_add(
            actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 6, 1)
        )
    )

    assert error.messages == ["The case is closed; reopen it first."]


def test_placement_end_refuses_end_overlapping_next_placement(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    shelter = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10)
    )
    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 3, 1))
    shelter.refresh_from_db()

    error = refused(lambda: services.placement_end(actor=cast.case_manager, placement=shelter, end=day(2023, 4, 1)))

    assert error.messages == ["The client already has a placement from 01/03/2023 to now that overlaps these dates."]
    shelter.refresh_from_db()
    assert shelter.end == day(2023, 3, 1)


def test_placement_end_refuses_end_in_future(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    shelter = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10)
    )

    error = refused(lambda: services.placement_end(actor=cast.case_manager, placement=shelter, end=tomorrow()))

    assert error.message_dict == {"end": [FUTURE]}


# --- cases -----------------------------------------------------------------------------------


def test_case_open_refuses_opening_date_in_future(cast: Cast) -> None:
    survivor = register(cast.case_manager)

    error = refused(lambda: open_case(cast.case_manager, survivor, opened_on=tomorrow()))

    assert error.message_dict == {"opened_on": [FUTURE]}


def test_case_open_refuses_second_open_case(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(lambda: open_case(cast.case_manager, case.client, opened_on=day(2023, 5, 1)))

    assert error.messages == ["This client already has an open case."]


def test_case_open_refuses_opening_on_or_before_previous_closure(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(case, requested_by=cast.case_manager, approved_by=cast.director, closing_date=day(2023, 5, 1))

    error = refused(lambda: open_case(cast.case_manager, case.client, opened_on=day(2023, 5, 1)))

    assert error.message_dict == {"opened_on": ["A new case must open after the previous one closed."]}


def test_case_open_allows_new_case_after_previous_closed(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(case, requested_by=cast.case_manager, approved_by=cast.director, closing_date=day(2023, 5, 1))

    second = open_case(cast.case_manager, case.client, opened_on=day(2023, 5, 2), abuse_type=AbuseType.OTHER_ABUSE)

    assert list(case.client.cases.values_list("pk", "status")) == [(second.pk, "open"), (case.pk, "closed")]


def test_case_open_drops_trafficking_subtype_for_other_abuse(cast: Cast) -> None:
    survivor = register(cast.case_manager)

    case = services.case_open(
        actor=cast.case_manager,
        client=survivor,
        opened_on=day(2023, 1, 10),
        primary_abuse_type=AbuseType.DOMESTIC_VIOLENCE,
        trafficking_subtype="labour",
    )

    assert case.trafficking_subtype == ""


@pytest.mark.parametrize("who", ["case_manager", "director"])
def test_case_open_refuses_client_of_other_office(cast: Cast, who: str) -> None:
    survivor = ClientFactory(office=cast.vn)

    refused(lambda: open_case(getattr(cast, who), survivor), PermissionDenied)


def test_case_transfer_moves_client_into_new_team_caseload(client: WebClient, cast: Cast) -> None:
    case = open_case(cast.case_manager)
    page = reverse("clients:detail", kwargs={"pk": case.client.pk})

    services.case_transfer(
        actor=cast.case_manager, case=case, team=cast.other_team, case_manager=cast.other_team_colleague
    )

    seen = {}
    for who in ("other_team_colleague", "colleague", "case_manager"):
        client.force_login(getattr(cast, who))
        seen[who] = client.get(page).status_code
    assert seen == {"other_team_colleague": 200, "colleague": 404, "case_manager": 404}
    case.refresh_from_db()
    assert (case.team, case.case_manager) == (cast.other_team, cast.other_team_colleague)


def test_case_transfer_is_audited(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    services.case_transfer(actor=cast.director, case=case, team=cast.other_team, case_manager=cast.other_team_colleague)

    event = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor_id) == (AuditEvent.Action.CHANGE, cast.director.pk)
    assert sorted(event.changed_fields) == ["case_manager", "team"]


def test_case_transfer_refuses_team_of_other_office(cast: Cast) -> None:
    case = open_case(cast.case_manager)
    vn_team = TeamFactory(office=cast.vn, name="VN team")

    error = refused(lambda: services.case_transfer(actor=cast.director, case=case, team=vn_team, case_manager=None))

    assert error.message_dict == {"team": ["The team must belong to the case's office."]}
    case.client.refresh_from_db()
    assert case.client.team == cast.team


def test_case_transfer_refuses_user_outside_caseload(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    refused(
        lambda: services.case_transfer(
            actor=cast.other_team_colleague, case=case, team=cast.other_team, case_manager=cast.other_team_colleague
        ),
        PermissionDenied,
    )


# --- other offices ---------------------------------------------------------------------------


OTHER_OFFICE_CALLS: dict[str, Callable[[Any, Case], Any]] = {
    "placement_add": lambda actor, case: services.placement_add(
        actor=actor, case=case, kind=PlacementKind.SHELTER, start=day(2023, 2, 1)
    ),
    "closure_request": lambda actor, case: services.closure_request(
        actor=actor, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    ),
    "case_transfer": lambda actor, case: services.case_transfer(actor=actor, case=case, team=None, case_manager=actor),
}


@pytest.mark.parametrize("call", sorted(OTHER_OFFICE_CALLS))
@pytest.mark.parametrize("who", ["case_manager", "director"])
def test_case_services_refuse_case_of_other_office(cast: Cast, call: str, who: str) -> None:
    case = vn_case(cast)

    refused(lambda: OTHER_OFFICE_CALLS[call](getattr(cast, who), case), PermissionDenied)


def test_closure_decide_refuses_director_of_other_office(cast: Cast) -> None:
    case = vn_case(cast)
    request = services.closure_request(
        actor=cast.other_office, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    refused(lambda: services.closure_decide(actor=cast.director, request=request, approve=True), PermissionDenied)


# --- closure ---------------------------------------------------------------------------------


def test_closure_request_refuses_missing_reason(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.closure_request(actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason="")
    )

    assert error.message_dict == {"reason": ["Choose the reason for closing the case."]}


def test_closure_request_refuses_closing_date_in_future(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.closure_request(
            actor=cast.case_manager, case=case, closing_date=tomorrow(), reason=ClosureReason.GOALS_ACHIEVED
        )
    )

    assert error.message_dict == {"closing_date": [FUTURE]}


def test_closure_request_refuses_closing_date_before_opening_date(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 3, 1))

    error = refused(
        lambda: services.closure_request(
            actor=cast.case_manager, case=case, closing_date=day(2023, 2, 28), reason=ClosureReason.GOALS_ACHIEVED
        )
    )

    assert error.message_dict == {"closing_date": ["The case cannot close before it opened (01/03/2023)."]}


def test_closure_request_refuses_second_pending_request(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    error = refused(
        lambda: services.closure_request(
            actor=cast.colleague, case=case, closing_date=day(2023, 7, 1), reason=ClosureReason.MOVED_AWAY
        )
    )

    assert error.messages == ["A closure request for this case is already waiting for approval."]


@pytest.mark.parametrize("who", ["case_manager", "colleague", "me_officer"])
def test_closure_decide_refuses_anyone_but_director_or_supervisor(cast: Cast, who: str) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    refused(lambda: services.closure_decide(actor=getattr(cast, who), request=request, approve=True), PermissionDenied)

    request.refresh_from_db()
    case.refresh_from_db()
    assert (request.status, case.status) == (ClosureRequest.Status.PENDING, CaseStatus.OPEN)


def test_closure_decide_allows_team_supervisor_without_director_role(cast: Cast) -> None:
    supervisor = make_user(Role.CASE_MANAGER, office=cast.kh, username="supervisor")
    team = TeamFactory(office=cast.kh, name="Team C", supervisor=supervisor)
    member = make_user(Role.CASE_MANAGER, office=cast.kh, team=team, username="member")
    case = open_case(member, opened_on=day(2023, 1, 10))
    request = services.closure_request(
        actor=member, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    services.closure_decide(actor=supervisor, request=request, approve=True)

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_closure_decide_approval_closes_case_on_requested_date_and_ends_placement(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    shelter = services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10)
    )
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.TRANSFERRED
    )

    services.closure_decide(actor=cast.director, request=request, approve=True, comment="Agreed.")

    case.refresh_from_db()
    shelter.refresh_from_db()
    request.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == ("closed", day(2023, 6, 1), "transferred")
    assert shelter.end == day(2023, 6, 1)
    assert (request.status, request.decided_by) == (ClosureRequest.Status.APPROVED, cast.director)
    events = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), actor_id=cast.director.pk)
    assert [event.changed_fields for event in events] == [["closure_approved"]]


def test_closure_decide_refuses_approval_when_client_moved_on_closing_date(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )
    services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.FAMILY, start=day(2023, 6, 1))

    error = refused(lambda: services.closure_decide(actor=cast.director, request=request, approve=True))

    assert error.messages == ["The client moved on or after the closing date; ask for a later date."]
    request.refresh_from_db()
    case.refresh_from_db()
    assert (request.status, case.status) == (ClosureRequest.Status.PENDING, CaseStatus.OPEN)


def test_closure_decide_return_requires_comment(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    error = refused(lambda: services.closure_decide(actor=cast.director, request=request, approve=False, comment=" "))

    assert error.message_dict == {"comment": ["Say why the request goes back, so the case manager knows what to do."]}
    request.refresh_from_db()
    assert request.status == ClosureRequest.Status.PENDING


def test_closure_decide_return_keeps_case_open_and_allows_new_request(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )

    services.closure_decide(actor=cast.director, request=request, approve=False, comment="Safety plan first.")

    request.refresh_from_db()
    case.refresh_from_db()
    assert (request.status, request.comment, case.status) == ("returned", "Safety plan first.", "open")
    again = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 7, 1), reason=ClosureReason.MOVED_AWAY
    )
    assert again.status == ClosureRequest.Status.PENDING


def test_closure_decide_refuses_request_already_decided(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 6, 1), reason=ClosureReason.MOVED_AWAY
    )
    services.closure_decide(actor=cast.director, request=request, approve=False, comment="Not yet.")

    error = refused(lambda: services.closure_decide(actor=cast.director, request=request, approve=True))

    assert error.messages == ["This request was already decided."]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# --- reopening -------------------------------------------------------------------------------


def test_case_reopen_refuses_blank_reason(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(case, requested_by=cast.case_manager, approved_by=cast.director, closing_date=day(2023, 5, 1))

    error = refused(
        lambda: services.case_reopen(actor=cast.case_manager, case=case, reopened_on=day(2023, 8, 1), reason="  ")
    )

    assert error.message_dict == {"reason": ["Say why the case is reopened."]}
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_case_reopen_records_reopening_with_previous_closure(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(
        case,
        requested_by=cast.case_manager,
        approved_by=cast.director,
        closing_date=day(2023, 5, 1),
        reason=ClosureReason.LOST_CONTACT,
    )

    services.case_reopen(actor=cast.case_manager, case=case, reopened_on=day(2023, 8, 1), reason="She came back.")

    case.refresh_from_db()
    reopening = CaseReopening.objects.get(case=case)
    assert (case.status, case.closed_on, case.closure_reason) == ("open", None, "")
    assert (reopening.reopened_on, reopening.previous_closed_on, reopening.previous_reason) == (
        day(2023, 8, 1),
        day(2023, 5, 1),
        "lost_contact",
    )
    assert (reopening.reason, reopening.reopened_by) == ("She came back.", cast.case_manager)


def test_case_reopen_refuses_case_that_is_open(cast: Cast) -> None:
    case = open_case(cast.case_manager, opened_on=day(2023, 1, 10))

    error = refused(
        lambda: services.case_reopen(actor=cast.case_manager, case=case, reopened_on=day(2023, 8, 1), reason="Why")
    )

    assert error.messages == ["Only a closed case can be reopened."]


def test_case_reopen_refuses_when_client_has_another_open_case(cast: Cast) -> None:
    first = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    close_case(first, requested_by=cast.case_manager, approved_by=cast.director, closing_date=day(2023, 5, 1))
    open_case(cast.case_manager, first.client, opened_on=day(2023, 6, 1))

    error = refused(
        lambda: services.case_reopen(actor=cast.case_manager, case=first, reopened_on=day(2023, 8, 1), reason="Why")
    )

    assert error.messages == ["This client already has another open case."]


# --- referrals -------------------------------------------------------------------------------


def receive(cast: Cast, **overrides: Any) -> Referral:
    values: dict[str, Any] = {
        "actor": cast.case_manager,
        "office": cast.kh,
        "referred_on": day(2023, 3, 1),
        "organisation": OrganisationFactory(office=cast.kh, kind=OrganisationKind.POLICE),
        "reason": "Found at the border crossing",
        "person": {"name": "Srey Mao", "age": 15},
    }
    values.update(overrides)
    return services.referral_receive(**values)


def accept(cast: Cast, referral: Referral, **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "actor": cast.case_manager,
        "referral": referral,
        "opened_on": day(2023, 3, 2),
        "primary_abuse_type": AbuseType.HUMAN_TRAFFICKING,
        "team": cast.team,
        "identity": {"given_name_latin": "Srey", "family_name_latin": "Mao", "sex": "female", "birth_year": 2005},
    }
    values.update(overrides)
    return services.referral_accept(**values)


def test_referral_receive_refuses_referral_date_in_future(cast: Cast) -> None:
    error = refused(lambda: receive(cast, referred_on=tomorrow()))

    assert error.message_dict == {"referred_on": [FUTURE]}


def test_referral_receive_refuses_referral_without_person_name(cast: Cast) -> None:
    error = refused(lambda: receive(cast, person={"age": 15}))

    assert error.message_dict == {"person": ["Give the referred person's name, or a name they are known by."]}


def test_referral_receive_by_partner_records_own_organisation_and_office(cast: Cast) -> None:
    own = OrganisationFactory(office=cast.kh, kind=OrganisationKind.PROVINCIAL_AUTHORITY)
    cast.partner.partner_organisation = own
    cast.partner.save(update_fields=["partner_organisation"])

    referral = receive(
        cast,
        actor=cast.partner,
        office=cast.vn,
        source=ReferralSource.SELF,
        organisation=OrganisationFactory(office=cast.vn, kind=OrganisationKind.NGO),
    )

    assert (referral.organisation, referral.office, referral.source) == (own, cast.kh, ReferralSource.ORGANISATION)
    assert (referral.submitted_by, referral.status) == (cast.partner, Referral.Status.RECEIVED)


def test_referral_receive_by_partner_without_organisation_is_denied(cast: Cast) -> None:
    refused(lambda: receive(cast, actor=cast.partner), PermissionDenied)


def test_referral_accept_registers_client_and_opens_case(cast: Cast) -> None:
    referral = receive(cast)

    case = accept(cast, referral)

    referral.refresh_from_db()
    assert (referral.status, referral.client, referral.decided_by) == ("accepted", case.client, cast.case_manager)
    assert (case.referral, case.opened_on, case.team) == (referral, day(2023, 3, 2), cast.team)


def test_referral_accept_twice_says_already_decided(cast: Cast) -> None:
    referral = receive(cast)
    accept(cast, referral)

    error = refused(lambda: accept(cast, referral, actor=cast.colleague))

    assert error.messages == ["This referral was already decided (Accepted)."]


def test_referral_accept_refuses_opening_date_in_future_without_registering_client(cast: Cast) -> None:
    referral = receive(cast)

    error = refused(lambda: accept(cast, referral, opened_on=tomorrow()))

    assert error.message_dict == {"opened_on": [FUTURE]}
    referral.refresh_from_db()
    assert (referral.status, referral.client) == (Referral.Status.RECEIVED, None)


def test_referral_accept_refuses_opening_before_referral(cast: Cast) -> None:
    referral = receive(cast, referred_on=day(2023, 3, 1))

    error = refused(lambda: accept(cast, referral, opened_on=day(2023, 2, 28)))

    assert error.message_dict == {"opened_on": ["The case cannot open before the referral was made."]}


def test_referral_accept_refuses_client_who_has_open_case(cast: Cast) -> None:
    existing = open_case(cast.case_manager, opened_on=day(2023, 1, 10))
    referral = receive(cast)

    error = refused(lambda: accept(cast, referral, client=existing.client, identity=None))

    assert error.messages == ["This client already has an open case."]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


def test_referral_decline_requires_note(cast: Cast) -> None:
    referral = receive(cast)

    error = refused(lambda: services.referral_decline(actor=cast.case_manager, referral=referral, note="   "))

    assert error.message_dict == {"decision_note": ["Say why the referral is declined."]}
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


def test_referral_decline_after_accept_says_already_decided(cast: Cast) -> None:
    referral = receive(cast)
    accept(cast, referral)

    error = refused(lambda: services.referral_decline(actor=cast.case_manager, referral=referral, note="Out of area"))

    assert error.messages == ["This referral was already decided (Accepted)."]


def test_referral_accept_after_decline_says_already_decided(cast: Cast) -> None:
    referral = receive(cast)
    services.referral_decline(actor=cast.case_manager, referral=referral, note="Out of area")

    error = refused(lambda: accept(cast, referral))

    assert error.messages == ["This referral was already decided (Declined)."]


def _raw(referral: Referral) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason, person FROM cases_referral WHERE id = %s", [referral.pk])
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1]


def test_referral_details_move_from_master_key_to_client_key_on_acceptance(cast: Cast) -> None:
    referral = receive(cast)
    before = _raw(referral)

    case = accept(cast, referral)

    after = _raw(referral)
    data_key = f"wj1:d:{case.client.data_key.row_id}:"
    assert all(value.startswith("wj1:k:") for value in before)
    assert all(value.startswith(data_key) for value in after)
    assert not any("Srey" in value or "border" in value for value in (*before, *after))
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.reason, stored.person) == ("Found at the border crossing", {"name": "Srey Mao", "age": 15})


# --- closure as "goals achieved": the stability clock --------------------------------------------


def _assess_stable(actor: Any, client: Any, on: datetime.date) -> None:
    outcome_services.assessment_record(actor=actor, client=client, assessed_on=on, answers=answers(STABLE))


def test_closure_request_goals_achieved_is_refused_before_the_client_is_whole(cast: Cast) -> None:
    case = open_case(cast.case_manager)  # opened 1 March 2023; an adult, so 6 months
    _assess_stable(cast.case_manager, case.client, day(2023, 3, 10))

    error = refused(
        lambda: services.closure_request(
            actor=cast.case_manager, case=case, closing_date=day(2023, 8, 1), reason=ClosureReason.GOALS_ACHIEVED
        )
    )

    assert "reason" in error.message_dict
    assert "run since 10/03/2023 and needs 6 months" in error.message_dict["reason"][0]
    assert "whole on 10/09/2023" in error.message_dict["reason"][0]


def test_closure_request_goals_achieved_without_any_assessment_says_the_clock_has_not_started(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    error = refused(
        lambda: services.closure_request(
            actor=cast.case_manager, case=case, closing_date=day(2023, 8, 1), reason=ClosureReason.GOALS_ACHIEVED
        )
    )

    assert "the clock had not started" in error.message_dict["reason"][0]


def test_closure_goals_achieved_is_accepted_and_approved_once_the_client_is_whole(cast: Cast) -> None:
    case = open_case(cast.case_manager)
    _assess_stable(cast.case_manager, case.client, day(2023, 3, 10))

    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 9, 10), reason=ClosureReason.GOALS_ACHIEVED
    )
    closed = services.closure_decide(actor=cast.director, request=request, approve=True)

    assert (closed.status, closed.closure_reason) == (CaseStatus.CLOSED, ClosureReason.GOALS_ACHIEVED)


def test_closure_decide_refuses_goals_achieved_when_a_crisis_reset_the_clock_after_the_request(cast: Cast) -> None:
    case = open_case(cast.case_manager)
    _assess_stable(cast.case_manager, case.client, day(2023, 3, 10))
    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 10, 1), reason=ClosureReason.GOALS_ACHIEVED
    )
    outcome_services.crisis_record(
        actor=cast.case_manager,
        client=case.client,
        occurred_on=day(2023, 9, 20),
        domains=["protection"],
        severity="severe",
        what_happened="Threatened by the broker.",
    )

    error = refused(lambda: services.closure_decide(actor=cast.director, request=request, approve=True))

    assert "the clock had not started" in error.messages[0]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_closure_request_other_reasons_do_not_need_the_clock(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    request = services.closure_request(
        actor=cast.case_manager, case=case, closing_date=day(2023, 4, 1), reason=ClosureReason.LOST_CONTACT
    )

    assert request.status == ClosureRequest.Status.PENDING


def test_closure_request_override_of_the_clock_needs_a_written_reason(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    error = refused(
        lambda: services.closure_request(
            actor=cast.case_manager,
            case=case,
            closing_date=day(2023, 8, 1),
            reason=ClosureReason.GOALS_ACHIEVED,
            clock_override=True,
            clock_override_reason="   ",
        )
    )

    assert "clock_override_reason" in error.message_dict


def test_closure_override_of_the_clock_with_a_reason_is_kept_and_audited(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    request = services.closure_request(
        actor=cast.case_manager,
        case=case,
        closing_date=day(2023, 8, 1),
        reason=ClosureReason.GOALS_ACHIEVED,
        clock_override=True,
        clock_override_reason="Moved abroad to study with a scholarship; assessments stopped.",
    )
    services.closure_decide(actor=cast.director, request=request, approve=True)

    asked = AuditEvent.objects.get(object_type="cases.closurerequest", object_id=str(request.pk))
    approved = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("-seq").first()
    assert ClosureRequest.objects.get(pk=request.pk).clock_override_reason.startswith("Moved abroad")
    assert sorted(asked.changed_fields) == ["clock_override_reason", "closure"]
    assert approved is not None and sorted(approved.changed_fields) == ["clock_override_reason", "closure_approved"]
    assert Case.objects.get(pk=case.pk).closure_reason == ClosureReason.GOALS_ACHIEVED


def test_closure_request_override_is_ignored_for_other_reasons(cast: Cast) -> None:
    case = open_case(cast.case_manager)

    request = services.closure_request(
        actor=cast.case_manager,
        case=case,
        closing_date=day(2023, 4, 1),
        reason=ClosureReason.MOVED_AWAY,
        clock_override=True,
        clock_override_reason="Not needed",
    )

    assert ClosureRequest.objects.get(pk=request.pk).clock_override_reason == ""
