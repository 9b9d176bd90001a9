"""Building blocks every app shares: country offices and background jobs."""

from __future__ import annotations

import base64
import os
import threading
import time
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core import crypto
from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedJSONField, EncryptedModel, EncryptedTextField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


def validate_languages(value: object) -> None:
    known = {code for code, _label in settings.LANGUAGES}
    if not isinstance(value, list) or not value or any(code not in known for code in value):
        raise ValidationError(_("Choose at least one of the languages the application offers."))


class Office(BaseModel):
    """A country office. Every record of a survivor, a service or an activity belongs to one."""

    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        help_text=_("Short code used in client codes and reports, for example KH."),
    )
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 two-letter country code."))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    languages = models.JSONField(_("languages"), default=list, validators=[validate_languages])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    is_active = models.BooleanField(_("active"), default=True)

    class Privacy:
        plain = ["id", "code", "name", "country", "time_zone", "languages", "currency", "is_active"]

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{2,8}$"), name="office_code_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Job(BaseModel):
    """A long piece of work done by the task worker, with progress a page can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # A short human message, never identifying data: it is shown to whoever may see the job.
    message = models.CharField(_("message"), max_length=240, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("created by")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs")
    task_result_id = models.CharField(max_length=64, blank=True)
    result_file = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        # The message is shown to the job's owner and must never carry identifying values.
        plain = [
            "id", "kind", "status", "done", "total", "message", "created_by", "office", "task_result_id",
            "result_file", "created_at", "updated_at", "finished_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0), name="job_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


# Keyed by the key's random row id, never by its primary key: a rolled-back transaction can give
# a primary key out twice, and a cache keyed by it would then hand back the wrong key.
# Entries expire so that erasing a client in one process stops every other process reading it
# within a minute (rows loaded with their data key are checked on every read).
_data_key_cache: dict[str, tuple[bytes, float]] = {}
_DATA_KEY_CACHE_SECONDS = 60.0


def _cache_get(row_id: str) -> bytes | None:
    with _data_key_lock:
        entry = _data_key_cache.get(row_id)
    if entry is None or entry[1] < time.monotonic():
        return None
    return entry[0]


def _cache_put(row_id: str, key: bytes) -> None:
    with _data_key_lock:
        _data_key_cache[row_id] = (key, time.monotonic() + _DATA_KEY_CACHE_SECONDS)


_data_key_lock = threading.Lock()


class DataKey(EncryptedModel):
    """A per-client AES key, stored wrapped (encrypted) under the master key.

    Everything identifying about a client is encrypted under the client's data key. Erasing the
    client destroys the key: the ciphertexts stay in the database and in every backup, but no one
    can read them again (crypto-shredding).
    """

    wrapped_key = EncryptedTextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        plain = ["id", "row_id", "created_at", "destroyed_at"]
        sensitive = ["wrapped_key"]

    class Meta:
        verbose_name = _("data key")

    def __str__(self) -> str:
        return f"data key {self.pk}{' (destroyed)' if self.destroyed_at else ''}"

    @classmethod
    def create(cls) -> DataKey:
        return cls.objects.create(wrapped_key=base64.b64encode(os.urandom(32)).decode())

    def plaintext_key(self) -> bytes:
        if self.destroyed_at is not None or self.wrapped_key is None:
            raise crypto.ShreddedError("This record was erased: its data key is destroyed.")
        return base64.b64decode(self.wrapped_key)

    @classmethod
    def unwrapped(cls, row_id: str) -> bytes:
        """The plaintext key of the data key with this row id, cached per process (keys never change, only die)."""
        cached = _cache_get(row_id)
        if cached is not None:
            return cached
        data_key = cls.objects.filter(row_id=row_id).first()
        if data_key is None:
            raise crypto.ShreddedError("This record was erased: its data key is gone.")
        key = data_key.plaintext_key()
        _cache_put(row_id, key)
        return key

    @classmethod
    def remember(cls, data_key: DataKey) -> bytes:
        """The plaintext key of a data key already loaded, cached like `unwrapped`."""
        if data_key.destroyed_at is not None:
            raise crypto.ShreddedError("This record was erased: its data key is destroyed.")
        row_id = str(data_key.row_id)
        cached = _cache_get(row_id)
        if cached is None:
            cached = data_key.plaintext_key()
            _cache_put(row_id, cached)
        return cached

    def destroy(self) -> None:
        """Crypto-shred every value under this key."""
        self.wrapped_key = None
        self.destroyed_at = timezone.now()
        self.save(update_fields=["wrapped_key", "destroyed_at"])
        with _data_key_lock:
            _data_key_cache.pop(str(self.row_id), None)


class RecordChange(EncryptedModel):
    """One correction of a record: an edit (which fields, and their earlier values), a void (and
    why) or a restore. Earlier values and reasons are encrypted under the client's data key when the
    record belongs to a client, so erasing the client shreds its history too."""

    class Action(models.TextChoices):
        EDIT = "edit", _("Edited")
        VOID = "void", _("Voided")
        RESTORE = "restore", _("Restored")

    kind = models.CharField(max_length=40)  # the key of the kind of record (core.corrections.registry)
    record_id = models.PositiveBigIntegerField()
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    version = models.PositiveIntegerField()  # the record's version after this change
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    fields = models.JSONField(default=list)  # the names of the fields changed (never their values)
    earlier = EncryptedJSONField(default=dict, blank=True)  # field name -> the value before, as text
    reason = EncryptedTextField(blank=True)

    class Privacy:
        identifying = ["earlier", "reason"]
        plain = [
            "id", "row_id", "kind", "record_id", "office", "client", "action", "version", "changed_by",
            "changed_at", "fields",
        ]  # fmt: skip

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["kind", "record_id"], name="recordchange_record_idx")]

    def __str__(self) -> str:
        return f"{self.action} of {self.kind} {self.record_id} (v{self.version})"

    def encryption_data_key(self) -> DataKey | None:
        return self.client.data_key if self.client is not None else None
