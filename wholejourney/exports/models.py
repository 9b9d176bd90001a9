"""Exports: a list the user may see, as a spreadsheet, with a trail of who asked, who approved
and every download. One with identifying data needs the director's approval and a fresh second
factor; every export expires 24 hours after it is ready."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.fields import EncryptedModel, EncryptedTextField
from wholejourney.core.models import Office


class ExportKind(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    CASES = "cases", _("Cases")
    SERVICES = "services", _("Services")
    PARTICIPANTS = "participants", _("Programme participants")
    HTCDS = "htcds", _("Case records in the IOM Human Trafficking Case Data Standard")
    OFFICE = "office", _("The whole office, as a workbook in the import format")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    CSV = "csv", _("CSV")


class ExportRequest(EncryptedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the director's approval")
        APPROVED = "approved", _("Approved; confirm with your authenticator code")
        DECLINED = "declined", _("Declined")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        EXPIRED = "expired", _("Expired")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_requests")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("what"), max_length=16, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    identifying = models.BooleanField(
        _("with names and other identifying details"),
        default=False,
        help_text=_("Without them, people are shown by their codes only and no approval is needed."),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was declined: free text that may name a client, so encrypted.
    decision_note = EncryptedTextField(_("note"), blank=True)
    second_factor_checked_at = models.DateTimeField(null=True, blank=True)
    # Relative to the media storage (var/media/): exports/<random>.<format>, encrypted at rest.
    file_path = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        sensitive = ["decision_note"]
        plain = [
            "id", "row_id", "requester", "office", "kind", "format", "identifying", "status", "requested_at",
            "approved_by", "decided_at", "second_factor_checked_at", "file_path", "row_count", "ready_at",
            "expires_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            # Nothing identifying leaves without a named approver.
            models.CheckConstraint(
                condition=Q(identifying=False) | ~Q(status__in=["building", "ready"]) | Q(approved_by__isnull=False),
                name="identifying_export_is_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(ready_at__isnull=False) & Q(expires_at__isnull=False)),
                name="ready_export_expires",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_status_expiry_idx")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.kind}, {self.status})"

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and self.expires_at is not None and self.expires_at > timezone.now()
