"""Notifications: who must act on what, in the app, by email and through an office's webhook.

A notification names its record by kind and primary key only. It stores no text: what it says is
built from its kind when it is shown or sent, in the reader's language, and never carries a
client's name, code, phone, place or any other identifying value (docs/security.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedModel, EncryptedTextField
from wholejourney.core.models import Office

KEEP_DAYS = 90


class Kind(models.TextChoices):
    NEW_REFERRAL = "new_referral", _("A new referral for the office")
    URGENT_REFERRAL = "urgent_referral", _("An urgent referral for the office")
    REFERRAL_ASSIGNED = "referral_assigned", _("A referral was accepted and assigned to you")
    REFERRAL_STATUS = "referral_status", _("A referral your organisation sent changed status")
    CLOSURE_TO_DECIDE = "closure_to_decide", _("A case closure waits for your decision")
    CLOSURE_DECIDED = "closure_decided", _("Your case closure request was decided")
    EXPORT_TO_DECIDE = "export_to_decide", _("An export waits for your decision")
    EXPORT_DECIDED = "export_decided", _("Your export request was decided")
    BREAK_GLASS = "break_glass", _("Emergency access to a client in your caseload")
    JOB_FINISHED = "job_finished", _("Your background job finished")
    CLIENT_WHOLE = "client_whole", _("A client in your caseload is whole")
    CLOCK_RESET = "clock_reset", _("A client's stability clock was reset")
    COURT_DATE = "court_date", _("A court date within 3 days")
    VISIT_OVERDUE = "visit_overdue", _("A visit is overdue")
    REVIEW_OVERDUE = "review_overdue", _("A care-plan review is overdue")
    CARE_PLAN_TO_DECIDE = "care_plan_to_decide", _("A care plan waits for your approval")
    REFERRAL_ANSWERED = "referral_answered", _("A partner answered a referral sent for your client")
    TRANSFER = "transfer", _("A transfer between offices needs you, or was decided")


# Who is told at once, in a daily digest, or only in the app, when the person has not chosen.
class Delivery(models.TextChoices):
    AT_ONCE = "at_once", _("By email at once")
    DIGEST = "digest", _("In a daily email digest")
    APP_ONLY = "app_only", _("Only in the app")


DEFAULT_DELIVERY: dict[str, str] = {
    Kind.NEW_REFERRAL: Delivery.DIGEST,
    Kind.URGENT_REFERRAL: Delivery.AT_ONCE,
    Kind.REFERRAL_ASSIGNED: Delivery.AT_ONCE,
    Kind.REFERRAL_STATUS: Delivery.AT_ONCE,
    Kind.REFERRAL_ANSWERED: Delivery.AT_ONCE,
    Kind.TRANSFER: Delivery.AT_ONCE,
    Kind.CLOSURE_TO_DECIDE: Delivery.DIGEST,
    Kind.CLOSURE_DECIDED: Delivery.AT_ONCE,
    Kind.EXPORT_TO_DECIDE: Delivery.AT_ONCE,
    Kind.EXPORT_DECIDED: Delivery.AT_ONCE,
    Kind.BREAK_GLASS: Delivery.AT_ONCE,
    Kind.JOB_FINISHED: Delivery.APP_ONLY,
    Kind.CLIENT_WHOLE: Delivery.DIGEST,
    Kind.CLOCK_RESET: Delivery.AT_ONCE,
    Kind.COURT_DATE: Delivery.DIGEST,
    Kind.VISIT_OVERDUE: Delivery.DIGEST,
    Kind.REVIEW_OVERDUE: Delivery.DIGEST,
    Kind.CARE_PLAN_TO_DECIDE: Delivery.DIGEST,
}
# Found by the daily scan (`reminders.py`) rather than by a service: told in that day's digest even
# when "at once" is chosen (the scan runs just before the digest).
DAILY_KINDS = frozenset({Kind.COURT_DATE, Kind.VISIT_OVERDUE, Kind.REVIEW_OVERDUE, Kind.CARE_PLAN_TO_DECIDE})


class Notification(BaseModel):
    """One person told of one event about one record (named by `target_type` and `target_id`)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The record, as "app_label.model" and its primary key: no foreign key, so any app's record can
    # be named and a deleted record leaves a notice that is simply no longer shown.
    target_type = models.CharField(max_length=64)
    target_id = models.PositiveBigIntegerField()
    # One event (the referral's arrival, the closure's decision) tells each person once.
    event_key = models.CharField(max_length=96)
    urgent = models.BooleanField(default=False)
    # The email as decided when the event happened: at once, in the digest, or not at all.
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.APP_ONLY)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        # No text and no identifying value: a kind, an office and a record's number.
        plain = [
            "id", "recipient", "kind", "office", "target_type", "target_id", "event_key", "urgent", "delivery",
            "created_at", "read_at", "digested_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "digested_at"], name="notification_digest"),
            models.Index(fields=["created_at"], name="notification_created"),
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} ({self.kind})"


class Preference(BaseModel):
    """How a person wants to hear of one kind of event (the default is DEFAULT_DELIVERY)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)

    class Privacy:
        plain = ["id", "user", "kind", "delivery"]

    class Meta:
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"


class DutyAssignment(BaseModel):
    """A person on duty for their office: told of urgent referrals by email at once, whatever they
    chose. Set by an administrator (or the office's director) on the duty page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = ["id", "user", "office", "assigned_by", "assigned_at"]

    class Meta:
        verbose_name = _("duty assignment")

    def __str__(self) -> str:
        return f"duty of user {self.user_id}"


class OfficeWebhook(EncryptedModel):
    """Where an office's events are posted for another channel (an SMS or messaging gateway)."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("address"), max_length=400)
    # The HMAC-SHA256 key shared with the receiver.
    secret = EncryptedTextField(_("signing secret"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = ["id", "row_id", "office", "url", "is_active", "created_at"]
        sensitive = ["secret"]

    class Meta:
        verbose_name = _("office webhook")

    def __str__(self) -> str:
        return f"webhook of office {self.office_id}"


class Outbox(BaseModel):
    """One message to send (an email or a webhook post), sent at most once.

    The worker claims a row (status SENDING, committed) before it sends: a worker killed between
    sending and marking leaves the row claimed, and no worker ever sends it again. A failure the
    worker sees (the server refused, the network broke) puts it back with a later `next_attempt_at`.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        DIGEST = "digest", _("Daily digest")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Not sent: nothing left that the recipient may see")

    channel = models.CharField(max_length=16, choices=Channel.choices)
    # An email's recipient, or the office of a webhook post. The content is built at sending time
    # from the notifications named here (never stored text).
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, related_name="+")
    notifications = models.JSONField(default=list)
    event_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The kind of the last failure (an exception's class name), never its message.
    last_error = models.CharField(max_length=120, blank=True)

    class Privacy:
        plain = [
            "id", "channel", "recipient", "office", "notifications", "event_key", "status", "attempts",
            "next_attempt_at", "claimed_at", "sent_at", "created_at", "last_error",
        ]  # fmt: skip

    class Meta:
        verbose_name = _("outgoing message")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="webhook", office__isnull=False) | ~Q(channel="webhook"),
                name="outbox_webhook_has_office",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"
