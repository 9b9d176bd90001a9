"""Session limits, the second-factor gate and the user's language, applied to every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import user_has_device

from wholejourney.accounts.permissions import is_verified

LOGIN_AT = "wj_login_at"
SEEN_AT = "wj_seen_at"
# Write the "last seen" stamp at most this often, so browsing does not write the session every request.
_SEEN_RESOLUTION_SECONDS = 30


def _redirect_to_login(request: HttpRequest) -> HttpResponse:
    next_path = request.get_full_path() if request.method == "GET" else reverse(settings.LOGIN_REDIRECT_URL)
    response: HttpResponse = redirect_to_login(next_path)
    # Read the header itself: django-htmx's middleware, which sets `request.htmx`, runs after this one.
    if request.headers.get("HX-Request") == "true":
        # An htmx request would swap the login page into a fragment; make the browser navigate instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(settings.LOGIN_URL)
    return response


def _sign_out(request: HttpRequest, message: str) -> HttpResponse:
    """End the session and tell the person why on the sign-in page.

    This middleware runs before MessageMiddleware, which therefore neither gives this request a
    message store nor saves one on a response returned from here: do both by hand.
    """
    logout(request)
    storage = default_storage(request)
    storage.add(messages.WARNING, message)
    response = _redirect_to_login(request)
    storage.update(response)
    return response


class SessionLimitsMiddleware:
    """Sign a user out after 30 minutes without activity or 12 hours after sign-in, whichever comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            login_at = request.session.setdefault(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = settings.WJ_SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.WJ_SESSION_ABSOLUTE_LIMIT.total_seconds()
            if now - seen_at > idle:
                return _sign_out(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
                    % {"minutes": idle // 60},
                )
            if now - login_at > absolute:
                return _sign_out(
                    request,
                    _("You were signed out because you signed in more than %(hours)d hours ago. Please sign in again.")
                    % {"hours": absolute // 3600},
                )
            if now - seen_at >= _SEEN_RESOLUTION_SECONDS or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
        return self.get_response(request)


# Pages a signed-in user may open before passing the second factor or changing a temporary password.
_GATE_OPEN_URL_NAMES = (
    "accounts:mfa_verify",
    "accounts:mfa_setup",
    "accounts:logout",
    "accounts:password_change",
    "core:set_language",
)


class TwoFactorRequiredMiddleware:
    """Until the second factor is passed, a signed-in user reaches only the pages that get them through it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: set[str] | None = None

    def _is_open(self, request: HttpRequest) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in _GATE_OPEN_URL_NAMES}
        return request.path in self._open_paths or request.path.startswith(settings.STATIC_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._is_open(request):
            if not is_verified(user):
                if user_has_device(user, confirmed=True):
                    return redirect("accounts:mfa_verify")
                if settings.WJ_REQUIRE_MFA:
                    return redirect("accounts:mfa_setup")
            if user.must_change_password:  # type: ignore[union-attr]
                return redirect("accounts:password_change")
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user works in the language saved on their account, on any device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            language = request.user.language  # type: ignore[union-attr]
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
