"""A client's documents: the list with previews and the upload form, downloads and previews."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.clients import services as client_services
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.documents import files, selectors, services
from wholejourney.documents.forms import DocumentForm
from wholejourney.documents.uploads import InMemoryDocumentHandler


def _file_response(name: str, content_type: str, content: bytes, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Permission.VIEW_CLIENTS)
@csrf_exempt  # the upload handler must be set before the CSRF check reads the body; csrf_protect below
def document_list(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The client's documents, newest first, with previews; the form to add one for those who may."""
    handler = InMemoryDocumentHandler(request)
    request.upload_handlers = [handler]
    return _document_list(request, pk, handler)


@csrf_protect
def _document_list(request: AuthedHttpRequest, pk: int, handler: InMemoryDocumentHandler) -> HttpResponse:
    client = client_get_for(user=request.user, pk=pk)
    may_upload = services.may_upload(request.user, client)
    form = DocumentForm()
    if request.method == "POST":
        if not may_upload:
            raise Http404
        form = DocumentForm(request.POST, request.FILES)
        if handler.too_large:
            form.add_error(
                "file", _("The file is larger than %(size)s MB.") % {"size": f"{files.max_bytes() / (1024 * 1024):g}"}
            )
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.document_upload(
                    actor=request.user,
                    client=client,
                    kind=form.cleaned_data["kind"],
                    dated=form.cleaned_data["dated"],
                    file_name=upload.name or "",
                    content=upload.read(),
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("The document is kept on the record."))
                return redirect("documents:list", pk=client.pk)
    client_services.client_record_view(actor=request.user, client=client, fields=["documents"])
    context = {
        "client": client,
        "section": "documents",
        "documents": selectors.documents_of(client),
        "form": form if may_upload else None,
        "may_delete": may_upload,
    }
    return render(request, "documents/documents.html", context, status=400 if form.errors else 200)


@requires(Permission.VIEW_CLIENTS)
def download(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, pk=pk)
    try:
        name, content_type, content = services.document_open(actor=request.user, document=document)
    except PermissionDenied as exc:
        raise Http404 from exc
    return _file_response(name, content_type, content, attachment=True)


@requires(Permission.VIEW_CLIENTS)
def preview(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, pk=pk)
    try:
        name, content_type, content = services.document_open(actor=request.user, document=document, preview=True)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        raise Http404 from exc
    return _file_response(name, content_type, content, attachment=False)


@requires(Permission.VIEW_CLIENTS)
@require_POST
def delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, pk=pk)
    try:
        services.document_delete(actor=request.user, document=document)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("The document is deleted."))
    return redirect("documents:list", pk=document.client_id)
