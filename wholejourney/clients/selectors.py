"""Reads of clients, always scoped to the user's caseload."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import caseload_filter
from wholejourney.clients.models import Client, ClientLookup
from wholejourney.core.blind_index import IndexKind, blind_index


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


def _matching_ids(kind: IndexKind, value: str) -> QuerySet[ClientLookup]:
    digest = blind_index(kind, value)
    if digest is None:
        return ClientLookup.objects.none()
    return ClientLookup.objects.filter(kind=kind, digest=digest)


# A common name can match hundreds of clients; a list that long helps nobody find the one person.
SEARCH_LIMIT = 20


def client_search(*, user: Any, kind: IndexKind, value: str) -> dict[str, Any]:
    """Exact-match search by full name, phone or ID number.

    Returns the matches the user may open, those in their office outside their caseload (they may
    break the glass), whether any exists in another office (only the fact: the director can ask
    that office), and whether more matched than SEARCH_LIMIT of each are shown."""
    lookups = _matching_ids(kind, value)
    client_ids = set(lookups.values_list("client_id", flat=True))
    if not client_ids:
        return {"visible": [], "outside_caseload": [], "other_office": False, "more": False}
    visible = list(clients_visible_to(user).filter(pk__in=client_ids).order_by("code")[: SEARCH_LIMIT + 1])
    # The same queries whether or not every match is in the caseload: the number of queries does
    # not depend on how many clients share the name (benchmarks/caseload.py).
    rest = Client.objects.filter(pk__in=client_ids, erased_at__isnull=True).exclude(
        pk__in=clients_visible_to(user).order_by().values("pk")
    )
    same_office = (
        list(rest.filter(office_id=user.office_id).order_by("code").only("pk", "code", "office_id")[: SEARCH_LIMIT + 1])
        if user.office_id
        else []
    )
    other_office = rest.exclude(office_id=user.office_id).exists() if user.office_id else False
    return {
        "visible": visible[:SEARCH_LIMIT],
        "outside_caseload": same_office[:SEARCH_LIMIT],
        "other_office": other_office,
        "more": len(visible) > SEARCH_LIMIT or len(same_office) > SEARCH_LIMIT,
    }
