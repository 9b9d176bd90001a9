"""The report's figures about partners (definitions: ../shared/report-2023/metrics.yaml)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wholejourney.core.models import Office
from wholejourney.partners.models import GOVERNMENT_KINDS, Agreement, Organisation, OrganisationKind, active_in
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric


def active_partners(period: Period, office: Office | None, kinds: frozenset[str]) -> QuerySet[Organisation]:
    partners = Organisation.objects.filter(
        pk__in=Organisation.objects.filter(active_in(period.start, period.end)).values("pk")
    )
    partners = partners.filter(kind__in=kinds)
    return partners.filter(office=office) if office else partners


@metric(id="ngo_partners", label=_("NGO and civil-society partners"), section=Sections.CAPACITY,
        definition=_("Partner organisations of the kind NGO/CSO with a partnership active in the period."))  # fmt: skip
def ngo_partners(period: Period, office: Office | None) -> MetricResult:
    partners = active_partners(period, office, frozenset({OrganisationKind.NGO}))
    return MetricResult(partners.count(), partners)


@metric(id="private_partners", label=_("Private employers and store owners helping survivors into work"), section=Sections.CAPACITY,
        definition=_("Partner organisations of the kind private employer with a partnership active in the period."))  # fmt: skip
def private_partners(period: Period, office: Office | None) -> MetricResult:
    partners = active_partners(period, office, frozenset({OrganisationKind.PRIVATE}))
    return MetricResult(partners.count(), partners)


@metric(id="government_partners", label=_("Government partners"), section=Sections.CAPACITY,
        definition=_("Partner organisations that are government bodies with a partnership active in the period."))  # fmt: skip
def government_partners(period: Period, office: Office | None) -> MetricResult:
    partners = active_partners(period, office, GOVERNMENT_KINDS)
    return MetricResult(partners.count(), partners)


@metric(id="new_partnership_agreements", label=_("New partnership agreements with private partners"), section=Sections.CAPACITY,
        definition=_("Partnership agreements with private partners signed in the period."))  # fmt: skip
def new_partnership_agreements(period: Period, office: Office | None) -> MetricResult:
    agreements = Agreement.objects.filter(
        signed_on__gte=period.start, signed_on__lte=period.end, organisation__kind=OrganisationKind.PRIVATE
    )
    if office:
        agreements = agreements.filter(organisation__office=office)
    return MetricResult(agreements.count(), agreements)
