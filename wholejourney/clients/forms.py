from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.models import Team, User
from wholejourney.clients.models import Sex
from wholejourney.clients.rules import KNOWN_SEXES, normalise_phone, phone_problem, registration_problems
from wholejourney.core.forms import DayField, no_future_dates


class ClientSearchForm(forms.Form):
    """One box: a client code or part of it, a phone or ID number, or a name (any part of it)."""

    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        help_text=_(
            "A client code (or part of it), a phone or ID number, or a name: the whole name or any part"
            " of it, in Khmer or Latin script. Other spellings and one wrong letter are found too."
        ),
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this record?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Your director sees this request. Access ends by itself after 2 hours."),
    )


def _lines(value: str) -> list[str]:
    """Several values typed in one box, one per line or separated by commas."""
    return [part.strip() for part in re.split(r"[,;\n]", value or "") if part.strip()]


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class IdentityForm(forms.Form):
    """Who the person is, as they tell it. Every value here is encrypted when saved."""

    family_name_km = forms.CharField(
        label=_("Family name (Khmer)"), max_length=120, required=False, widget=forms.TextInput(attrs={"lang": "km"})
    )
    given_name_km = forms.CharField(
        label=_("Given name (Khmer)"), max_length=120, required=False, widget=forms.TextInput(attrs={"lang": "km"})
    )
    family_name_latin = forms.CharField(label=_("Family name (Latin script)"), max_length=120, required=False)
    given_name_latin = forms.CharField(label=_("Given name (Latin script)"), max_length=120, required=False)
    aliases = forms.CharField(
        label=_("Other names"),
        max_length=500,
        required=False,
        help_text=_("Names the person is also known by, separated by commas."),
    )
    date_of_birth = DayField(
        label=_("Date of birth"),
        required=False,
        error_messages={"future": _("The date of birth cannot be in the future.")},
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth, if the date is not known"),
        required=False,
        min_value=1900,
        help_text=_("An estimate is fine."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", "—"), *((value, label) for value, label in Sex.choices if value in KNOWN_SEXES)],
        error_messages={"required": _("Choose the client's sex: the programme's figures count clients by sex.")},
    )
    phone_numbers = forms.CharField(
        label=_("Phone numbers"),
        max_length=300,
        required=False,
        help_text=_("Separate several numbers with commas."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    id_card_number = forms.CharField(label=_("ID card number"), max_length=40, required=False)
    village = forms.CharField(label=_("Village"), max_length=120, required=False)
    commune = forms.CharField(label=_("Commune"), max_length=120, required=False)
    district = forms.CharField(label=_("District"), max_length=120, required=False)
    province = forms.CharField(label=_("Province"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "date_of_birth")
        self.fields["birth_year"].widget.attrs["max"] = timezone.localdate().year

    def clean_phone_numbers(self) -> str:
        numbers = [normalise_phone(number) for number in _lines(self.cleaned_data["phone_numbers"])]
        problem = next(filter(None, map(phone_problem, numbers)), None)
        if problem:
            raise forms.ValidationError(problem)
        return ", ".join(numbers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Every problem at once, each on its field (the same rules as the service's). Sex and
        # phone numbers are checked by their own fields, which may have failed already.
        problems = registration_problems({**cleaned, "sex": Sex.FEMALE, "phone_numbers": []})
        if "birth_year" in self.errors:
            problems.pop("date_of_birth", None)
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def identity(self) -> dict[str, Any]:
        """The identity fields as `client_create` takes them."""
        data = self.cleaned_data
        identity: dict[str, Any] = {
            name: data[name] for name in ("family_name_km", "given_name_km", "family_name_latin", "given_name_latin")
        }
        identity["aliases"] = _lines(data["aliases"])
        identity["date_of_birth"] = data["date_of_birth"]
        identity["sex"] = data["sex"]
        if data["date_of_birth"] is None and data["birth_year"] is not None:
            identity["birth_year"], identity["birth_year_estimated"] = data["birth_year"], True
        identity["phone_numbers"] = _lines(data["phone_numbers"])
        number = data["id_card_number"].strip()
        identity["id_documents"] = [{"kind": "id_card", "number": number}] if number else []
        identity["address"] = {
            part: data[part].strip() for part in ("village", "commune", "district", "province") if data[part].strip()
        }
        return identity

    def search_terms(self) -> dict[str, list[str]]:
        """What to look for before registering: full names in both scripts, phones, the ID number."""
        data = self.cleaned_data
        names = [
            " ".join(part for part in (data.get(f"family_name_{script}"), data.get(f"given_name_{script}")) if part)
            for script in ("km", "latin")
        ]
        return {
            "names": [name for name in names if name] + _lines(data.get("aliases", "")),
            "phones": _lines(data.get("phone_numbers", "")),
            "id_numbers": [data["id_card_number"]] if data.get("id_card_number") else [],
        }


class RegisterForm(IdentityForm):
    """Registration after a search: identity, the caseload the client joins, and the reason when a
    possible match was found."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    case_manager = StaffChoiceField(label=_("Case manager"), queryset=User.objects.none(), required=False)
    duplicate_reason = forms.CharField(
        label=_("Reason for registering despite a possible match"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when the search found a possible match. The reason is recorded."),
    )
    searched_q = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, teams: Any, case_managers: Any, ask_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["case_manager"].queryset = case_managers  # type: ignore[attr-defined]
        if not ask_reason:
            self.fields["duplicate_reason"].widget = forms.HiddenInput()

    def ask_for_reason(self) -> None:
        """Show the reason box: a possible match was found."""
        self.fields["duplicate_reason"].widget = forms.Textarea(attrs={"rows": 3})

    def search_terms(self) -> dict[str, list[str]]:
        terms = super().search_terms()
        value = (self.cleaned_data.get("searched_q") or "").strip()
        if value:
            terms["names"].append(value)  # the search tells a number from a name itself
        return terms


class CaseloadFilterForm(forms.Form):
    """The caseload's filters and order: every field optional, a wrong value is ignored."""

    STAGES = [
        ("", _("Any stage")),
        ("open", _("Open")),
        ("follow_up", _("Follow-up")),
        ("closed", _("Closed")),
        ("none", _("No case")),
    ]
    CLOCKS = [("", _("Any clock")), ("not_started", _("Not started")), ("running", _("Running")), ("whole", _("Whole"))]
    SORTS = [("newest", _("Newest first")), ("oldest", _("Oldest first")), ("code", _("By client code"))]

    stage = forms.ChoiceField(label=_("Case"), choices=STAGES, required=False)
    placement = forms.ChoiceField(label=_("Lives in"), required=False)
    clock = forms.ChoiceField(label=_("Stability clock"), choices=CLOCKS, required=False)
    attention = forms.ChoiceField(label=_("Due work"), required=False)
    sort = forms.ChoiceField(label=_("Order"), choices=SORTS, required=False)

    def __init__(self, *args: Any, placements: list[tuple[str, Any]], due_kinds: list[tuple[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        placement, attention = self.fields["placement"], self.fields["attention"]
        assert isinstance(placement, forms.ChoiceField) and isinstance(attention, forms.ChoiceField)  # noqa: S101
        placement.choices = [("", _("Anywhere")), ("none", _("Not recorded")), *placements]
        attention.choices = [("", _("Everyone")), ("any", _("Any due work")), *due_kinds]

    def chosen(self) -> dict[str, str]:
        """The valid choices, the others dropped (a stale link still shows the caseload)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
