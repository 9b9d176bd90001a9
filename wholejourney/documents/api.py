"""Documents through the API: list a client's documents, upload one (multipart), download one.
The same service as the page: the same checks of the bytes, the same encryption and audit."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, not_found, responses
from wholejourney.api.schemas import Day, PathId
from wholejourney.clients import services as client_services
from wholejourney.clients.selectors import client_get_for
from wholejourney.documents import files, selectors, services
from wholejourney.documents.models import Document, DocumentKind
from wholejourney.documents.uploads import InMemoryDocumentHandler

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    client_id: int
    kind: DocumentKind
    dated: datetime.date | None
    file_name: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime
    uploaded_by: str
    has_preview: bool


def document_out(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "client_id": document.client_id,
        "kind": document.kind,
        "dated": document.dated,
        "file_name": document.title or "",
        "content_type": document.content_type,
        "size": document.size,
        "uploaded_at": document.uploaded_at,
        "uploaded_by": document.uploaded_by.get_username(),
        "has_preview": bool(document.preview_name),
    }


def in_memory(run: Callable[..., Any]) -> Callable[..., Any]:
    """Before the body is read: keep the upload in memory, never in a temporary file in the clear."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        handler = InMemoryDocumentHandler(request)
        request.upload_handlers = [handler]
        request.wj_upload_handler = handler  # type: ignore[attr-defined]
        return run(request, *args, **kwargs)

    return wrapped


@router.get("/clients/{int:client_id}/documents", response=responses(list[DocumentOut]), url_name="documents_list")
@allow(Permission.VIEW_CLIENTS)
def documents_list(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """A client's documents, newest first. A read of the client's record, audited."""
    client = client_get_for(user=request.user, pk=client_id)
    client_services.client_record_view(actor=request.user, client=client, fields=["api:documents"])  # type: ignore[arg-type]
    return [document_out(d) for d in selectors.documents_of(client)]


@router.post(
    "/clients/{int:client_id}/documents",
    response=responses(DocumentOut, 201),
    auth=write_token,
    url_name="document_upload",
)
@decorate_view(in_memory)
@allow(Permission.MANAGE_CASES, Permission.RECORD_LEGAL)
def document_upload(
    request: HttpRequest,
    client_id: PathId,
    # Optional in the schema only so that a part Django cannot take as a file (no file name) is
    # answered with its own message; an upload without a file is refused.
    file: UploadedFile | None = File(None, description="The file (required): PDF, JPEG, PNG or .docx."),  # noqa: B008
    kind: DocumentKind = Form(...),  # noqa: B008
    dated: Day = Form(None, description="The date of the document, if it has one."),  # noqa: B008
) -> Status[dict[str, Any]]:
    """Keep a file (PDF, JPEG, PNG or .docx, up to the size limit) on a client's record, as
    multipart/form-data. The type is read from the bytes; photos lose all their metadata."""
    client = client_get_for(user=request.user, pk=client_id)
    handler = getattr(request, "wj_upload_handler", None)
    if handler is not None and handler.too_large:
        message = _("The file is larger than %(size)s MB.") % {"size": f"{files.max_bytes() / (1024 * 1024):g}"}
        raise ApiError(422, "invalid", message, {"file": [message]})
    if file is None:
        message = _("Attach the file to keep.")
        raise ApiError(422, "invalid", message, {"file": [message]})
    try:
        document = services.document_upload(
            actor=request.user,  # type: ignore[arg-type]
            client=client,
            kind=kind,
            dated=dated,
            file_name=file.name or "",
            content=file.read(),
        )
    except PermissionDenied as exc:
        raise not_found() from exc
    return Status(201, document_out(document))


@router.get(
    "/documents/{int:document_id}/file",
    response={200: None, **responses(None)},
    url_name="document_file",
    openapi_extra={"responses": {200: {"description": "The file, as an attachment."}}},
)
@allow(Permission.VIEW_CLIENTS)
def document_file(request: HttpRequest, document_id: PathId) -> HttpResponse:
    """The file itself, as an attachment; every download is written to the audit trail."""
    document = selectors.document_get_for(user=request.user, pk=document_id)
    try:
        name, content_type, content = services.document_open(actor=request.user, document=document)  # type: ignore[arg-type]
    except PermissionDenied as exc:
        raise not_found() from exc
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
