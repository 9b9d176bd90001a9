"""Reads of clients, always scoped to the user's caseload."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import caseload_filter
from wholejourney.clients.models import Client


def clients_visible_to(user: Any) -> QuerySet[Client]:
    """The clients the user may open: their caseload (see accounts.permissions)."""
    return Client.objects.filter(caseload_filter(user), erased_at__isnull=True).select_related(
        "data_key", "team", "case_manager", "office"
    )


def client_get_for(*, user: Any, pk: int) -> Client:
    """The client, or 404 whether it does not exist or is outside the user's reach."""
    client = clients_visible_to(user).filter(pk=pk).first()
    if client is None:
        raise Http404
    return client
