"""Signing in and out: the answers a person sees, the lockout, and what the audit trail records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from wholejourney.accounts.models import User
from wholejourney.audit.models import AuditEvent
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
WRONG = "not-the-password-at-all"
BAD_CREDENTIALS = "The username or password is not correct."
LOCKED = "Too many failed attempts. Sign-in for this account from this device is paused for 15 minutes."
FAILURE_LIMIT = 5
ELSEWHERE = "203.0.113.9"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra: str) -> Any:
    response = None
    for _ in range(times):
        response = sign_in(client, username, WRONG, **extra)
    return response


def move_attempts_back(minutes: int) -> None:
    """Let the lockout clock run: axes measures the cool-off from each attempt's recorded time."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def is_signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


# --- Signing in -------------------------------------------------------------------------------


def test_login_with_right_password_reaches_home(client: Client, cast: Cast) -> None:
    response = sign_in(client, "cm")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(client)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor_username="cm").count() == 1


def test_login_with_next_returns_to_that_page(client: Client, cast: Cast) -> None:
    response = client.post(LOGIN, {"username": "cm", "password": PASSWORD, "next": "/accounts/me/"})

    assert response["Location"] == "/accounts/me/"


def test_login_with_next_to_another_site_goes_home(client: Client, cast: Cast) -> None:
    response = client.post(LOGIN, {"username": "cm", "password": PASSWORD, "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_login_page_when_signed_in_redirects_home(client: Client, cast: Cast) -> None:
    sign_in(client, "cm")

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_deactivated_account_is_refused_like_a_wrong_password(client: Client, cast: Cast) -> None:
    User.objects.filter(pk=cast.case_manager.pk).update(is_active=False)

    response = sign_in(client, "cm")

    assert response.status_code == 200
    assert BAD_CREDENTIALS in response.content.decode()
    assert not is_signed_in(client)


@pytest.mark.parametrize("username", ["cm", "nobody-by-this-name"])
def test_login_wrong_credentials_show_the_same_message(client: Client, cast: Cast, username: str) -> None:
    response = sign_in(client, username, WRONG)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [BAD_CREDENTIALS]
    assert BAD_CREDENTIALS in response.content.decode()
    assert not is_signed_in(client)


def test_login_wrong_password_and_unknown_user_pages_match(client: Client, cast: Cast) -> None:
    wrong_password = sign_in(client, "cm", WRONG)
    unknown_user = sign_in(client, "zz", WRONG)

    def errors(response: Any) -> tuple[int, dict[str, Any], str]:
        form = response.context["form"]
        return response.status_code, dict(form.errors), response.templates[0].name

    assert errors(wrong_password) == errors(unknown_user)


@pytest.mark.parametrize("username", ["cm", "nobody-by-this-name"])
def test_login_wrong_credentials_write_failed_login_event(client: Client, cast: Cast, username: str) -> None:
    sign_in(client, username, WRONG)

    event = AuditEvent.objects.get(action=AuditEvent.Action.FAILED_LOGIN)
    assert event.actor_username == username
    assert event.actor_id is None
    assert event.ip_address == "127.0.0.1"


# --- Lockout (django-axes, keyed on username and address) -------------------------------------


def test_login_lockout_after_five_failures_refuses_right_password(client: Client, cast: Cast) -> None:
    before_limit = fail(client, "cm", FAILURE_LIMIT - 1)
    at_limit = sign_in(client, "cm", WRONG)

    response = sign_in(client, "cm")

    assert before_limit.status_code == 200
    assert at_limit.status_code == 429
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_signed_in(client)


def test_login_lockout_ends_after_fifteen_minutes(client: Client, cast: Cast) -> None:
    fail(client, "cm", FAILURE_LIMIT)
    move_attempts_back(14)
    still_locked = sign_in(client, "cm")
    move_attempts_back(2)

    response = sign_in(client, "cm")

    assert still_locked.status_code == 429
    assert response.status_code == 302
    assert is_signed_in(client)


def test_login_failures_during_lockout_do_not_extend_it(client: Client, cast: Cast) -> None:
    fail(client, "cm", FAILURE_LIMIT)
    move_attempts_back(10)
    during = fail(client, "cm", 3)
    move_attempts_back(6)

    response = sign_in(client, "cm")

    assert during.status_code == 429
    assert response.status_code == 302
    assert is_signed_in(client)


def test_login_failures_from_another_address_do_not_lock_this_one(client: Client, cast: Cast) -> None:
    elsewhere = fail(client, "cm", FAILURE_LIMIT, REMOTE_ADDR=ELSEWHERE)

    response = sign_in(client, "cm")

    assert elsewhere.status_code == 429
    assert response.status_code == 302
    assert is_signed_in(client)


def test_login_lockout_of_one_user_leaves_others_at_same_address(client: Client, cast: Cast) -> None:
    fail(client, "cm", FAILURE_LIMIT)

    response = sign_in(client, "colleague")

    assert response.status_code == 302


def test_login_success_before_limit_clears_failures(client: Client, cast: Cast) -> None:
    fail(client, "cm", FAILURE_LIMIT - 1)
    sign_in(client, "cm")
    client.post("/accounts/logout/")

    after = fail(client, "cm", FAILURE_LIMIT - 1)

    assert after.status_code == 200
    assert BAD_CREDENTIALS in after.content.decode()


# --- Signing out ------------------------------------------------------------------------------


def test_logout_signs_out_and_says_so(client: Client, cast: Cast) -> None:
    sign_in(client, "cm")

    response = client.post("/accounts/logout/", follow=True)

    assert "You are signed out." in response.content.decode()
    assert response.redirect_chain[-1][0] == LOGIN
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor_username="cm").exists()


def test_logout_by_get_is_refused(client: Client, cast: Cast) -> None:
    sign_in(client, "cm")

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert is_signed_in(client)


# --- Bad input never breaks the page ----------------------------------------------------------


def test_login_empty_form_asks_for_both_fields(client: Client, db: None) -> None:
    response = client.post(LOGIN, {"username": "", "password": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(">This field is required.</p>") == 2  # beside each field
    assert "There are 2 problems with this form" in page  # and in the summary above the form


def test_login_post_without_body_shows_the_form_again(client: Client, db: None) -> None:
    response = client.post(LOGIN)

    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.parametrize(
    "username",
    ["x" * 1000, "nul\x00byte", "' OR 1=1 --", "ញ" * 151],
    ids=["long", "nul", "sql", "khmer-long"],
)
def test_login_garbage_username_is_a_form_error(client: Client, cast: Cast, username: str) -> None:
    response = sign_in(client, username, WRONG)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_signed_in(client)


def test_login_enormous_password_is_refused_without_error(client: Client, cast: Cast) -> None:
    response = sign_in(client, "cm", "p" * 100_000)

    assert response.status_code == 200
    assert BAD_CREDENTIALS in response.content.decode()


def test_logout_without_csrf_token_shows_form_expired(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.case_manager)

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert client.get("/").status_code == 200
