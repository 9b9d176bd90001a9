from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this record be erased?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The director reads it before deciding. It is erased with the record."),
    )


class RetentionForm(forms.Form):
    years_after_closure = forms.IntegerField(label=_("Years after the last case closed"), min_value=1, max_value=100)
    adult_age = forms.IntegerField(label=_("Age of adulthood"), min_value=14, max_value=25)
    years_after_adulthood = forms.IntegerField(
        label=_("For a child: years after coming of age"), min_value=0, max_value=100
    )
