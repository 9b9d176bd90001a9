"""Writes and audited reads of documents. Each checks the actor's permission itself, so the page,
the API and the import behave alike, and writes its audit row in the same transaction."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client, Consent
from wholejourney.core.text import clean_user_text
from wholejourney.documents import files
from wholejourney.documents.models import Document, DocumentKind

FOLDER = "documents"


def may_upload(user: User, client: Client) -> bool:
    """Case managers keep the record; legal officers bring identity documents and court papers."""
    return has_permission(user, Permission.MANAGE_CASES, obj=client) or has_permission(
        user, Permission.RECORD_LEGAL, obj=client
    )


def _delete_stored(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def document_upload(
    *,
    actor: User,
    client: Client,
    kind: str,
    content: bytes,
    file_name: str = "",
    dated: datetime.date | None = None,
    consent: Consent | None = None,
) -> Document:
    """Keep a file on the client's record: checked from its bytes (PDF, JPEG, PNG, DOCX, within the
    size limit), images re-encoded without metadata, then stored with its preview encrypted under
    the client's data key."""
    if client.erased_at is not None or not may_upload(actor, client):
        raise PermissionDenied
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose what kind of document this is.")})
    if dated is not None and dated > timezone.localdate():
        raise ValidationError({"dated": _("The date cannot be in the future.")})
    try:
        cleaned = files.clean(content)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    preview = files.preview(cleaned)
    document = Document(
        client=client,
        kind=kind,
        dated=dated,
        title=clean_user_text(file_name)[:200],
        content_type=cleaned.content_type,
        size=len(cleaned.content),
        stored_name=f"{FOLDER}/{uuid.uuid4().hex}.bin",
        uploaded_by=actor,
        consent=consent if consent is not None and consent.client_id == client.pk else None,
    )
    if preview is not None:
        document.preview_name = f"{FOLDER}/{uuid.uuid4().hex}.bin"
    key = client.data_key.plaintext_key()
    row = str(document.row_id)
    written: list[str] = []
    try:
        with transaction.atomic():
            document.full_clean()
            written.append(
                default_storage.save(document.stored_name, ContentFile(files.seal(key, row, "file", cleaned.content)))
            )
            if preview is not None:
                written.append(
                    default_storage.save(document.preview_name, ContentFile(files.seal(key, row, "preview", preview)))
                )
            if written != [n for n in (document.stored_name, document.preview_name) if n]:
                raise RuntimeError("The storage renamed a document's file.")
            document.save()
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, target=client, changed_fields=[f"document:{document.pk}"]
            )
    except BaseException:
        _delete_stored(written)
        raise
    return document


def document_open(*, actor: User, document: Document, preview: bool = False) -> tuple[str, str, bytes]:
    """The file (or its preview) decrypted, as (file name, content type, bytes), for someone who may
    open the client's record. A download is an export of the record and audited so; a preview is a view."""
    client = document.client
    if client.erased_at is not None or not has_permission(actor, Permission.VIEW_CLIENTS, obj=client):
        raise PermissionDenied
    key = client.data_key.plaintext_key()
    if preview:
        if not document.preview_name:
            raise ValidationError(_("This document has no preview."))
        with default_storage.open(document.preview_name, "rb") as handle:
            content = files.unseal(key, str(document.row_id), "preview", handle.read())
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VIEW,
            target=client,
            changed_fields=[f"document:{document.pk}:preview"],
        )
        return f"preview-{document.pk}.png", "image/png", content
    with default_storage.open(document.stored_name, "rb") as handle:
        content = files.unseal(key, str(document.row_id), "file", handle.read())
    audit_record(
        actor=actor, action=AuditEvent.Action.EXPORT, target=client, changed_fields=[f"document:{document.pk}"]
    )
    # The name in the download says what it is and whose record, by code: never the client's name.
    name = f"{client.code}-{document.kind}-{document.pk}.{files.EXTENSIONS.get(document.content_type, 'bin')}"
    return name, document.content_type, content


def document_delete(*, actor: User, document: Document) -> None:
    """Take a document off the record for good (a file put on the wrong client, a photo that should
    not be kept): the row and its files go, the audit trail keeps that it was there and who removed it."""
    client = document.client
    if client.erased_at is not None or not may_upload(actor, client):
        raise PermissionDenied
    names = [n for n in (document.stored_name, document.preview_name) if n]
    with transaction.atomic():
        pk = document.pk
        Document.objects.filter(pk=pk).delete()
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, target=client, changed_fields=[f"document:{pk}"])
        transaction.on_commit(lambda: _delete_stored(names))


def documents_delete_for_erasure(client: Client) -> int:
    """Delete every document of a client being erased, rows and files (the caller checks the
    approval and audits the erasure). Returns how many."""
    documents = list(Document.objects.filter(client=client))
    names = [n for d in documents for n in (d.stored_name, d.preview_name) if n]
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    transaction.on_commit(lambda: _delete_stored(names))
    return len(documents)


def consent_record_with_form(
    *, actor: User, client: Client, form_content: bytes = b"", form_name: str = "", **consent: Any
) -> Consent:
    """Record a consent (clients.services.consent_record) and keep its signed form, scanned, as a
    document of the kind "consent" linked to it: both or neither."""
    with transaction.atomic():
        recorded = client_services.consent_record(actor=actor, client=client, **consent)
        if form_content:
            document_upload(
                actor=actor,
                client=client,
                kind=DocumentKind.CONSENT,
                content=form_content,
                file_name=form_name,
                dated=recorded.given_on,
                consent=recorded,
            )
    return recorded
