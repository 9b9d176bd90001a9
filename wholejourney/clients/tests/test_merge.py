"""Merging two records of one person (issue 16): everything moves to the kept record, under its key;
the merged record's key is destroyed; its code leads to the kept one; the report counts one person;
the audit trail shows both histories. Only the office's director may merge."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as Browser

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.care.models import CarePlan, CarePlanGoal, LegalService, LegalServiceKind, SessionAttendance
from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, Case, ClosureReason, Placement, PlacementKind
from wholejourney.clients import services as client_services
from wholejourney.clients.merge import client_merge
from wholejourney.clients.models import Client, ClientLookup, ClientMerge, NotDuplicate
from wholejourney.clients.search import search_clients
from wholejourney.conftest import Cast
from wholejourney.core import crypto
from wholejourney.core.fields import EncryptedFieldMixin, EncryptedModel
from wholejourney.core.tests.factories import make_user
from wholejourney.outcomes.models import Assessment, ClockState
from wholejourney.outcomes.services import assessment_record, current_instrument
from wholejourney.reporting.registry import Period, get_metric

pytestmark = pytest.mark.django_db

D = datetime.date
STABLE = {"protection": 3, "wellbeing": 3, "economic": 3, "social": 3}


def signed_in(user: User) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def _answers() -> dict[str, int]:
    return {item.code: STABLE[item.domain] for item in current_instrument().items.all()}


def _person(cast: Cast, *, given: str, phone: str, opened: datetime.date, closed: datetime.date | None) -> Client:
    """A client of the cast's team with a case from `opened` (closed on `closed`), a shelter placement
    over the case, a legal service and an assessment in it."""
    client = client_services.client_create(
        actor=cast.director, office=cast.kh, team=cast.team, case_manager=cast.case_manager,
        family_name_latin="Chan", given_name_latin=given, sex="female", date_of_birth=D(1995, 6, 1),
        phone_numbers=[phone],
    )  # fmt: skip
    case = case_services.case_open(
        actor=cast.director, client=client, opened_on=opened, primary_abuse_type=AbuseType.HUMAN_TRAFFICKING,
        summary=f"Case of {given}",
    )  # fmt: skip
    case_services.placement_add(actor=cast.director, case=case, kind=PlacementKind.SHELTER, start=opened, end=closed)
    legal = make_user(Role.LEGAL_OFFICER, office=cast.kh, team=cast.team)
    care_services.legal_service_record(
        actor=legal, client=client, kind=LegalServiceKind.ADVICE, provided_on=opened + datetime.timedelta(days=20),
        note=f"Advice for {given}",
    )  # fmt: skip
    assessment_record(
        actor=cast.case_manager, client=client, assessed_on=opened + datetime.timedelta(days=30), answers=_answers()
    )
    if closed is not None:
        request = case_services.closure_request(
            actor=cast.case_manager, case=case, closing_date=closed, reason=ClosureReason.MOVED_AWAY
        )
        case_services.closure_decide(actor=cast.director, request=request, approve=True)
    return client


@pytest.fixture
def pair(cast: Cast) -> tuple[Client, Client]:
    """One woman registered twice: first in January 2023 (case closed in June), again in August."""
    merged = _person(cast, given="Srey Pov", phone="012345678", opened=D(2023, 1, 10), closed=D(2023, 6, 30))
    keep = _person(cast, given="Sreypov", phone="098765432", opened=D(2023, 8, 1), closed=None)
    return Client.objects.get(pk=keep.pk), Client.objects.get(pk=merged.pk)


def _under_key(key_row_id: str) -> list[str]:
    """Every encrypted value in the database still under this data key, as "model.field #pk"."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, EncryptedModel):
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        for field in fields:
            prefix = f"{crypto.PREFIX}:d:{key_row_id}:"
            for pk in model._base_manager.filter(**{f"{field.attname}__startswith": prefix}).values_list(
                "pk", flat=True
            ):
                found.append(f"{model._meta.label_lower}.{field.name} #{pk}")
    return found


def _raw(model: Any, pk: int, field: str) -> str:
    return str(model._base_manager.filter(pk=pk).values_list(field, flat=True).get())


def test_merge_moves_every_record_to_keep_under_its_key(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    kept_key = str(keep.data_key.row_id)

    client_merge(actor=cast.director, keep=keep, merged=merged)

    assert Case.objects.filter(client=keep).count() == 2
    assert Placement.objects.filter(client=keep).count() == 2
    assert LegalService.objects.filter(client=keep).count() == 2
    assert Assessment.objects.filter(client=keep).count() == 2
    for model in (Case, Placement, LegalService, Assessment):
        assert not model.objects.filter(client=merged).exists()
    # Each moved record reads back under the kept client's key, its text intact.
    notes = sorted(service.note for service in LegalService.objects.filter(client=keep))
    assert notes == ["Advice for Srey Pov", "Advice for Sreypov"]
    summaries = sorted(case.summary for case in Case.objects.filter(client=keep))
    assert summaries == ["Case of Srey Pov", "Case of Sreypov"]
    for service in LegalService.objects.filter(client=keep):
        assert crypto.parse(_raw(LegalService, service.pk, "note"))[:2] == ("d", kept_key)
    # Nothing but the merged client's own identity is left under the destroyed key.
    left = _under_key(str(merged.data_key.row_id))
    assert left and all(entry.startswith("clients.client.") and entry.endswith(f" #{merged.pk}") for entry in left)


def test_merge_gives_keep_the_other_names_and_numbers_and_rebuilds_its_tokens(
    cast: Cast, pair: tuple[Client, Client]
) -> None:
    keep, merged = pair

    client_merge(actor=cast.director, keep=keep, merged=merged)

    keep = Client.objects.get(pk=keep.pk)
    assert keep.aliases == ["Chan Srey Pov"]
    assert keep.phone_numbers == ["098765432", "012345678"]
    assert not ClientLookup.objects.filter(client=merged).exists()
    assert [c.pk for c in search_clients(actor=cast.director, text="012345678").visible] == [keep.pk]
    assert keep.pk in [c.pk for c in search_clients(actor=cast.director, text="Srey Pov").visible]


def test_merged_record_is_erased_and_its_ciphertext_no_longer_decrypts(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    stored_name = _raw(Client, merged.pk, "given_name_latin")

    client_merge(actor=cast.director, keep=keep, merged=merged)

    merged = Client.objects.select_related("data_key").get(pk=merged.pk)
    assert merged.erased_at is not None and merged.data_key.destroyed_at is not None
    assert _raw(Client, merged.pk, "given_name_latin") == stored_name  # the ciphertext is still there…
    with pytest.raises(crypto.ShreddedError):  # …and nobody can read it
        Client._meta.get_field("given_name_latin").decrypt_for(merged, stored_name)  # type: ignore[union-attr]
    assert merged.given_name_latin is None


def test_report_counts_the_person_once_after_the_merge(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    supported = get_metric("survivors_supported")
    in_shelter = get_metric("survivors_in_shelter")
    year = Period.year(2023)
    assert supported.compute(year, cast.kh).value == 2 and in_shelter.compute(year, cast.kh).value == 2

    client_merge(actor=cast.director, keep=keep, merged=merged)

    assert supported.compute(year, cast.kh).value == 1
    assert in_shelter.compute(year, cast.kh).value == 1
    assert list(supported.compute(year, cast.kh).records) == [keep]  # type: ignore[arg-type]


def test_merge_rebuilds_the_kept_clock_from_both_records(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair

    client_merge(actor=cast.director, keep=keep, merged=merged)

    assert not ClockState.objects.filter(client=merged).exists()
    clock = ClockState.objects.get(client=keep)
    assert clock.run_started_on == D(2023, 2, 9)  # the merged record's first stable assessment


def test_old_code_and_address_lead_to_the_kept_record(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    client_merge(actor=cast.director, keep=keep, merged=merged)
    browser = signed_in(cast.director)

    response = browser.get(f"/clients/{merged.pk}/?tab=case")
    searched = browser.get("/clients/search/", {"q": merged.code})

    assert response.status_code == 302 and response["Location"] == f"/clients/{keep.pk}/?tab=case"
    assert f"/clients/{keep.pk}/" in searched.content.decode()
    assert signed_in(cast.other_office).get(f"/clients/{merged.pk}/").status_code == 404


def test_kept_record_history_shows_both_records_events(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    client_merge(actor=cast.director, keep=keep, merged=merged)

    response = signed_in(cast.director).get(f"/clients/{keep.pk}/?tab=history")

    history = list(response.context["history"])
    about = {(event.object_id, event.action) for event in history}
    assert (str(merged.pk), AuditEvent.Action.CREATE) in about  # the merged record's registration
    assert (str(keep.pk), AuditEvent.Action.CREATE) in about
    assert (str(merged.pk), AuditEvent.Action.DELETE) in about
    change = next(e for e in history if e.object_id == str(keep.pk) and e.action == AuditEvent.Action.CHANGE)
    assert f"merged_from:{merged.code}" in change.changed_fields
    assert ClientMerge.objects.get(merged=merged).kept == keep


def test_merge_is_refused_when_both_records_have_an_open_case(cast: Cast) -> None:
    first = _person(cast, given="Dara", phone="011111111", opened=D(2023, 1, 10), closed=None)
    second = _person(cast, given="Tara", phone="022222222", opened=D(2023, 1, 12), closed=None)
    Placement.objects.filter(client=second).delete()

    with pytest.raises(ValidationError, match="Both records have an open case"):
        client_merge(actor=cast.director, keep=first, merged=second)

    assert Case.objects.filter(client=second).count() == 1 and Client.objects.get(pk=second.pk).erased_at is None


def test_merge_is_refused_when_placements_overlap(cast: Cast) -> None:
    first = _person(cast, given="Dara", phone="011111111", opened=D(2023, 1, 10), closed=D(2023, 9, 1))
    second = _person(cast, given="Tara", phone="022222222", opened=D(2023, 6, 1), closed=None)

    with pytest.raises(ValidationError, match="placements over the same days"):
        client_merge(actor=cast.director, keep=second, merged=first)


@pytest.mark.parametrize("who", ["case_manager", "other_office_director"])
def test_only_the_office_director_may_merge(cast: Cast, pair: tuple[Client, Client], who: str) -> None:
    keep, merged = pair
    actor = cast.case_manager if who == "case_manager" else make_user(Role.DIRECTOR, office=cast.vn)
    browser = signed_in(actor)
    low, high = sorted((keep.pk, merged.pk))

    with pytest.raises(PermissionDenied):
        client_merge(actor=actor, keep=keep, merged=merged)
    pages = [
        browser.get(f"/clients/duplicates/{low}-{high}/"),
        browser.get(f"/clients/duplicates/{low}-{high}/merge/{keep.pk}/"),
        browser.post(f"/clients/duplicates/{low}-{high}/merge/{keep.pk}/"),
        browser.post(f"/clients/duplicates/{low}-{high}/not-duplicate/"),
        browser.get(f"/clients/duplicates/?client={keep.pk}"),
    ]
    lists = [browser.get("/clients/duplicates/"), browser.get("/clients/merges/")]

    assert [page.status_code for page in pages] == [404] * 5
    # A case manager has no such lists; another office's director has their own office's, without ours.
    if who == "case_manager":
        assert [page.status_code for page in lists] == [404, 404]
    else:
        assert [page.status_code for page in lists] == [200, 200]
        assert not any(code in page.content.decode() for page in lists for code in (keep.code, merged.code))
    assert Client.objects.get(pk=merged.pk).erased_at is None
    assert not NotDuplicate.objects.exists()


def test_another_office_director_cannot_open_a_pair_of_ours(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    theirs = make_user(Role.DIRECTOR, office=cast.vn)

    response = signed_in(theirs).get(f"/clients/duplicates/{merged.pk}-{keep.pk}/")

    assert response.status_code == 404


def test_director_merges_by_clicking_through_the_confirmation(cast: Cast, pair: tuple[Client, Client]) -> None:
    keep, merged = pair
    browser = signed_in(cast.director)
    low, high = sorted((keep.pk, merged.pk))

    page = browser.get(f"/clients/duplicates/{low}-{high}/")
    confirm = browser.get(f"/clients/duplicates/{low}-{high}/merge/{keep.pk}/")
    done = browser.post(f"/clients/duplicates/{low}-{high}/merge/{keep.pk}/")
    merges = browser.get("/clients/merges/")

    assert f"Same person: merge into {keep.code}" in page.content.decode()
    assert f"Merge {merged.code} into {keep.code}" in confirm.content.decode()
    assert done.status_code == 302 and done["Location"] == f"/clients/{keep.pk}/"
    assert merged.code in merges.content.decode() and keep.code in merges.content.decode()


def test_records_below_moved_ones_and_a_shared_session_are_kept_readable(cast: Cast) -> None:
    """A care plan's goals are re-encrypted with their plan; a group session both records attended
    keeps one attendance, with both notes."""
    first = _person(cast, given="Dara", phone="011111111", opened=D(2023, 1, 10), closed=D(2023, 6, 30))
    second = _person(cast, given="Tara", phone="022222222", opened=D(2023, 3, 1), closed=D(2023, 9, 1))
    Placement.objects.filter(client=second).delete()
    goals = [
        {"domain": domain, "goal": f"Goal for {domain}"} for domain in ("protection", "wellbeing", "economic", "social")
    ]
    care_services.care_plan_draft(
        actor=cast.director, case=Case.objects.get(client=second), drafted_on=D(2023, 3, 5), goals=goals,
        next_review_on=D(2023, 6, 5),
    )  # fmt: skip
    counselor = make_user(Role.COUNSELOR, office=cast.kh, team=cast.team)
    session = care_services.counseling_session_record(
        actor=counselor, held_on=D(2023, 4, 3), attendees=[first, second], format="group",
        notes={first.pk: "Quiet today", second.pk: "Spoke of her sister"},
    )  # fmt: skip

    client_merge(actor=cast.director, keep=first, merged=second)

    plan = CarePlan.objects.get()
    assert plan.client_id == first.pk
    assert sorted(goal.goal for goal in CarePlanGoal.objects.filter(plan=plan))[0] == "Goal for economic"
    attendance = SessionAttendance.objects.get(session=session)
    assert attendance.client_id == first.pk and attendance.note == "Quiet today\n\nSpoke of her sister"
    left = _under_key(str(Client.objects.get(pk=second.pk).data_key.row_id))
    assert all(entry.startswith("clients.client.") for entry in left)


def test_merge_moves_corrections_and_voided_records_under_the_kept_key(cast: Cast, pair: tuple[Client, Client]) -> None:
    from django.utils import timezone

    from wholejourney.core.models import RecordChange

    keep, merged = pair
    service = LegalService.objects.get(client=merged)
    # Corrected and voided before the case closed (the services refuse it on a closed case now).
    LegalService.all_records.filter(pk=service.pk).update(version=3, voided_at=timezone.now(), voided_by=cast.director)
    for version, earlier, reason in ((2, {"note": "Advice for Srey Pov"}, ""), (3, {}, "Entered twice")):
        RecordChange.objects.create(
            kind="legal_service", record_id=service.pk, office=cast.kh, client=merged, action="edit",
            version=version, changed_by=cast.director, fields=["note"], earlier=earlier, reason=reason,
        )  # fmt: skip

    client_merge(actor=cast.director, keep=keep, merged=merged)

    moved = LegalService.all_records.get(pk=service.pk)
    assert moved.client_id == keep.pk and moved.voided_at is not None
    history = RecordChange.objects.filter(kind="legal_service", record_id=service.pk).order_by("version")
    assert [(change.client_id, change.earlier, change.reason) for change in history] == [
        (keep.pk, {"note": "Advice for Srey Pov"}, ""),
        (keep.pk, {}, "Entered twice"),
    ]
