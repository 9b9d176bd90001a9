"""The form a record is corrected with: the kind's entry form, keeping the fields an edit may
change, filled from the record; for the API, the same form bound to the record's values with the
sent ones over them, so the API validates exactly as the page does."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import QueryDict

from wholejourney.core.corrections.registry import CorrectableKind


def edit_form(kind: CorrectableKind, record: Any, data: Any) -> forms.BaseForm:
    form = kind.form(record, data)
    initial = kind.initial(record)
    for name in list(form.fields):
        if name not in initial:
            del form.fields[name]
    form.initial = initial
    return form


def _as_text(field: forms.Field, value: Any) -> str:
    if value is None:
        return ""
    value = field.prepare_value(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def posted_form(kind: CorrectableKind, record: Any, sent: Mapping[str, Any]) -> tuple[forms.BaseForm, list[str]]:
    """The edit form bound to the record's current values with `sent` (form field -> value) over
    them, and the names in `sent` the form does not have."""
    blank = edit_form(kind, record, None)
    data = QueryDict(mutable=True)
    for name, value in blank.initial.items():
        field = blank.fields.get(name)
        if field is None:
            continue
        key = blank.add_prefix(name)
        if isinstance(value, (list, tuple)):
            data.setlist(key, [_as_text(field, item) for item in value])
        else:
            data[key] = _as_text(field, value)
    unknown = [name for name in sent if name not in blank.fields]
    for name, value in sent.items():
        if name in blank.fields:
            key = blank.add_prefix(name)
            if isinstance(value, list):
                data.setlist(key, ["" if item is None else str(item) for item in value])
            else:
                data[key] = "" if value is None else str(value)
    return edit_form(kind, record, data), unknown
