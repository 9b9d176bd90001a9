"""Erasure with approval, and how long an office keeps records.

A case manager asks for a client's erasure with a reason; the office's director approves or
declines. Approved, the erasure crypto-shreds the client's data key (clients.services.client_erase),
deletes their documents and search tokens, and keeps the de-identified service records, so the
figures of past years do not move. Nothing is erased without an approved request, from the page or
from the command line.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedModel, EncryptedTextField
from wholejourney.core.models import DataKey, Office


class ErasureRequest(EncryptedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the director")
        APPROVED = "approved", _("Approved, not yet carried out")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Erased")

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("client")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    # Under the client's key: the reason may say who they are, and it goes with the rest.
    reason = EncryptedTextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    carried_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carried_out_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        sensitive = ["reason"]
        plain = [
            "id", "row_id", "client", "office", "status", "requested_by", "requested_at", "decided_by", "decided_at",
            "carried_out_by", "carried_out_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("erasure request")
        constraints = [
            # One open request per client at a time.
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(status="requested"), name="erasure_one_open_request"
            )
        ]

    def __str__(self) -> str:
        return f"erasure request {self.pk} ({self.status}) for client {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key


class RetentionRule(BaseModel):
    """How long an office keeps a client's record once the work is over: `years_after_closure`
    after the last case closed (or after registration, for a client who never had a case); a
    client who was a child is kept at least until `adult_age` plus `years_after_adulthood`."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="retention_rule")
    years_after_closure = models.PositiveSmallIntegerField(
        _("years after the last case closed"), default=7, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    adult_age = models.PositiveSmallIntegerField(
        _("age of adulthood"), default=18, validators=[MinValueValidator(14), MaxValueValidator(25)]
    )
    years_after_adulthood = models.PositiveSmallIntegerField(
        _("for a child: years after coming of age"), default=3, validators=[MaxValueValidator(100)]
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = [
            "id",
            "office",
            "years_after_closure",
            "adult_age",
            "years_after_adulthood",
            "changed_by",
            "changed_at",
        ]

    def __str__(self) -> str:
        return f"retention of {self.office_id}: {self.years_after_closure} years"
