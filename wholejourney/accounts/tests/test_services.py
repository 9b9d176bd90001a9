"""The account services check permission themselves, so pages, commands and later the API behave alike."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts import services
from wholejourney.accounts.forms import UserCreateForm
from wholejourney.accounts.models import RecoveryCode, RecoveryCodeDevice, Team, User, UserSession
from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import PASSWORD, make_user

GOOD_PASSWORD = "violet-river-lantern-42"


def create(actor: User, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "username": "new.person",
        "password": GOOD_PASSWORD,
        "office": overrides.pop("office"),
        "roles": [Role.CASE_MANAGER],
    }
    values.update(overrides)
    return services.user_create(actor=actor, **values)


def update(actor: User, user: User, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "office": user.office,
        "team": user.team,
        "roles": user.role_set,
        "language": user.language,
        "is_active": user.is_active,
    }
    values.update(overrides)
    return services.user_update(actor=actor, user=user, **values)


def open_session(user: User) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    services.session_register(user=user, session_key=store.session_key or "")
    return store.session_key or ""


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    now_step = int(time.time() - device.t0) // device.step
    target = max(now_step + device.drift, device.last_t + 1)
    return f"{totp(device.bin_key, drift=target - now_step):06d}"


# --- user_create ------------------------------------------------------------------------------


def test_user_create_by_admin_writes_account_roles_and_audit(cast: Cast) -> None:
    user = create(cast.admin, office=cast.kh, team=cast.team, roles=[Role.COUNSELOR, Role.LEGAL_OFFICER])

    assert user.check_password(GOOD_PASSWORD)
    assert User.objects.get(pk=user.pk).role_set == {Role.COUNSELOR, Role.LEGAL_OFFICER}
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="accounts.user", object_id=str(user.pk))
    assert event.actor_username == "admin"
    assert GOOD_PASSWORD not in str(event.changed_fields)


@pytest.mark.parametrize("who", ["director", "case_manager", "me_officer", "partner"])
def test_user_create_by_non_admin_is_denied(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        create(getattr(cast, who), office=cast.kh)

    assert not User.objects.filter(username="new.person").exists()


def test_user_create_by_office_admin_in_another_office_is_denied(cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    with pytest.raises(PermissionDenied):
        create(kh_admin, office=cast.vn)
    with pytest.raises(PermissionDenied):
        create(kh_admin, office=None)


def test_user_create_without_roles_leaves_nothing_behind(cast: Cast) -> None:
    with pytest.raises(ValidationError) as raised:
        create(cast.admin, office=cast.kh, roles=[])

    assert "roles" in raised.value.message_dict
    assert not User.objects.filter(username="new.person").exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_user_create_with_password_like_the_username_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as raised:
        create(cast.admin, office=cast.kh, username="sokhachanthy", password="sokhachanthy1")

    assert "The password is too similar to the username." in raised.value.messages


def test_user_create_with_team_of_another_office_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as raised:
        create(cast.admin, office=cast.vn, team=cast.team)

    assert "team" in raised.value.message_dict


# --- user_update ------------------------------------------------------------------------------


def test_user_update_records_only_what_changed(cast: Cast) -> None:
    update(cast.admin, cast.case_manager, last_name="Sok", roles=[Role.CASE_MANAGER, Role.COUNSELOR])

    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE)
    assert event.changed_fields == ["last_name", "roles"]
    assert User.objects.get(pk=cast.case_manager.pk).role_set == {Role.CASE_MANAGER, Role.COUNSELOR}


def test_user_update_without_changes_writes_no_audit(cast: Cast) -> None:
    update(cast.admin, cast.case_manager)

    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).exists()


def test_user_update_deactivation_ends_every_session(cast: Cast) -> None:
    keys = [open_session(cast.case_manager), open_session(cast.case_manager)]
    other = open_session(cast.colleague)

    update(cast.admin, cast.case_manager, is_active=False)

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=cast.case_manager).exists()
    assert Session.objects.filter(session_key=other).exists()


def test_user_update_of_own_account_cannot_deactivate(cast: Cast) -> None:
    with pytest.raises(ValidationError) as raised:
        update(cast.admin, cast.admin, is_active=False)

    assert raised.value.message_dict["is_active"] == ["You cannot deactivate your own account."]
    assert User.objects.get(pk=cast.admin.pk).is_active


def test_user_update_by_director_is_denied(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        update(cast.director, cast.case_manager, roles=[Role.ADMINISTRATOR])

    assert User.objects.get(pk=cast.case_manager.pk).role_set == {Role.CASE_MANAGER}


def test_user_update_by_office_admin_of_another_office_is_denied(cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    with pytest.raises(PermissionDenied):
        update(kh_admin, cast.other_office, is_active=False)
    with pytest.raises(PermissionDenied):
        update(kh_admin, cast.case_manager, office=cast.vn, team=None)

    assert User.objects.get(pk=cast.other_office.pk).is_active
    assert User.objects.get(pk=cast.case_manager.pk).office == cast.kh


# --- Resets -----------------------------------------------------------------------------------


def test_user_reset_password_sets_temporary_password_and_ends_sessions(cast: Cast) -> None:
    key = open_session(cast.case_manager)

    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)

    user = User.objects.get(pk=cast.case_manager.pk)
    assert user.check_password(temporary)
    assert not user.check_password(PASSWORD)
    assert user.must_change_password
    assert len(temporary) >= 12
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PASSWORD_RESET, object_type="accounts.user", object_id=str(user.pk)
    ).exists()


def test_user_reset_password_gives_a_different_password_each_time(cast: Cast) -> None:
    first = services.user_reset_password(actor=cast.admin, user=cast.case_manager)
    second = services.user_reset_password(actor=cast.admin, user=cast.case_manager)

    assert first != second


def test_user_reset_password_by_non_admin_is_denied(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.user_reset_password(actor=cast.director, user=cast.case_manager)

    assert User.objects.get(pk=cast.case_manager.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET).exists()


def test_user_reset_mfa_removes_devices_codes_and_sessions(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.case_manager, name="authenticator", confirmed=True)
    services.recovery_codes_regenerate(user=cast.case_manager)
    key = open_session(cast.case_manager)
    TOTPDevice.objects.create(user=cast.colleague, name="authenticator", confirmed=True)

    services.user_reset_mfa(actor=cast.admin, user=cast.case_manager)

    assert not TOTPDevice.objects.filter(user=cast.case_manager).exists()
    assert not RecoveryCode.objects.filter(device__user=cast.case_manager).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert TOTPDevice.objects.filter(user=cast.colleague).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MFA_RESET, object_type="accounts.user", object_id=str(cast.case_manager.pk)
    ).exists()


def test_user_reset_mfa_by_office_admin_of_another_office_is_denied(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.other_office, name="authenticator", confirmed=True)
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    with pytest.raises(PermissionDenied):
        services.user_reset_mfa(actor=kh_admin, user=cast.other_office)

    assert TOTPDevice.objects.filter(user=cast.other_office).exists()


def test_user_change_own_password_clears_the_forced_change(cast: Cast) -> None:
    temporary = services.user_reset_password(actor=cast.admin, user=cast.case_manager)

    services.user_change_own_password(user=cast.case_manager, current_password=temporary, password=GOOD_PASSWORD)

    user = User.objects.get(pk=cast.case_manager.pk)
    assert user.check_password(GOOD_PASSWORD)
    assert not user.must_change_password


def test_user_change_own_password_refuses_a_short_one(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.user_change_own_password(user=cast.case_manager, current_password=PASSWORD, password="short")

    assert User.objects.get(pk=cast.case_manager.pk).check_password(PASSWORD)


def test_user_set_language_rejects_unknown_language(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.user_set_language(user=cast.case_manager, language="xx")

    assert User.objects.get(pk=cast.case_manager.pk).language == "en"


# --- Second factors ---------------------------------------------------------------------------


def test_totp_confirm_enrolment_with_wrong_code_confirms_nothing(cast: Cast) -> None:
    device = services.totp_start_enrolment(user=cast.case_manager)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    codes = services.totp_confirm_enrolment(user=cast.case_manager, device=device, token=wrong)

    assert codes is None
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not RecoveryCodeDevice.objects.filter(user=cast.case_manager).exists()


def test_totp_confirm_enrolment_of_someone_elses_device_is_refused(cast: Cast) -> None:
    device = services.totp_start_enrolment(user=cast.colleague)

    codes = services.totp_confirm_enrolment(user=cast.case_manager, device=device, token=current_code(device))

    assert codes is None
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed


def test_totp_confirm_enrolment_replaces_the_old_authenticator(cast: Cast) -> None:
    old = services.totp_start_enrolment(user=cast.case_manager)
    services.totp_confirm_enrolment(user=cast.case_manager, device=old, token=current_code(old))
    new = services.totp_start_enrolment(user=cast.case_manager)

    codes = services.totp_confirm_enrolment(user=cast.case_manager, device=new, token=current_code(new))

    assert codes is not None and len(codes) == 10
    assert list(TOTPDevice.objects.filter(user=cast.case_manager).values_list("pk", flat=True)) == [new.pk]


def test_recovery_code_device_accepts_each_code_once(cast: Cast) -> None:
    codes = services.recovery_codes_regenerate(user=cast.case_manager)
    device = RecoveryCodeDevice.objects.get(user=cast.case_manager)

    first, again, other = device.verify_token(codes[0]), device.verify_token(codes[0]), device.verify_token(codes[1])

    assert (first, again, other) == (True, False, True)
    assert device.codes.filter(used_at__isnull=True).count() == 8


@pytest.mark.parametrize("token", ["", "   ", "not-a-code", "x" * 5000])
def test_recovery_code_device_refuses_garbage(cast: Cast, token: str) -> None:
    services.recovery_codes_regenerate(user=cast.case_manager)
    device = RecoveryCodeDevice.objects.get(user=cast.case_manager)

    assert device.verify_token(token) is False


def test_recovery_codes_of_one_user_do_not_work_for_another(cast: Cast) -> None:
    mine = services.recovery_codes_regenerate(user=cast.case_manager)
    services.recovery_codes_regenerate(user=cast.colleague)
    theirs = RecoveryCodeDevice.objects.get(user=cast.colleague)

    assert theirs.verify_token(mine[0]) is False


# --- Teams and offices ------------------------------------------------------------------------


def test_team_save_by_office_admin_in_own_office(cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    team = services.team_save(actor=kh_admin, team=Team(office=cast.kh, name="Team C"), changed_fields=["name"])

    assert Team.objects.filter(pk=team.pk, office=cast.kh).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="accounts.team").exists()


def test_team_save_in_another_office_is_denied(cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    with pytest.raises(PermissionDenied):
        services.team_save(actor=kh_admin, team=Team(office=cast.vn, name="Team V"), changed_fields=["name"])

    assert not Team.objects.filter(name="Team V").exists()


def test_team_save_with_duplicate_name_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.team_save(actor=cast.admin, team=Team(office=cast.kh, name="Team A"), changed_fields=["name"])


def test_office_save_needs_a_global_admin(cast: Cast) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")
    office = Office(code="AF", name="Afghanistan", country="AF", time_zone="Asia/Kabul", languages=["en"])

    with pytest.raises(PermissionDenied):
        services.office_save(actor=kh_admin, office=office, changed_fields=["code"])
    saved = services.office_save(actor=cast.admin, office=office, changed_fields=["code"])

    assert Office.objects.filter(pk=saved.pk, code="AF").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "af"), ("code", "KH"), ("time_zone", "Mars/Olympus"), ("languages", ["fr"]), ("languages", [])],
)
def test_office_save_refuses_bad_values(cast: Cast, field: str, value: Any) -> None:
    office = Office(code="AF", name="Afghanistan", country="AF", time_zone="Asia/Kabul", languages=["en"])
    setattr(office, field, value)

    with pytest.raises(ValidationError):
        services.office_save(actor=cast.admin, office=office, changed_fields=[field])

    assert not Office.objects.filter(name="Afghanistan").exists()


# --- the narrowest access by default (issue 15, point 8) ------------------------------------------


def _create_form(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": "newperson",
        "password": "a long enough password 123",
        "first_name": "New",
        "last_name": "Person",
        "email": "",
        "office": "",
        "team": "",
        "roles": ["case_manager"],
        "partner_organisation": "",
        "language": "en",
    }
    return data | overrides


def test_new_account_form_of_an_office_administrator_defaults_to_their_own_office(cast: Cast) -> None:
    admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    form = UserCreateForm(actor=admin)

    assert form.fields["office"].initial == cast.kh.pk
    assert list(form.fields["office"].queryset) == [cast.kh]
    assert "all_offices" not in form.fields


def test_new_account_of_a_global_administrator_needs_an_office_or_all_offices_ticked(cast: Cast) -> None:
    unchosen = UserCreateForm(_create_form(cast), actor=cast.admin)
    global_account = UserCreateForm(_create_form(cast, all_offices="on"), actor=cast.admin)

    assert not unchosen.is_valid()
    assert "Choose the office, or tick “all offices” for a global account." in unchosen.errors["office"]
    assert global_account.is_valid(), global_account.errors


def test_new_partner_referrer_form_needs_a_partner_organisation(cast: Cast) -> None:
    form = UserCreateForm(_create_form(cast, office=cast.kh.pk, roles=["partner_referrer"]), actor=cast.admin)

    assert not form.is_valid()
    assert form.errors["partner_organisation"] == [
        "A partner referrer needs a partner organisation: choose the one they refer for."
    ]


def test_user_create_refuses_a_partner_referrer_without_a_partner_organisation(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.user_create(
            actor=cast.admin, username="p2", password="a long enough password 123", office=cast.kh,
            roles=[Role.PARTNER_REFERRER],
        )  # fmt: skip

    assert list(refused.value.message_dict) == ["partner_organisation"]
    assert not User.objects.filter(username="p2").exists()


def test_user_create_refuses_a_partner_organisation_of_another_office(cast: Cast) -> None:
    organisation = OrganisationFactory(office=cast.vn)

    with pytest.raises(ValidationError) as refused:
        services.user_create(
            actor=cast.admin, username="p2", password="a long enough password 123", office=cast.kh,
            roles=[Role.PARTNER_REFERRER], partner_organisation=organisation,
        )  # fmt: skip

    assert list(refused.value.message_dict) == ["partner_organisation"]


def test_user_create_gives_a_partner_referrer_their_organisation_and_nobody_else_one(cast: Cast) -> None:
    organisation = OrganisationFactory(office=cast.kh)

    partner = services.user_create(
        actor=cast.admin, username="p2", password="a long enough password 123", office=cast.kh,
        roles=[Role.PARTNER_REFERRER], partner_organisation=organisation,
    )  # fmt: skip
    staff = services.user_create(
        actor=cast.admin, username="s2", password="a long enough password 123", office=cast.kh,
        roles=[Role.CASE_MANAGER], partner_organisation=organisation,
    )  # fmt: skip

    assert (partner.partner_organisation, staff.partner_organisation) == (organisation, None)
