"""Two-factor sign-in: enrolling an authenticator, the code step, and recovery codes."""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts import services
from wholejourney.accounts.models import RecoveryCode, RecoveryCodeDevice, User, hash_recovery_code
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.core.tests.factories import PASSWORD, make_user

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"
BAD_CODE = "That code is not correct or has expired. Try the newest code from your app."
CODE_PATTERN = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")


def fresh_code(device: TOTPDevice) -> str:
    """The code the person's app would show next: never one the device has already accepted."""
    device.refresh_from_db()
    now_step = int(time.time() - device.t0) // device.step
    target = max(now_step + device.drift, device.last_t + 1)
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=target - now_step)
    return f"{token:0{device.digits}d}"


def sign_in(client: Client, user: User) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


@dataclass
class Enrolled:
    user: User
    device: TOTPDevice
    recovery_codes: list[str]


@pytest.fixture
def enrolled(db: None) -> Enrolled:
    user = make_user(Role.CASE_MANAGER, username="enrolled")
    device = services.totp_start_enrolment(user=user)
    codes = services.totp_confirm_enrolment(user=user, device=device, token=fresh_code(device))
    assert codes is not None
    return Enrolled(user=user, device=device, recovery_codes=codes)


# --- Enrolment --------------------------------------------------------------------------------


def test_mfa_required_user_without_authenticator_is_sent_to_setup(client: Client, settings: Any, db: None) -> None:
    settings.WJ_REQUIRE_MFA = True
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)

    home = client.get("/")
    account = client.get("/accounts/me/")

    assert home.status_code == 302
    assert home["Location"] == SETUP
    assert account["Location"] == SETUP


def test_mfa_not_required_user_without_authenticator_reaches_home(client: Client, db: None) -> None:
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)

    response = client.get("/")

    assert response.status_code == 200


def test_mfa_setup_page_shows_qr_code_and_key(client: Client, settings: Any, db: None) -> None:
    settings.WJ_REQUIRE_MFA = True
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)

    response = client.get(SETUP)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r'<code class="secret">([^<]+)</code>', response.content.decode())
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert shown is not None
    assert shown.group(1).replace(" ", "") == key


def test_mfa_setup_reload_keeps_the_same_key(client: Client, settings: Any, db: None) -> None:
    settings.WJ_REQUIRE_MFA = True
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)

    first = client.get(SETUP)
    second = client.get(SETUP)

    secret = re.compile(r'<code class="secret">([^<]+)</code>')
    assert secret.findall(first.content.decode()) == secret.findall(second.content.decode())
    assert len(secret.findall(first.content.decode())) == 1
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_mfa_setup_with_valid_code_shows_ten_recovery_codes_once(client: Client, settings: Any, db: None) -> None:
    settings.WJ_REQUIRE_MFA = True
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    confirmed = client.post(SETUP, {"code": fresh_code(device)}, follow=True)
    shown_again = client.get(SETUP)

    codes = CODE_PATTERN.findall(confirmed.content.decode())
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert not CODE_PATTERN.findall(shown_again.content.decode())
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MFA_ENROLLED, object_type="accounts.user", object_id=str(user.pk)
    ).exists()


def test_mfa_setup_with_wrong_code_shows_error(client: Client, settings: Any, db: None) -> None:
    settings.WJ_REQUIRE_MFA = True
    user = make_user(Role.CASE_MANAGER)
    sign_in(client, user)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000"})

    assert response.status_code == 200
    assert "That code is not correct. Check the time on your phone" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get("/")["Location"] == SETUP


def test_mfa_setup_before_passing_the_code_step_is_refused(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)

    response = client.get(SETUP)

    # Someone who knows only the password must not replace the person's authenticator with their own.
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=enrolled.user).get().pk == enrolled.device.pk


def test_mfa_setup_confirm_before_passing_the_code_step_is_refused(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)
    attacker_device = services.totp_start_enrolment(user=enrolled.user)
    session = client.session
    session["wj_totp_setup_device"] = attacker_device.pk
    session.save()

    client.post(SETUP, {"code": fresh_code(attacker_device)})

    assert client.get("/")["Location"] == VERIFY
    assert TOTPDevice.objects.get(pk=enrolled.device.pk).confirmed


# --- The code step at sign-in -----------------------------------------------------------------


def test_mfa_enrolled_user_must_pass_code_step(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)

    home = client.get("/")
    account = client.get("/accounts/me/")

    assert home["Location"] == VERIFY
    assert account["Location"] == VERIFY


def test_mfa_verify_with_fresh_code_reaches_home(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)

    response = client.post(VERIFY, {"code": fresh_code(enrolled.device)})

    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_mfa_verify_with_bad_code_shows_error(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)

    response = client.post(VERIFY, {"code": "123456"})

    assert response.status_code == 200
    assert BAD_CODE in response.content.decode()
    assert client.get("/")["Location"] == VERIFY
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FAILED_LOGIN, actor_username="enrolled").exists()


def test_mfa_verify_code_already_used_is_refused(client: Client, enrolled: Enrolled) -> None:
    code = fresh_code(enrolled.device)
    first = Client()
    sign_in(first, enrolled.user)
    first.post(VERIFY, {"code": code})
    sign_in(client, enrolled.user)

    response = client.post(VERIFY, {"code": code})

    assert BAD_CODE in response.content.decode()
    assert client.get("/")["Location"] == VERIFY


def test_mfa_verify_recovery_code_works_once(client: Client, enrolled: Enrolled) -> None:
    code = enrolled.recovery_codes[0]
    sign_in(client, enrolled.user)

    used = client.post(VERIFY, {"code": code}, follow=True)
    client.post("/accounts/logout/")
    sign_in(client, enrolled.user)
    reused = client.post(VERIFY, {"code": code})

    assert "You signed in with a recovery code. 9 codes are left" in used.content.decode()
    assert used.redirect_chain[-1][0] == "/"
    assert BAD_CODE in reused.content.decode()
    assert client.get("/")["Location"] == VERIFY


def test_mfa_verify_recovery_code_typed_loosely_is_accepted(client: Client, enrolled: Enrolled) -> None:
    typed = "  " + enrolled.recovery_codes[1].replace("-", " ").upper() + " "
    sign_in(client, enrolled.user)

    response = client.post(VERIFY, {"code": typed})

    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "code",
    ["", "x" * 1000, "abc\x00def", "'; DROP TABLE accounts_user; --", "１２３４５６", "-" * 40],
    ids=["empty", "long", "nul", "sql", "fullwidth-digits", "dashes"],
)
def test_mfa_verify_garbage_code_is_refused_calmly(client: Client, enrolled: Enrolled, code: str) -> None:
    sign_in(client, enrolled.user)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/")["Location"] == VERIFY


def test_mfa_verify_anonymous_goes_to_sign_in(client: Client, db: None) -> None:
    response = client.get(VERIFY)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Recovery codes ---------------------------------------------------------------------------


def test_mfa_recovery_codes_are_stored_hashed(enrolled: Enrolled) -> None:
    stored = list(RecoveryCode.objects.filter(device__user=enrolled.user).values_list("code_hash", flat=True))

    plain = {code.replace("-", "") for code in enrolled.recovery_codes}
    assert len(stored) == 10
    assert not any(p in h or h in plain for h in stored for p in plain)
    assert set(stored) == {hash_recovery_code(code) for code in enrolled.recovery_codes}


def test_mfa_new_recovery_codes_void_the_old_ones(client: Client, enrolled: Enrolled) -> None:
    old = enrolled.recovery_codes[0]
    sign_in(client, enrolled.user)
    client.post(VERIFY, {"code": fresh_code(enrolled.device)})

    page = client.post("/accounts/two-factor/recovery-codes/", follow=True)
    client.post("/accounts/logout/")
    sign_in(client, enrolled.user)
    response = client.post(VERIFY, {"code": old})

    assert len(CODE_PATTERN.findall(page.content.decode())) == 10
    assert BAD_CODE in response.content.decode()
    assert RecoveryCodeDevice.objects.filter(user=enrolled.user).count() == 1


def test_mfa_account_page_counts_unused_recovery_codes(client: Client, enrolled: Enrolled) -> None:
    sign_in(client, enrolled.user)
    client.post(VERIFY, {"code": enrolled.recovery_codes[0]})

    response = client.get("/accounts/me/")

    assert "You have 9 unused recovery codes." in response.content.decode()
