"""Who is calling, and what they may do: personal tokens sent as `Authorization: Bearer <token>`,
scoped read or read-write, and the permission each operation declares with `@allow(...)`.

After authentication the request's user is the token's owner, so every selector and service
applies the same caseload, office and role rules as the pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from wholejourney.accounts.permissions import permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.api.errors import ApiError, forbidden
from wholejourney.api.models import ApiToken
from wholejourney.api.selectors import token_for_secret
from wholejourney.api.services import token_mark_used

F = TypeVar("F", bound=Callable[..., Any])


class TokenAuth(HttpBearer):
    """A personal API token. `write=True` operations refuse read-only tokens with 403."""

    def __init__(self, *, write: bool) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_secret(token)
        if found is None:
            return None  # 401
        if self.write and found.scope != ApiToken.Scope.WRITE:
            raise ApiError(
                403,
                "insufficient_scope",
                _("This token may only read. Make a read-and-write token to change records."),
            )
        request.user = found.user
        # Messages (validation errors above all) in the language of the token's owner, as on the pages.
        translation.activate(found.user.language)
        request.LANGUAGE_CODE = found.user.language
        token_mark_used(found)
        return found


read_token = TokenAuth(write=False)
write_token = TokenAuth(write=True)


def allow(*perms: Permission) -> Callable[[F], F]:
    """Declare what an operation needs: any one of `perms`. Put it under the router's decorator.

    It only labels the function (ninja reads the function's own signature and globals); the check
    is `enforce_permission`, which the API applies to every operation, and which refuses an
    operation that declares nothing."""

    def label(func: F) -> F:
        func.wj_permission = perms  # type: ignore[attr-defined]
        return func

    return label


def enforce_permission(func: Callable[..., Any]) -> Callable[..., Any]:
    declared: tuple[Permission, ...] = getattr(func, "wj_permission", ())

    @wraps(func)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not declared or not set(declared) & permissions_of(request.user):
            raise forbidden()
        return func(request, *args, **kwargs)

    return checked


def user_of(request: HttpRequest) -> Any:
    """The token's owner (set by `TokenAuth`)."""
    return request.user
