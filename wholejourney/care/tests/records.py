"""Clients in care and their records, made through the services, for the care pages' tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.roles import Role
from wholejourney.care import services
from wholejourney.care.models import CarePlan, CounselingSession, Domain, LegalCase, Training, TreatmentPlan
from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, Case, ClosureReason
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import make_user
from wholejourney.partners.models import Organisation, OrganisationKind


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def staff(cast: Cast, role: Role, *, team: Team | None = None, office: Office | None = None, **kwargs: Any) -> User:
    """A member of the cast's team (or of `team`), in KH unless `office` says otherwise."""
    return make_user(role, office=office or cast.kh, team=team or cast.team, **kwargs)


def client_in_care(
    cast: Cast,
    *,
    opened_days_ago: int = 365,
    team: Team | None = None,
    case_manager: User | None = None,
    name: str = "Sokha",
) -> tuple[Client, Case]:
    """A KH client of the cast's team (case manager: cast.case_manager) with a case opened a year ago."""
    team = team or cast.team
    client = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=team,
        case_manager=case_manager or (cast.case_manager if team == cast.team else None),
        given_name_latin=name,
        family_name_latin="Test",
        sex="female",
        date_of_birth=datetime.date(1995, 6, 1),
    )
    case = case_services.case_open(
        actor=cast.director,
        client=client,
        opened_on=days_ago(opened_days_ago),
        primary_abuse_type=AbuseType.HUMAN_TRAFFICKING,
    )
    return client, case


def close_case(cast: Cast, case: Case, *, closed_days_ago: int) -> Case:
    request = case_services.closure_request(
        actor=cast.case_manager,
        case=case,
        closing_date=days_ago(closed_days_ago),
        reason=ClosureReason.MOVED_AWAY,
    )
    return case_services.closure_decide(actor=cast.director, request=request, approve=True)


def session_for(counselor: User, *clients: Client, days: int = 10, note: str = "") -> CounselingSession:
    return services.counseling_session_record(
        actor=counselor,
        held_on=days_ago(days),
        attendees=list(clients),
        format="group" if len(clients) > 1 else "individual",
        notes={client.pk: note for client in clients} if note else None,
    )


def business(office: Office, name: str = "Sunrise Garments") -> Organisation:
    return Organisation.objects.create(office=office, name=name, kind=OrganisationKind.PRIVATE)


def ngo(office: Office, name: str = "Friends NGO") -> Organisation:
    return Organisation.objects.create(office=office, name=name, kind=OrganisationKind.NGO)


# --- one object of each kind with its own page, for the URL walk ------------------------------


def kh_client(cast: Cast) -> Client:
    return client_in_care(cast, name="Outsidercheck")[0]


def kh_session(cast: Cast) -> CounselingSession:
    client, _case = client_in_care(cast)
    return session_for(staff(cast, Role.COUNSELOR), client, note="private")


def kh_legal_case(cast: Cast) -> LegalCase:
    client, _case = client_in_care(cast)
    return services.legal_case_open(
        actor=staff(cast, Role.LEGAL_OFFICER), client=client, kind=LegalCase.Kind.CRIMINAL, opened_on=days_ago(30)
    )


def kh_training(cast: Cast) -> Training:
    client, _case = client_in_care(cast)
    return services.training_start(
        actor=staff(cast, Role.ECONOMIC_OFFICER),
        client=client,
        kind=Training.Kind.ON_THE_JOB,
        organisation=business(cast.kh),
        start=days_ago(60),
    )


def kh_treatment_plan(cast: Cast) -> TreatmentPlan:
    client, _case = client_in_care(cast)
    return services.treatment_plan_start(
        actor=staff(cast, Role.COUNSELOR), client=client, started_on=days_ago(60), components=["psychoeducation"]
    )


def kh_care_plan(cast: Cast, *, drafted_days_ago: int = 60, review_days_ago: int = -30) -> CarePlan:
    _client, case = client_in_care(cast)
    return services.care_plan_draft(
        actor=cast.case_manager,
        case=case,
        drafted_on=days_ago(drafted_days_ago),
        next_review_on=days_ago(review_days_ago),
        goals=[{"domain": domain, "goal": f"A goal in {domain}"} for domain in Domain.values],
    )
