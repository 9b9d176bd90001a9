"""The daily scan for what comes due by the calendar rather than by someone's action: a court date
or hearing within 3 days, a visit or a care-plan review overdue, a care plan waiting for approval.

It asks the due-work registry (core.due) the same question home and *My tasks* ask — each kind's
records for the person, from their own caseload, so access is the registry's — and writes one
notification per person and record, once (a later scan finds the same event key and adds nothing).
Run by `wholejourney notifications digest` just before the day's digest, in which they are told
(or only in the app, if the person chose that).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from wholejourney.core.due import registered_kinds
from wholejourney.notifications.models import Delivery, Kind, Notification, Preference

# The most records of one kind one person is told of in one scan (the most urgent first): the
# first scan of an office with a backlog must not bury anyone; the rest is on *My tasks*.
PER_KIND = 50
SOON = datetime.timedelta(days=3)


@dataclass(frozen=True)
class Scan:
    due_kind: str  # the core.due kind asked
    kind: Kind
    is_due: Callable[[Any, datetime.date], bool]
    client_path: str
    event: Callable[[Any], str]


SCANS = (
    Scan("court_dates", Kind.COURT_DATE, lambda r, today: r.happened_on <= today + SOON, "legal_case__client",
         lambda r: f"court:{r.pk}:{r.happened_on.isoformat()}"),
    Scan("visits", Kind.VISIT_OVERDUE, lambda r, today: r.next_visit_on < today, "client",
         lambda r: f"visit:{r.pk}"),
    Scan("reviews", Kind.REVIEW_OVERDUE, lambda r, today: True, "client", lambda r: f"review:{r.pk}"),
    Scan("plans_to_approve", Kind.CARE_PLAN_TO_DECIDE, lambda r, today: True, "client",
         lambda r: f"plan:{r.pk}"),
)  # fmt: skip


def _client_of(record: Any, path: str) -> Any:
    for step in path.split("__"):
        record = getattr(record, step)
    return record


def reminders_build(*, today: datetime.date | None = None) -> int:
    """Notify each member of staff of their calendar's due work; returns how many notifications."""
    from wholejourney.accounts.models import User

    today = today or timezone.localdate()
    kinds = {kind.key: kind for kind in registered_kinds()}
    staff = list(User.objects.filter(is_active=True, office__isnull=False).prefetch_related("roles"))
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in Preference.objects.filter(kind__in=[s.kind for s in SCANS]).values_list(
            "user_id", "kind", "delivery"
        )
    }
    rows: list[Notification] = []
    for user in staff:
        for scan in SCANS:
            due_kind = kinds.get(scan.due_kind)
            if due_kind is None or due_kind.records is None or not due_kind.applies_to(user):
                continue
            delivery = chosen.get((user.pk, scan.kind), Delivery.DIGEST)
            if delivery == Delivery.AT_ONCE or not user.email:
                delivery = Delivery.DIGEST if user.email else Delivery.APP_ONLY
            for record in due_kind.records(user, today)[:PER_KIND]:
                if not scan.is_due(record, today):
                    continue
                client = _client_of(record, scan.client_path)
                rows.append(
                    Notification(
                        recipient=user,
                        kind=scan.kind,
                        office_id=client.office_id,
                        target_type="clients.client",
                        target_id=client.pk,
                        event_key=f"clients.client:{client.pk}:{scan.event(record)}"[:96],
                        delivery=delivery,
                    )
                )
    before = Notification.objects.count()
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return Notification.objects.count() - before
