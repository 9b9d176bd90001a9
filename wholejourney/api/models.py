"""Personal API tokens: a user creates one, sees its secret once, and can revoke it at any time."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel


def hash_token(secret: str) -> str:
    """A token carries 256 random bits, so a plain SHA-256 cannot be reversed by guessing and a
    lookup by hash is one indexed query (a slow password hash would be run on every API call)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(BaseModel):
    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, e.g. the office tablet."))
    # The first characters of the secret, so its owner can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("access"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        # The hash is one-way over a random secret; names describe devices, not survivors.
        plain = [
            "id", "user", "name", "prefix", "token_hash", "scope", "created_at", "expires_at", "last_used_at",
            "revoked_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="apitoken_expires")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.scope})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
