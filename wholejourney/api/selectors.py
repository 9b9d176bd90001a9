"""Reads of API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from wholejourney.api.models import ApiToken, hash_token


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def token_get_for(*, user: Any, pk: int) -> ApiToken:
    """One of the user's tokens; anyone else's is 404."""
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, with its user: None when unknown, revoked or expired,
    or when its user can no longer sign in."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__office", "user__team")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token
