from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from wholejourney.core.models import Office
from wholejourney.imports.reader import ZIP_SIGNATURE

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# What the multipart envelope of a request adds to its file, at most (the office, the CSRF token).
UPLOAD_ENVELOPE_BYTES = 1024 * 1024


def too_large_message() -> str:
    return _("The file is larger than %(size)d MB, the most this page takes: import it with the command line.") % {
        "size": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


class UploadForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("The import workbook, at most 200 MB. For larger files use the command line."),
    )

    def __init__(self, *args: Any, offices: Any, too_large: bool = False, **kwargs: Any) -> None:
        """`too_large`: the request was larger than the limit, so its file was not even read (it
        would otherwise read as no file at all: "This field is required.")."""
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        office_field.queryset = offices
        if offices.count() == 1:
            self.fields["office"].initial = offices.first()
        self.fields["workbook"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.too_large:
            self.errors.pop("workbook", None)
            self.add_error("workbook", too_large_message())
        return cleaned

    def clean_workbook(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["workbook"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        head = upload.read(len(ZIP_SIGNATURE))
        if head != ZIP_SIGNATURE:
            raise forms.ValidationError(_("This file is not an Excel workbook (.xlsx)."))
        upload.seek(0)
        return upload.read()
