"""Creating and revoking personal API tokens. The secret is returned once and stored only hashed."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.api.models import ApiToken, hash_token
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record

TOKEN_PREFIX = "wj_"  # noqa: S105 (a label in front of the random secret, not a secret)
MAX_DAYS = 365
# Marking a token as used is a write; once a minute is precise enough to spot an idle token.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_create(*, actor: User, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with its secret, which is never shown again."""
    if not has_permission(actor, Permission.SIGNED_IN):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can recognise it later.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Choose read only, or read and write.")})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": _("A token lasts from 1 to %(max)d days; make a new one when it expires.") % {"max": MAX_DAYS}}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=actor,
        name=name,
        prefix=secret[:10],
        token_hash=hash_token(secret),
        scope=scope,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    with transaction.atomic():
        token.full_clean()
        token.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=token, changed_fields=["api_token", scope])
    return token, secret


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    if token.user_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=token, changed_fields=["revoked_at"])
    return token


def token_mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
