"""The pages that correct a record: edit, void, restore, and its history.

Every kind of record is corrected on the same pages, with the form it was entered with; the
version the page was read at travels in the form, so a save over someone else's newer change is
shown as a conflict to re-apply, never made silently."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.core.corrections import selectors, services
from wholejourney.core.corrections.forms import edit_form
from wholejourney.core.corrections.registry import CorrectableKind, kind_named
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this record voided?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: entered on the wrong client, or entered twice."),
        max_length=1000,
    )


def _version(request: AuthedHttpRequest, record: Any) -> int:
    """The version the page was read at (the record's own when the form does not say)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return int(record.version)


def _context(request: AuthedHttpRequest, kind: CorrectableKind, record: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "record": record,
        "client": kind.client(record),
        "back": kind.shown_at(record),
        "may_correct": services.may_correct_record(request.user, kind, record),
        **extra,
    }


@requires(Permission.SIGNED_IN)
def record_edit(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = kind_named(kind)
    record = selectors.record_get_for(user=request.user, kind=found, pk=pk)
    form = edit_form(found, record, request.POST if request.method == "POST" else None)
    version, conflict = record.version, None
    if request.method == "POST" and form.is_valid():
        version = _version(request, record)
        changes = found.changes(record, {name: form.cleaned_data[name] for name in form.fields})
        try:
            saved = services.record_edit(
                actor=request.user, kind=found, record=record, version=version, changes=changes
            )
        except services.EditConflict as exc:
            conflict, record, version = exc, exc.current, exc.current.version  # type: ignore[attr-defined]
        except PermissionDenied:
            raise
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect(found.shown_at(saved))
    meanwhile = []
    if conflict is not None:
        names = sorted({name for change in conflict.since for name in change.fields if name in found.fields})
        meanwhile = [(found.field_label(name), selectors.display_value(record, name)) for name in names]
    context = _context(request, found, record, form=form, version=version, conflict=conflict, meanwhile=meanwhile)
    status = 409 if conflict is not None else 200
    return render(request, "core/corrections/edit.html", context, status=status)


@requires(Permission.SIGNED_IN)
def record_void(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = kind_named(kind)
    record = selectors.record_get_for(user=request.user, kind=found, pk=pk)
    form = VoidForm(request.POST if request.method == "POST" else None)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.record_void(
                actor=request.user,
                kind=found,
                record=record,
                version=_version(request, record),
                reason=form.cleaned_data["reason"],
            )
        except services.EditConflict as exc:
            conflict, record = exc, exc.current
        except PermissionDenied:
            raise
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Voided. It no longer counts anywhere; a director can restore it."))
            return redirect(found.shown_at(record))
    context = _context(request, found, record, form=form, version=record.version, conflict=conflict)
    return render(request, "core/corrections/void.html", context, status=409 if conflict else 200)


@require_POST
@requires(Permission.RESTORE_RECORDS)
def record_restore(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = kind_named(kind)
    record = selectors.record_get_for(user=request.user, kind=found, pk=pk)
    try:
        services.record_restore(actor=request.user, kind=found, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Restored. It counts again."))
    return redirect(found.shown_at(record))


@requires(Permission.SIGNED_IN)
def record_history(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    found = kind_named(kind)
    record = selectors.record_get_for(user=request.user, kind=found, pk=pk)
    context = _context(
        request,
        found,
        record,
        history=selectors.record_history(request.user, found, record),
        may_restore=services.may_restore_record(request.user, found, record),
    )
    return render(request, "core/corrections/history.html", context)
