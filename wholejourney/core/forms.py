"""Form building blocks every app's pages share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone


class IsoDateInput(forms.DateInput):
    """A date picker on phones. The browser sends and expects ISO dates whatever the language, so
    the value is never written in the locale's day-first format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def no_future_dates(form: forms.BaseForm, *names: str) -> None:
    """Let the date picker refuse days after today (the services check it again)."""
    today = timezone.localdate().isoformat()
    for name in names:
        form.fields[name].widget.attrs["max"] = today


def apply_service_errors(exc: ValidationError, *forms_: forms.BaseForm) -> None:
    """Show a service's ValidationError on the form that has the field it names, or at the top of
    the first form when it names none (a rule about the whole record)."""
    if not forms_:
        return
    if not hasattr(exc, "error_dict"):
        forms_[0].add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = next((form for form in forms_ if field in form.fields), None)
        if target is None:
            forms_[0].add_error(None, errors)
        else:
            target.add_error(field, errors)


@dataclass
class ServiceCall:
    """What `service_call` saw: `ok` once the service accepted the data."""

    ok: bool = False


@contextmanager
def service_call(*forms_: forms.BaseForm) -> Iterator[ServiceCall]:
    """Run a service for a page that posted forms.

    A rule the service enforces (ValidationError) shows on the forms, and the page is shown again
    with what the user typed; a refusal (PermissionDenied) is a 404, as for a record the user may
    not see at all, so a page never tells an outsider that a record exists.

        with service_call(form) as call:
            services.case_open(actor=request.user, client=client, **form.cleaned_data)
        if call.ok:
            return redirect(...)
    """
    call = ServiceCall()
    try:
        yield call
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        apply_service_errors(exc, *forms_)
    else:
        call.ok = True
