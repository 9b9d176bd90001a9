"""Text as users give it: invisible characters taken out on the way in.

A bidi control hidden in a name (U+202E RIGHT-TO-LEFT OVERRIDE makes "evil" show as "live", and
can reorder the rest of the line it is shown on) or a zero-width space between its letters makes
one name look like another, or two identical-looking names different, to staff and to the
duplicate check. None of them is needed in a name or a note: they are removed from every piece of
text a user gives, whichever way it comes in (docs/security.md, "Invisible characters"):

- pages: every form's text field (`install_form_cleaning`, from `CoreConfig.ready`);
- the JSON API: the request's body, query and form values (`api.router.CleaningParser`);
- the spreadsheet import: each cell as it is read (`imports.cells.row_values`);
- and, under all of them, every model's text on save (`clean_text_fields`) and each encrypted
  text or JSON value as it is assigned (`core.fields`).

The blind index drops the same characters before it compares names (`core.blind_index`).
Khmer is typed with U+200B between words, which nobody sees; removing it changes nothing shown.
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar

from django import forms
from django.db import models

# Every bidi control (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and every zero-width
# or invisible character: all of Unicode's format characters (category Cf) but
# those that are visible signs of their scripts (Arabic, Syriac and Kaithi number and end-of-verse
# signs, Egyptian hieroglyph layout); and, outside Cf, the combining grapheme joiner, Khmer's two
# inherent vowels (Unicode advises against them; they show nothing) and the Hangul fillers, which
# show as a blank and can make a name that looks empty. A test checks the list against unicodedata.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x206F),  # bidi isolates; deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical format controls
    (0xE0001, 0xE0001),  # language tag
    (0xE0020, 0xE007F),  # tag characters
)
INVISIBLE: frozenset[str] = frozenset(chr(code) for low, high in _INVISIBLE_RANGES for code in range(low, high + 1))
"""What `strip_invisible` removes."""

_INVISIBLE_RE = re.compile(
    "[" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in _INVISIBLE_RANGES) + "]"
)

T = TypeVar("T")


def strip_invisible(text: str) -> str:
    """`text` without the INVISIBLE characters (the same str when it has none)."""
    if text.isascii():  # none of them is ASCII: most text ends here
        return text
    cleaned = _INVISIBLE_RE.sub("", text)
    return text if cleaned == text else cleaned


def clean_user_text(value: T) -> T:
    """`value` with the INVISIBLE characters removed from every string in it: a string, or the
    lists, tuples and dicts (keys too) of a JSON value; anything else as it is."""
    if isinstance(value, str):
        return strip_invisible(value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [clean_user_text(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(clean_user_text(item) for item in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {clean_user_text(key): clean_user_text(item) for key, item in value.items()}  # type: ignore[return-value]
    return value


# --- every model, on save --------------------------------------------------------------------


@functools.cache
def _plain_text_fields(model: type[models.Model]) -> tuple[str, ...]:
    from wholejourney.core.fields import EncryptedFieldMixin

    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        and not isinstance(field, EncryptedFieldMixin)  # cleaned as they are assigned (core.fields)
    )


def clean_text_fields(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    """pre_save, for every model: the last line, under the pages, the API and the import, for text
    that reaches a model some other way (a command, a service called from code). It cannot refuse
    what becomes empty, so the ways in clean first and their checks see the cleaned text.
    Not for fixtures (`raw`), which are saved as they were dumped."""
    if raw:
        return
    values = instance.__dict__
    for attname in _plain_text_fields(sender):
        if attname in values:  # a deferred field was not loaded, so not changed
            values[attname] = clean_user_text(values[attname])


# --- every form -------------------------------------------------------------------------------


def install_form_cleaning() -> None:
    """Every text field of every form (forms.CharField and its kinds: email, slug, regex…) reads
    the text without its invisible characters, before `required` and the form's own checks: a name
    made only of them is "required" like an empty one. Passwords are read as typed: a passphrase
    typed on a Khmer keyboard may hold U+200B, and the stored hash was made from it as typed."""
    if getattr(forms.CharField.to_python, "cleans_user_text", False):
        return
    original = forms.CharField.to_python

    @functools.wraps(original)
    def to_python(self: forms.CharField, value: Any) -> str | None:
        if isinstance(value, str) and not isinstance(self.widget, forms.PasswordInput):
            value = strip_invisible(value)
        return original(self, value)

    to_python.cleans_user_text = True  # type: ignore[attr-defined]
    forms.CharField.to_python = to_python  # type: ignore[method-assign]
