"""Reads of the option lists: what a form, an import or the API offers (the built-in values, then
the options in force), and what an offered code means (its reporting category and its option).
Option lists are not about any client: every signed-in page may read them."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, overload

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wholejourney.options.lists import LISTS, OptionList
from wholejourney.options.models import Option


class Label:
    """An option's label that reads in the active language when shown, like a lazy translation."""

    def __init__(self, option: Option) -> None:
        self.option = option

    def __str__(self) -> str:
        return self.option.label()

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.option.pk)


def list_for(list_id: str) -> OptionList:
    return LISTS[list_id]


def options_of(list_id: str, *, retired: bool = True) -> QuerySet[Option]:
    options = Option.objects.filter(list_id=list_id).order_by("label_en", "pk")
    return options if retired else options.filter(retired_at__isnull=True)


def choices(list_id: str, *, keep: str = "") -> list[tuple[str, Any]]:
    """The built-in values, then the options in force (and `keep`, a retired option a record
    still has, so editing that record does not change it unasked)."""
    found: list[tuple[str, Any]] = list(list_for(list_id).categories.choices)
    for option in options_of(list_id):
        if not option.is_retired or option.code == keep:
            found.append((option.code, Label(option)))
    return found


def resolve(list_id: str, code: str) -> tuple[str, str]:
    """(category, option) of an offered code: a built-in value is its own category with no
    option; an option in force gives its category and itself. Anything else is refused."""
    if code in list_for(list_id).categories.values:
        return code, ""
    option = options_of(list_id, retired=False).filter(code=code).first()
    if option is None:
        raise ValidationError(_("Select a valid choice. That choice is not one of the available choices."))
    return option.category, option.code


def category_of(list_id: str, code: str) -> str | None:
    """The reporting category of an added option, retired or not (None: no such option)."""
    return options_of(list_id).filter(code=code).values_list("category", flat=True).first()


def resolve_for(list_id: str, code: str, field: str, message: str) -> tuple[str, str]:
    """`resolve`, refusing on the form's field with the service's own message."""
    try:
        return resolve(list_id, code)
    except ValidationError as exc:
        raise ValidationError({field: message}) from exc


def settle(record: Any, list_id: str, field: str = "kind", option_field: str = "kind_option") -> None:
    """A record's kind as a correction sets it: one administrators added is kept beside its
    category; a kind changed to another category no longer carries the option it had."""
    value = getattr(record, field)
    if value not in list_for(list_id).categories.values:
        category, option = resolve_for(list_id, value, field, _("Select a valid choice."))
        setattr(record, field, category)
        setattr(record, option_field, option)
    elif getattr(record, option_field) and category_of(list_id, getattr(record, option_field)) != value:
        setattr(record, option_field, "")


def uses_of(option: Option) -> int:
    """How many records have the option (voided ones too: they still name it)."""
    total = 0
    for model_label, field in list_for(option.list_id).uses:
        model = apps.get_model(model_label)
        total += model._base_manager.filter(**{field: option.code}).count()
    return total


class LiveChoices(Sequence[tuple[str, Any]]):
    """A list's choices read when used, for definitions made once at import time (the import
    format's columns): kept for a few seconds, so checking a file's rows is not a query per cell."""

    TTL_SECONDS = 10.0
    _all: ClassVar[list[LiveChoices]] = []

    def __init__(self, list_id: str) -> None:
        self.list_id = list_id
        self._read_at = -1e9
        self._choices: list[tuple[str, Any]] = []
        LiveChoices._all.append(self)

    @classmethod
    def forget_all(cls) -> None:
        """Read every list again when next used (after a change in this process; between tests)."""
        for live in cls._all:
            live._read_at = -1e9

    def _current(self) -> list[tuple[str, Any]]:
        if time.monotonic() - self._read_at > self.TTL_SECONDS:
            try:
                self._choices = choices(self.list_id)
            except (DatabaseError, RuntimeError):
                # Read where there is no database (yet, or none allowed, as in some tests): the
                # built-in values, read again next time.
                return list(list_for(self.list_id).categories.choices)
            self._read_at = time.monotonic()
        return self._choices

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self._current()[index]

    def __bool__(self) -> bool:
        return True  # a choice column, whatever the database holds now
