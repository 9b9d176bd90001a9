"""Exports and second factors for the export tests (and the URL-walking test)."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts.models import User
from wholejourney.conftest import Cast
from wholejourney.exports import services
from wholejourney.exports.models import ExportRequest


def authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the user's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"


def kh_export(cast: Cast) -> ExportRequest:
    """An identifying export of clients asked by the KH case manager, waiting for the director."""
    return services.export_request(actor=cast.case_manager, kind="clients", format="xlsx", identifying=True)
