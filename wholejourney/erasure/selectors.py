"""Reads of erasure requests and of the clients an office's retention rule says are due."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.cases.models import Case, CaseStatus
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.models import Office
from wholejourney.erasure.models import ErasureRequest, RetentionRule


def requests_of(client: Client) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(client=client).select_related("requested_by", "decided_by", "client__data_key")


def requests_to_decide(user: Any) -> QuerySet[ErasureRequest]:
    """Requests waiting for this director: of the clients they may open, made by someone else."""
    if not has_permission(user, Permission.APPROVE_CLOSURE):
        return ErasureRequest.objects.none()
    return (
        ErasureRequest.objects.filter(
            status=ErasureRequest.Status.REQUESTED, client__in=clients_visible_to(user).values("pk")
        )
        .exclude(requested_by=user)
        .select_related("client", "client__data_key", "requested_by")
        .order_by("requested_at", "pk")
    )


def request_get_for(*, user: Any, pk: int) -> ErasureRequest:
    request = (
        ErasureRequest.objects.filter(pk=pk, client__in=clients_visible_to(user).values("pk"))
        .select_related("client", "client__data_key", "requested_by", "decided_by")
        .first()
    )
    if request is None:
        raise Http404
    return request


def rule_of(office: Office | None) -> RetentionRule | None:
    return None if office is None else RetentionRule.objects.filter(office=office).first()


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_for_erasure(office: Office, today: datetime.date) -> QuerySet[Client]:
    """The office's clients its retention rule says may now be erased: no case open, the last case
    closed (or, without a case, the registration) at least N years ago, and a client who was a
    child old enough. None without a rule; clients with a request waiting are left out."""
    rule = rule_of(office)
    if rule is None:
        return Client.objects.none()
    cutoff = _years_before(today, rule.years_after_closure)
    open_case = Case.objects.filter(client_id=OuterRef("pk")).exclude(status=CaseStatus.CLOSED)
    waiting = ErasureRequest.objects.filter(
        client_id=OuterRef("pk"), status__in=[ErasureRequest.Status.REQUESTED, ErasureRequest.Status.APPROVED]
    )
    born_before = today.year - rule.adult_age - rule.years_after_adulthood
    return (
        Client.objects.filter(office=office, erased_at__isnull=True)
        .annotate(ended_on=Coalesce(Max("cases__closed_on"), TruncDate("registered_at")))
        .filter(~Exists(open_case), ~Exists(waiting), ended_on__lte=cutoff)
        .filter(Q(birth_year__isnull=True) | Q(birth_year__lte=born_before))
        .order_by("ended_on", "pk")
    )
