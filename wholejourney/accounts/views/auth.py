"""Signing in and out, the second factor, and the user's own password and language."""

from __future__ import annotations

import base64
import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts import services
from wholejourney.accounts.forms import CodeForm, ConfirmAuthenticatorForm, NewPasswordForm, SignInForm
from wholejourney.accounts.middleware import LOGIN_AT, SEEN_AT
from wholejourney.accounts.models import RecoveryCode, RecoveryCodeDevice
from wholejourney.accounts.permissions import Permission, is_verified, needs_second_factor, public, requires
from wholejourney.accounts.qr import qr_svg
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.http import AuthedHttpRequest

_SETUP_DEVICE = "wj_totp_setup_device"
_NEW_CODES = "wj_new_recovery_codes"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _login_page(request: HttpRequest, form: SignInForm, *, status: int = 200, locked: bool = False) -> HttpResponse:
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request), "locked": locked, "require_mfa": settings.WJ_REQUIRE_MFA},
        status=status,
    )


@public
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        # Unknown usernames and wrong passwords take the same path through a password hash and get
        # the same answer, so neither the page nor its timing tells which accounts exist.
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, {})
        if user is None:
            audit_record(actor=None, action=AuditEvent.Action.FAILED_LOGIN, username=username)
            form.add_error(None, _("The username or password is not correct."))
            return _login_page(request, form, status=200)
        login(request, user)
        if request.session.session_key is None:
            request.session.save()
        request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
        services.session_register(user=user, session_key=request.session.session_key or "")
        audit_record(actor=user, action=AuditEvent.Action.LOGIN, target=user)
        response = redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=settings.LANGUAGE_COOKIE_AGE)
        return response
    return _login_page(request, form)


def lockout_response(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """What django-axes answers while a username is locked out from this address."""
    form = SignInForm(request.POST or None)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form.errors.clear()
    form.add_error(
        None,
        _("Too many failed attempts. Sign-in for this account from this device is paused for %(minutes)d minutes.")
        % {"minutes": minutes},
    )
    return _login_page(request, form, status=429, locked=True)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(actor=request.user, action=AuditEvent.Action.LOGOUT, target=request.user)
        if request.session.session_key:
            services.session_forget(session_key=request.session.session_key)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@requires(Permission.SIGNED_IN)
@sensitive_post_parameters("code")
def mfa_verify(request: AuthedHttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the authenticator app, or a recovery code."""
    if is_verified(request.user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = device.codes.filter(used_at__isnull=True).count()
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code. %(count)d codes are left; make new ones on your account page."
                    )
                    % {"count": left},
                )
            return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
        audit_record(actor=request.user, action=AuditEvent.Action.FAILED_LOGIN, target=request.user)
        form.add_error("code", _("That code is not correct or has expired. Try the newest code from your app."))
    return render(request, "accounts/mfa_verify.html", {"form": form})


@requires(Permission.SIGNED_IN)
def mfa_setup(request: AuthedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, confirm with a code, then keep the recovery codes."""
    user = request.user
    if not is_verified(user) and user_has_device(user, confirmed=True):
        # Replacing an authenticator needs the current one: otherwise the password alone would be enough.
        return redirect("accounts:mfa_verify")
    if request.session.get(_NEW_CODES):
        codes = request.session.pop(_NEW_CODES)
        return render(request, "accounts/mfa_codes.html", {"codes": codes})
    device = None
    device_id = request.session.get(_SETUP_DEVICE)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = services.totp_start_enrolment(user=user)
        request.session[_SETUP_DEVICE] = device.pk
    form = ConfirmAuthenticatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_confirm_enrolment(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            request.session.pop(_SETUP_DEVICE, None)
            request.session[_NEW_CODES] = codes
            return redirect("accounts:mfa_setup")
        form.add_error("code", _("That code is not correct. Check the time on your phone and try the newest code."))
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4)),
        },
    )


@requires(Permission.SIGNED_IN)
@require_POST
def recovery_codes_new(request: AuthedHttpRequest) -> HttpResponse:
    if not is_verified(request.user):
        return redirect("accounts:mfa_setup")
    request.session[_NEW_CODES] = services.recovery_codes_regenerate(user=request.user)
    return redirect("accounts:mfa_setup")


def _end_session_locked_out(request: AuthedHttpRequest) -> HttpResponse:
    """Too many wrong current passwords: whoever holds this session loses it, as at sign-in."""
    audit_record(actor=request.user, action=AuditEvent.Action.LOGOUT, target=request.user)
    if request.session.session_key:
        services.session_forget(session_key=request.session.session_key)
    logout(request)
    return lockout_response(request, {})


@requires(Permission.SIGNED_IN)
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
def password_change(request: AuthedHttpRequest) -> HttpResponse:
    """Change one's own password, giving the current one (after a reset, the one-time password)."""
    user = request.user
    if needs_second_factor(user):
        # The sign-in gate keeps this page closed before the second factor; never a way round it.
        return redirect("accounts:mfa_verify")
    # Wrong current passwords count toward the sign-in lockout (django-axes): this page is no oracle.
    credentials = {"username": user.get_username()}
    if request.method == "POST" and not AxesProxyHandler.is_allowed(request, credentials):
        return _end_session_locked_out(request)
    form = NewPasswordForm(request.POST or None, forced=user.must_change_password)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_own_password(
                user=user,
                current_password=form.cleaned_data["current_password"],
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the current password was wrong (named by field)
                form.add_error(None, exc)
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    return _end_session_locked_out(request)
            else:
                form.add_error("new_password1", exc)
        else:
            old_key = request.session.session_key
            update_session_auth_hash(request, user)
            # The session now has a new key: register it, or deactivation and resets would miss it.
            if old_key:
                services.session_forget(session_key=old_key)
            services.session_register(user=user, session_key=request.session.session_key or "")
            messages.success(request, _("Your password is changed."))
            return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@requires(Permission.SIGNED_IN)
def account(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "has_authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "recovery_left": RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count(),
    }
    return render(request, "accounts/account.html", context)
