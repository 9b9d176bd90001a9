"""Writes on accounts, teams and offices. Each checks the actor's permission and writes its audit row
in the same transaction, so the page, the command line and later the API behave alike."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts.models import (
    RecoveryCode,
    RecoveryCodeDevice,
    Team,
    User,
    UserRole,
    UserSession,
    hash_recovery_code,
)
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission, Role
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation

WRONG_CURRENT_PASSWORD = gettext_lazy("That is not your current password.")
WRONG_ONE_TIME_PASSWORD = gettext_lazy("That is not the one-time password your administrator gave you.")
PARTNER_NEEDED = gettext_lazy("A partner referrer needs a partner organisation: choose the one they refer for.")


def _partner_of(roles: Iterable[Role], office: Office | None, organisation: Organisation | None) -> Organisation | None:
    """The partner organisation an account refers for: required of a partner referrer (without it
    the account would belong to no partner), in the account's office; nobody else has one."""
    if Role.PARTNER_REFERRER not in {Role(role) for role in roles}:
        return None
    if organisation is None:
        raise ValidationError({"partner_organisation": str(PARTNER_NEEDED)})
    if office is None or organisation.office_id != office.pk:
        raise ValidationError(
            {"partner_organisation": _("The partner organisation must belong to the account's office.")}
        )
    return organisation


RECOVERY_CODE_COUNT = 10
# Readable alphabet without 0/O, 1/l: 16 characters × 5 bits = 80 bits per code.
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def _require(actor: User, perm: Permission, obj: Office | Team | User | None = None) -> None:
    if not has_permission(actor, perm, obj=obj):
        raise PermissionDenied


def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    office: Office | None,
    team: Team | None = None,
    roles: Iterable[Role],
    language: str = "en",
    must_change_password: bool = True,
    partner_organisation: Organisation | None = None,
) -> User:
    """Create an account. Only administrators; a non-global administrator only in their own office.
    The person chooses their own password at first sign-in unless told otherwise (the demo)."""
    _require(actor, Permission.MANAGE_USERS)
    if not actor.is_global and (office is None or office.pk != actor.office_id):
        raise PermissionDenied
    roles = list(roles)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        office=office,
        team=team,
        language=language,
        must_change_password=must_change_password,
        partner_organisation=_partner_of(roles, office, partner_organisation),
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        _set_roles(user, roles)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=user, changed_fields=["username", "roles"])
    return user


def _set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(role) for role in roles}
    if not wanted:
        raise ValidationError({"roles": _("Choose at least one role.")})
    UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
    existing = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in wanted if role not in existing])
    user._role_set = frozenset(wanted)


def user_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    office: Office | None,
    team: Team | None,
    roles: Iterable[Role],
    language: str,
    is_active: bool,
    partner_organisation: Organisation | None = None,
) -> User:
    """Change an account. Deactivating it ends every session it holds at once."""
    _require(actor, Permission.MANAGE_USERS, user)
    if not actor.is_global and (office is None or office.pk != actor.office_id):
        raise PermissionDenied
    roles = list(roles)
    user.partner_organisation = _partner_of(roles, office, partner_organisation)
    if user.pk == actor.pk and not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    before = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "office": user.office_id,
        "team": user.team_id,
        "language": user.language,
        "is_active": user.is_active,
    }
    old_roles = set(user.role_set)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.office, user.team, user.language, user.is_active = office, team, language, is_active
    user.full_clean()
    after = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "office": user.office_id,
        "team": user.team_id,
        "language": user.language,
        "is_active": user.is_active,
    }
    changed = [name for name in before if before[name] != after[name]]
    with transaction.atomic():
        user.save()
        _set_roles(user, roles)
        if set(user.role_set) != old_roles:
            changed.append("roles")
        if not is_active:
            _end_sessions(user)
        if changed:
            audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=user, changed_fields=changed)
    return user


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def user_reset_password(*, actor: User, user: User) -> str:
    """Give the user a new temporary password (returned once, to show the administrator) and
    end their sessions; they must choose their own at the next sign-in."""
    _require(actor, Permission.MANAGE_USERS, user)
    temporary = "-".join(secrets.token_hex(3) for _ in range(4))
    with transaction.atomic():
        user.set_password(temporary)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        _end_sessions(user)
        audit_record(actor=actor, action=AuditEvent.Action.PASSWORD_RESET, target=user, changed_fields=["password"])
    return temporary


def user_reset_mfa(*, actor: User, user: User) -> None:
    """Remove the user's second factors (a lost phone); they enrol again at the next sign-in."""
    _require(actor, Permission.MANAGE_USERS, user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        _end_sessions(user)
        audit_record(actor=actor, action=AuditEvent.Action.MFA_RESET, target=user, changed_fields=["two_factor"])


def user_change_own_password(*, user: User, current_password: str, password: str) -> None:
    """Replace the user's own password, given the current one: after an administrator's reset,
    the one-time password they gave. Someone with only an open session, or only past the
    password step, cannot lock the owner out. A wrong current password is refused and audited."""
    if not user.check_password(current_password):
        audit_record(actor=user, action=AuditEvent.Action.FAILED_LOGIN, target=user, changed_fields=["password"])
        wrong = WRONG_ONE_TIME_PASSWORD if user.must_change_password else WRONG_CURRENT_PASSWORD
        raise ValidationError({"current_password": wrong})
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(actor=user, action=AuditEvent.Action.CHANGE, target=user, changed_fields=["password"])


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.full_clean(validate_unique=False, exclude=["password"])
    user.save(update_fields=["language"])


def session_register(*, user: User, session_key: str) -> None:
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def totp_start_enrolment(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user to scan; it works only once confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_confirm_enrolment(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code from it. Returns new recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_regenerate(user=user)
        audit_record(actor=user, action=AuditEvent.Action.MFA_ENROLLED, target=user, changed_fields=["two_factor"])
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once and only their hashes kept."""
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(16)) for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=hash_recovery_code(c)) for c in codes])
    return [f"{c[:4]}-{c[4:8]}-{c[8:12]}-{c[12:]}" for c in codes]


def office_save(*, actor: User, office: Office, changed_fields: Iterable[str]) -> Office:
    _require(actor, Permission.MANAGE_OFFICES)
    if not actor.is_global:
        raise PermissionDenied
    creating = office.pk is None
    office.full_clean()
    with transaction.atomic():
        office.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
            target=office,
            changed_fields=changed_fields,
        )
    return office


def team_save(*, actor: User, team: Team, changed_fields: Iterable[str]) -> Team:
    _require(actor, Permission.MANAGE_TEAMS, team)
    creating = team.pk is None
    team.full_clean()
    with transaction.atomic():
        team.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
            target=team,
            changed_fields=changed_fields,
        )
    return team
