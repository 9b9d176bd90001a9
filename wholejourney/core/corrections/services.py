"""Editing, voiding and restoring records of any registered kind.

Each write checks who may correct the record (`accounts.permissions.may_correct`), refuses a
closed case's records, takes the version the user read and refuses to save over a newer one
(`EditConflict`), re-runs the rules the record was created under, and writes the history row and
the audit row in the same transaction."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import Permission, has_permission, may_correct
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.corrections.registry import CorrectableKind
from wholejourney.core.models import Office, RecordChange


class EditConflict(Exception):
    """The record changed since the user read it: `current` is it now, `since` the changes made
    meanwhile (newest first)."""

    def __init__(self, current: models.Model, since: list[RecordChange]) -> None:
        super().__init__("The record was changed by someone else.")
        self.current, self.since = current, since


class _NothingChanged(Exception):
    pass


def value_text(record: models.Model, name: str) -> str:
    """A field's value as text, to compare and to keep in the history."""
    value = record._meta.get_field(name).value_from_object(record)  # type: ignore[union-attr]
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):  # 40000 and 40000.00 are one amount
        return format(value.normalize(), "f")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def scope_of(kind: CorrectableKind, record: Any) -> models.Model:
    """What `has_permission` checks a correction against: the record's client, else its office."""
    client = kind.client(record)
    return client if client is not None else Office(pk=kind.office_id(record))


def entry_of(record: models.Model) -> tuple[datetime.datetime | None, int | None]:
    """When the record was entered, and by whom: its creation in the audit trail."""
    found = (
        AuditEvent.objects.filter(
            object_type=record._meta.label_lower, object_id=str(record.pk), action=AuditEvent.Action.CREATE
        )
        .order_by("seq")
        .values_list("at", "actor_id")
        .first()
    )
    return found if found is not None else (None, None)


def may_correct_record(user: User, kind: CorrectableKind, record: Any) -> bool:
    client = kind.client(record)
    if not kind.time_limited:  # kept up to date by whoever may record it (a client's identity)
        scope = scope_of(kind, record)
        return any(has_permission(user, perm, obj=scope) for perm in (*kind.permissions, Permission.CORRECT_ANY_RECORD))
    at, by = entry_of(kind.entered_with(record))
    return may_correct(
        user,
        permissions=kind.permissions,
        obj=scope_of(kind, record),
        # The record's own author field where it has one, else who entered it in the audit trail.
        author_id=kind.author_id(record) or by,
        case_manager_id=client.case_manager_id if client is not None else None,
        entered_at=at,
    )


def may_restore_record(user: User, kind: CorrectableKind, record: Any) -> bool:
    return has_permission(user, Permission.RESTORE_RECORDS, obj=scope_of(kind, record))


def _require_open_case(kind: CorrectableKind, record: Any) -> None:
    case = kind.case(record)
    if case is not None and case.closed_on is not None:
        raise ValidationError(_("This case is closed: its records can be corrected once it is reopened."))


def _check(actor: User, kind: CorrectableKind, record: Any) -> None:
    if not may_correct_record(actor, kind, record):
        raise PermissionDenied
    _require_open_case(kind, record)


def changes_since(kind: CorrectableKind, record_id: int, version: int) -> list[RecordChange]:
    return list(
        RecordChange.objects.filter(kind=kind.key, record_id=record_id, version__gt=version)
        .select_related("changed_by", "client__data_key")
        .order_by("-version")
    )


def _claim(kind: CorrectableKind, record: Any, version: int) -> Any:
    """Move the record to the next version if it is still at `version`, and return it as it is now
    (locked until the transaction ends). The conditional UPDATE is what orders two saves of one
    record: the second waits for the first, then finds the version moved on."""
    rows = kind.model._base_manager.filter(pk=record.pk, version=version).update(version=F("version") + 1)
    if rows == 0:
        current = kind.model._base_manager.get(pk=record.pk)
        raise EditConflict(current, changes_since(kind, record.pk, version))
    return kind.model._base_manager.get(pk=record.pk)


def _history(
    actor: User, kind: CorrectableKind, record: Any, action: str, fields: list[str], earlier: dict[str, str], reason=""
) -> RecordChange:
    client = kind.client(record)
    change = RecordChange(
        kind=kind.key,
        record_id=record.pk,
        office_id=kind.office_id(record),
        client=client,
        action=action,
        version=record.version,
        changed_by=actor,
        fields=fields,
        earlier=earlier,
        reason=reason,
    )
    change.save()
    return change


def record_edit(*, actor: User, kind: CorrectableKind, record: Any, version: int, changes: Mapping[str, Any]) -> Any:
    """Change some fields of a record read at `version`. Returns the record as saved (or as it
    was, when nothing differs). Raises EditConflict when someone saved it meanwhile."""
    unknown = set(changes) - set(kind.fields)
    if unknown:
        raise TypeError(f"not editable in a {kind.key}: {sorted(unknown)}")
    _check(actor, kind, record)
    if getattr(record, "voided_at", None) is not None:
        raise ValidationError(_("This record is voided: restore it before changing it."))
    try:
        with transaction.atomic():
            fresh = _claim(kind, record, version)
            earlier = {name: value_text(fresh, name) for name in changes}
            for name, value in changes.items():
                setattr(fresh, name, value)
            changed = sorted(name for name in changes if value_text(fresh, name) != earlier[name])
            if not changed:
                raise _NothingChanged
            kind.check(fresh)
            fresh.full_clean()
            fresh.save()
            _history(actor, kind, fresh, RecordChange.Action.EDIT, changed, {n: earlier[n] for n in changed})
            audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=fresh, changed_fields=changed)
            kind.after(fresh)
    except _NothingChanged:
        return record
    return fresh


def _set_voided(kind: CorrectableKind, record: Any, voided_at: datetime.datetime | None, by: User | None) -> None:
    for dependent in [record, *kind.dependents(record)]:
        dependent.voided_at, dependent.voided_by = voided_at, by
        type(dependent)._base_manager.filter(pk=dependent.pk).update(voided_at=voided_at, voided_by=by)


def record_void(*, actor: User, kind: CorrectableKind, record: Any, version: int, reason: str) -> Any:
    """Withdraw a record entered by mistake: it leaves every list, figure and the clock, and stays
    in the history, struck through where it was shown. A director can restore it."""
    if not kind.voidable:
        raise ValidationError(_("This kind of record cannot be voided; correct it instead."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this record is voided.")})
    _check(actor, kind, record)
    if record.voided_at is not None:
        raise ValidationError(_("This record is already voided."))
    with transaction.atomic():
        fresh = _claim(kind, record, version)
        if fresh.voided_at is not None:  # voided meanwhile by someone else
            raise EditConflict(fresh, changes_since(kind, record.pk, version))
        _set_voided(kind, fresh, timezone.now(), actor)
        _history(actor, kind, fresh, RecordChange.Action.VOID, ["voided"], {}, reason.strip())
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=fresh, changed_fields=["voided"])
        kind.after(fresh)
    return fresh


def record_restore(*, actor: User, kind: CorrectableKind, record: Any, reason: str = "") -> Any:
    """A director brings a voided record back, with what was voided with it."""
    if not may_restore_record(actor, kind, record):
        raise PermissionDenied
    if getattr(record, "voided_at", None) is None:
        raise ValidationError(_("This record is not voided."))
    with transaction.atomic():
        fresh = _claim(kind, record, record.version)
        _set_voided(kind, fresh, None, None)
        _history(actor, kind, fresh, RecordChange.Action.RESTORE, ["voided"], {}, reason.strip())
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=fresh, changed_fields=["restored"])
        kind.after(fresh)
    return fresh
