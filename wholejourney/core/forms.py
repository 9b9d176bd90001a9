"""Form building blocks every app's pages share."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Khmer digits, and the rarer "lek attak" digits some keyboards also offer.
_DIGITS = {ord(khmer): str(n) for n, khmer in enumerate("០១២៣៤៥៦៧៨៩")} | {
    ord(attak): str(n) for n, attak in enumerate("៰៱៲៳៴៵៶៷៸៹")
}
# Three numbers, day first or year first, once the separators are "/".
_DAY_SHAPE = re.compile(r"\d{1,2}/\d{1,2}/(\d{2}|\d{4})|\d{4}/\d{1,2}/\d{1,2}")


def ascii_digits(value: str) -> str:
    """The same text with Khmer digits written as 0-9."""
    return value.translate(_DIGITS)


class DayWidget(forms.DateInput):
    """The one way a page asks for a date: a text box showing dd/mm/yyyy in every language.

    Not <input type="date">: the browser's picker shows month first in an English browser, Khmer
    keyboards and older Android pickers often cannot enter a date into it, and the numeric keypad
    is one tap away (inputmode)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"inputmode": "numeric", "placeholder": _("dd/mm/yyyy"), "autocomplete": "off", "size": 12}
        super().__init__(attrs=base | (attrs or {}), format="%d/%m/%Y")


class DayField(forms.DateField):
    """A date typed day-first (23/11/2024, 3/1/2024, 23-11-2024, 23.11.2024, 23112024) or as ISO
    (2024-11-23), in Khmer or ASCII digits. Every form's dates are this field (a test walks them)."""

    widget = DayWidget
    input_formats = ["%d/%m/%Y", "%Y/%m/%d", "%d/%m/%y"]
    default_error_messages = {
        "invalid": _("Write the date as day/month/year, for example 23/11/2024."),
        "impossible": _("%(value)s is not a date: write day/month/year, for example 23/11/2024."),
        "future": _("The date cannot be in the future."),
    }

    def __init__(self, *, happened: bool = False, **kwargs: Any) -> None:
        """`happened`: the day of something done (a session, a payment): today unless changed, and
        never later (the services refuse it too; saying so here keeps the message plain)."""
        if happened:
            kwargs.setdefault("initial", timezone.localdate)
        hint = kwargs.pop("help_text", None)
        kwargs["help_text"] = format_lazy("{} · {}", _("dd/mm/yyyy"), hint) if hint else _("dd/mm/yyyy")
        super().__init__(**kwargs)
        self.future_allowed = not happened

    def to_python(self, value: Any) -> datetime.date | None:
        if not isinstance(value, str):
            return super().to_python(value)
        typed = value.strip()
        value = ascii_digits(typed)
        if re.fullmatch(r"\d{8}", value):
            value = f"{value[:2]}/{value[2:4]}/{value[4:]}"
        value = re.sub(r"\s*[-.\s\\/]\s*", "/", value)
        try:
            return super().to_python(value)
        except ValidationError:
            if _DAY_SHAPE.fullmatch(value):  # the right shape, but no such day (31/02/2024)
                raise ValidationError(
                    self.error_messages["impossible"], code="impossible", params={"value": typed}
                ) from None
            raise

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not self.future_allowed and value and value > timezone.localdate():
            raise ValidationError(self.error_messages["future"], code="future")


def no_future_dates(form: forms.BaseForm, *names: str) -> None:
    """Refuse days after today on the form, with a plain message (the services check it again)."""
    for name in names:
        field = form.fields[name]
        assert isinstance(field, DayField), f"{name} is not a DayField"  # noqa: S101 - a programming error
        field.future_allowed = False


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
