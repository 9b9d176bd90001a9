"""Factories for partners, clients, referrals, cases and placements. Records that carry rules
(clients, cases, closures, placements) are made through the services, so they are always valid."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from wholejourney.accounts.models import User
from wholejourney.cases import services
from wholejourney.cases.models import AbuseType, Case, ClosureReason, ClosureRequest, Placement, PlacementKind, Referral
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client, ConsentKind
from wholejourney.core.tests.factories import OfficeFactory
from wholejourney.partners.models import Organisation, OrganisationKind, PartnershipPeriod

DAY = datetime.date(2024, 3, 1)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = OrganisationKind.NGO
    province = "Phnom Penh"


class PartnershipPeriodFactory(factory.django.DjangoModelFactory[PartnershipPeriod]):
    class Meta:
        model = PartnershipPeriod

    organisation = factory.SubFactory(OrganisationFactory)
    active_from = datetime.date(2020, 1, 1)
    active_to = None


def make_client(actor: User, **identity: Any) -> Client:
    """A client in the actor's office, team and caseload."""
    identity.setdefault("family_name_latin", "Chan")
    identity.setdefault("given_name_latin", "Sophea")
    identity.setdefault("sex", "female")
    if "birth_year" not in identity:
        identity.setdefault("date_of_birth", datetime.date(1995, 6, 1))
    return client_services.client_create(
        actor=actor, office=actor.office, team=actor.team, case_manager=actor, **identity
    )


def make_referral(actor: User, *, organisation: Organisation | None = None, **kwargs: Any) -> Referral:
    """An incoming referral, received by staff (from `organisation`) or by a partner referrer."""
    kwargs.setdefault("referred_on", DAY)
    kwargs.setdefault("person", {"name": "Sok Dara", "age": 15})
    kwargs.setdefault("reason", "Found at the border")
    if organisation is None and actor.partner_organisation is None:
        organisation = OrganisationFactory(office=actor.office)
    office = actor.partner_organisation.office if actor.partner_organisation is not None else actor.office
    return services.referral_receive(actor=actor, office=office, organisation=organisation, **kwargs)


def make_case(actor: User, client: Client | None = None, *, opened_on: datetime.date = DAY, **kwargs: Any) -> Case:
    kwargs.setdefault("primary_abuse_type", AbuseType.SEXUAL_ABUSE)
    return services.case_open(
        actor=actor,
        client=client or make_client(actor),
        opened_on=opened_on,
        team=actor.team,
        case_manager=actor,
        **kwargs,
    )


def make_closure_request(actor: User, case: Case | None = None) -> ClosureRequest:
    case = case or make_case(actor)
    return services.closure_request(
        actor=actor,
        case=case,
        closing_date=case.opened_on + datetime.timedelta(days=30),
        reason=ClosureReason.MOVED_AWAY,
    )


def make_placement(actor: User, case: Case | None = None, *, kind: str = PlacementKind.SHELTER) -> Placement:
    case = case or make_case(actor)
    return services.placement_add(actor=actor, case=case, kind=kind, start=case.opened_on)


def make_outgoing_referral(actor: User, client: Client | None = None) -> Referral:
    client = client or make_client(actor)
    organisation = OrganisationFactory(office=client.office)
    client_services.consent_record(
        actor=actor, client=client, kind=ConsentKind.SHARING, partner=organisation, given_on=DAY, how_given="signed"
    )
    return services.referral_send(actor=actor, client=client, organisation=organisation, referred_on=DAY)
