"""The option lists administrators keep without code. Each list's built-in values are its fixed
reporting categories (what the report counts by); an option added here maps to one of them, so a
record with it is counted under that category and the report's figures keep their meaning.

A list names where records keep an added option: beside the category field, a field of its own
(`Organisation.kind` holds the category, `Organisation.kind_option` the option), so every query
of the report reads the category as it always has."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import EconomicServiceKind, LegalServiceKind
from wholejourney.cases.models import AbuseType, PlacementKind, ReferralSource
from wholejourney.partners.models import OrganisationKind


@dataclass(frozen=True)
class OptionList:
    id: str
    label: str | Promise
    categories: type[TextChoices]
    # Where records keep an option of this list: (app_label.Model, the option's field).
    uses: tuple[tuple[str, str], ...]


LISTS: dict[str, OptionList] = {
    option_list.id: option_list
    for option_list in (
        OptionList(
            "partner_kind",
            _("Kinds of partner organisation"),
            OrganisationKind,
            (("partners.Organisation", "kind_option"),),
        ),
        OptionList(
            "legal_service_kind",
            _("Legal and protection services"),
            LegalServiceKind,
            (("care.LegalService", "kind_option"),),
        ),
        OptionList(
            "economic_service_kind",
            _("Economic-empowerment services"),
            EconomicServiceKind,
            (("care.EconomicService", "kind_option"),),
        ),
        OptionList("placement_kind", _("Placements"), PlacementKind, (("cases.Placement", "kind_option"),)),
        OptionList("referral_source", _("Referral sources"), ReferralSource, (("cases.Referral", "source_option"),)),
        OptionList("abuse_type", _("Abuse types"), AbuseType, (("cases.Case", "primary_abuse_type_option"),)),
    )
}
