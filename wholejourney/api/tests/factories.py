"""API tokens for the API tests (and the URL-walking test)."""

from __future__ import annotations

from wholejourney.accounts.models import User
from wholejourney.api import services
from wholejourney.api.models import ApiToken
from wholejourney.conftest import Cast


def token_for(user: User, scope: str = ApiToken.Scope.READ, days: int = 30) -> tuple[ApiToken, str]:
    return services.token_create(actor=user, name="test", scope=scope, days=days)


def kh_token(cast: Cast) -> ApiToken:
    return token_for(cast.case_manager)[0]
