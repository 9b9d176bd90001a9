"""Every audited service writes its audit row inside its own transaction: when the audit row cannot
be written, the service fails and leaves nothing behind — no new row, no changed row, anywhere."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError
from django.utils import timezone

from wholejourney.accounts import services as account_services
from wholejourney.accounts.roles import Role
from wholejourney.api import services as api_services
from wholejourney.api.models import ApiToken
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.care.models import Domain
from wholejourney.care.tests.records import staff
from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, ClosureReason, PlacementKind
from wholejourney.cases.tests.factories import OrganisationFactory, make_case, make_client
from wholejourney.clients import services as client_services
from wholejourney.clients.models import ConsentKind
from wholejourney.conftest import Cast
from wholejourney.exports import services as export_services
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.tests.records import STABLE, answers, assess, client_in_care, days_ago
from wholejourney.partners import services as partner_services
from wholejourney.programmes import services as programme_services
from wholejourney.programmes.models import ActivityKind
from wholejourney.programmes.tests.factories import prevention_officer
from wholejourney.reporting import services as reporting_services
from wholejourney.reporting.registry import Period

Act = Callable[[], object]


# --- each service, with valid arguments: arrange what it needs, return the call -----------------


def arrange_user_create(cast: Cast) -> Act:
    return lambda: account_services.user_create(
        actor=cast.admin, username="newperson", password="a-long-enough-passphrase", office=cast.kh,
        roles=[Role.COUNSELOR],
    )  # fmt: skip


def arrange_user_update(cast: Cast) -> Act:
    return lambda: account_services.user_update(
        actor=cast.admin, user=cast.colleague, first_name="Renamed", last_name=cast.colleague.last_name, email="",
        office=cast.kh, team=cast.other_team, roles=[Role.CASE_MANAGER, Role.COUNSELOR], language="km",
        is_active=True,
    )  # fmt: skip


def arrange_client_create(cast: Cast) -> Act:
    return lambda: client_services.client_create(
        actor=cast.case_manager, office=cast.kh, team=cast.team, case_manager=cast.case_manager,
        given_name_latin="Dara", family_name_latin="Sok", sex="female", birth_year=1990,
    )  # fmt: skip


def arrange_client_update_identity(cast: Cast) -> Act:
    client = make_client(cast.case_manager)
    return lambda: client_services.client_update_identity(
        actor=cast.case_manager, client=client, given_name_latin="Dara", birth_year=2008
    )


def arrange_consent_record(cast: Cast) -> Act:
    client = make_client(cast.case_manager)
    return lambda: client_services.consent_record(
        actor=cast.case_manager, client=client, kind=ConsentKind.STORY, given_on=days_ago(1), pseudonym="Kolap"
    )


def arrange_referral_receive(cast: Cast) -> Act:
    organisation = OrganisationFactory(office=cast.kh)
    return lambda: case_services.referral_receive(
        actor=cast.case_manager, office=cast.kh, organisation=organisation, referred_on=days_ago(1),
        person={"name": "Sok Dara", "age": 15}, reason="Found at the border",
    )  # fmt: skip


def arrange_case_open(cast: Cast) -> Act:
    client = make_client(cast.case_manager)
    return lambda: case_services.case_open(
        actor=cast.case_manager, client=client, opened_on=days_ago(10), primary_abuse_type=AbuseType.SEXUAL_ABUSE
    )


def arrange_case_transfer(cast: Cast) -> Act:
    case = make_case(cast.case_manager, opened_on=days_ago(100))
    return lambda: case_services.case_transfer(
        actor=cast.case_manager, case=case, team=cast.other_team, case_manager=cast.other_team_colleague
    )


def arrange_placement_add(cast: Cast) -> Act:
    case = make_case(cast.case_manager, opened_on=days_ago(100))
    case_services.placement_add(actor=cast.case_manager, case=case, kind=PlacementKind.SHELTER, start=days_ago(90))
    # Moving in with relatives also ends the shelter placement.
    return lambda: case_services.placement_add(
        actor=cast.case_manager, case=case, kind=PlacementKind.RELATIVES, start=days_ago(30)
    )


def arrange_closure_request(cast: Cast) -> Act:
    case = make_case(cast.case_manager, opened_on=days_ago(100))
    return lambda: case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(10), reason=ClosureReason.MOVED_AWAY
    )


def arrange_care_plan_draft(cast: Cast) -> Act:
    _client, case = client_in_care(cast)
    return lambda: care_services.care_plan_draft(
        actor=cast.case_manager, case=case, drafted_on=days_ago(60), next_review_on=days_ago(-30),
        goals=[{"domain": domain, "goal": f"A goal in {domain}"} for domain in Domain.values],
    )  # fmt: skip


def arrange_counseling_session_record(cast: Cast) -> Act:
    client, _case = client_in_care(cast)
    counselor = staff(cast, Role.COUNSELOR)
    return lambda: care_services.counseling_session_record(
        actor=counselor, held_on=days_ago(10), attendees=[client], notes={client.pk: "Talked about home."}
    )


def arrange_visit_record(cast: Cast) -> Act:
    client, _case = client_in_care(cast)
    return lambda: care_services.visit_record(
        actor=cast.case_manager, client=client, mode="home", visited_on=days_ago(2)
    )


def arrange_economic_service_record(cast: Cast) -> Act:
    client, _case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    return lambda: care_services.economic_service_record(
        actor=officer, client=client, kind="career_coaching", provided_on=days_ago(4)
    )


def arrange_assessment_record(cast: Cast) -> Act:
    client, _case = client_in_care(cast)
    scores = answers(STABLE)
    return lambda: outcome_services.assessment_record(
        actor=cast.case_manager, client=client, assessed_on=days_ago(30), answers=scores
    )


def arrange_crisis_record(cast: Cast) -> Act:
    client, _case = client_in_care(cast)
    assess(cast.case_manager, client, 60)  # a running clock, which the crisis resets
    return lambda: outcome_services.crisis_record(
        actor=cast.case_manager, client=client, occurred_on=days_ago(5), domains=["wellbeing"], severity="severe",
        what_happened="Ran away from the shelter after a call from the trafficker.",
    )  # fmt: skip


def arrange_organisation_save(cast: Cast) -> Act:
    organisation = OrganisationFactory(office=cast.kh, name="Friends NGO")

    def rename() -> object:
        organisation.name = "Friends International"
        return partner_services.organisation_save(
            actor=cast.director, organisation=organisation, changed_fields=["name"]
        )

    return rename


def arrange_partnership_period_add(cast: Cast) -> Act:
    organisation = OrganisationFactory(office=cast.kh)
    return lambda: partner_services.partnership_period_add(
        actor=cast.director, organisation=organisation, active_from=datetime.date(2023, 1, 1)
    )


def arrange_activity_record(cast: Cast) -> Act:
    officer = prevention_officer(cast.kh)
    return lambda: programme_services.activity_record(
        actor=officer, office=cast.kh, kind=ActivityKind.PREVENTION_TRAINING, held_on=days_ago(3), place="Prey Chhor"
    )


def arrange_export_request(cast: Cast) -> Act:
    return lambda: export_services.export_request(
        actor=cast.case_manager, kind="clients", format="xlsx", identifying=True
    )


def arrange_token_create(cast: Cast) -> Act:
    return lambda: api_services.token_create(actor=cast.case_manager, name="laptop", scope=ApiToken.Scope.READ, days=30)


def arrange_token_revoke(cast: Cast) -> Act:
    token, _secret = token_for(cast.case_manager)
    return lambda: api_services.token_revoke(actor=cast.case_manager, token=token)


def arrange_narrative_save(cast: Cast) -> Act:
    return lambda: reporting_services.narrative_save(
        actor=cast.director, office=cast.kh, period=Period.year(timezone.localdate().year - 1), language="en",
        letter="Dear supporters,\nthank you.", signature="Country Director", introductions={"heal": "We helped."},
    )  # fmt: skip


SERVICES = [
    arrange_user_create,
    arrange_user_update,
    arrange_client_create,
    arrange_client_update_identity,
    arrange_consent_record,
    arrange_referral_receive,
    arrange_case_open,
    arrange_case_transfer,
    arrange_placement_add,
    arrange_closure_request,
    arrange_care_plan_draft,
    arrange_counseling_session_record,
    arrange_visit_record,
    arrange_economic_service_record,
    arrange_assessment_record,
    arrange_crisis_record,
    arrange_organisation_save,
    arrange_partnership_period_add,
    arrange_activity_record,
    arrange_export_request,
    arrange_token_create,
    arrange_token_revoke,
    arrange_narrative_save,
]


def _service_name(arrange: Callable[[Cast], Act]) -> str:
    return arrange.__name__.removeprefix("arrange_")


def _every_row() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as stored (encrypted values as their ciphertext)."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _tables_changed(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def _audit_table_unavailable(self: AuditEvent, *args: object, **kwargs: object) -> None:
    raise DatabaseError("audit table unavailable")


@pytest.mark.django_db
@pytest.mark.parametrize("arrange", SERVICES, ids=_service_name)
def test_a_service_whose_audit_row_cannot_be_written_changes_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, arrange: Callable[[Cast], Act]
) -> None:
    call = arrange(cast)
    before = _every_row()
    monkeypatch.setattr(AuditEvent, "save", _audit_table_unavailable)

    with pytest.raises(DatabaseError, match="audit table unavailable"):
        call()

    assert _tables_changed(before, _every_row()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("arrange", SERVICES, ids=_service_name)
def test_a_service_called_as_above_writes_its_records_and_an_audit_row(
    cast: Cast, arrange: Callable[[Cast], Act]
) -> None:
    """What the test above expects to be rolled back is there when the audit row is written."""
    call = arrange(cast)
    before = _every_row()

    call()

    changed = _tables_changed(before, _every_row())
    assert "audit.auditevent" in changed
    assert set(changed) - {"audit.auditevent", "audit.auditchainhead"}
