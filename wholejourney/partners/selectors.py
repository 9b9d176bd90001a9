"""Reads of partner organisations, scoped to the user's office."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from wholejourney.partners.models import Organisation, PartnershipPeriod


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """The organisations of the user's office (every office's for a global account), with their periods."""
    orgs = Organisation.objects.select_related("office").prefetch_related(
        Prefetch("periods", queryset=PartnershipPeriod.objects.order_by("-active_from"))
    )
    if user.office_id is not None:
        orgs = orgs.filter(office_id=user.office_id)
    return orgs.order_by("name")


def organisation_get_for(*, user: Any, pk: int) -> Organisation:
    organisation = organisations_visible_to(user).filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def period_get_for(*, user: Any, pk: int) -> PartnershipPeriod:
    period = PartnershipPeriod.objects.select_related("organisation").filter(pk=pk).first()
    if period is None or user.office_id not in (None, period.organisation.office_id):
        raise Http404
    return period
