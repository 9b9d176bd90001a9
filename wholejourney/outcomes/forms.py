"""Forms of the outcomes pages: they check the shape of what was typed; the services check the
rules (a date within the case, every question answered) and their errors come back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import Domain
from wholejourney.core.forms import DayField, no_future_dates
from wholejourney.outcomes.models import CrisisEvent, Instrument, InstrumentItem

SCALE_LABELS = {1: _("In crisis"), 2: _("Vulnerable"), 3: _("Stable"), 4: _("Thriving")}


def _date_field(label: Any = None) -> DayField:
    return DayField(label=label or _("Date"), initial=timezone.localdate)


class AssessmentForm(forms.Form):
    """The instrument's items, one 1–4 choice each, grouped by domain (`groups`) for the page.

    The date field is named `date`, as the services name it in their errors."""

    date = _date_field(_("Date of the assessment"))

    def __init__(self, *args: Any, instrument: Instrument, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        no_future_dates(self, "date")
        scale = range(instrument.scale_min, instrument.scale_max + 1)
        choices = [(str(value), SCALE_LABELS.get(value, str(value))) for value in scale]
        self.items: list[InstrumentItem] = list(instrument.items.order_by("position"))
        for item in self.items:
            self.fields[self.field_name(item)] = forms.TypedChoiceField(
                label=item.text_km if language == "km" and item.text_km else item.text_en,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a score for this question.")},
            )
        self.fields["note"] = forms.CharField(
            label=_("Notes (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )

    @staticmethod
    def field_name(item: InstrumentItem) -> str:
        return f"item_{item.code}"

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(domain label, the domain's questions) in the domains' order."""
        return [
            (str(label), [self[self.field_name(item)] for item in self.items if item.domain == domain])
            for domain, label in Domain.choices
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        missing = [item for item in self.items if self.field_name(item) in self.errors]
        if missing:
            raise forms.ValidationError(
                _("Answer every question (%(count)s left): nothing was saved."), params={"count": len(missing)}
            )
        return cleaned

    def answers(self) -> dict[str, int]:
        return {item.code: self.cleaned_data[self.field_name(item)] for item in self.items}


class CrisisForm(forms.Form):
    date = _date_field(_("Date of the crisis"))
    domains = forms.MultipleChoiceField(
        label=_("Domains the crisis touched"),
        choices=Domain.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the domain or domains the crisis touched.")},
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=CrisisEvent.Severity.choices, widget=forms.RadioSelect)
    what_happened = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept encrypted; read only by the client's counselors, their supervisor and the director."),
    )
    response = forms.CharField(label=_("Response taken"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "date")


ANSWERS = [("yes", _("Yes")), ("no", _("No")), ("", _("Not answered"))]


class SurveyForm(forms.Form):
    date = _date_field(_("Date of the survey"))
    income_increased = forms.ChoiceField(
        label=_("Has the household's income increased since the last survey?"),
        choices=ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )
    income_covers_needs = forms.ChoiceField(
        label=_("Does income from a business or a job help the family afford food, health care and education?"),
        choices=ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "date")

    @staticmethod
    def answer(value: str) -> bool | None:
        return {"yes": True, "no": False}.get(value)


class TeamFilterForm(forms.Form):
    """The dashboards' team filter: only the teams the user may look at."""

    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, teams: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        self.fields["team"].choices = [("", _("All teams")), *((team.pk, team.name) for team in teams)]  # type: ignore[attr-defined]

    def chosen_team(self) -> Any:
        if not self.is_valid():
            return None
        return self.teams.get(self.cleaned_data["team"])
