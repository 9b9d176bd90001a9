"""Writes of the option lists: add an option (English and Khmer, mapped to a reporting category),
rename it, retire and restore it, delete it while no record uses it. Only an administrator of the
whole organisation may (the lists are the same for every office); each change is audited in the
same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.options.lists import LISTS
from wholejourney.options.models import Option
from wholejourney.options.selectors import LiveChoices, uses_of


def may_manage_options(user: User) -> bool:
    return has_permission(user, Permission.MANAGE_OPTIONS) and user.office_id is None


def _check(actor: User) -> None:
    if not may_manage_options(actor):
        raise PermissionDenied


def _labels(label_en: str, label_km: str) -> tuple[str, str]:
    label_en, label_km = label_en.strip(), label_km.strip()
    problems = {}
    if not label_en:
        problems["label_en"] = [_("Give the option's name in English.")]
    if not label_km:
        problems["label_km"] = [_("Give the option's name in Khmer.")]
    if problems:
        raise ValidationError(problems)
    return label_en, label_km


def option_add(*, actor: User, list_id: str, code: str, label_en: str, label_km: str, category: str) -> Option:
    """Add an option to a list, counted in the report under `category` (fixed from then on)."""
    _check(actor)
    option_list = LISTS.get(list_id)
    if option_list is None:
        raise ValidationError(_("There is no such list."))
    code = code.strip().lower()
    label_en, label_km = _labels(label_en, label_km)
    if category not in option_list.categories.values:
        raise ValidationError({"category": [_("Choose one of the report's categories.")]})
    if code in option_list.categories.values or Option.objects.filter(list_id=list_id, code=code).exists():
        raise ValidationError({"code": [_("The list already has this code.")]})
    option = Option(
        list_id=list_id, code=code, label_en=label_en, label_km=label_km, category=category, created_by=actor
    )
    with transaction.atomic():
        option.full_clean()
        option.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            target=option,
            changed_fields=["list_id", "code", "label_en", "label_km", "category"],
        )
        transaction.on_commit(LiveChoices.forget_all)
    return option


def option_rename(*, actor: User, option: Option, label_en: str, label_km: str) -> Option:
    """Rename an option in English and Khmer; its code and category stay."""
    _check(actor)
    option.label_en, option.label_km = _labels(label_en, label_km)
    with transaction.atomic():
        option.full_clean()
        option.save(update_fields=["label_en", "label_km", "updated_at"])
        audit_record(
            actor=actor, action=AuditEvent.Action.CHANGE, target=option, changed_fields=["label_en", "label_km"]
        )
        transaction.on_commit(LiveChoices.forget_all)
    return option


def option_retire(*, actor: User, option: Option, retired: bool = True) -> Option:
    """Stop offering an option (records keep it), or offer it again."""
    _check(actor)
    option.retired_at = timezone.now() if retired else None
    with transaction.atomic():
        option.save(update_fields=["retired_at", "updated_at"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=option, changed_fields=["retired_at"])
        transaction.on_commit(LiveChoices.forget_all)
    return option


def option_delete(*, actor: User, option: Option) -> None:
    """Delete an option no record uses; one in use can only be retired."""
    _check(actor)
    with transaction.atomic():
        if uses_of(option):
            raise ValidationError(_("Records use this option: retire it instead."))
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            target=option,
            changed_fields=[f"list_id:{option.list_id}", f"code:{option.code}"],
        )
        option.delete()
        transaction.on_commit(LiveChoices.forget_all)
