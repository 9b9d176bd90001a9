"""Blind indexes find the same person however staff type the name, number or ID."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholejourney.core.blind_index import IndexKind, blind_index, normalise_id_number, normalise_name, normalise_phone
from wholejourney.core.crypto import load_keyring


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("SOK  Dara", "Sok Dara"),
        ("  sok dara ", "Sok Dara"),
        ("Sók Dárà", "Sok Dara"),
        ("sok-dara", "Sok Dara"),
        ("សុខ\u200bដារា", "សុខដារា"),  # a zero-width space typed between syllables
        ("ឣនា", "អនា"),  # a deprecated independent vowel
    ],
)
def test_name_typed_differently_gives_the_same_index(typed: str, registered: str) -> None:
    assert blind_index(IndexKind.NAME, typed) == blind_index(IndexKind.NAME, registered)


def test_khmer_subscript_ro_typed_in_either_order_gives_the_same_index() -> None:
    coeng, ro, ta = "\u17d2", "\u179a", "\u178f"
    typed_ro_first = f"ស{coeng}{ro}{coeng}{ta}ី"
    typed_ro_last = f"ស{coeng}{ta}{coeng}{ro}ី"

    assert normalise_name(typed_ro_first) == normalise_name(typed_ro_last)


def test_khmer_vowel_signs_are_kept() -> None:
    assert normalise_name("សុខ") != normalise_name("សខ")


@pytest.mark.parametrize("typed", ["+855 12 345 678", "00855-12-345-678", "012 345 678", "០១២៣៤៥៦៧៨"])
def test_phone_in_any_format_gives_the_same_index(typed: str) -> None:
    assert blind_index(IndexKind.PHONE, typed) == blind_index(IndexKind.PHONE, "012345678")


def test_id_number_ignores_case_spaces_and_dashes() -> None:
    assert normalise_id_number("kh 0101-2345") == normalise_id_number("KH01012345")


def test_different_kinds_of_the_same_text_do_not_match() -> None:
    assert blind_index(IndexKind.NAME, "12345678") != blind_index(IndexKind.ID_NUMBER, "12345678")


def test_index_is_a_keyed_hmac_not_a_plain_hash() -> None:
    digest = blind_index(IndexKind.NAME, "Sok Dara")
    unkeyed = hashlib.sha256(b"name:sok dara").hexdigest()
    keyed = hmac.new(load_keyring().index_key, b"name:sok dara", hashlib.sha256).hexdigest()

    assert digest == keyed != unkeyed


def test_nothing_left_to_index_gives_none() -> None:
    assert blind_index(IndexKind.PHONE, "no digits") is None
    assert blind_index(IndexKind.NAME, " \u200b ") is None


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(value: str) -> None:
    for normalise in (normalise_name, normalise_phone, normalise_id_number):
        assert normalise(normalise(value)) == normalise(value)


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), min_size=1, max_size=20))
def test_khmer_names_index_the_same_with_invisible_spaces_between_characters(name: str) -> None:
    spaced = "\u200b".join(name)

    assert normalise_name(spaced) == normalise_name(name)
