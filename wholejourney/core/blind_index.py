"""Blind indexes: exact-match search over encrypted values without storing them.

A blind index is HMAC-SHA256, under a key of its own (not a master key), of a normalised form of
the value. Staff find a client by full name, phone number or ID number; the database holds only
the digests.

What it leaks: equality. Whoever holds a database dump sees which rows share a name, a phone
number or an ID number (not what it is), and how many rows each value has. It does not leak the
value, its length, or its first letters, and it cannot be reversed without the index key — but
someone who has the index key and the dump can test guesses (is "Sok Dara" in here?), which is
why the key lives outside the database with the master keys. Values are normalised first, so
"Sok Dara", "sok  dara" and "SOK DARA" match; "Dara Sok" does not (names are indexed in both
orders where that matters, by the caller). Clients are also indexed by the parts of their names,
how those sound and each part with one letter left out (clients/matching.py; docs/security.md says
what those tell a thief).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum

from wholejourney.core.crypto import load_keyring
from wholejourney.core.text import strip_invisible


class IndexKind(StrEnum):
    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    # Parts of names, their sound and their one-letter-less variants (clients/matching.py). Their
    # values come normalised already.
    NAME_PART = "name_part"
    NAME_SOUND = "name_sound"
    NAME_TYPO = "name_typo"
    NAME_ALIKE = "name_alike"  # the whole name as it sounds


_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# Deprecated Khmer independent vowels, written today with their recommended sequences.
_KHMER_DEPRECATED = {"\u17a3": "\u17a2", "\u17a4": "\u17a2\u17b6"}
_COENG = "\u17d2"
_RO = "\u179a"


# A subscript RO (coeng + ro) is typed either before or after another subscript consonant;
# Unicode's recommended order puts it last.
_RO_BEFORE_SUBSCRIPT = re.compile(f"({_COENG}{_RO})({_COENG}[\u1780-\u17a2])")
_NAME_SEPARATORS = re.compile(r"[\s\-‐‑'’.,]+")


def _normalise_khmer(text: str) -> str:
    for old, new in _KHMER_DEPRECATED.items():
        text = text.replace(old, new)
    # Move a subscript RO last, so both typings match.
    return _RO_BEFORE_SUBSCRIPT.sub(r"\2\1", text)


def normalise_name(value: str) -> str:
    if value.isascii():  # every step below but the last two leaves ASCII as it is
        return _NAME_SEPARATORS.sub(" ", value.casefold()).strip()
    # Invisible characters (a zero-width space typed between Khmer syllables, a bidi control) are
    # dropped as on the way in (core.text), first, so what they separated composes as if typed
    # together (NFKC makes no invisible character of a visible one).
    text = unicodedata.normalize("NFKC", strip_invisible(value))
    text = _normalise_khmer(text)
    # Remove accents from Latin letters (decompose, drop combining marks) but leave Khmer signs,
    # which are combining marks too and carry meaning.
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not (unicodedata.combining(ch) and not "\u1780" <= ch <= "\u17ff"))
    text = unicodedata.normalize("NFC", text).casefold()
    return _NAME_SEPARATORS.sub(" ", text).strip()


def normalise_phone(value: str) -> str:
    """Digits only; Cambodia's +855 / 00855 prefix becomes the national leading 0."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value).translate(_KHMER_DIGITS))
    for prefix in ("00855", "855"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 6:
            digits = "0" + digits[len(prefix) :]
            break
    return digits


def normalise_id_number(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).translate(_KHMER_DIGITS)
    return re.sub(r"[^0-9a-z]", "", text.casefold())


_NORMALISERS: dict[IndexKind, Callable[[str], str]] = {
    IndexKind.NAME: normalise_name,
    IndexKind.PHONE: normalise_phone,
    IndexKind.ID_NUMBER: normalise_id_number,
    IndexKind.NAME_PART: str.strip,
    IndexKind.NAME_SOUND: str.strip,
    IndexKind.NAME_TYPO: str.strip,
    IndexKind.NAME_ALIKE: str.strip,
}


def blind_index(kind: IndexKind, value: str) -> str | None:
    """The search token of `value`, or None when nothing is left to index after normalising."""
    normalised = _NORMALISERS[kind](value)
    if not normalised:
        return None
    # hmac.digest: OpenSSL's one-shot HMAC, a fraction of hmac.new's cost (an import indexes half a
    # million names).
    return hmac.digest(load_keyring().index_key, f"{kind.value}:{normalised}".encode(), "sha256").hex()
