"""Forms of the option lists' pages. They check shape; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.options.lists import OptionList


class OptionForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("Lower-case letters, digits and _; used by imports and the API.")
    )
    label_en = forms.CharField(label=_("Name in English"), max_length=120)
    label_km = forms.CharField(label=_("Name in Khmer"), max_length=120)
    category = forms.ChoiceField(
        label=_("Counted in the report as"),
        help_text=_("Fixed once the option is added: the report's figures keep their meaning."),
    )

    def __init__(self, *args: Any, option_list: OptionList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = option_list.categories.choices  # type: ignore[attr-defined]


class RenameForm(forms.Form):
    label_en = forms.CharField(label=_("Name in English"), max_length=120)
    label_km = forms.CharField(label=_("Name in Khmer"), max_length=120)
