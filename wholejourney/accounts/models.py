"""Staff and partner accounts, teams, roles and second factors."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from wholejourney.accounts.roles import Role
from wholejourney.core.base_model import BaseModel
from wholejourney.core.models import Office


class Team(BaseModel):
    """A team within an office. A case manager's caseload is shared with the team and its supervisor."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="teams", verbose_name=_("office"))
    name = models.CharField(_("name"), max_length=120)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_teams",
        verbose_name=_("supervisor"),
    )

    class Privacy:
        plain = ["id", "office", "name", "supervisor"]

    class Meta:
        ordering = ["office__code", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="team_unique_name_per_office")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.supervisor_id and self.supervisor and self.supervisor.office_id not in (None, self.office_id):
            raise ValidationError({"supervisor": _("The supervisor must work in the team's office.")})


class User(AbstractUser):
    """A person who signs in: staff of one office (or of all offices, when office is empty) or a partner."""

    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("office"),
        help_text=_("Leave empty for a global account that works across all offices."),
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("team")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # For a partner referrer: the organisation they refer for (they see only its referrals).
    partner_organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrers",
        verbose_name=_("partner organisation"),
    )

    class Privacy:
        # Staff accounts. Staff names are not survivors' data; the threat model protects survivors.
        # The password is a one-way Argon2 hash.
        plain = [
            "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
            "is_staff", "is_active", "date_joined", "office", "team", "language", "must_change_password",
            "partner_organisation",
            "groups", "user_permissions",
        ]  # fmt: skip

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        if self.team_id and self.team and self.team.office_id != self.office_id:
            raise ValidationError({"team": _("The team must belong to the user's office.")})

    @property
    def is_global(self) -> bool:
        return self.office_id is None

    @property
    def role_set(self) -> frozenset[Role]:
        """The user's roles, read once per request object."""
        cached = getattr(self, "_role_set", None)
        if cached is None:
            cached = frozenset(Role(assignment.role) for assignment in self.roles.all())
            self._role_set = cached
        return cached

    def role_labels(self) -> list[str]:
        return [str(role.label) for role in sorted(self.role_set, key=list(Role).index)]


class UserRole(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Privacy:
        plain = ["id", "user", "role"]

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="userrole_unique")]

    def __str__(self) -> str:
        return self.get_role_display()


class UserSession(BaseModel):
    """The sessions a user holds, so deactivating them (or an MFA reset) can end all of them at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = ["id", "user", "session_key", "created_at"]

    def __str__(self) -> str:
        return f"session of user {self.user_id}"


def hash_recovery_code(code: str) -> str:
    """Recovery codes carry 80 random bits, so a plain SHA-256 cannot be reversed by guessing,
    and it does not depend on SECRET_KEY (rotating that must not void the codes)."""
    normalised = code.replace("-", "").replace(" ", "").strip().lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCodeDevice(Device):
    """A django-otp device whose one-time codes are stored hashed, each usable once."""

    class Privacy:
        plain = ["id", "user", "name", "confirmed"]

    def verify_token(self, token: str) -> bool:
        if not token:
            return False
        digest = hash_recovery_code(token)
        code = self.codes.filter(code_hash=digest, used_at__isnull=True).first()
        if code is None:
            return False
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        return True


class RecoveryCode(BaseModel):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        plain = ["id", "device", "code_hash", "used_at"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="recoverycode_unique")]

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
