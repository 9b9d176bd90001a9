"""Imports of an office's history from a workbook: each run, and which record each of the
organisation's row ids became, so importing a later version updates instead of duplicating."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedCharField, EncryptedModel
from wholejourney.core.models import Job, Office


class ImportRun(EncryptedModel):
    """One import of one workbook into one office: who, when, the file's fingerprint and what it did."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        LOADING = "loading", _("Recording")
        INVALID = "invalid", _("Not recorded: the workbook has problems")
        FAILED = "failed", _("Stopped: nothing was recorded")
        SUCCEEDED = "succeeded", _("Recorded")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    # A file name can be a person's name ("Sokha case notes.xlsx").
    file_name = EncryptedCharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALIDATING)
    # Per sheet: rows, created, updated, unchanged. Numbers only.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # Every problem found: sheet, row, column, a message code and its parameters (never a cell's value).
    errors = models.JSONField(_("problems"), default=list, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Privacy:
        sensitive = ["file_name"]
        plain = [
            "id", "row_id", "office", "sha256", "status", "counts", "errors", "started_at", "finished_at", "by", "job",
        ]  # fmt: skip

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"import {self.pk} into {self.office_id} ({self.status})"

    @property
    def error_count(self) -> int:
        return len(self.errors)


class ImportedRow(BaseModel):
    """Row `external_id` of sheet `sheet` of an office's workbooks became this record.

    `digest` is a keyed hash (HMAC) of the row's values as imported: the same row imported again
    is skipped, a changed row updates its record. Keyed, so it cannot be used to guess a name."""

    # An import writes a row here for every row it reads (a million for a national programme), so
    # the table carries only what finding a row again needs: the unique (office, sheet, id). Its keys
    # have no index and no constraint in the database of their own (Django still cascades a deleted
    # office and protects a content type); each would be checked for every row written.
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    sheet = models.CharField(max_length=40)
    external_id = models.CharField(max_length=64)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    object_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)

    class Privacy:
        # The organisation's own record ids (documented: never a name or a national id number).
        plain = ["id", "office", "sheet", "external_id", "content_type", "object_id", "digest"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "sheet", "external_id"], name="importedrow_unique_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet}:{self.external_id} → {self.content_type_id}:{self.object_id}"
