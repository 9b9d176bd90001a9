"""The audit trail: one append-only table of who did what to which record.

No foreign keys, so deleting a user or a record never breaks the trail; values of
changed fields are never stored, only their names.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core import crypto
from wholejourney.core.base_model import BaseModel


class AuditEvent(BaseModel):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        PRINT = "print", _("Printed")
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        FAILED_LOGIN = "failed_login", _("Failed sign-in")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        BREAK_GLASS = "break_glass", _("Break-the-glass access")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MFA_RESET = "mfa_reset", _("Two-factor reset")
        MFA_ENROLLED = "mfa_enrolled", _("Two-factor enrolled")
        # Searches for clients: the kind and the number of results, never what was typed.
        SEARCH = "search", _("Searched")
        SEARCH_REFUSED = "search_refused", _("Search refused (too many)")

    # Position in the hash chain: 1, 2, 3, … with no gaps.
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=255, blank=True)
    office_code = models.CharField(max_length=8, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Privacy:
        plain = [
            "id", "seq", "at", "actor_id", "actor_username", "actor_roles", "office_code", "action", "object_type",
            "object_id", "changed_fields", "request_id", "ip_address", "prev_hash", "row_hash",
        ]  # fmt: skip

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # Recent events of one kind (the searches of the last minute, refusals of the week):
            # without it, the search's rate limit read every event of the searching account.
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"

    def canonical(self) -> bytes:
        """The bytes the row's hash covers: every field but the hashes, in a fixed order."""
        at = self.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        values = [
            self.seq, at, self.actor_id, self.actor_username, self.actor_roles, self.office_code, self.action,
            self.object_type, self.object_id, list(self.changed_fields), self.request_id, self.ip_address,
        ]  # fmt: skip
        return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()

    def _chained(self) -> bytes:
        return self.prev_hash.encode() + b"|" + self.canonical()

    def compute_hash(self, key: bytes | None = None) -> str:
        """The row's MAC: HMAC-SHA256 under the audit key (from the keyring, never in the database) over the
        previous row's MAC and this row, so rewriting a row and recomputing the rest needs the key."""
        return hmac.new(key or crypto.audit_key(), self._chained(), hashlib.sha256).hexdigest()

    def legacy_hash(self) -> str:
        """The plain SHA-256 of rows written before the keyed MAC (before AuditChainHead.mac_from)."""
        return hashlib.sha256(self._chained()).hexdigest()


GENESIS_HASH = "0" * 64


class AuditChainHead(BaseModel):
    """One row: the end of the chain. Locking it orders concurrent writers, and it lets
    `audit verify` notice rows cut from the end of the trail."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The first row chained with the keyed MAC: 1 in a database created with it; in an older one, the
    # row after the last when migration 0004 ran (rows before it keep their plain SHA-256). Only a hint
    # to `audit verify`, which trusts the value in a signed checkpoint over this one.
    mac_from = models.BigIntegerField(default=1)

    class Privacy:
        plain = ["id", "last_seq", "last_hash", "mac_from"]

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
