"""Forms of the referral, case, closure and placement pages. They check shape; the services check
the rules (dates, overlaps, who may) and their messages are shown on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.models import Team, User
from wholejourney.cases.models import (
    ClosureReason,
    FosterFamily,
    Referral,
    ReferralOutcome,
    ReferralSource,
    ServiceAsked,
    TraffickingSubtype,
    Urgency,
)
from wholejourney.clients.forms import StaffChoiceField
from wholejourney.clients.models import Client
from wholejourney.core.forms import DayField, no_future_dates
from wholejourney.core.models import Office
from wholejourney.options.selectors import choices as option_choices
from wholejourney.partners.models import Organisation

BLANK: list[tuple[str, Any]] = [("", "—")]


def _date(label: Any, *, today: bool = True, required: bool = True) -> DayField:
    return DayField(label=label, required=required, initial=timezone.localdate if today else None)


def _text(label: Any, *, required: bool = False, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class _CaseAssignment(forms.Form):
    """Team and case manager, chosen among the office's."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    case_manager = StaffChoiceField(label=_("Case manager"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, teams: Any, case_managers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["case_manager"].queryset = case_managers  # type: ignore[attr-defined]


class _CaseOpening(_CaseAssignment):
    opened_on = _date(_("Opening date"))
    primary_abuse_type = forms.ChoiceField(
        label=_("Primary abuse type"),
        # The built-in types, then those administrators added (wholejourney.options), read when shown.
        choices=lambda: BLANK + option_choices("abuse_type"),
        error_messages={"required": _("Choose the primary abuse type.")},
    )
    trafficking_subtype = forms.ChoiceField(
        label=_("Kind of trafficking"),
        choices=BLANK + TraffickingSubtype.choices,
        required=False,
        help_text=_("Only for human trafficking."),
    )
    field_order = ["opened_on", "primary_abuse_type", "trafficking_subtype", "team", "case_manager"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "opened_on")


class CaseOpenForm(_CaseOpening):
    pass


class CaseTransferForm(_CaseAssignment):
    pass


class ClosureRequestForm(forms.Form):
    closing_date = _date(_("Closing date"))
    reason = forms.ChoiceField(
        label=_("Reason for closing"),
        choices=BLANK + ClosureReason.choices,
        error_messages={"required": _("Choose the reason for closing the case.")},
    )
    note = _text(_("Note for the approver"))
    clock_override = forms.BooleanField(
        label=_("Close as “goals achieved” although the stability clock does not show the client whole"),
        required=False,
    )
    clock_override_reason = _text(
        _("Why close as “goals achieved” now?"),
        help_text=_("Needed with the override; your supervisor or the director reads it before deciding."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "closing_date")


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))], widget=forms.HiddenInput)
    comment = _text(
        _("Comment"), rows=2, help_text=_("Required when you return the request: say what the case manager should do.")
    )


class CaseReopenForm(forms.Form):
    reopened_on = _date(_("Reopening date"))
    reason = _text(_("Why is the case reopened?"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "reopened_on")


class FosterFamilyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PlacementForm(forms.Form):
    """Where the client lives from a date. Their current placement ends that day: one move, one form."""

    kind = forms.ChoiceField(
        label=_("Where does the client live?"),
        # The built-in kinds, then those administrators added (wholejourney.options), read when shown.
        choices=lambda: BLANK + option_choices("placement_kind"),
        error_messages={"required": _("Choose where the client lives.")},
    )
    start = _date(_("From"))
    foster_family = FosterFamilyChoiceField(
        label=_("Foster family"),
        queryset=FosterFamily.objects.none(),
        required=False,
        help_text=_("For foster care."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("For another organisation's shelter."),
    )

    def __init__(self, *args: Any, families: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["foster_family"].queryset = families  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        no_future_dates(self, "start")


class PlacementEndForm(forms.Form):
    end = _date(_("Moved out on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "end")


# --- referrals -------------------------------------------------------------------------------


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (Referral.Status.RECEIVED, _("Waiting for a decision"))]
        + [(s.value, s.label) for s in (Referral.Status.ACCEPTED, Referral.Status.DECLINED)],
    )


class _PersonFields(forms.Form):
    """The referred person as the referrer describes them. Encrypted when saved."""

    person_name = forms.CharField(
        label=_("Name of the person"),
        max_length=200,
        help_text=_("Or a name they are known by."),
        error_messages={"required": _("Give the referred person's name, or a name they are known by.")},
    )
    person_age = forms.IntegerField(
        label=_("Age"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    person_phone = forms.CharField(
        label=_("Phone number"), max_length=40, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    person_location = forms.CharField(
        label=_("Where the person is now"),
        max_length=300,
        required=False,
        help_text=_("Village, commune, district or province."),
    )
    reason = _text(_("Reason for the referral"), help_text=_("What happened, and what help is needed."))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    referred_on = _date(_("Date of referral"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "referred_on")

    def person(self) -> dict[str, Any]:
        data = self.cleaned_data
        person: dict[str, Any] = {"name": data["person_name"].strip()}
        if data["person_age"] is not None:
            person["age"] = data["person_age"]
        for key in ("phone", "location"):
            if data[f"person_{key}"].strip():
                person[key] = data[f"person_{key}"].strip()
        return person


class PartnerReferralForm(_PersonFields):
    """A partner referrer's referral: for their own organisation, so no organisation to choose."""


class ReferralReceiveForm(_PersonFields):
    """An incoming referral taken by intake staff (by phone, letter or in person)."""

    source = forms.ChoiceField(
        label=_("Referred by"),
        choices=lambda: option_choices("referral_source"),  # with those administrators added
        initial=ReferralSource.ORGANISATION,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("When a partner organisation referred the person."),
    )
    field_order = ["referred_on", "source", "organisation", "urgency"]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ClientChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.display_name}"


class ReferralAcceptForm(_CaseOpening):
    """Accept a referral: link a client found by the search, or register the person (the identity
    form beside this one), and open their case."""

    client = ClientChoiceField(
        label=_("The referred person is"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("Someone new: register them"),
        widget=forms.RadioSelect,
        blank=True,
    )
    duplicate_reason = forms.CharField(
        label=_("Reason for registering despite a possible match"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when you register someone new although the search found a possible match."),
    )
    field_order = ["client", *_CaseOpening.field_order, "duplicate_reason"]

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = candidates  # type: ignore[attr-defined]


class ReferralDeclineForm(forms.Form):
    note = _text(
        _("Why is the referral declined?"),
        required=True,
        error_messages={"required": _("Say why the referral is declined.")},
    )


class ReferralSendForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Refer to"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choose the organisation.")},
    )
    service_asked = forms.ChoiceField(
        label=_("Service asked for"),
        choices=BLANK + ServiceAsked.choices,
        error_messages={"required": _("Choose the service asked for.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        help_text=_("The partner is asked to answer the same day, within 3 days or within a week."),
    )
    referred_on = _date(_("Date of referral"))
    reason = _text(_("Reason for the referral"))
    consent_override_reason = _text(
        _("Without the client's consent, because"),
        rows=2,
        help_text=_(
            "Only the director, and only when the client has not agreed to share with this partner: why the "
            "referral must go anyway. It is recorded and shown on the client's record."
        ),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        no_future_dates(self, "referred_on")


class OutgoingStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label) for s in (Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.COMPLETED)
        ],
        widget=forms.HiddenInput,
    )


class PartnerAnswerForm(forms.Form):
    """A partner's answer to a referral sent to it: accept, or decline with the reason (the button
    pressed, `decision`, says which)."""

    note = _text(_("Why you decline"), rows=2, help_text=_("Needed to decline; the office reads it."))


class PartnerOutcomeForm(forms.Form):
    """What a partner provided for a referral it accepted."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReferralOutcome.choices, widget=forms.RadioSelect)
    note = _text(_("What was provided"), help_text=_("Without the person's name."))


class TransferRequestForm(forms.Form):
    """Ask to hand the client to another of the organisation's offices."""

    to_office = forms.ModelChoiceField(
        label=_("To the office"), queryset=Office.objects.none(), error_messages={"required": _("Choose the office.")}
    )
    reason = _text(_("Why"), required=True, help_text=_("For example: repatriated, or the family moved."))

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_office"].queryset = offices  # type: ignore[attr-defined]


class TransferDecisionForm(forms.Form):
    note = _text(_("Note"), rows=2, help_text=_("Needed to decline."))
    effective_on = DayField(label=_("Moved on"), required=False, help_text=_("Leave empty for today."))
