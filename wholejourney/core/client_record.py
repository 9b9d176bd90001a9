"""The parts of a client's record, gathered from every app (STYLE.md: "pages that gather from many apps").

The client's pages share one header: the client's code and name, a few facts (the case's state, the
stability clock's) and a row of links to every part of the record — the case, the timeline, care
plans, services by kind, outcomes, placements, referrals, access history. No page knows the others:
each app registers its parts and facts from its own `client_tabs.py`, with its own permission check,
and the header iterates the registry. A new kind of record appears on every client page by adding
one module, and no page of a client's record is a dead end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from wholejourney.accounts.models import User
    from wholejourney.clients.models import Client


@dataclass(frozen=True)
class RecordPart:
    """One link of the client header: `url(client)` is where the part lives; `shown_to(user, client)`
    says whether this user may open it (the page behind it checks again)."""

    key: str
    label: str | Promise
    order: int
    url: Callable[[Client], str]
    shown_to: Callable[[User, Client], bool]


@dataclass(frozen=True)
class RecordFact:
    """One fact of the client header (the case's state, the clock's): `value(user, client)` gives
    the text shown, or None when there is nothing to say or the user may not know it."""

    key: str
    label: str | Promise
    order: int
    value: Callable[[User, Client], Any]


_parts: dict[str, RecordPart] = {}
_facts: dict[str, RecordFact] = {}


def register_part(part: RecordPart) -> None:
    _parts[part.key] = part


def register_fact(fact: RecordFact) -> None:
    _facts[fact.key] = fact


def parts_for(user: User, client: Client) -> list[RecordPart]:
    return [part for part in sorted(_parts.values(), key=lambda p: p.order) if part.shown_to(user, client)]


def facts_for(user: User, client: Client) -> list[tuple[RecordFact, Any]]:
    facts = []
    for fact in sorted(_facts.values(), key=lambda f: f.order):
        value = fact.value(user, client)
        if value is not None:
            facts.append((fact, value))
    return facts


def registered_part_keys() -> set[str]:
    return set(_parts)
