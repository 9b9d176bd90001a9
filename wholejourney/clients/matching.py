"""How a person is recognised: the search tokens of a client and of a search, and how alike they are.

One matching for the whole app: the search page, the pickers, the API, registration's duplicate
check, the import and the list of likely duplicates all use these tokens, so a person found by one
is found by all.

Names are encrypted at rest, so matching never decrypts rows: each client has blind-index tokens
(keyed HMAC digests, `core.blind_index`) of
- each full name, in both orders, and each alias (NAME);
- each part of a name, and each name written as one word ("Srey Pov" is also "sreypov") (NAME_PART);
- a sound key of each Latin part, which folds the usual variants of romanised Khmer (Sreypov,
  Srey Pov and Sreypeou sound alike; so do Dara and Tara, Chantha and Chanta) (NAME_SOUND);
- the whole Latin name, in both orders, as it sounds (NAME_ALIKE): rarer than the sound of a
  part, so it tells a spelling variant of one person from the many who share a common part;
- each part with one letter left out (NAME_TYPO): a search word with one letter wrong, missing or
  extra shares one of these with the registered word (a deletion neighbourhood);
- phone numbers and identity-document numbers (PHONE, ID_NUMBER).
A search turns its words into the same tokens; a client's likeness is the sum, over the search
words, of the best way each word matched (scored in the database: clients/search.py).
docs/security.md says what these tokens tell a thief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wholejourney.core.blind_index import IndexKind, blind_index, normalise_name, normalise_phone

# How much one search word matching one way is worth. A phone or ID number, or the full name,
# identifies; a name part narrows; a sound-alike or a typo only suggests.
WEIGHTS = {
    IndexKind.NAME: 120,  # per word of the name
    IndexKind.PHONE: 300,
    IndexKind.ID_NUMBER: 300,
    IndexKind.NAME_PART: 100,
    IndexKind.NAME_ALIKE: 60,  # per word of the name
    IndexKind.NAME_SOUND: 40,
    IndexKind.NAME_TYPO: 20,
}
# Words shorter than this get no typo tokens: one letter of three changed is another name.
TYPO_MIN_LENGTH = 4
# A search or registration with fewer digits than this is not a phone or ID number.
MIN_NUMBER_DIGITS = 6

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_LATIN_WORD = re.compile(r"^[a-z]+$")
# Romanised Khmer writes one sound several ways: fold each group to one letter.
_SOUND_DIGRAPHS = [("ph", "p"), ("th", "t"), ("kh", "k"), ("ch", "c"), ("gn", "n"), ("nh", "n"), ("ng", "n")]
_SOUND_LETTERS = str.maketrans({"b": "p", "d": "t", "g": "k", "q": "k", "j": "c", "x": "s", "z": "s", "w": "v"})
_VOWELS = set("aeiouy")


def sound_key(word: str) -> str | None:
    """The sound of a romanised name part: consonants folded, every run of vowels one mark.
    None for a word that is not plain Latin letters (Khmer script is spelled one way)."""
    if not _LATIN_WORD.match(word):
        return None
    for digraph, letter in _SOUND_DIGRAPHS:
        word = word.replace(digraph, letter)
    word = word.translate(_SOUND_LETTERS)
    key: list[str] = []
    for letter in word:
        # h and v after a vowel lengthen it ("Sokhah", "Pov" / "Peou"): part of the vowel.
        vowel = letter in _VOWELS or (letter in "hv" and bool(key) and key[-1] == "*")
        mark = "*" if vowel else letter
        if not key or key[-1] != mark:  # doubled letters sound once ("Sophall")
            key.append(mark)
    return "".join(key)


def typo_variants(word: str) -> set[str]:
    """The word and the word with each one letter left out (none for a short word)."""
    if len(word) < TYPO_MIN_LENGTH:
        return set()
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def name_words(name: str) -> list[str]:
    """A name's parts, normalised as the blind index normalises names."""
    return normalise_name(name).split()


def _part_tokens(words: list[str], *, with_typos: bool = True) -> dict[tuple[str, str], str]:
    """Token → the normalised word it stands for, for the parts of one name."""
    tokens: dict[tuple[str, str], str] = {}

    def add(kind: IndexKind, value: str, word: str) -> None:
        digest = blind_index(kind, value)
        if digest:
            tokens.setdefault((kind.value, digest), word)

    # The name written as one word ("Srey Pov" as "sreypov") is a part too, without typo variants.
    joined = ["".join(words)] if len(words) > 1 else []
    for word in [*words, *joined]:
        add(IndexKind.NAME_PART, word, word)
        key = sound_key(word)
        if key:
            add(IndexKind.NAME_SOUND, key, word)
        if with_typos and word not in joined:
            for variant in typo_variants(word):
                add(IndexKind.NAME_TYPO, variant, word)
    return tokens


# The client's fields the tokens are made of (all `client_tokens` reads).
TOKEN_FIELDS = (
    "given_name_km", "family_name_km", "given_name_latin", "family_name_latin", "aliases", "phone_numbers",
    "id_documents",
)  # fmt: skip


def client_tokens(client: Any) -> set[tuple[str, str]]:
    """Every token a client is found by (`client` is a Client or anything with its identity attributes)."""
    full_names: list[str] = []
    parts: list[str] = []
    for given, family in (
        (client.given_name_km, client.family_name_km),
        (client.given_name_latin, client.family_name_latin),
    ):
        if given or family:
            full_names += [f"{family or ''} {given or ''}", f"{given or ''} {family or ''}"]
            parts += [name for name in (given, family) if name]
    aliases = [alias for alias in client.aliases or [] if isinstance(alias, str)]
    tokens: set[tuple[str, str]] = set()
    for kind, values in (
        (IndexKind.NAME, full_names + aliases),
        (IndexKind.PHONE, [str(number) for number in client.phone_numbers or []]),
        (
            IndexKind.ID_NUMBER,
            [str(doc.get("number", "")) for doc in client.id_documents or [] if isinstance(doc, dict)],
        ),
    ):
        for value in values:
            digest = blind_index(kind, value)
            if digest:
                tokens.add((kind.value, digest))
    for name in parts + aliases:
        tokens.update(_part_tokens(name_words(name)))
    given, family = client.given_name_latin, client.family_name_latin
    if given and family:
        for name in (f"{family} {given}", f"{given} {family}"):
            key = sound_key("".join(name_words(name)))
            digest = blind_index(IndexKind.NAME_ALIKE, key) if key else None
            if digest:
                tokens.add((IndexKind.NAME_ALIKE.value, digest))
    return tokens


@dataclass(frozen=True)
class Query:
    """A search's tokens. `words` are what a client's likeness is counted over: each search word
    (or the whole number, or the whole name) is one, and `tokens` maps each token to its word."""

    tokens: dict[tuple[str, str], tuple[str, int]]
    words: tuple[str, ...]
    number: bool  # the search was a phone or ID number

    @property
    def empty(self) -> bool:
        return not self.tokens

    @property
    def digests(self) -> list[str]:
        return sorted({digest for _kind, digest in self.tokens})

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kind, _digest in self.tokens})


def looks_like_number(text: str) -> bool:
    """A phone or ID number: at least six digits, with spaces, dashes, brackets, a plus and at most
    two letters (an ID card's prefix) around them."""
    compact = re.sub(r"[\s\-+().]", "", normalise_phone(text) if text.strip().startswith("+") else text)
    compact = compact.translate(_KHMER_DIGITS)
    digits = sum(ch.isdigit() for ch in compact)
    return digits >= MIN_NUMBER_DIGITS and len(compact) - digits <= 2


def query_of(text: str) -> Query:
    """The tokens of what someone typed into a search box: a phone or ID number, or a name (whole
    or any of its parts, in either script, with romanisation variants and one typo a word)."""
    tokens: dict[tuple[str, str], tuple[str, int]] = {}

    def add(kind: IndexKind, value: str, word: str) -> None:
        digest = blind_index(kind, value)
        if digest:
            key = (kind.value, digest)
            weight = WEIGHTS[kind]
            if key not in tokens or tokens[key][1] < weight:
                tokens[key] = (word, weight)

    if looks_like_number(text):
        add(IndexKind.PHONE, text, "#")
        add(IndexKind.ID_NUMBER, text, "#")
        return Query(tokens=tokens, words=("#",), number=True)
    words = name_words(text)
    if not words:
        return Query(tokens={}, words=(), number=False)
    for word in words:
        add(IndexKind.NAME_PART, word, word)
        key = sound_key(word)
        if key:
            add(IndexKind.NAME_SOUND, key, word)
        for variant in typo_variants(word):
            add(IndexKind.NAME_TYPO, variant, word)
    if len(words) > 1:
        # The name as one word ("Sreypov" for "Srey Pov", and the other way round) and the whole
        # name as registered answer every word at once: "=" stands for all of them.
        joined = "".join(words)
        add(IndexKind.NAME_PART, joined, "=")
        key = sound_key(joined)
        if key:
            add(IndexKind.NAME_SOUND, key, "=")
            add(IndexKind.NAME_ALIKE, key, "=")
        add(IndexKind.NAME, " ".join(words), "=")
    return Query(tokens=tokens, words=tuple(words), number=False)
