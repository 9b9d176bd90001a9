"""Reads of exports: a user sees their own; a director sees the requests of their office that wait
for an approval. Anything else is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import has_permission, permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.exports.models import ExportKind, ExportRequest
from wholejourney.exports.tables import EXPORT_PERMISSION


def kinds_for(user: Any) -> list[tuple[str, str]]:
    """The lists the user may export: those their roles show them on the pages."""
    granted = permissions_of(user)
    return [
        (value, str(label))
        for value, label in ExportKind.choices
        if EXPORT_PERMISSION[value] in granted and (value != ExportKind.OFFICE or user.office_id is not None)
    ]


def exports_of(user: Any) -> QuerySet[ExportRequest]:
    return (
        ExportRequest.objects.filter(requester_id=user.pk)
        .select_related("approved_by")
        .order_by("-requested_at", "-pk")
    )


def export_get_for(*, user: Any, pk: int) -> ExportRequest:
    export = exports_of(user).filter(pk=pk).first()
    if export is None:
        raise Http404
    return export


def exports_to_approve(user: Any) -> QuerySet[ExportRequest]:
    """Identifying exports of the director's office waiting for a decision, oldest first."""
    if not has_permission(user, Permission.APPROVE_EXPORTS):
        return ExportRequest.objects.none()
    pending = ExportRequest.objects.filter(status=ExportRequest.Status.REQUESTED, identifying=True).exclude(
        requester_id=user.pk  # nobody approves their own
    )
    if user.office_id is not None:
        pending = pending.filter(office_id=user.office_id)
    return pending.select_related("requester", "office").order_by("requested_at", "pk")


def export_to_approve_get_for(*, user: Any, pk: int) -> ExportRequest:
    export = exports_to_approve(user).filter(pk=pk).first()
    if export is None:
        raise Http404
    return export
