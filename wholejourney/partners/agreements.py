"""Partnerships: each partner's agreements (with the signed document) and contacts, kept by whoever
manages the office's partners. Pages of their own beside partners/views.py (the partner list and
its periods)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.permissions import requires
from wholejourney.core.forms import DayField, apply_service_errors, no_future_dates
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.partners import agreement_services, documents, selectors
from wholejourney.partners.models import Agreement
from wholejourney.partners.services import MANAGE_PARTNERS

PAGE_SIZE = 50
CONTENT_TYPES = {
    documents.PDF: "application/pdf",
    documents.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    documents.JPEG: "image/jpeg",
    documents.PNG: "image/png",
}


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Agreement.Kind.choices)
    signed_on = DayField(label=gettext_lazy("Signed on"))
    start = DayField(label=gettext_lazy("From"))
    end = DayField(
        label=gettext_lazy("Until"),
        required=False,
        help_text=gettext_lazy("Leave empty if the agreement has no end date."),
    )
    signatory = forms.CharField(label=gettext_lazy("The partner's signatory"), required=False, max_length=120)
    document = forms.FileField(
        label=gettext_lazy("Signed document"),
        required=False,
        help_text=gettext_lazy("PDF, Word (.docx) or a photo (JPEG, PNG); at most 10 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "signed_on")
        self.fields["document"].widget.attrs["accept"] = ".pdf,.docx,.jpg,.jpeg,.png"

    def clean_document(self) -> documents.CheckedDocument | None:
        upload: UploadedFile | None = self.cleaned_data.get("document")
        if not upload:
            return None
        if (upload.size or 0) > documents.MAX_BYTES:
            raise ValidationError(
                _("The document is larger than %(size)s MB.") % {"size": documents.MAX_BYTES // 2**20}
            )
        return documents.check_document(upload.read())


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    role = forms.CharField(label=gettext_lazy("Role"), required=False, max_length=120)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=40)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False, max_length=200)


def _agreement_get_for(user: Any, pk: int) -> Agreement:
    agreement = Agreement.objects.select_related("organisation").filter(pk=pk).first()
    if agreement is None or user.office_id not in (None, agreement.organisation.office_id):
        raise Http404
    return agreement


@requires(MANAGE_PARTNERS)
def partnership_list(request: AuthedHttpRequest) -> HttpResponse:
    organisations = selectors.organisations_visible_to(request.user).annotate(
        agreement_count=Count("agreements", distinct=True), contact_count=Count("contacts", distinct=True)
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "partners/agreements/partnership_list.html", {"page": page})


@requires(MANAGE_PARTNERS)
def partnership_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(user=request.user, pk=pk)
    context = {
        "organisation": organisation,
        "agreements": organisation.agreements.order_by("-signed_on", "-pk"),
        "contacts": organisation.contacts.order_by("pk"),
    }
    return render(request, "partners/agreements/partnership_detail.html", context)


@requires(MANAGE_PARTNERS)
def agreement_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(user=request.user, pk=pk)
    form = AgreementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_services.agreement_add(actor=request.user, organisation=organisation, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The agreement is saved."))
            return redirect("partnerships:detail", pk=organisation.pk)
    context = {"organisation": organisation, "form": form, "title": _("Add an agreement")}
    return render(request, "partners/agreements/form.html", context)


@requires(MANAGE_PARTNERS)
def contact_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(user=request.user, pk=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_services.contact_add(actor=request.user, organisation=organisation, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The contact is saved."))
            return redirect("partnerships:detail", pk=organisation.pk)
    context = {"organisation": organisation, "form": form, "title": _("Add a contact")}
    return render(request, "partners/agreements/form.html", context)


@requires(MANAGE_PARTNERS)
def agreement_document(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement_get_for(request.user, pk)
    if not agreement.document:
        raise Http404
    extension = (agreement.document.name or "").rsplit(".", 1)[-1].lower()
    kind = next((k for k, ext in documents.EXTENSIONS.items() if ext == extension), documents.PDF)
    with agreement.document.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.pk}.{extension}"'
    return response
