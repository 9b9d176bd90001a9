"""The one way to enter a date: the field reads what staff type, and every form of every app uses it."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

import wholejourney
from wholejourney.core.forms import DayField, DayWidget, no_future_dates

PACKAGE_ROOT = Path(wholejourney.__file__).parent
# Modules that are no part of the pages: the process entry points and the tests themselves.
NOT_PAGES = re.compile(r"\.(tests|migrations|management)(\.|$)|^wholejourney\.(wsgi|settings|cli)$")


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages([str(PACKAGE_ROOT)], prefix="wholejourney."):
        if not NOT_PAGES.search(module.name):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("wholejourney.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


# --- every form ------------------------------------------------------------------------------


def test_every_date_field_of_every_form_is_the_one_day_field() -> None:
    checked, wrong = 0, []
    for form_class in _all_form_classes():
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.DateField | forms.DateTimeField):
                continue
            if isinstance(field.widget, forms.HiddenInput):  # carried between pages, never typed
                continue
            checked += 1
            if not isinstance(field, DayField) or type(field.widget) is not DayWidget:
                wrong.append(f"{form_class.__module__}.{form_class.__name__}.{name}")

    assert wrong == []
    assert checked > 40  # the walk found the project's forms (so this test can fail)


def test_no_form_renders_a_browser_date_picker() -> None:
    pickers = [
        f"{form_class.__name__}.{name}"
        for form_class in _all_form_classes()
        for name, field in form_class.base_fields.items()
        if getattr(field.widget, "input_type", "") in {"date", "datetime-local", "month", "week"}
    ]

    assert pickers == []


def test_no_page_template_has_a_browser_date_picker() -> None:
    templates = list(PACKAGE_ROOT.glob("**/templates/**/*.html"))
    pickers = [
        str(path.relative_to(PACKAGE_ROOT))
        for path in templates
        if re.search(r"""type\s*=\s*["']?(date|datetime-local)\b""", path.read_text(encoding="utf-8"))
    ]

    assert pickers == []
    assert len(templates) > 50


# --- what staff type -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "23/11/2024",
        "2024-11-23",
        "23-11-2024",
        "23.11.2024",
        "23 11 2024",
        "23112024",
        " 23/11/2024 ",
        "២៣/១១/២០២៤",
        "២០២៤-១១-២៣",
        "២៣-១១-២០២៤",
    ],
)
def test_day_field_reads_day_first_iso_and_khmer_digits(typed: str) -> None:
    assert DayField().clean(typed) == datetime.date(2024, 11, 23)


@pytest.mark.parametrize("typed", ["3/1/2024", "03/01/2024", "3-1-2024", "៣/១/២០២៤"])
def test_day_field_reads_a_day_and_month_without_leading_zeros(typed: str) -> None:
    assert DayField().clean(typed) == datetime.date(2024, 1, 3)


def test_day_field_refuses_an_impossible_day_naming_it() -> None:
    with pytest.raises(ValidationError) as raised:
        DayField().clean("31/02/2024")

    assert raised.value.messages == ["31/02/2024 is not a date: write day/month/year, for example 23/11/2024."]


@pytest.mark.parametrize("typed", ["32/11/2024", "11/23/2024", "2024-02-30", "២៣/១៣/២០២៤"])
def test_day_field_refuses_a_day_that_does_not_exist_as_typed(typed: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(f"{typed} is not a date")):
        DayField().clean(typed)


@pytest.mark.parametrize("typed", ["yesterday", "23/11", "2024", "23/11/2024/1"])
def test_day_field_refuses_what_is_not_a_date_with_an_example(typed: str) -> None:
    with pytest.raises(ValidationError, match="for example 23/11/2024"):
        DayField().clean(typed)


def test_day_field_error_is_in_khmer_for_a_khmer_reader() -> None:
    with translation.override("km"):
        with pytest.raises(ValidationError) as raised:
            DayField().clean("៣១/០២/២០២៤")
        message = raised.value.messages[0]  # the message is translated when read

    assert "៣១/០២/២០២៤" in message
    assert "មិនមែនជាកាលបរិច្ឆេទទេ" in message and "is not a date" not in message


def test_day_field_empty_is_none_when_not_required() -> None:
    assert DayField(required=False).clean("") is None


def test_day_field_of_something_done_refuses_tomorrow() -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError, match="cannot be in the future"):
        DayField(happened=True).clean(tomorrow.strftime("%d/%m/%Y"))


def test_no_future_dates_refuses_tomorrow_on_that_form_only() -> None:
    class Form(forms.Form):
        day = DayField()

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    limited = Form({"day": tomorrow})
    no_future_dates(limited, "day")

    assert limited.errors == {"day": ["The date cannot be in the future."]}
    assert Form({"day": tomorrow}).is_valid()


# --- what staff see --------------------------------------------------------------------------


class _Form(forms.Form):
    day = DayField(label="Day", help_text="Leave empty if not known.")


@pytest.mark.parametrize("language", ["en", "km"])
def test_day_widget_shows_day_month_year_in_a_numeric_text_box(language: str) -> None:
    with translation.override(language):
        html = str(_Form(initial={"day": datetime.date(2024, 1, 3)})["day"])

    assert 'type="text"' in html
    assert 'inputmode="numeric"' in html
    assert 'value="03/01/2024"' in html


def test_day_widget_hint_says_dd_mm_yyyy_in_the_reader_language() -> None:
    with translation.override("en"):
        english = (str(_Form()["day"]), str(_Form()["day"].help_text))
    with translation.override("km"):
        khmer = (str(_Form()["day"]), str(_Form()["day"].help_text))

    assert 'placeholder="dd/mm/yyyy"' in english[0]
    assert english[1] == "dd/mm/yyyy · Leave empty if not known."
    assert 'placeholder="ថ្ងៃ/ខែ/ឆ្នាំ"' in khmer[0]
    assert khmer[1].startswith("ថ្ងៃ/ខែ/ឆ្នាំ")


def test_day_widget_shows_what_was_typed_when_it_is_wrong() -> None:
    form = _Form({"day": "31/02/2024"})

    assert not form.is_valid()
    assert 'value="31/02/2024"' in str(form["day"])
