"""Writes of notifications: telling people of an event, reading, preferences, duty and webhooks.

`notify` is called by the service that causes the event, inside its transaction: the notifications
and their outgoing messages commit (or roll back) with the event itself, and the worker is woken
only once they are committed (`transaction.on_commit`). Nothing is sent from inside a request.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.permissions import has_permission, permissions_of
from wholejourney.accounts.roles import ROLE_PERMISSIONS, Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.models import Office
from wholejourney.notifications import registry
from wholejourney.notifications.models import (
    DEFAULT_DELIVERY,
    KEEP_DAYS,
    Delivery,
    DutyAssignment,
    Kind,
    Notification,
    OfficeWebhook,
    Outbox,
    Preference,
)

# Kinds whose email the office's duty people receive at once, whatever they chose.
DUTY_KINDS = frozenset({Kind.URGENT_REFERRAL})

_silenced: contextvars.ContextVar[bool] = contextvars.ContextVar("wj_notifications_silenced", default=False)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Inside this block no event notifies: an import of history records past events, which must
    not flood anyone's inbox."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def staff_with(office_id: int | None, perm: Permission) -> models.QuerySet[Any]:
    """The active accounts of an office whose roles grant `perm` (one query)."""
    from wholejourney.accounts.models import User

    roles = [role.value for role, granted in ROLE_PERMISSIONS.items() if perm in granted]
    if office_id is None:
        return User.objects.none()
    return (
        User.objects.filter(office_id=office_id, is_active=True, roles__role__in=roles)
        .distinct()
        .prefetch_related("roles")
    )


def notify(
    *,
    kind: str,
    target: models.Model,
    recipients: Iterable[Any],
    event: str,
    office: Office | None = None,
    actor: Any = None,
    urgent: bool = False,
) -> list[Notification]:
    """Tell `recipients` of `event` (a short key, unique for the event and the record: "received",
    "decided") about `target`. Only those who may open the record now are told; the actor is not
    told of their own deed. Call inside the transaction that writes the event."""
    if _silenced.get():
        return []
    target_type = registry.target_type(target)
    event_key = f"{target_type}:{target.pk}:{event}"[:96]
    office_id = office.pk if office is not None else getattr(target, "office_id", None)
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    people.pop(getattr(actor, "pk", None), None)
    people = {pk: user for pk, user in people.items() if registry.may_see(user, target)}
    if not people:
        return []
    chosen = dict(Preference.objects.filter(user_id__in=list(people), kind=kind).values_list("user_id", "delivery"))
    on_duty: set[int] = set()
    if kind in DUTY_KINDS and office_id is not None:
        on_duty = set(
            DutyAssignment.objects.filter(user_id__in=list(people), office_id=office_id).values_list(
                "user_id", flat=True
            )
        )
    told_before = set(
        Notification.objects.filter(event_key=event_key, recipient_id__in=list(people)).values_list(
            "recipient_id", flat=True
        )
    )
    rows = []
    for pk, user in sorted(people.items()):
        if pk in told_before:
            continue  # already told of this event
        delivery = Delivery.AT_ONCE if pk in on_duty else chosen.get(pk, DEFAULT_DELIVERY.get(kind, Delivery.APP_ONLY))
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                office_id=office_id,
                target_type=target_type,
                target_id=target.pk,
                event_key=event_key,
                urgent=urgent,
                delivery=delivery if user.email else Delivery.APP_ONLY,
            )
        )
    # One insert for everyone (a referral tells a whole office's intake staff), and one for the emails.
    created = Notification.objects.bulk_create(rows)
    emails = [
        Outbox(
            channel=Outbox.Channel.EMAIL,
            recipient_id=note.recipient_id,
            notifications=[note.pk],
            event_key=f"email:{note.pk}",
        )
        for note in created
        if note.delivery == Delivery.AT_ONCE
    ]
    Outbox.objects.bulk_create(emails)
    queued = bool(emails)  # a message for the worker (the worker is woken only then)
    if created and office_id is not None and OfficeWebhook.objects.filter(office_id=office_id, is_active=True).exists():
        Outbox.objects.get_or_create(
            event_key=f"webhook:{event_key}"[:120],
            defaults={
                "channel": Outbox.Channel.WEBHOOK,
                "office_id": office_id,
                "notifications": [note.pk for note in created],
            },
        )
        queued = True
    if queued:
        transaction.on_commit(_wake_the_worker)
    return created


def _wake_the_worker() -> None:
    from wholejourney.notifications.tasks import deliver_due

    deliver_due.enqueue()


# --- reading -----------------------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete notifications older than KEEP_DAYS days, and their sent or failed messages."""
    limit = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _counts = Notification.objects.filter(created_at__lt=limit).delete()
    Outbox.objects.filter(created_at__lt=limit).exclude(status=Outbox.Status.PENDING).delete()
    return deleted


# --- preferences, duty, webhooks ---------------------------------------------------------------


def preference_set(*, actor: Any, kind: str, delivery: str) -> Preference:
    """Choose how to hear of one kind of event. Urgent referrals still reach duty people at once."""
    if kind not in Kind.values or delivery not in Delivery.values:
        raise ValidationError(_("Choose a kind of event and how to hear of it."))
    preference, _created = Preference.objects.update_or_create(
        user_id=actor.pk, kind=kind, defaults={"delivery": delivery}
    )
    return preference


# Who can be told of each kind at all: the settings page offers a person only their own kinds.
KIND_PERMISSION: dict[str, Permission] = {
    Kind.NEW_REFERRAL: Permission.MANAGE_CASES,
    Kind.URGENT_REFERRAL: Permission.MANAGE_CASES,
    Kind.REFERRAL_ASSIGNED: Permission.MANAGE_CASES,
    Kind.REFERRAL_STATUS: Permission.SUBMIT_REFERRALS,
    Kind.CLOSURE_TO_DECIDE: Permission.MANAGE_CASES,
    Kind.CLOSURE_DECIDED: Permission.MANAGE_CASES,
    Kind.EXPORT_TO_DECIDE: Permission.APPROVE_EXPORTS,
    Kind.EXPORT_DECIDED: Permission.SIGNED_IN,
    Kind.BREAK_GLASS: Permission.VIEW_CLIENTS,
    Kind.JOB_FINISHED: Permission.SIGNED_IN,
    Kind.CLIENT_WHOLE: Permission.VIEW_CLIENTS,
    Kind.CLOCK_RESET: Permission.VIEW_CLIENTS,
    Kind.COURT_DATE: Permission.VIEW_CLIENTS,
    Kind.VISIT_OVERDUE: Permission.MANAGE_CASES,
    Kind.REVIEW_OVERDUE: Permission.MANAGE_CASES,
    Kind.CARE_PLAN_TO_DECIDE: Permission.MANAGE_CASES,
    Kind.REFERRAL_ANSWERED: Permission.MANAGE_CASES,
    Kind.TRANSFER: Permission.MANAGE_CASES,
}


def kinds_for(user: Any) -> list[Kind]:
    granted = permissions_of(user)
    return [kind for kind in Kind if KIND_PERMISSION.get(kind, Permission.SIGNED_IN) in granted]


def deliveries_of(user: Any) -> dict[str, str]:
    chosen = dict(Preference.objects.filter(user_id=user.pk).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}


def may_assign_duty(actor: Any, user: Any) -> bool:
    """An administrator of the user's office (or a global one), or the office's director."""
    if user.office_id is None or actor.office_id not in (None, user.office_id):
        return False
    return has_permission(actor, Permission.MANAGE_USERS) or has_permission(actor, Permission.APPROVE_CLOSURE)


def duty_set(*, actor: Any, user: Any, on_duty: bool) -> None:
    """Put a member of an office's intake staff on duty (told of urgent referrals by email at once,
    which they cannot turn off), or take them off. Audited."""
    if not may_assign_duty(actor, user):
        raise PermissionDenied
    if on_duty and Permission.MANAGE_CASES not in permissions_of(user):
        raise ValidationError(_("Only staff who take referrals can be on duty."))
    with transaction.atomic():
        if on_duty:
            DutyAssignment.objects.update_or_create(
                user=user, defaults={"office_id": user.office_id, "assigned_by": actor, "assigned_at": timezone.now()}
            )
        else:
            DutyAssignment.objects.filter(user=user).delete()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=user, changed_fields=["duty"])


def webhook_set(*, actor: Any, office: Office, url: str, is_active: bool = True) -> tuple[OfficeWebhook, str]:
    """Set the office's webhook address; returns the webhook and its new signing secret (shown once)."""
    if not has_permission(actor, Permission.MANAGE_OFFICES, obj=office):
        raise PermissionDenied
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        webhook, _created = OfficeWebhook.objects.update_or_create(
            office=office, defaults={"url": url, "secret": secret, "is_active": is_active}
        )
        webhook.full_clean()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=office, changed_fields=["webhook"])
    return webhook, secret
