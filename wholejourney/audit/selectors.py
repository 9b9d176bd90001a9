"""Reads of the audit trail."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet

from wholejourney.audit.models import AuditEvent


def access_history(target: Model, *, former_ids: Iterable[int] = ()) -> QuerySet[AuditEvent]:
    """Every event about one record, newest first: who opened, changed, exported or printed it.
    `former_ids` are records of the same type that became this one (clients merged into it): their
    events are its history too."""
    ids = [str(target.pk), *(str(pk) for pk in former_ids)]
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id__in=ids)


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """A global administrator sees the whole trail; others the events of their office's staff."""
    events = AuditEvent.objects.all()
    if user.office_id is not None:
        events = events.filter(office_code=user.office.code)
    return events


def audit_search(
    *,
    user: Any,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    events = audit_events_visible_to(user)
    if username:
        events = events.filter(actor_username__iexact=username)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events
