"""Session limits: 30 minutes idle, 12 hours at most, and ending every session of an account at once."""

from __future__ import annotations

import time

from django.contrib.sessions.models import Session
from django.test import Client

from wholejourney.accounts import services
from wholejourney.accounts.middleware import LOGIN_AT, SEEN_AT
from wholejourney.accounts.models import User, UserSession
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
IDLE_MESSAGE = "You were signed out after 30 minutes without activity. Please sign in again."
ABSOLUTE_MESSAGE = "You were signed out because you signed in more than 12 hours ago. Please sign in again."
NEW_PASSWORD = "a-brand-new-long-passphrase"


def sign_in(client: Client, user: User, password: str = PASSWORD) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302


def backdate(client: Client, **seconds_ago: float) -> None:
    """Pretend the sign-in (`login`) or the last request (`seen`) happened that many seconds ago."""
    session = client.session
    keys = {"login": LOGIN_AT, "seen": SEEN_AT}
    for name, ago in seconds_ago.items():
        session[keys[name]] = time.time() - ago
    session.save()


def deactivate(admin: User, user: User) -> None:
    services.user_update(
        actor=admin,
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        office=user.office,
        team=user.team,
        roles=user.role_set,
        language=user.language,
        is_active=False,
    )


def test_session_idle_over_thirty_minutes_signs_out_with_message(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, seen=31 * 60)

    response = client.get("/accounts/me/")
    login_page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert IDLE_MESSAGE in login_page.content.decode()
    assert client.get("/").status_code == 302


def test_session_idle_just_under_thirty_minutes_stays_signed_in(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, seen=29 * 60)

    response = client.get("/")

    assert response.status_code == 200


def test_session_activity_restarts_the_idle_clock(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, seen=20 * 60)
    client.get("/")
    backdate(client, login=20 * 60)  # only the sign-in time moves; the last request was just now

    response = client.get("/")

    assert response.status_code == 200
    assert time.time() - client.session[SEEN_AT] < 60


def test_session_older_than_twelve_hours_signs_out_with_message(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, login=12 * 3600 + 60, seen=60)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert ABSOLUTE_MESSAGE in response.content.decode()
    assert client.get("/").status_code == 302


def test_session_just_under_twelve_hours_stays_signed_in(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, login=12 * 3600 - 60, seen=60)

    response = client.get("/")

    assert response.status_code == 200


def test_session_expired_htmx_request_makes_the_browser_go_to_sign_in(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, seen=31 * 60)

    response = client.get("/manage/staff/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN


def test_session_expired_on_a_form_post_returns_home_after_sign_in(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    backdate(client, seen=31 * 60)

    response = client.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == f"{LOGIN}?next=/"
    assert User.objects.get(pk=cast.case_manager.pk).check_password(PASSWORD)


def test_session_of_deactivated_user_is_refused_and_deleted(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    key = client.session.session_key

    deactivate(cast.admin, cast.case_manager)
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=cast.case_manager).exists()


def test_session_deactivation_ends_every_device(cast: Cast) -> None:
    laptop, phone = Client(), Client()
    sign_in(laptop, cast.case_manager)
    sign_in(phone, cast.case_manager)

    deactivate(cast.admin, cast.case_manager)

    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert not Session.objects.filter(session_key__in=[laptop.session.session_key, phone.session.session_key]).exists()


def test_session_deactivation_leaves_other_users_signed_in(cast: Cast) -> None:
    mine, theirs = Client(), Client()
    sign_in(mine, cast.case_manager)
    sign_in(theirs, cast.colleague)

    deactivate(cast.admin, cast.case_manager)

    assert theirs.get("/").status_code == 200


def test_session_after_own_password_change_is_still_ended_by_deactivation(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    client.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    key = client.session.session_key

    deactivate(cast.admin, cast.case_manager)

    assert client.get("/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_session_logout_forgets_the_session(client: Client, cast: Cast) -> None:
    sign_in(client, cast.case_manager)
    key = client.session.session_key

    client.post("/accounts/logout/")

    assert not UserSession.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(session_key=key).exists()
