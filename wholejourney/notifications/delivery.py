"""Sending what `notify` queued: emails (at once and the daily digest) and office webhooks.

At most once per message: the worker claims a row (PENDING -> SENDING, committed on its own) before
it sends, and marks it SENT after. A worker killed between the two leaves the row SENDING, which no
worker picks up again (the sweep marks it FAILED after an hour, for an operator to see). A failure
the worker does see (the server refused, the network broke) puts the row back as PENDING with a
later `next_attempt_at` (back-off), up to MAX_ATTEMPTS.

Every message is built here, at sending time, in its recipient's language, from the kinds of the
notifications it names, and only from those the recipient may still open: no client's identifying
value is ever read, let alone written (docs/security.md).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.request
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wholejourney.notifications import registry
from wholejourney.notifications.models import Delivery, Kind, Notification, OfficeWebhook, Outbox
from wholejourney.notifications.text import absolute, open_link, sentence

logger = logging.getLogger(__name__)

# Seconds to wait before attempts 2, 3, …
BACKOFF = [60, 300, 1800, 7200, 21600]
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_CLAIM = datetime.timedelta(hours=1)
SWEEP_BATCH = 200


class DeliveryFailed(Exception):
    """The receiver did not take the message (kept without any detail of the message)."""


def claim(outbox_id: int) -> Outbox | None:
    """Take the row for sending, or None if it is not due or another worker has it. Committed at
    once, before anything is sent."""
    now = timezone.now()
    with transaction.atomic():
        taken = Outbox.objects.filter(pk=outbox_id, status=Outbox.Status.PENDING, next_attempt_at__lte=now).update(
            status=Outbox.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    if not taken:
        return None
    return Outbox.objects.select_related("recipient", "office").get(pk=outbox_id)


def mark_sent(row: Outbox) -> None:
    Outbox.objects.filter(pk=row.pk, status=Outbox.Status.SENDING).update(
        status=Outbox.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def _mark_failed(row: Outbox, exc: BaseException) -> datetime.datetime | None:
    """Back to PENDING with a later attempt, or FAILED after the last. Returns when to try again."""
    kind = type(exc).__name__[:120]
    if row.attempts >= MAX_ATTEMPTS:
        Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.FAILED, last_error=kind)
        return None
    later = timezone.now() + datetime.timedelta(seconds=BACKOFF[max(row.attempts - 1, 0)])
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.PENDING, next_attempt_at=later, last_error=kind)
    return later


def deliver(outbox_id: int) -> str:
    """Send one queued message if it is due and nobody else has it. Returns its status after."""
    row = claim(outbox_id)
    if row is None:
        return Outbox.objects.filter(pk=outbox_id).values_list("status", flat=True).first() or ""
    try:
        sent = SENDERS[Outbox.Channel(row.channel)](row)
    except Exception as exc:  # noqa: BLE001 (any failure of the receiver is retried, its message withheld)
        later = _mark_failed(row, exc)
        logger.warning("notification message %s not delivered (%s); next attempt %s", row.pk, type(exc).__name__, later)
        if later is not None:
            _wake_at(later)
        return Outbox.Status.PENDING if later else Outbox.Status.FAILED
    if not sent:
        Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.DROPPED)
        return Outbox.Status.DROPPED
    mark_sent(row)
    return Outbox.Status.SENT


def _wake_at(when: datetime.datetime) -> None:
    from django_tasks import default_task_backend

    from wholejourney.notifications.tasks import deliver_due

    if default_task_backend.supports_defer:
        deliver_due.using(run_after=when).enqueue()


def deliver_due(*, limit: int = SWEEP_BATCH) -> int:
    """Send every message that is due; give up on claims a killed worker left. Returns how many were sent."""
    now = timezone.now()
    Outbox.objects.filter(status=Outbox.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Outbox.Status.FAILED, last_error="interrupted"
    )
    due = Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    sent = 0
    for outbox_id in list(due.values_list("pk", flat=True)[:limit]):
        sent += deliver(outbox_id) == Outbox.Status.SENT
    return sent


# --- what is sent -----------------------------------------------------------------------------


def _still_visible(row: Outbox) -> list[Notification]:
    """The row's notifications its recipient may still open (all of them for a webhook: its
    notifications were checked when written, and it carries no record at all)."""
    notes = list(Notification.objects.filter(pk__in=row.notifications).select_related("office").order_by("pk"))
    if row.recipient is None:
        return notes
    shown = registry.visible_keys(row.recipient, [(n.target_type, n.target_id) for n in notes])
    return [n for n in notes if (n.target_type, n.target_id) in shown]


def _footer() -> str:
    return _(
        "This message names no one, to keep the people in our care safe: sign in to see the record. "
        "Choose how you hear of each kind of event on your notification settings: %(link)s"
    ) % {"link": absolute(reverse("notifications:settings"))}


def _send_email(row: Outbox) -> bool:
    notes = _still_visible(row)
    user = row.recipient
    if not notes or user is None or not user.email or not user.is_active:
        return False
    note = notes[0]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Whole Journey: %(event)s") % {"event": Kind(note.kind).label}
        if note.urgent:
            subject = " · ".join([_("Urgent"), subject])
        lines = [sentence(note.kind)]
        if note.office is not None:
            lines.append(": ".join([_("Office"), note.office.name]))
        lines += ["", ": ".join([_("Sign in"), open_link(note.pk)]), "", _footer()]
        _email(user.email, subject, "\n".join(lines), row)
    return True


def _send_digest(row: Outbox) -> bool:
    notes = _still_visible(row)
    user = row.recipient
    if not notes or user is None or not user.email or not user.is_active:
        return False
    counts = Counter(n.kind for n in notes)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Whole Journey: your daily summary")
        lines = [_("Since the last summary:"), ""]
        for kind, count in sorted(counts.items(), key=lambda pair: list(Kind.values).index(pair[0])):
            lines.append(_("%(count)s × %(event)s") % {"count": count, "event": sentence(kind)})
        lines += [
            "",
            ": ".join([_("Sign in"), absolute(reverse("notifications:list"))]),
            "",
            _footer(),
        ]
        _email(user.email, subject, "\n".join(lines), row)
    return True


def _email(to: str, subject: str, body: str, row: Outbox) -> None:
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "X-Whole-Journey-Message": row.event_key},
    )
    message.send(fail_silently=False)


def webhook_body(row: Outbox) -> bytes:
    """The JSON posted for a webhook row: the kind, the office, who is told (staff accounts, their
    language) and the sentence in each language; a link that needs sign-in; nothing about a client."""
    notes = list(Notification.objects.filter(pk__in=row.notifications).select_related("recipient", "office"))
    first = notes[0] if notes else None
    texts = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = sentence(first.kind) if first else ""
    payload = {
        "id": row.event_key,
        "event": first.kind if first else "",
        "urgent": bool(first and first.urgent),
        "office": row.office.code if row.office is not None else "",
        "occurred_at": first.created_at.isoformat() if first else "",
        "text": texts,
        "link": absolute(reverse("notifications:list")),
        "recipients": sorted(
            ({"username": n.recipient.get_username(), "language": n.recipient.language} for n in notes),
            key=lambda person: person["username"],
        ),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the office's secret, as hex (docs/webhooks.md)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _send_webhook(row: Outbox) -> bool:
    if row.office_id is None or not row.notifications:
        return False
    hook = OfficeWebhook.objects.filter(office_id=row.office_id, is_active=True).first()
    if hook is None:
        return False
    if not hook.url.startswith(("https://", "http://")):
        raise DeliveryFailed("scheme")  # never file:// or another scheme urllib would open
    body = webhook_body(row)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (an https or http URL the office's administrator set)
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "WholeJourney-Webhook/1",
            "X-WholeJourney-Event": row.event_key,
            "X-WholeJourney-Timestamp": timestamp,
            "X-WholeJourney-Signature": "sha256=" + signature(hook.secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise DeliveryFailed(str(response.status))
    return True


SENDERS = {
    Outbox.Channel.EMAIL: _send_email,
    Outbox.Channel.DIGEST: _send_digest,
    Outbox.Channel.WEBHOOK: _send_webhook,
}


# --- the daily digest -------------------------------------------------------------------------


def digest_build(*, now: datetime.datetime | None = None) -> int:
    """Queue one digest email per person with unread notifications chosen for the digest since
    the last one. A fixed number of queries whatever the number of people or notifications: each
    digest's access check is done when it is sent, by the worker, one person at a time."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(delivery=Delivery.DIGEST, digested_at__isnull=True, created_at__lte=now)
    with transaction.atomic():
        last = waiting.aggregate(last=Max("pk"))["last"]
        if last is None:
            return 0
        batch = waiting.filter(pk__lte=last)
        per_person: dict[int, list[int]] = {}
        for pk, recipient_id in batch.filter(read_at__isnull=True).order_by("pk").values_list("pk", "recipient_id"):
            per_person.setdefault(recipient_id, []).append(pk)
        Outbox.objects.bulk_create(
            [
                Outbox(
                    channel=Outbox.Channel.DIGEST,
                    recipient_id=recipient_id,
                    notifications=ids,
                    event_key=f"digest:{recipient_id}:{ids[-1]}",
                )
                for recipient_id, ids in per_person.items()
            ],
            ignore_conflicts=True,
        )
        batch.update(digested_at=now)
        transaction.on_commit(_wake_now)
    return len(per_person)


def _wake_now() -> None:
    from wholejourney.notifications.tasks import deliver_due

    deliver_due.enqueue()


def outbox_stats() -> dict[str, Any]:
    return dict(Counter(Outbox.objects.values_list("status", flat=True)))
