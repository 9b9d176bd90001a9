from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wholejourney.core.forms import DayField
from wholejourney.documents.models import DocumentKind


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG, PNG or Word (.docx)."))
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    dated = DayField(label=_("Date of the document"), required=False)
