from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.audit.models import AuditEvent
from wholejourney.core.forms import DayField

OBJECT_TYPES = [
    ("", _("Any kind of record")),
    ("clients.client", _("Client")),
    ("accounts.user", _("Staff account")),
    ("accounts.team", _("Team")),
    ("core.office", _("Office")),
]


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("Staff username"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Record"), choices=OBJECT_TYPES, required=False)
    object_ref = forms.CharField(
        label=_("Record number or client code"), required=False, max_length=40, help_text=_("For example KH-2023-0042.")
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *AuditEvent.Action.choices], required=False
    )
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:  # type: ignore[operator]
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
