"""Reads of notifications, always the user's own and only those whose record they may still open."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from wholejourney.accounts.roles import Permission
from wholejourney.notifications import registry
from wholejourney.notifications.models import KEEP_DAYS, DutyAssignment, Notification
from wholejourney.notifications.services import may_assign_duty, staff_with

# The list shows the newest this many; the header counts up to COUNT_CAP unread.
LIST_SIZE = 100
COUNT_CAP = 99


@dataclass(frozen=True)
class Shown:
    notification: Notification
    url: str


def _recent(user: Any) -> QuerySet[Notification]:
    since = timezone.now() - datetime.timedelta(days=KEEP_DAYS)
    return Notification.objects.filter(recipient_id=user.pk, created_at__gte=since).select_related("office")


def _keep_visible(user: Any, notes: list[Notification]) -> list[Notification]:
    shown = registry.visible_keys(user, [(n.target_type, n.target_id) for n in notes])
    return [n for n in notes if (n.target_type, n.target_id) in shown]


def notifications_for(user: Any, *, unread_only: bool = False) -> list[Notification]:
    """The user's newest notifications (LIST_SIZE at most), leaving out any whose record they may
    no longer open. One query, then one per kind of record."""
    notes = _recent(user)
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return _keep_visible(user, list(notes[:LIST_SIZE]))


def unread_count(user: Any) -> int:
    """How many unread notifications the header shows (up to COUNT_CAP + 1, shown as "99+")."""
    unread = _recent(user).filter(read_at__isnull=True).select_related(None).only("pk", "target_type", "target_id")
    notes = list(unread[: COUNT_CAP + 1])
    return len(_keep_visible(user, notes))


def notification_get_for(*, user: Any, pk: int) -> Notification:
    """The user's notification, if its record is still theirs to open; 404 otherwise."""
    note = _recent(user).filter(pk=pk).first()
    if note is None or not _keep_visible(user, [note]):
        raise Http404
    return note


def target_url(user: Any, note: Notification) -> str:
    target = registry.get(note.target_type)
    if target is None:
        raise Http404
    return target.url(user, note.target_id)


def duty_staff_for(user: Any) -> list[tuple[Any, bool]]:
    """The intake staff of the user's office (those who can be on duty), with whether each is."""
    if user.office_id is None:
        return []
    people = [
        p for p in staff_with(user.office_id, Permission.MANAGE_CASES).order_by("username") if may_assign_duty(user, p)
    ]
    on = set(DutyAssignment.objects.filter(user__in=[p.pk for p in people]).values_list("user_id", flat=True))
    return [(person, person.pk in on) for person in people]
