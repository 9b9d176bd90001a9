"""Forms of the export pages: ask for an export, confirm with a code, approve or decline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.exports.models import ExportFormat


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to export"), choices=[])
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)
    identifying = forms.BooleanField(
        label=_("With names and other identifying details"),
        required=False,
        help_text=_(
            "Needs your director's approval and a code from your authenticator app. Without it, people "
            "appear by their codes only and the file is ready at once."
        ),
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Reason (when you decline)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
