"""Sign-in steps in order, tested as the attack: someone who has only the password.

Between the password and the second factor nothing answers but the second-factor step and
signing out; changing a password always asks for the current one (after an administrator's
reset, the one-time password), and the password page is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts import services
from wholejourney.accounts.models import User
from wholejourney.accounts.tests.test_mfa import fresh_code
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"
PASSWORD_PAGE = "/accounts/password/"
ATTACKERS_PASSWORD = "attacker-chose-this-one-42"
OWN_PASSWORD = "my-own-new-passphrase-7"
WRONG_CURRENT = "That is not your current password."
WRONG_ONE_TIME = "That is not the one-time password your administrator gave you."
LOCKED = "Too many failed attempts. Sign-in for this account from this device is paused for 15 minutes."
FAILURE_LIMIT = 5

# What answers between the password and the second factor, and nothing else.
OPEN_BEFORE_SECOND_FACTOR = {"accounts:mfa_verify", "accounts:mfa_setup", "accounts:logout", "core:set_language"}


def sign_in_with_password_only(client: Client, user: User, password: str = PASSWORD) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302


def pass_second_factor(client: Client, device: TOTPDevice) -> None:
    response = client.post(VERIFY, {"code": fresh_code(device)})
    assert response["Location"] == "/"


def change(client: Client, current: str | None, new: str = ATTACKERS_PASSWORD) -> Any:
    data = {"new_password1": new, "new_password2": new}
    if current is not None:
        data["current_password"] = current
    return client.post(PASSWORD_PAGE, data)


def password_of(user: User) -> User:
    return User.objects.get(pk=user.pk)


def changes_of(user: User) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_id=str(user.pk), changed_fields=["password"]
    ).count()


@pytest.fixture
def mfa_required(settings: Any) -> None:
    settings.WJ_REQUIRE_MFA = True


@pytest.fixture
def device(cast: Cast) -> TOTPDevice:
    """The case manager has an authenticator, which the attacker does not."""
    device = services.totp_start_enrolment(user=cast.case_manager)
    assert services.totp_confirm_enrolment(user=cast.case_manager, device=device, token=fresh_code(device))
    return device


# --- Nothing but the second factor ---------------------------------------------------------------


@pytest.mark.usefixtures("mfa_required", "device")
def test_password_page_before_second_factor_is_closed(client: Client, cast: Cast) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    page = client.get(PASSWORD_PAGE)
    without_current = change(client, current=None)
    with_current = change(client, current=PASSWORD)

    assert page["Location"] == VERIFY
    assert without_current["Location"] == VERIFY
    assert with_current["Location"] == VERIFY
    assert password_of(cast.case_manager).check_password(PASSWORD)
    assert changes_of(cast.case_manager) == 0


@pytest.mark.usefixtures("mfa_required")
def test_password_page_before_enrolling_is_closed(client: Client, cast: Cast) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    response = change(client, current=PASSWORD)

    assert response["Location"] == SETUP
    assert password_of(cast.case_manager).check_password(PASSWORD)


def _walk(patterns: list[Any], prefix: str = "/", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            path = prefix + str(pattern.pattern)
            if path.endswith("$"):  # the API's catch-all regex
                path = prefix + "no-such-operation"
            yield f"{namespace}{pattern.name}", re.sub(r"<(?:int:)?\w+>", "1", re.sub(r"<\w+:\w+>", "1", path))


EVERY_URL = sorted(set(_walk(get_resolver().url_patterns)))


def test_every_url_is_walked() -> None:
    names = {name for name, _ in EVERY_URL}

    assert len(EVERY_URL) > 100
    assert {"accounts:password_change", "core:home", "core:job_status", "api-v1:clients_list"} <= names
    assert OPEN_BEFORE_SECOND_FACTOR <= names


@pytest.mark.usefixtures("mfa_required", "device")
def test_every_url_but_the_second_factor_is_closed_after_the_password(client: Client, cast: Cast) -> None:
    sign_in_with_password_only(client, cast.case_manager)
    leaks = []

    for name, path in EVERY_URL:
        if name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        for method in (client.get, client.post):
            response = method(path)
            expected = 401 if path.startswith("/api/") else 302
            if response.status_code != expected or (expected == 302 and response["Location"] != VERIFY):
                leaks.append((method.__name__, path, response.status_code))

    assert leaks == []
    assert password_of(cast.case_manager).check_password(PASSWORD)
    assert client.get(VERIFY).status_code == 200  # still half-signed-in, not signed out by the walk


@pytest.mark.usefixtures("mfa_required", "device")
@pytest.mark.parametrize("path", ["/", "/clients/", "/accounts/me/", "/account/tokens/", "/manage/staff/", "/tasks/"])
def test_pages_after_the_password_only_send_to_the_second_factor(client: Client, cast: Cast, path: str) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == VERIFY


@pytest.mark.usefixtures("mfa_required", "device")
@pytest.mark.parametrize("path", [PASSWORD_PAGE, "/manage/staff/?q=colleague", "/jobs/1/", "/clients/1/?tab=case"])
def test_htmx_partials_after_the_password_only_send_the_browser_to_the_second_factor(
    client: Client, cast: Cast, path: str
) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    response = client.get(path, headers={"HX-Request": "true"})

    # An htmx request would swap the page into a fragment; the browser goes to the step instead.
    assert response.status_code == 204
    assert response["HX-Redirect"] == VERIFY


@pytest.mark.usefixtures("mfa_required", "device")
@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/clients", "/api/v1/referrals"])
def test_api_with_a_session_after_the_password_only_is_refused(client: Client, cast: Cast, path: str) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    response = client.get(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.usefixtures("mfa_required", "device")
def test_api_token_without_a_session_still_works(client: Client, cast: Cast) -> None:
    _, secret = token_for(cast.case_manager)

    response = client.get("/api/v1/clients", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200


@pytest.mark.usefixtures("mfa_required", "device")
def test_language_switch_before_second_factor_changes_nothing_on_the_account(client: Client, cast: Cast) -> None:
    sign_in_with_password_only(client, cast.case_manager)

    response = client.post("/language/", {"language": "km", "next": VERIFY})
    page = client.get(VERIFY)

    assert response["Location"] == VERIFY
    assert password_of(cast.case_manager).language == "en"
    assert page.wsgi_request.LANGUAGE_CODE == "km"  # the browser's choice applies to the step itself


@pytest.mark.usefixtures("mfa_required")
def test_second_factor_comes_before_the_forced_password_change(client: Client, cast: Cast, device: TOTPDevice) -> None:
    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)
    sign_in_with_password_only(client, cast.case_manager, temporary)

    before = client.get(PASSWORD_PAGE)
    pass_second_factor(client, device)
    after = client.get("/")

    assert before["Location"] == VERIFY
    assert after["Location"] == PASSWORD_PAGE


# --- The current password -------------------------------------------------------------------------


@pytest.mark.usefixtures("mfa_required")
def test_password_change_after_both_factors_needs_the_current_password(
    client: Client, cast: Cast, device: TOTPDevice
) -> None:
    sign_in_with_password_only(client, cast.case_manager)
    pass_second_factor(client, device)

    without = change(client, current=None)
    blank = change(client, current="")

    assert without.status_code == blank.status_code == 200
    assert "This field is required." in without.content.decode()
    assert password_of(cast.case_manager).check_password(PASSWORD)
    assert changes_of(cast.case_manager) == 0


def test_password_change_with_a_wrong_current_password_is_refused_and_audited(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    response = change(client, current="not-my-password-at-all")

    assert response.status_code == 200
    assert WRONG_CURRENT in response.content.decode()
    assert password_of(cast.case_manager).check_password(PASSWORD)
    assert changes_of(cast.case_manager) == 0
    event = AuditEvent.objects.get(action=AuditEvent.Action.FAILED_LOGIN)
    assert (event.actor_username, event.object_id, event.changed_fields) == (
        "cm",
        str(cast.case_manager.pk),
        ["password"],
    )


def test_password_change_with_the_current_password_succeeds_and_is_audited(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    response = change(client, current=PASSWORD, new=OWN_PASSWORD)

    assert response["Location"] == "/accounts/me/"
    assert password_of(cast.case_manager).check_password(OWN_PASSWORD)
    assert changes_of(cast.case_manager) == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FAILED_LOGIN).exists()


def test_password_change_wrong_current_passwords_end_the_session_and_lock_sign_in(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    answers = [change(client, current=f"guess-number-{n}") for n in range(FAILURE_LIMIT)]
    sign_in_again = client.post(LOGIN, {"username": "cm", "password": PASSWORD})

    assert [a.status_code for a in answers] == [200] * (FAILURE_LIMIT - 1) + [429]
    assert LOCKED in answers[-1].content.decode()
    assert client.get("/")["Location"].startswith(LOGIN)
    assert LOCKED in sign_in_again.content.decode()
    assert password_of(cast.case_manager).check_password(PASSWORD)


# --- After an administrator's reset ---------------------------------------------------------------


def test_forced_change_asks_for_the_one_time_password(client: Client, cast: Cast) -> None:
    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)
    sign_in_with_password_only(client, cast.case_manager, temporary)

    page = client.get(PASSWORD_PAGE).content.decode()
    without = change(client, current=None)
    old_password = change(client, current=PASSWORD)

    assert "One-time password" in page
    assert without.status_code == 200
    assert WRONG_ONE_TIME in old_password.content.decode()
    user = password_of(cast.case_manager)
    assert user.check_password(temporary)
    assert user.must_change_password
    assert client.get("/")["Location"] == PASSWORD_PAGE


def test_forced_change_with_the_one_time_password_lets_the_person_in(client: Client, cast: Cast) -> None:
    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)
    sign_in_with_password_only(client, cast.case_manager, temporary)

    response = change(client, current=temporary, new=OWN_PASSWORD)

    assert response["Location"] == "/accounts/me/"
    user = password_of(cast.case_manager)
    assert user.check_password(OWN_PASSWORD)
    assert not user.must_change_password
    assert client.get("/").status_code == 200
    assert changes_of(cast.case_manager) == 1


def test_password_page_asks_for_the_current_password_in_khmer(client: Client, cast: Cast) -> None:
    cast.case_manager.language = "km"
    cast.case_manager.save(update_fields=["language"])
    client.force_login(cast.case_manager)

    response = change(client, current="not-my-password-at-all")

    page = response.content.decode()
    assert "ពាក្យសម្ងាត់បច្ចុប្បន្ន" in page
    assert "នោះមិនមែនជាពាក្យសម្ងាត់បច្ចុប្បន្នរបស់អ្នកទេ។" in page
