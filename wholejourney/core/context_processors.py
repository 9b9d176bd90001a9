from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wholejourney.core.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs on every page: navigation, office, language choices."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "navigation": navigation_for(user, request.path) if signed_in else [],
        "shell_office": user.office if signed_in and user.office_id else None,  # type: ignore[union-attr]
        "demo_mode": not settings.WJ_REQUIRE_MFA,
        # django-htmx's script tag and our own <script> tags read the CSP nonce under this name.
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
