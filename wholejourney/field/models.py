"""Field work offline: the packs given to phones and the answers to what phones sent.

A pack's secret is half of what unlocks the phone's copy (with the user's field PIN); revoking the
pack (signing out, a disabled account) makes the phone wipe it at its next contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from wholejourney.core.base_model import BaseModel


class FieldPack(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A random token the phone names its pack by (never a client's id or code).
    token = models.CharField(max_length=64, unique=True)
    # Mixed into the phone's key derivation with the PIN; never written on the phone in the clear.
    secret = models.CharField(max_length=64)
    made_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    client_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        plain = ["id", "user", "token", "secret", "made_at", "expires_at", "client_count", "revoked_at"]

    def __str__(self) -> str:
        return f"field pack {self.pk}"


class SyncEntry(BaseModel):
    """An entry a phone made offline and the server accepted, by the phone's idempotency key: the
    same entry sent again (the phone never heard the answer) returns this answer and writes nothing.
    A refused entry wrote nothing, so it is not kept: sent again, it is checked again."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    record_type = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    received_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = ["id", "key", "user", "kind", "record_type", "record_id", "received_at"]

    def __str__(self) -> str:
        return f"sync entry {self.key}"
