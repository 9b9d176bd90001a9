"""The client's consent: what is in force, what was withdrawn, the director's overrides; record a
consent (with its signed form) and withdraw one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.cases.selectors import organisations_of_office
from wholejourney.clients import selectors, services
from wholejourney.clients.consent_forms import ConsentForm, WithdrawForm
from wholejourney.clients.models import Client
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.documents import files
from wholejourney.documents import services as document_services
from wholejourney.documents.uploads import InMemoryDocumentHandler


@requires(Permission.VIEW_CLIENTS)
@csrf_exempt  # the upload handler must be set before the CSRF check reads the body; csrf_protect below
def consent_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handler = InMemoryDocumentHandler(request)
    request.upload_handlers = [handler]
    return _consent_page(request, pk, handler)


@csrf_protect
def _consent_page(request: AuthedHttpRequest, pk: int, handler: InMemoryDocumentHandler) -> HttpResponse:
    """What the client agreed to and what is in force; the form to record a consent."""
    client = selectors.client_get_for(user=request.user, pk=pk)
    may_record = has_permission(request.user, Permission.MANAGE_CASES, obj=client)
    organisations = organisations_of_office(request.user)
    form = ConsentForm(organisations=organisations)
    if request.method == "POST":
        if not may_record:
            raise Http404
        form = ConsentForm(request.POST, request.FILES, organisations=organisations)
        if handler.too_large:
            size = f"{files.max_bytes() / (1024 * 1024):g}"
            form.add_error("signed_form", _("The file is larger than %(size)s MB.") % {"size": size})
        elif form.is_valid():
            data = form.cleaned_data
            upload = data.pop("signed_form")
            try:
                document_services.consent_record_with_form(
                    actor=request.user,
                    client=client,
                    form_content=upload.read() if upload else b"",
                    form_name=(upload.name or "") if upload else "",
                    **data,
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "file" in exc.error_dict:
                    exc = ValidationError({"signed_form": exc.error_dict.pop("file"), **exc.error_dict})
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("The consent is recorded."))
                return redirect("clients:consent", pk=client.pk)
    services.client_record_view(actor=request.user, client=client, fields=["consent"])
    return _render(request, client, form if may_record else None, status=400 if form.errors else 200)


def _render(request: AuthedHttpRequest, client: Client, form: ConsentForm | None, *, status: int = 200) -> HttpResponse:
    consents = list(selectors.consents_of(client))
    context = {
        "client": client,
        "section": "consent",
        "in_force": [c for c in consents if c.withdrawn_on is None],
        "withdrawn": [c for c in consents if c.withdrawn_on is not None],
        "overrides": selectors.consent_overrides_of(client),
        "form": form,
        "withdraw_form": WithdrawForm() if form is not None else None,
    }
    return render(request, "clients/consent.html", context, status=status)


@requires(Permission.MANAGE_CASES)
@require_POST
def consent_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    consent = selectors.consent_get_for(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user, consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The consent is withdrawn. It no longer allows anything."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("clients:consent", pk=consent.client_id)
