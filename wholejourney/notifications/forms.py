from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.notifications.models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind of event: by email at once, in the daily digest, or only in the app."""

    def __init__(self, *args: Any, current: dict[str, str], kinds: list[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=current.get(kind.value), widget=forms.RadioSelect
            )


class DutyForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    on_duty = forms.BooleanField(required=False, label=_("On duty"))
