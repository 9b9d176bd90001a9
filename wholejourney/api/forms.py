"""The form that makes a personal API token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.api.models import ApiToken
from wholejourney.api.services import MAX_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("What the token is for, e.g. the office tablet.")
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("Give a token only the access it needs."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=90,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
