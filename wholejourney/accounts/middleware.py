"""Session limits, the second-factor gate and the user's language, applied to every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import user_has_device

from wholejourney.accounts.permissions import needs_second_factor

LOGIN_AT = "wj_login_at"
SEEN_AT = "wj_seen_at"
# Write the "last seen" stamp at most this often, so browsing does not write the session every request.
_SEEN_RESOLUTION_SECONDS = 30
# Sent by a page's own background polls (the header's notification count): they are not the
# person's activity, or an open tab would never be signed out for inactivity.
BACKGROUND_HEADER = "X-WJ-Background"


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
            background = request.headers.get(BACKGROUND_HEADER) == "1"
            if not background and (now - seen_at >= _SEEN_RESOLUTION_SECONDS or SEEN_AT not in request.session):
                request.session[SEEN_AT] = now
        return self.get_response(request)


def second_factor_pending(request: HttpRequest) -> bool:
    """Whether the signed-in user has given the password but not yet the second factor it needs.

    Read from the request, where `TwoFactorRequiredMiddleware` leaves it, so it is worked out once."""
    return bool(getattr(request, "wj_second_factor_pending", False))


# Between the password and the second factor, these pages and nothing else: the second factor
# (verify, or enrol when required and none is set up) and signing out. The language switch only
# sets the browser's cookie then (see `core.views.set_language`); it changes nothing on the account.
_SECOND_FACTOR_OPEN = ("accounts:mfa_verify", "accounts:mfa_setup", "accounts:logout", "core:set_language")
# After both factors, a password set by an administrator must be replaced before anything else.
# The enrolment page stays open so that recovery codes made just now are shown.
_NEW_PASSWORD_OPEN = ("accounts:password_change", "accounts:mfa_setup", "accounts:logout", "core:set_language")


_API_PREFIX = "/api/"


def _step_response(request: HttpRequest, url_name: str, api_message: str) -> HttpResponse:
    """Send the person to the step they must finish; the API and htmx get answers they can use."""
    if request.path.startswith(_API_PREFIX):
        # The API's own error format; a redirect to an HTML page would mean nothing to a script.
        body = {"error": {"code": "unauthenticated", "message": api_message, "fields": {}}}
        return JsonResponse(body, status=401)
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(url_name)
        return response
    return redirect(url_name)


class TwoFactorRequiredMiddleware:
    """Sign-in steps in order: password, then second factor, then (after a reset) a new password.

    An allow-list: until a step is finished, only the pages of that step and signing out answer;
    every other URL, pages, htmx partials and the API alike, sends the person back to the step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._paths: dict[tuple[str, ...], frozenset[str]] = {}

    def _is_open(self, request: HttpRequest, names: tuple[str, ...]) -> bool:
        # Reversed at the first request, not at start-up, when the URLconf may not be loaded yet.
        if names not in self._paths:
            self._paths[names] = frozenset(reverse(name) for name in names)
        return request.path in self._paths[names] or request.path.startswith(settings.STATIC_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Always set, so a template that reads it never fails a lookup (Django logs a failed lookup
        # with the request, and so its query string, at DEBUG).
        request.wj_second_factor_pending = False  # type: ignore[attr-defined]
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if needs_second_factor(user):
            request.wj_second_factor_pending = True  # type: ignore[attr-defined]
            if not self._is_open(request, _SECOND_FACTOR_OPEN):
                step = "accounts:mfa_verify" if user_has_device(user, confirmed=True) else "accounts:mfa_setup"
                return _step_response(request, step, _("Finish signing in with your second factor first."))
        elif user.must_change_password and not self._is_open(request, _NEW_PASSWORD_OPEN):  # type: ignore[union-attr]
            return _step_response(request, "accounts:password_change", _("Choose your own password first."))
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user works in the language saved on their account, on any device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Before the second factor the browser's language applies, as before sign-in: the account
        # is not the person's to use yet.
        if request.user.is_authenticated and not second_factor_pending(request):
            language = request.user.language  # type: ignore[union-attr]
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
