"""Reads of clients, always scoped to the user's caseload."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import caseload_filter
from wholejourney.clients.models import Client, Consent, ConsentKind, ConsentOverride


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


def consents_of(client: Client) -> QuerySet[Consent]:
    """A client's consents, those in force first, newest first (the caller has opened the client)."""
    return (
        Consent.objects.filter(client=client)
        .select_related("partner", "recorded_by", "withdrawn_by", "client__data_key")
        .prefetch_related("forms")
        .order_by(F("withdrawn_on").desc(nulls_first=True), "-given_on", "-pk")
    )


def consent_get_for(*, user: Any, pk: int) -> Consent:
    """A consent of a client the user may open, or 404."""
    consent = (
        Consent.objects.filter(pk=pk, client__in=clients_visible_to(user).values("pk"))
        .select_related("client", "client__data_key", "client__office", "partner")
        .first()
    )
    if consent is None:
        raise Http404
    return consent


def consent_overrides_of(client: Client) -> QuerySet[ConsentOverride]:
    """The times information about the client went out without their consent, on the director's word."""
    return ConsentOverride.objects.filter(client=client).select_related("partner", "decided_by", "client__data_key")


def with_sharing_consent(clients: QuerySet[Any], path: str = "pk") -> QuerySet[Any]:
    """Keep the rows whose client (at `path`) has a consent to share information in force, with
    any partner: what an export with identifying data needs (exports.tables)."""
    in_force = Consent.objects.filter(client_id=OuterRef(path), kind=ConsentKind.SHARING, withdrawn_on__isnull=True)
    return clients.filter(Exists(in_force))
