"""Reading records to correct, and their history, for one user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import Http404

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import Permission, has_permission
from wholejourney.core.corrections.registry import CorrectableKind
from wholejourney.core.corrections.services import scope_of
from wholejourney.core.models import RecordChange


def record_visible_to(user: User, kind: CorrectableKind, record: Any) -> bool:
    """Whether `user` may see this record's corrections: someone who records this kind for the
    client (or office), or its director."""
    scope = scope_of(kind, record)
    return any(has_permission(user, perm, obj=scope) for perm in (*kind.permissions, Permission.CORRECT_ANY_RECORD))


def visible_for_client(user: User, kind: CorrectableKind, client: Any) -> bool:
    """`record_visible_to` for any record of this kind about `client`."""
    return any(has_permission(user, perm, obj=client) for perm in (*kind.permissions, Permission.CORRECT_ANY_RECORD))


def record_get_for(*, user: User, kind: CorrectableKind, pk: int) -> Any:
    """The record, voided or not, if the user may see it; else 404 (the same for "no such record")."""
    record = kind.model._base_manager.filter(pk=pk).first()
    if record is None or not record_visible_to(user, kind, record):
        raise Http404
    return record


def display_value(record: models.Model, name: str) -> str:
    """A field's current value as people read it: a choice's label, a related record's name."""
    field = record._meta.get_field(name)
    value = getattr(record, name)
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def earlier_display(kind: CorrectableKind, name: str, text: str) -> str:
    """A value kept in the history (as text) as people read it."""
    if text == "":
        return "—"
    try:
        field = kind.model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a name the model no longer has: shown as kept
        return text
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices:
        return str(choices.get(text, text))
    if field.is_relation and field.related_model is not None:
        related = field.related_model._base_manager.filter(pk=text).first()
        return str(related) if related is not None else text
    return text


@dataclass
class HistoryEntry:
    change: RecordChange
    fields: list[tuple[str, str | None]]  # (label, earlier value shown, or None when withheld)
    reason: str = ""


def record_history(user: User, kind: CorrectableKind, record: Any) -> list[HistoryEntry]:
    """Every correction of the record, newest first. Earlier values of identifying fields are shown
    only to those who may see who the client is (`VIEW_CLIENTS` over the client)."""
    client = kind.client(record)
    sees_identity = client is None or has_permission(user, Permission.VIEW_CLIENTS, obj=client)
    changes = RecordChange.objects.filter(kind=kind.key, record_id=record.pk).select_related(
        "changed_by", "client__data_key"
    )
    entries = []
    for change in changes:
        # Values of an erased client read as None: they went with the client's key.
        earlier, reason = change.earlier or {}, change.reason or ""
        fields = []
        for name in change.fields:
            if name not in earlier:
                continue
            withheld = name in kind.identifying and not sees_identity
            fields.append((kind.field_label(name), None if withheld else earlier_display(kind, name, earlier[name])))
        entries.append(HistoryEntry(change, fields, reason))
    return entries
