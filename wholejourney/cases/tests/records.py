"""factory_boy factories for partners, clients, referrals, cases and placements, and helpers that go
through the services where a test is about the rules.

The factories write rows directly (no permission check, no audit row), so a metric test can lay out
any history in a few lines; a service test builds its starting point with them and then calls the
service it is about.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory

from wholejourney.accounts.models import User
from wholejourney.audit.models import AuditEvent
from wholejourney.cases import services
from wholejourney.cases.models import (
    AbuseType,
    Case,
    CaseReopening,
    CaseStatus,
    ClosureReason,
    ClosureRequest,
    FosterFamily,
    Placement,
    PlacementKind,
    Referral,
    ReferralSource,
    TraffickingSubtype,
)
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.core.models import DataKey, Office
from wholejourney.core.tests.factories import OfficeFactory
from wholejourney.partners.models import Organisation, OrganisationKind, PartnershipPeriod


def day(year: int, month: int, dom: int) -> datetime.date:
    return datetime.date(year, month, dom)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    kind = OrganisationKind.NGO
    province = "Phnom Penh"


class PartnershipPeriodFactory(factory.django.DjangoModelFactory[PartnershipPeriod]):
    class Meta:
        model = PartnershipPeriod

    organisation = factory.SubFactory(OrganisationFactory)
    active_from = day(2022, 1, 1)
    active_to = None


class ClientFactory(factory.django.DjangoModelFactory[Client]):
    """A client row with its own data key. Codes use a TEST series so they never meet the service's."""

    class Meta:
        model = Client

    office = factory.SubFactory(OfficeFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.office.code}-TEST-{n:05d}")
    data_key = factory.LazyFunction(DataKey.create)
    given_name_latin = "Srey"
    family_name_latin = factory.Sequence(lambda n: f"Mao{n}")


class FosterFamilyFactory(factory.django.DjangoModelFactory[FosterFamily]):
    class Meta:
        model = FosterFamily

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Foster family {n}")
    approved_on = day(2021, 6, 1)


class ReferralFactory(factory.django.DjangoModelFactory[Referral]):
    """An incoming referral from a partner organisation of the same office, waiting for a decision."""

    class Meta:
        model = Referral

    office = factory.SubFactory(OfficeFactory)
    direction = Referral.Direction.INCOMING
    source = ReferralSource.ORGANISATION
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda o: o.source == ReferralSource.ORGANISATION),
        yes_declaration=factory.SubFactory(OrganisationFactory, office=factory.SelfAttribute("..office")),
        no_declaration=None,
    )
    referred_on = day(2023, 3, 1)
    person = factory.LazyFunction(lambda: {"name": "Srey Mao"})
    status = Referral.Status.RECEIVED


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case written directly. Give `closed_on` for a closed case (reason: goals achieved unless given)."""

    class Meta:
        model = Case

    client = factory.SubFactory(ClientFactory)
    office = factory.SelfAttribute("client.office")
    team = factory.SelfAttribute("client.team")
    case_manager = factory.SelfAttribute("client.case_manager")
    opened_on = day(2023, 3, 1)
    primary_abuse_type = AbuseType.HUMAN_TRAFFICKING
    trafficking_subtype = factory.LazyAttribute(
        lambda o: TraffickingSubtype.LABOUR if o.primary_abuse_type == AbuseType.HUMAN_TRAFFICKING else ""
    )
    closed_on = None
    status = factory.LazyAttribute(lambda o: CaseStatus.CLOSED if o.closed_on else CaseStatus.OPEN)
    closure_reason = factory.LazyAttribute(lambda o: ClosureReason.GOALS_ACHIEVED if o.closed_on else "")
    referral = None


class PlacementFactory(factory.django.DjangoModelFactory[Placement]):
    """A placement [start, end) of the case's client; foster care and another organisation's shelter
    get their family or organisation in the case's office."""

    class Meta:
        model = Placement

    case = factory.SubFactory(CaseFactory)
    client = factory.SelfAttribute("case.client")
    kind = PlacementKind.SHELTER
    start = factory.SelfAttribute("case.opened_on")
    end = None
    foster_family = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == PlacementKind.FOSTER_CARE),
        yes_declaration=factory.SubFactory(FosterFamilyFactory, office=factory.SelfAttribute("..case.office")),
        no_declaration=None,
    )
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == PlacementKind.OTHER_SHELTER),
        yes_declaration=factory.SubFactory(OrganisationFactory, office=factory.SelfAttribute("..case.office")),
        no_declaration=None,
    )


def referred_case(*, office: Office, kind: str, opened_on: datetime.date, **case: Any) -> Case:
    """A case opened from an accepted referral by an organisation of `kind`."""
    referral = ReferralFactory(
        office=office,
        organisation__kind=kind,
        referred_on=opened_on,
        status=Referral.Status.ACCEPTED,
    )
    return CaseFactory(client__office=office, referral=referral, opened_on=opened_on, **case)


# --- through the services ----------------------------------------------------------------------


def register(actor: User, **identity: Any) -> Client:
    """A client registered by `actor` in their office and team, as the registration page does."""
    identity.setdefault("given_name_latin", "Dara")
    identity.setdefault("family_name_latin", "Chan")
    identity.setdefault("sex", "female")
    if "birth_year" not in identity:
        identity.setdefault("date_of_birth", datetime.date(1995, 6, 1))  # an adult: the clock needs 6 months
    return client_services.client_create(
        actor=actor, office=actor.office, team=actor.team, case_manager=actor, **identity
    )


def open_case(
    actor: User,
    client: Client | None = None,
    *,
    opened_on: datetime.date = datetime.date(2023, 3, 1),
    abuse_type: str = AbuseType.SEXUAL_ABUSE,
) -> Case:
    """A case opened through `case_open` (registering a client in the actor's caseload if none given)."""
    client = client or register(actor)
    return services.case_open(actor=actor, client=client, opened_on=opened_on, primary_abuse_type=abuse_type)


def close_case(
    case: Case,
    *,
    requested_by: User,
    approved_by: User,
    closing_date: datetime.date,
    reason: str = ClosureReason.MOVED_AWAY,
) -> Case:
    """A closure requested and approved through the services."""
    request = services.closure_request(actor=requested_by, case=case, closing_date=closing_date, reason=reason)
    return services.closure_decide(actor=approved_by, request=request, approve=True)


def record_counts() -> dict[str, int]:
    """How many rows each casework table holds: equal before and after a refused call means
    nothing was half-saved."""
    models = (Client, Case, Placement, Referral, ClosureRequest, CaseReopening, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}
