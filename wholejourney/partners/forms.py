from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.core.forms import DayField
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation, OrganisationKind


class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    q = forms.CharField(label=_("Name"), required=False, max_length=200)


class OrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Organisation
        fields = ["name", "kind", "province", "is_active"]

    def __init__(self, *args: Any, office: Office | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and office is not None:
            self.instance.office = office


class PeriodForm(forms.Form):
    active_from = DayField(label=_("Partner from"))
    active_to = DayField(label=_("Until"), required=False, help_text=_("Leave empty while the partnership lasts."))


class PeriodEndForm(forms.Form):
    active_to = DayField(label=_("Partnership ended on"))
