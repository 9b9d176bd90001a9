"""Invisible characters (bidi controls, zero-width and other format characters) never get into
what users write, however it comes in; the name a user sees is the name that is stored and searched."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from wholejourney.accounts.models import Team
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.blind_index import IndexKind, blind_index, normalise_name
from wholejourney.core.models import DataKey
from wholejourney.core.text import INVISIBLE, clean_user_text, strip_invisible

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Format characters that are visible signs of their scripts, kept on purpose (core.text).
KEPT_FORMAT = {
    *"\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd",
    *map(chr, range(0x13430, 0x13440)),
}

invisible = st.sampled_from(sorted(INVISIBLE))
# Letters of the scripts names are written in here, and any other text.
letters = st.characters(categories=["L", "M", "N", "Zs", "P"], exclude_characters=INVISIBLE)


@st.composite
def with_invisible(draw: st.DrawFn, text: str) -> str:
    """`text` with invisible characters inserted anywhere."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 8))):
        chars.insert(draw(st.integers(0, len(chars))), draw(invisible))
    return "".join(chars)


def test_what_is_removed_is_every_bidi_control_zero_width_and_format_character_but_visible_signs() -> None:
    format_characters = {
        char for char in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(char) == "Cf"
    } - KEPT_FORMAT

    assert set(BIDI_CONTROLS + ZERO_WIDTH) <= INVISIBLE
    assert format_characters <= INVISIBLE
    assert not any(char.isascii() for char in INVISIBLE)  # strip_invisible skips ASCII text
    assert INVISIBLE - format_characters == set("\u034f\u17b4\u17b5\u115f\u1160\u3164\uffa0")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u202eevil", "evil"),  # shown as "live" if kept
        ("So\u200bk\u2066 Dara\u2069", "Sok Dara"),
        ("សុខ\u200bដារា", "សុខដារា"),  # the zero-width space a Khmer keyboard types between words
        ("\u202e\u200b\ufeff", ""),
        ("Chan Sophea", "Chan Sophea"),
        ("۰\u0600۱", "۰\u0600۱"),  # a visible Arabic number sign stays
    ],
)
def test_strip_invisible_removes_only_the_invisible(typed: str, kept: str) -> None:
    assert strip_invisible(typed) == kept


def test_clean_user_text_walks_json_and_leaves_other_values() -> None:
    value = {"vil\u200blage": ["Prey\u202e Chhor", 3, None, ("a\u2060b",)], "ok": True}

    assert clean_user_text(value) == {"village": ["Prey Chhor", 3, None, ("ab",)], "ok": True}


@settings(max_examples=300)
@given(st.data(), st.text(letters, max_size=30))
def test_any_text_with_invisible_characters_inserted_comes_back_as_it_looks(data: st.DataObject, text: str) -> None:
    typed = data.draw(with_invisible(text))

    assert strip_invisible(typed) == text
    assert strip_invisible(text) is text


@settings(max_examples=300)
@given(st.data(), st.text(letters, min_size=1, max_size=30))
def test_a_name_with_invisible_characters_is_indexed_like_the_clean_name(data: st.DataObject, name: str) -> None:
    typed = data.draw(with_invisible(name))

    assert normalise_name(typed) == normalise_name(name)
    assert blind_index(IndexKind.NAME, typed) == blind_index(IndexKind.NAME, name)


def test_form_text_is_read_without_invisible_characters_so_only_controls_is_required() -> None:
    class NameForm(forms.Form):
        name = forms.CharField(max_length=20)
        email = forms.EmailField(required=False)

    cleaned = NameForm({"name": "\u202eevil", "email": "a\u200b@example.org"})
    empty = NameForm({"name": "\u202e\u200b"})

    assert cleaned.is_valid(), cleaned.errors
    assert cleaned.cleaned_data == {"name": "evil", "email": "a@example.org"}
    assert not empty.is_valid()
    assert empty.errors["name"] == ["This field is required."]


def test_a_password_is_read_as_typed() -> None:
    class PasswordForm(forms.Form):
        password = forms.CharField(widget=forms.PasswordInput, strip=False)

    form = PasswordForm({"password": "ពាក្យ\u200bសម្ងាត់"})

    assert form.is_valid()
    assert form.cleaned_data["password"] == "ពាក្យ\u200bសម្ងាត់"


@pytest.mark.django_db
def test_every_model_stores_its_text_without_invisible_characters(cast: Cast) -> None:
    team = Team.objects.create(office=cast.kh, name="\u202eTeam\u200b C")
    client = Client(
        office=cast.kh,
        code="KH-2024-9999",
        data_key=DataKey.create(),
        family_name_latin="\u202eevil",
        aliases=["So\u200bk"],
        address={"village": "Prey\u2066 Chhor"},
    )
    client.save()

    team.refresh_from_db()
    stored = Client.objects.get(pk=client.pk)
    assert team.name == "Team C"
    assert (stored.family_name_latin, stored.aliases, stored.address) == ("evil", ["Sok"], {"village": "Prey Chhor"})
