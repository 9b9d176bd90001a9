from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from wholejourney.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    """The request a view behind `@requires(...)` receives: its user is signed in."""

    user: User  # type: ignore[assignment]
    request_id: str
    csp_nonce: str
    htmx: HtmxDetails
