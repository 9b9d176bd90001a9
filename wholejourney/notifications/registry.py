"""The kinds of record a notification can point at, each with its own access check and link.

A notification is shown (in the list, the header count, a digest) only while its reader may still
open its record: the check is the owning app's own selector, asked for many records at once, so a
page of notifications costs one query per kind of record whatever their number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Target:
    """`visible(user, ids)`: those of `ids` the user may open; `url(user, id)`: where the item leads."""

    type: str
    visible: Callable[[Any, list[int]], set[int]]
    url: Callable[[Any, int], str]


_targets: dict[str, Target] = {}


def register(target: Target) -> None:
    _targets[target.type] = target


def target_type(record: models.Model) -> str:
    return record._meta.label_lower


def get(type_: str) -> Target | None:
    return _targets.get(type_)


def visible_keys(user: Any, pairs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these (type, id) records the user may open now: one question per kind of record."""
    by_type: dict[str, set[int]] = {}
    for type_, pk in pairs:
        by_type.setdefault(type_, set()).add(pk)
    found: set[tuple[str, int]] = set()
    for type_, ids in by_type.items():
        target = _targets.get(type_)
        if target is None or not getattr(user, "is_active", False):
            continue
        found |= {(type_, pk) for pk in target.visible(user, sorted(ids))}
    return found


def may_see(user: Any, record: models.Model) -> bool:
    key = (target_type(record), int(record.pk))
    return key in visible_keys(user, [key])
