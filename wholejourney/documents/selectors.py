"""Reads of documents, scoped to the clients the user may open."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.documents.models import Document


def documents_of(client: Client) -> QuerySet[Document]:
    """A client's documents, newest first (the caller has already opened the client)."""
    return Document.objects.filter(client=client).select_related("uploaded_by", "client__data_key")


def document_get_for(*, user: Any, pk: int) -> Document:
    """The document, or 404 whether it does not exist or its client is outside the user's reach."""
    document = (
        Document.objects.filter(pk=pk, client__in=clients_visible_to(user).values("pk"))
        .select_related("client", "client__data_key", "client__office")
        .first()
    )
    if document is None:
        raise Http404
    return document
