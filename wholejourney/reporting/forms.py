"""Forms of the reporting pages: which report (office, period, edition), the narrative, a story,
a file to make, the disclosure threshold. They check shape; services check the rules."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Consent
from wholejourney.core.forms import DayField
from wholejourney.core.models import Office
from wholejourney.reporting.models import Edition, ReportFormat
from wholejourney.reporting.registry import SECTION_TITLES, Period

ALL = "all"


def default_year() -> int:
    """The last whole year: the report most people ask for."""
    return timezone.localdate().year - 1


class ReportQueryForm(forms.Form):
    """A report's office and period: a year, a quarter of it, or any two dates."""

    office = forms.ChoiceField(label=_("Office"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year")), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
    )
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    edition = forms.ChoiceField(label=_("Edition"), required=False, choices=Edition.choices)

    def __init__(self, *args: Any, offices: list[Office], all_offices: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(office.code, office.name) for office in offices]
        if all_offices:
            choices.insert(0, (ALL, str(_("All offices"))))
        self.fields["office"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        try:
            if start or end:
                if not (start and end):
                    raise forms.ValidationError(_("Give both dates, or a year."))
                data["period"] = Period(start, end)
            elif data.get("quarter"):
                data["period"] = Period.quarter(data.get("year") or default_year(), data["quarter"])
            else:
                data["period"] = Period.year(data.get("year") or default_year())
        except ValueError as exc:
            raise forms.ValidationError(_("The period ends before it starts.")) from exc
        data["edition"] = data.get("edition") or Edition.INTERNAL
        return data


def query_string(*, period: Period, office: Office | None, edition: str = "", **extra: Any) -> str:
    """The query string that names a report (office, first and last day, edition)."""
    params: dict[str, Any] = {
        "office": office.code if office else ALL,
        "date_from": period.start.isoformat(),
        "date_to": period.end.isoformat(),
    }
    if edition and edition != Edition.INTERNAL:
        params["edition"] = edition
    params.update({key: value for key, value in extra.items() if value not in ("", None)})
    return urlencode(params)


class NarrativeForm(forms.Form):
    letter = forms.CharField(label=_("Word from the country director"), required=False, widget=forms.Textarea)
    signature = forms.CharField(
        label=_("Signed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Name and title under the letter, one per line."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section, title in SECTION_TITLES.items():
            self.fields[f"intro_{section}"] = forms.CharField(
                label=_("Introduction: %(section)s") % {"section": title},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def introductions(self) -> dict[str, str]:
        return {section: self.cleaned_data.get(f"intro_{section}", "") for section in SECTION_TITLES}


class ConsentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A story consent, shown by its pseudonym and date only: never the client's name or code."""

    def label_from_instance(self, obj: Consent) -> str:
        return str(
            _("%(pseudonym)s (consent given %(date)s)")
            % {"pseudonym": obj.pseudonym, "date": obj.given_on.strftime("%d/%m/%Y")}
        )


class StoryForm(forms.Form):
    consent = ConsentChoiceField(
        label=_("Told under the pseudonym of"),
        queryset=Consent.objects.none(),
        help_text=_("Only clients who consented to tell their story, and have not withdrawn it, are listed."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    quote = forms.CharField(label=_("Quote"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=_("Story"), widget=forms.Textarea)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=99, initial=0, required=False)

    def __init__(self, *args: Any, consents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = consents  # type: ignore[attr-defined]


class ReportFileForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.PDF)
    edition = forms.ChoiceField(label=_("Edition"), choices=Edition.choices, initial=Edition.INTERNAL)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    office = forms.CharField(widget=forms.HiddenInput)
    date_from = forms.DateField(widget=forms.HiddenInput)
    date_to = forms.DateField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("date_from")
        end: datetime.date | None = data.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            data["period"] = Period(start, end)
        return data


class ThresholdForm(forms.Form):
    disclosure_threshold = forms.IntegerField(
        label=_("Disclosure threshold"),
        min_value=1,
        max_value=100,
        help_text=_("In the external edition, counts below this number are withheld."),
    )
