from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.core.forms import DayField
from wholejourney.core.models import Office
from wholejourney.options.selectors import choices as option_choices
from wholejourney.options.selectors import resolve as resolve_option
from wholejourney.partners.models import Organisation, OrganisationKind


class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    q = forms.CharField(label=_("Name"), required=False, max_length=200)


class OrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    # The kinds administrators keep (wholejourney.options): the built-in ones, then those added.
    kind = forms.ChoiceField(label=_("Kind"))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "province", "is_active"]

    def __init__(self, *args: Any, office: Office | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and office is not None:
            self.instance.office = office
        current = self.instance.kind_option or self.instance.kind
        self.fields["kind"].choices = option_choices("partner_kind", keep=self.instance.kind_option)  # type: ignore[attr-defined]
        if self.instance.pk is not None:
            self.initial["kind"] = current

    def clean_kind(self) -> str:
        """An added option is kept beside its reporting category, which `kind` holds."""
        code = self.cleaned_data["kind"]
        if code and code == self.instance.kind_option:
            return str(self.instance.kind)  # a retired option the organisation already had
        category, option = resolve_option("partner_kind", code)
        self.instance.kind_option = option
        return category


class PeriodForm(forms.Form):
    active_from = DayField(label=_("Partner from"))
    active_to = DayField(label=_("Until"), required=False, help_text=_("Leave empty while the partnership lasts."))


class PeriodEndForm(forms.Form):
    active_to = DayField(label=_("Partnership ended on"))
