"""Case records people can correct (core.corrections): a case's details, a placement and an
incoming referral, with the rules their creating services apply."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.cases.forms import BLANK, PlacementForm, ReferralReceiveForm
from wholejourney.cases.models import (
    AbuseType,
    Case,
    FosterFamily,
    Placement,
    PlacementKind,
    Referral,
    TraffickingSubtype,
)
from wholejourney.cases.services import not_in_future
from wholejourney.core.corrections.registry import CorrectableKind, register
from wholejourney.core.dates import shown
from wholejourney.core.forms import DayField, no_future_dates
from wholejourney.options.selectors import settle
from wholejourney.partners.models import Organisation


def _client_page(record: Any) -> str:
    return reverse("clients:detail", kwargs={"pk": record.client_id})


# --- a case's details ------------------------------------------------------------------------


class CaseDetailsForm(forms.Form):
    opened_on = DayField(label=_("Opening date"))
    primary_abuse_type = forms.ChoiceField(label=_("Primary abuse type"), choices=BLANK + AbuseType.choices)
    trafficking_subtype = forms.ChoiceField(
        label=_("Kind of trafficking"),
        choices=BLANK + TraffickingSubtype.choices,
        required=False,
        help_text=_("Only for human trafficking."),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "opened_on")


def _case_check(case: Case) -> None:
    settle(case, "abuse_type", "primary_abuse_type", "primary_abuse_type_option")  # wholejourney.options
    not_in_future(case.opened_on, "opened_on")
    if case.primary_abuse_type != AbuseType.HUMAN_TRAFFICKING:
        case.trafficking_subtype = ""
    earlier = Case.objects.filter(client_id=case.client_id, opened_on__lt=case.opened_on).exclude(pk=case.pk)
    last = earlier.order_by("-opened_on").first()
    if last is not None and last.closed_on is not None and case.opened_on <= last.closed_on:
        raise ValidationError({"opened_on": _("A new case must open after the previous one closed.")})


register(
    CorrectableKind(
        key="case",
        model=Case,
        label=gettext_lazy("case details"),
        fields=("opened_on", "primary_abuse_type", "trafficking_subtype", "summary"),
        form=lambda record, data: CaseDetailsForm(data),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_client_page,
        case=lambda case: case,
        author_id=lambda case: None,
        office_id=lambda case: case.office_id,
        check=_case_check,
        identifying=("summary",),
    )
)


# --- placements ------------------------------------------------------------------------------


class PlacementCorrectionForm(PlacementForm):
    end = DayField(label=_("Moved out on"), required=False)


def placement_check(placement: Placement) -> None:
    """The rules of a corrected placement (cases.services.placement_add's), its own dates apart."""
    settle(placement, "placement_kind")  # an added kind of placement (wholejourney.options)
    case = placement.case
    not_in_future(placement.start, "start")
    not_in_future(placement.end, "end")
    if placement.start < case.opened_on:
        raise ValidationError(
            {
                "start": _("The placement cannot start before the case opened (%(date)s).")
                % {"date": shown(case.opened_on)}
            }
        )
    if placement.end is not None and placement.end <= placement.start:
        raise ValidationError({"end": _("The placement must end after it starts.")})
    if placement.kind == PlacementKind.FOSTER_CARE and placement.foster_family is None:
        raise ValidationError({"foster_family": _("Choose the foster family.")})
    if placement.kind == PlacementKind.OTHER_SHELTER and placement.organisation is None:
        raise ValidationError({"organisation": _("Choose the organisation whose shelter it is.")})
    if placement.kind != PlacementKind.FOSTER_CARE:
        placement.foster_family = None
    if placement.kind != PlacementKind.OTHER_SHELTER:
        placement.organisation = None
    other = (
        Placement.objects.filter(client_id=placement.client_id, start__lt=placement.end or datetime.date.max)
        .exclude(end__lte=placement.start)
        .exclude(pk=placement.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            _("The client already has a placement from %(start)s to %(end)s that overlaps these dates.")
            % {"start": shown(other.start), "end": shown(other.end) if other.end else _("now")}
        )


register(
    CorrectableKind(
        key="placement",
        model=Placement,
        label=gettext_lazy("placement"),
        fields=("kind", "start", "end", "foster_family", "organisation"),
        form=lambda record, data: PlacementCorrectionForm(
            data,
            families=FosterFamily.objects.filter(office_id=record.client.office_id),
            organisations=Organisation.objects.filter(office_id=record.client.office_id),
        ),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=_client_page,
        author_id=lambda placement: None,
        check=placement_check,
    )
)


# --- incoming referrals ------------------------------------------------------------------------


def _referral_form(referral: Referral) -> dict[str, Any]:
    person = referral.person or {}
    return {
        "referred_on": referral.referred_on,
        "source": referral.source,
        "organisation": referral.organisation,
        "urgency": referral.urgency,
        "reason": referral.reason,
        "person_name": person.get("name", ""),
        "person_age": person.get("age"),
        "person_phone": person.get("phone", ""),
        "person_location": person.get("location", ""),
    }


def _referral_changes(referral: Referral, cleaned: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {
        name: cleaned[name]
        for name in ("referred_on", "source", "organisation", "urgency", "reason")
        if name in cleaned
    }
    if any(name.startswith("person_") for name in cleaned):
        form = ReferralReceiveForm(organisations=Organisation.objects.none())
        form.cleaned_data = {**_referral_form(referral), **cleaned}
        changes["person"] = {**(referral.person or {}), **form.person()}
    return changes


def _referral_check(referral: Referral) -> None:
    if referral.direction != Referral.Direction.INCOMING:
        raise ValidationError(_("Only a referral received by the office can be corrected here."))
    settle(referral, "referral_source", "source", "source_option")  # wholejourney.options
    not_in_future(referral.referred_on, "referred_on")


register(
    CorrectableKind(
        key="referral",
        model=Referral,
        label=gettext_lazy("referral"),
        fields=("referred_on", "source", "organisation", "urgency", "reason", "person"),
        form=lambda record, data: ReferralReceiveForm(
            data, organisations=Organisation.objects.filter(office_id=record.office_id)
        ),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=lambda referral: reverse("cases:referral_detail", kwargs={"pk": referral.pk}),
        client=lambda referral: referral.client,
        case=lambda referral: None,
        author_id=lambda referral: referral.submitted_by_id,
        office_id=lambda referral: referral.office_id,
        check=_referral_check,
        identifying=("reason", "person"),
        to_form=_referral_form,
        from_form=_referral_changes,
    )
)
