"""Partner organisations: their kinds as the report groups them, and partnership periods."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from wholejourney.cases.tests.records import OrganisationFactory, PartnershipPeriodFactory, day
from wholejourney.core.tests.factories import OfficeFactory
from wholejourney.partners.models import GOVERNMENT_KINDS, Organisation, OrganisationKind, active_in

pytestmark = pytest.mark.django_db


def active_in_2023() -> set[str]:
    return set(
        Organisation.objects.filter(active_in(day(2023, 1, 1), day(2023, 12, 31)))
        .distinct()
        .values_list("name", flat=True)
    )


def test_government_kinds_are_ministry_provincial_authority_ccwc_and_police() -> None:
    assert set(GOVERNMENT_KINDS) == {"government_ministry", "provincial_authority", "ccwc", "police"}


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_organisation_is_government_only_for_government_kinds(kind: str) -> None:
    organisation = Organisation(kind=kind)

    assert organisation.is_government == (kind in GOVERNMENT_KINDS)
    assert organisation.is_business == (kind == OrganisationKind.PRIVATE)


def test_active_in_counts_partnership_touching_period_on_either_edge() -> None:
    PartnershipPeriodFactory(
        organisation__name="ended on new year", active_from=day(2021, 1, 1), active_to=day(2023, 1, 1)
    )
    PartnershipPeriodFactory(organisation__name="began on new year's eve", active_from=day(2023, 12, 31))
    PartnershipPeriodFactory(organisation__name="open since 2020", active_from=day(2020, 5, 1), active_to=None)

    assert active_in_2023() == {"ended on new year", "began on new year's eve", "open since 2020"}


def test_active_in_leaves_out_partnership_outside_period() -> None:
    PartnershipPeriodFactory(organisation__name="ended 2022", active_from=day(2021, 1, 1), active_to=day(2022, 12, 31))
    PartnershipPeriodFactory(organisation__name="begins 2024", active_from=day(2024, 1, 1))
    OrganisationFactory(name="never a partner")

    assert active_in_2023() == set()


def test_active_in_counts_organisation_with_two_periods_once_with_distinct() -> None:
    organisation = OrganisationFactory(name="twice")
    PartnershipPeriodFactory(organisation=organisation, active_from=day(2023, 1, 1), active_to=day(2023, 3, 1))
    PartnershipPeriodFactory(organisation=organisation, active_from=day(2023, 6, 1))

    assert Organisation.objects.filter(active_in(day(2023, 1, 1), day(2023, 12, 31))).distinct().count() == 1


def test_partnership_period_cannot_end_before_it_starts() -> None:
    organisation = OrganisationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PartnershipPeriodFactory(organisation=organisation, active_from=day(2023, 5, 1), active_to=day(2023, 4, 30))

    assert organisation.periods.count() == 0


def test_organisation_name_is_unique_within_office_only() -> None:
    kh, vn = OfficeFactory(code="KH"), OfficeFactory(code="VN")
    OrganisationFactory(office=kh, name="Police of Poipet")

    OrganisationFactory(office=vn, name="Police of Poipet")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(office=kh, name="Police of Poipet")

    assert Organisation.objects.filter(name="Police of Poipet").count() == 2
