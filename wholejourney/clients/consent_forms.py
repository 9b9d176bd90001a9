"""The forms of the client's consent page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import ConsentHow, ConsentKind
from wholejourney.core.forms import DayField


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("The client agrees"), choices=ConsentKind.choices)
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=None,
        required=False,
        help_text=_("For sharing: the organisation the information may go to."),
    )
    given_on = DayField(label=_("Given on"), happened=True)
    how_given = forms.ChoiceField(label=_("How it was given"), choices=ConsentHow.choices)
    pseudonym = forms.CharField(
        label=_("Pseudonym"), max_length=80, required=False, help_text=_("For a story: the name it is told under.")
    )
    guardian_name = forms.CharField(
        label=_("Guardian's name"),
        max_length=120,
        required=False,
        help_text=_("For a child: the guardian who gave consent."),
    )
    guardian_relation = forms.CharField(
        label=_("Guardian is the child's"), max_length=60, required=False, help_text=_("For example: mother, aunt.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    signed_form = forms.FileField(
        label=_("Signed form"), required=False, help_text=_("The scanned form: PDF, JPEG, PNG or Word (.docx).")
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = organisations  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    withdrawn_on = DayField(
        label=_("Withdrawn on"), required=False, help_text=_("Today if left empty. It stops at once.")
    )
