"""The kinds of record that can be corrected, registered by the app that owns each."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import Http404
from django.utils.functional import Promise

from wholejourney.core.correctable import Voidable

if TYPE_CHECKING:
    from django import forms
    from django.http import QueryDict

    from wholejourney.accounts.roles import Permission


def _nothing(record: Any) -> None:
    return None


@dataclass(frozen=True)
class CorrectableKind:
    """One kind of record: what may change in it, how the change is checked, and where it lives.

    - `fields`: the fields an edit may change (the names of both the model's and the form's fields);
    - `form(record, data)`: the form the record is entered with (unbound when `data` is None);
    - `check(record)`: the rules the creating service applies, run again on the changed record;
    - `permissions`: any of them, held over the record's client (or office), lets a user correct it
      (within the rules of `accounts.permissions.may_correct`);
    - `client`, `case`, `author_id`, `office_id`: what the rules and the history need to know;
    - `shown_at(record)`: the page the record is shown on (where to go back to);
    - `after(record)`: what follows a change in the same transaction (the clock is recomputed…);
    - `dependents(record)`: records voided and restored together with this one;
    - `identifying`: fields whose earlier values are shown only to those who may see who the
      client is;
    - `entered_with(record)`: the record whose creation, in the audit trail, starts the time
      its author may correct it (a goal was entered with its plan);
    - `to_form(record)` and `from_form(cleaned_data)`: where the entry form names its fields
      otherwise than the model (`date` for `occurred_on`), the form's initial values and the
      changes its cleaned data make (of the fields it was given).
    """

    key: str
    model: type[models.Model]
    label: str | Promise
    fields: tuple[str, ...]
    form: Callable[[Any, QueryDict | None], forms.BaseForm]
    permissions: tuple[Permission, ...]
    shown_at: Callable[[Any], str]
    client: Callable[[Any], Any] = lambda record: record.client
    case: Callable[[Any], Any] = lambda record: record.case
    author_id: Callable[[Any], int | None] = lambda record: record.recorded_by_id
    office_id: Callable[[Any], int] = lambda record: record.client.office_id
    check: Callable[[Any], None] = _nothing
    after: Callable[[Any], None] = _nothing
    dependents: Callable[[Any], Iterable[models.Model]] = lambda record: ()
    identifying: tuple[str, ...] = field(default=())
    to_form: Callable[[Any], dict[str, Any]] | None = None
    from_form: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    # Corrected at any time by those who may (a client's identity is kept up to date for years).
    time_limited: bool = True
    # The record whose entry in the audit trail starts the time to correct it (a goal: its plan's).
    entered_with: Callable[[Any], Any] = lambda record: record

    def initial(self, record: Any) -> dict[str, Any]:
        """The entry form's values for the record as it is (form field -> value)."""
        if self.to_form is not None:
            return self.to_form(record)
        return {name: getattr(record, name) for name in self.fields}

    def changes(self, record: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
        """The model's fields and values a form's cleaned data sets on the record."""
        if self.from_form is not None:
            return self.from_form(record, cleaned)
        return {name: value for name, value in cleaned.items() if name in self.fields}

    @property
    def voidable(self) -> bool:
        return issubclass(self.model, Voidable)

    def field_label(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - a form-only name: shown as it is
            return name


_kinds: dict[str, CorrectableKind] = {}
_by_model: dict[type[models.Model], CorrectableKind] = {}


def register(kind: CorrectableKind) -> CorrectableKind:
    _kinds[kind.key] = kind
    _by_model[kind.model] = kind
    return kind


def kind_named(key: str) -> CorrectableKind:
    """The kind a URL names, or 404."""
    try:
        return _kinds[key]
    except KeyError:
        raise Http404 from None


def kind_of(record: models.Model) -> CorrectableKind | None:
    return _by_model.get(type(record))


def all_kinds() -> list[CorrectableKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.key)
