"""The administration pages: creating accounts, resetting passwords and second factors, and who may."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts import services
from wholejourney.accounts.models import RecoveryCodeDevice, User, UserSession
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.conftest import Cast
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import PASSWORD, UserFactory, make_user

LOGIN = "/accounts/login/"
NEW = "/manage/staff/new/"
GOOD_PASSWORD = "violet-river-lantern-42"


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def new_account(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": "new.person",
        "password": GOOD_PASSWORD,
        "first_name": "Sokha",
        "last_name": "Chan",
        "email": "sokha@example.org",
        "office": cast.kh.pk,
        "team": cast.team.pk,
        "roles": [Role.CASE_MANAGER.value, Role.COUNSELOR.value],
        "language": "km",
    }
    data.update(overrides)
    return data


def temporary_password_on(response: Any) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', response.content.decode())
    assert found is not None
    return found.group(1)


# --- Creating accounts ------------------------------------------------------------------------


def test_manage_admin_creates_account(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(NEW, new_account(cast), follow=True)

    user = User.objects.get(username="new.person")
    assert "The account new.person is created." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"/manage/staff/{user.pk}/"
    assert user.role_set == {Role.CASE_MANAGER, Role.COUNSELOR}
    assert (user.office, user.team, user.language) == (cast.kh, cast.team, "km")
    assert user.must_change_password
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="accounts.user", object_id=str(user.pk)
    ).exists()


def test_manage_new_account_must_choose_password_at_first_sign_in(client: Client, cast: Cast) -> None:
    admin = Client()
    admin.force_login(cast.admin)
    admin.post(NEW, new_account(cast))

    sign_in(client, "new.person", GOOD_PASSWORD)
    response = client.get("/")

    assert response["Location"] == "/accounts/password/"


def test_manage_create_without_roles_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(NEW, new_account(cast, roles=[]))

    assert response.status_code == 200
    assert response.context["form"].errors["roles"] == ["This field is required."]
    assert not User.objects.filter(username="new.person").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("123456789012345", "This password is entirely numeric."),
    ],
    ids=["short", "common", "numeric"],
)
def test_manage_create_with_weak_password_is_refused(client: Client, cast: Cast, password: str, message: str) -> None:
    client.force_login(cast.admin)

    response = client.post(NEW, new_account(cast, password=password))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="new.person").exists()


def test_manage_create_with_taken_username_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(NEW, new_account(cast, username="CM"))

    assert "This username is taken." in response.content.decode()
    assert User.objects.filter(username__iexact="cm").count() == 1


def test_manage_create_with_team_of_another_office_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(NEW, new_account(cast, office=cast.vn.pk))

    assert response.status_code == 200
    assert "The team must belong to the user&#x27;s office." in response.content.decode()
    assert not User.objects.filter(username="new.person").exists()


def test_manage_office_admin_cannot_create_account_in_another_office(client: Client, cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")
    client.force_login(kh_admin)

    response = client.post(NEW, new_account(cast, office=cast.vn.pk, team=""))

    assert response.status_code == 200
    assert response.context["form"].errors["office"]
    assert not User.objects.filter(username="new.person").exists()


# --- Editing accounts -------------------------------------------------------------------------


def test_manage_admin_cannot_deactivate_own_account(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(
        f"/manage/staff/{cast.admin.pk}/",
        {"roles": [Role.ADMINISTRATOR.value], "language": "en", "office": "", "all_offices": "on"},
    )

    assert "You cannot deactivate your own account." in response.content.decode()
    assert User.objects.get(pk=cast.admin.pk).is_active


def test_manage_deactivating_through_the_form_signs_the_person_out(client: Client, cast: Cast) -> None:
    person = Client()
    sign_in(person, "cm")
    client.force_login(cast.admin)

    client.post(
        f"/manage/staff/{cast.case_manager.pk}/",
        {
            "first_name": cast.case_manager.first_name,
            "last_name": cast.case_manager.last_name,
            "office": cast.kh.pk,
            "team": cast.team.pk,
            "roles": [Role.CASE_MANAGER.value],
            "language": "en",
        },
    )

    assert not User.objects.get(pk=cast.case_manager.pk).is_active
    assert person.get("/")["Location"].startswith(LOGIN)
    assert AuditEvent.objects.get(
        action=AuditEvent.Action.CHANGE, object_type="accounts.user", object_id=str(cast.case_manager.pk)
    ).changed_fields == ["is_active"]


# --- Password reset ---------------------------------------------------------------------------


def test_manage_password_reset_shows_temporary_password_and_audits(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post(f"/manage/staff/{cast.case_manager.pk}/reset-password/")

    temporary = temporary_password_on(response)
    assert response.status_code == 200
    assert User.objects.get(pk=cast.case_manager.pk).check_password(temporary)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET)
    assert (event.actor_username, event.object_id) == ("admin", str(cast.case_manager.pk))
    assert temporary not in str(event.changed_fields)


def test_manage_password_reset_ends_the_persons_sessions(client: Client, cast: Cast) -> None:
    person = Client()
    sign_in(person, "cm")
    client.force_login(cast.admin)

    client.post(f"/manage/staff/{cast.case_manager.pk}/reset-password/")

    assert person.get("/")["Location"].startswith(LOGIN)
    assert not UserSession.objects.filter(user=cast.case_manager).exists()


def test_manage_password_reset_forces_a_new_password_at_next_sign_in(client: Client, cast: Cast) -> None:
    admin = Client()
    admin.force_login(cast.admin)
    temporary = temporary_password_on(admin.post(f"/manage/staff/{cast.case_manager.pk}/reset-password/"))
    old_password = sign_in(client, "cm", PASSWORD)
    sign_in(client, "cm", temporary)

    blocked = client.get("/manage/staff/")
    home = client.get("/")
    changed = client.post(
        "/accounts/password/",
        {
            "current_password": temporary,
            "new_password1": "my-own-new-passphrase",
            "new_password2": "my-own-new-passphrase",
        },
    )

    assert old_password.status_code == 200
    assert blocked["Location"] == "/accounts/password/"
    assert home["Location"] == "/accounts/password/"
    assert changed["Location"] == "/accounts/me/"
    assert client.get("/").status_code == 200
    assert not User.objects.get(pk=cast.case_manager.pk).must_change_password


def test_manage_forced_password_change_refuses_a_weak_password(client: Client, cast: Cast) -> None:
    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)
    sign_in(client, "cm", temporary)

    response = client.post(
        "/accounts/password/",
        {"current_password": temporary, "new_password1": "password", "new_password2": "password"},
    )

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert client.get("/")["Location"] == "/accounts/password/"


# --- Two-factor reset -------------------------------------------------------------------------


def enrol(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    services.recovery_codes_regenerate(user=user)
    return device


def test_manage_mfa_reset_deletes_devices_and_audits(client: Client, cast: Cast) -> None:
    enrol(cast.case_manager)
    client.force_login(cast.admin)

    response = client.post(f"/manage/staff/{cast.case_manager.pk}/reset-two-factor/", follow=True)

    assert "Two-factor sign-in of cm is reset" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.case_manager).exists()
    assert not RecoveryCodeDevice.objects.filter(user=cast.case_manager).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_RESET)
    assert (event.actor_username, event.object_id) == ("admin", str(cast.case_manager.pk))


def test_manage_mfa_reset_sends_the_person_to_enrol_again(client: Client, cast: Cast, settings: Any) -> None:
    settings.WJ_REQUIRE_MFA = True
    enrol(cast.case_manager)
    services.user_reset_mfa(actor=cast.admin, user=cast.case_manager)

    sign_in(client, "cm")
    response = client.get("/")

    assert response["Location"] == "/accounts/two-factor/setup/"


def test_manage_mfa_reset_ends_a_session_whose_password_was_changed(client: Client, cast: Cast) -> None:
    sign_in(client, "cm")
    client.post(
        "/accounts/password/",
        {
            "current_password": PASSWORD,
            "new_password1": "my-own-new-passphrase",
            "new_password2": "my-own-new-passphrase",
        },
    )
    enrol(cast.case_manager)

    services.user_reset_mfa(actor=cast.admin, user=cast.case_manager)

    assert client.get("/")["Location"].startswith(LOGIN)


# --- Offices ----------------------------------------------------------------------------------


def office_data(**overrides: Any) -> dict[str, Any]:
    data = {"code": "AF", "name": "Afghanistan", "country": "AF", "time_zone": "Asia/Kabul", "languages": ["en"]}
    data.update(overrides)
    data.setdefault("currency", "USD")
    data.setdefault("is_active", "on")
    return data


def test_manage_office_code_typed_in_lower_case_is_saved_upper_case(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post("/manage/offices/new/", office_data(code=" af "))

    assert response["Location"] == "/manage/offices/"
    assert Office.objects.filter(code="AF").exists()


@pytest.mark.parametrize("code", ["A", "AF1", "K-H", "ខ្មែរ"])
def test_manage_office_bad_code_is_explained(client: Client, cast: Cast, code: str) -> None:
    client.force_login(cast.admin)

    response = client.post("/manage/offices/new/", office_data(code=code))

    assert response.status_code == 200
    assert "Use 2 to 8 letters, for example KH." in response.content.decode()
    assert "Constraint" not in response.content.decode()
    assert not Office.objects.filter(name="Afghanistan").exists()


def test_manage_office_with_unknown_time_zone_is_explained(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.post("/manage/offices/new/", office_data(time_zone="Mars/Olympus"))

    assert "Mars/Olympus is not a known time zone." in response.content.decode()


def test_manage_office_admin_of_one_office_cannot_add_offices(client: Client, cast: Cast) -> None:
    client.force_login(make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin"))

    response = client.post("/manage/offices/new/", office_data())

    assert response.status_code == 404
    assert not Office.objects.filter(code="AF").exists()


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "case_manager", "partner", "me_officer"])
@pytest.mark.parametrize("url", [NEW, "/manage/offices/", "/manage/offices/new/", "/manage/teams/new/"])
def test_manage_admin_pages_are_404_to_non_admins(client: Client, cast: Cast, who: str, url: str) -> None:
    client.force_login(getattr(cast, who))

    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["", "reset-password/", "reset-two-factor/"])
def test_manage_director_cannot_edit_accounts(client: Client, cast: Cast, action: str) -> None:
    client.force_login(cast.director)
    url = f"/manage/staff/{cast.case_manager.pk}/{action}"

    response = client.post(url, {"roles": [Role.ADMINISTRATOR.value], "language": "en", "office": cast.kh.pk})

    assert response.status_code == 404
    assert User.objects.get(pk=cast.case_manager.pk).check_password(PASSWORD)
    assert User.objects.get(pk=cast.case_manager.pk).role_set == {Role.CASE_MANAGER}


def test_manage_director_sees_staff_list_without_edit_links(client: Client, cast: Cast) -> None:
    client.force_login(cast.director)

    response = client.get("/manage/staff/")

    assert response.status_code == 200
    assert "colleague" in response.content.decode()
    assert f'href="/manage/staff/{cast.colleague.pk}/"' not in response.content.decode()
    assert 'href="/manage/staff/new/"' not in response.content.decode()


def test_manage_staff_list_of_office_admin_hides_other_offices(client: Client, cast: Cast) -> None:
    client.force_login(make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin"))

    response = client.get("/manage/staff/")

    assert "colleague" in response.content.decode()
    assert "vn.cm" not in response.content.decode()


@pytest.mark.parametrize("action", ["", "reset-password/", "reset-two-factor/"])
def test_manage_office_admin_cannot_touch_another_offices_account(client: Client, cast: Cast, action: str) -> None:
    enrol(cast.other_office)
    client.force_login(make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin"))

    got = client.get(f"/manage/staff/{cast.other_office.pk}/")
    posted = client.post(
        f"/manage/staff/{cast.other_office.pk}/{action}", {"roles": [Role.ADMINISTRATOR.value], "language": "en"}
    )

    assert got.status_code == 404
    assert posted.status_code == 404
    vn_user = User.objects.get(pk=cast.other_office.pk)
    assert vn_user.check_password(PASSWORD)
    assert vn_user.role_set == {Role.CASE_MANAGER}
    assert TOTPDevice.objects.filter(user=vn_user).exists()


def test_manage_staff_list_queries_do_not_grow_with_accounts(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)
    client.get("/manage/staff/")  # the first request of a session loads things once

    with CaptureQueriesContext(connection) as few:
        client.get("/manage/staff/")
    UserFactory.create_batch(20, office=cast.kh, team=cast.team, roles=[Role.COUNSELOR, Role.LEGAL_OFFICER])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/manage/staff/")

    assert response.content.decode().count("<tr>") == 1 + 8 + 20  # the heading row, the cast, the new staff
    assert len(many) == len(few)


def test_manage_staff_list_search_with_htmx_returns_rows_only(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    response = client.get("/manage/staff/", {"q": "colleague"}, headers={"HX-Request": "true"})

    assert "<html" not in response.content.decode()
    assert "colleague" in response.content.decode()
    assert ">cm<" not in response.content.decode()
