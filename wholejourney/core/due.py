"""Due work, gathered from every app: what home and *My tasks* show (STYLE.md: "pages that gather
from many apps").

Each app registers the kinds of work it owns from its own `due.py` — new referrals, closures to
approve, care-plan reviews, visits, assessments, court dates, plan actions, exports to approve… —
each with the check of who it is for and one query over that person's caseload or office. Home
and tasks iterate the registry and import no app: a new kind of due work appears on both pages by
adding one module.

A kind answers with how many items it has and the most urgent few (`limit`), so a page costs the
same number of queries for 10 clients or 20,000.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise

if TYPE_CHECKING:
    from wholejourney.accounts.models import User


@dataclass(frozen=True)
class DueItem:
    """One thing that needs the user: `when` is the day it is (or was) due; `urgent` puts it first
    whatever the day (an emergency referral)."""

    kind: str
    when: datetime.date | None
    subject: str  # the client's code and name, a referral's source, an activity's title
    detail: str
    url: str
    urgent: bool = False
    notice: bool = False  # news rather than work (a clock reset): listed after the work
    waiting: bool = False  # `when` is the day it began to wait for a decision, not a deadline
    person_id: int | None = None  # who it is assigned to (the filter "person"), when it is someone's
    person: str = ""


@dataclass(frozen=True)
class DueCount:
    count: int
    items: list[DueItem]


@dataclass(frozen=True)
class DueKind:
    """A kind of due work. `applies_to(user)` says whether the user owns this kind of work at all
    (by role); `collect(user, today, limit)` counts it and returns the `limit` most urgent items.
    A kind whose records are each about one client (most are: see `client_kind`) also gives those
    records (`records`, the path from a record to its client in `client_path`) and how one record
    reads as an item (`item`): the caseload then filters by it and shows each client's next work."""

    key: str
    label: str | Promise
    order: int
    applies_to: Callable[[User], bool]
    collect: Callable[[User, datetime.date, int], DueCount]
    records: Callable[[User, datetime.date], Any] | None = None
    client_path: str = "client"
    item: Callable[[Any], DueItem] | None = None


_kinds: dict[str, DueKind] = {}


def register(kind: DueKind) -> None:
    _kinds[kind.key] = kind


def registered_kinds() -> list[DueKind]:
    return sorted(_kinds.values(), key=lambda k: k.order)


def kinds_for(user: User) -> list[DueKind]:
    return [kind for kind in registered_kinds() if kind.applies_to(user)]


@dataclass
class DueWork:
    """The user's due work: per kind its count, and all the items gathered, most urgent first."""

    today: datetime.date
    counts: list[tuple[DueKind, int]] = field(default_factory=list)
    items: list[DueItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(count for _kind, count in self.counts)

    @property
    def this_week(self) -> list[DueItem]:
        """Work due by the end of the week (overdue included), most urgent first."""
        horizon = self.today + datetime.timedelta(days=7)
        return [i for i in self.items if not i.notice and (i.urgent or i.when is None or i.when <= horizon)]

    @property
    def later(self) -> list[DueItem]:
        horizon = self.today + datetime.timedelta(days=7)
        return [i for i in self.items if not i.notice and not i.urgent and i.when is not None and i.when > horizon]

    @property
    def notices(self) -> list[DueItem]:
        return [item for item in self.items if item.notice]

    def people(self) -> list[tuple[int, str]]:
        return sorted({(item.person_id, item.person) for item in self.items if item.person_id}, key=lambda p: p[1])


def urgency_key(item: DueItem, today: datetime.date) -> tuple[bool, bool, datetime.date, int]:
    """Work before news; urgent first; then by the day due (overdue, oldest first, then today, then
    the days to come), whatever the kind; on one day, in the order the kinds are registered."""
    kind = _kinds.get(item.kind)
    return (item.notice, not item.urgent, item.when or today, kind.order if kind else 0)


def by_urgency(items: Iterable[DueItem], today: datetime.date) -> list[DueItem]:
    return sorted(items, key=lambda item: urgency_key(item, today))


def due_for(
    user: User, *, kinds: Iterable[str] | None = None, limit: int = 50, today: datetime.date | None = None
) -> DueWork:
    """The due work of `user`, of the kinds named (all of the user's kinds by default)."""
    today = today or timezone.localdate()
    chosen = set(kinds) if kinds else None
    work = DueWork(today=today)
    items: list[DueItem] = []
    for kind in kinds_for(user):
        if chosen is not None and kind.key not in chosen:
            continue
        found = kind.collect(user, today, limit)
        work.counts.append((kind, found.count))
        items.extend(found.items)
    work.items = by_urgency(items, today)
    return work


def person_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def works_a_caseload(user: Any, *permissions: Any) -> bool:
    """Whether the user does the day-to-day work of a caseload with any of these permissions. An
    office-wide role (the director) is left out: their day is the approvals and the office at a
    glance, not every visit and assessment of 20,000 clients (those are their staff's to do)."""
    from wholejourney.accounts.permissions import OFFICE_WIDE_ROLES, permissions_of

    return bool(set(permissions) & permissions_of(user)) and not (user.role_set & OFFICE_WIDE_ROLES)


def client_label(client: Any) -> str:
    """How due work names a client: code and name (only ever shown to those who may open them)."""
    return f"{client.code} · {client.display_name}"


def counted(queryset: Any, limit: int, item: Callable[[Any], DueItem]) -> DueCount:
    """Three queries whatever the size: how many; the keys of the first `limit` in the queryset's
    order (its urgency), a narrow query; then only those rows with everything they load. Sorting
    an office's 18,000 overdue clients with their joined columns took 115 ms; their keys, a tenth."""
    keys = list(queryset.values_list("pk", flat=True)[:limit])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)} if keys else {}
    return DueCount(queryset.count(), [item(rows[key]) for key in keys if key in rows])


def client_kind(
    key: str,
    label: str | Promise,
    order: int,
    applies_to: Callable[[User], bool],
    records: Callable[[User, datetime.date], Any],
    *,
    when: Callable[[Any], datetime.date | None],
    detail: Callable[[Any], str],
    url: Callable[[Any], str],
    client_path: str = "client",
    urgent: Callable[[Any], bool] = lambda record: False,
    notice: bool = False,
    waiting: bool = False,
) -> DueKind:
    """A kind of due work about one client a record. `records(user, today)` are the records, most
    urgent first, loading the client (with `data_key` and `case_manager`) on `client_path`, or
    being clients themselves when `client_path` is empty. Each is named by its client and assigned
    to the client's case manager."""

    def client_of(record: Any) -> Any:
        for step in filter(None, client_path.split("__")):
            record = getattr(record, step)
        return record

    def item(record: Any) -> DueItem:
        person = client_of(record)
        return DueItem(
            kind=key,
            when=when(record),
            subject=client_label(person),
            detail=detail(record),
            url=url(record),
            urgent=urgent(record),
            notice=notice,
            waiting=waiting,
            person_id=person.case_manager_id,
            person=person_name(person.case_manager),
        )

    def collect(user: User, today: datetime.date, limit: int) -> DueCount:
        return counted(records(user, today), limit, item)

    return DueKind(key, label, order, applies_to, collect, records=records, client_path=client_path, item=item)


def _client_filter(kind: DueKind, client_ids: Any) -> dict[str, Any]:
    return {f"{kind.client_path}__in" if kind.client_path else "pk__in": client_ids}


def clients_with_work(user: User, *, today: datetime.date | None = None, kinds: Iterable[str] | None = None) -> Q:
    """A filter on clients: those with due work of these kinds (all of the user's client kinds by
    default) — the caseload's "needs attention"."""
    today = today or timezone.localdate()
    chosen = set(kinds) if kinds else None
    found = Q(pk__in=[])
    for kind in kinds_for(user):
        if kind.records is None or (chosen is not None and kind.key not in chosen):
            continue
        ids = kind.records(user, today).order_by().values(f"{kind.client_path}_id" if kind.client_path else "pk")
        found |= Q(pk__in=ids)
    return found


def next_work_of(user: User, client_ids: list[int], *, today: datetime.date | None = None) -> dict[int, DueItem]:
    """The most urgent due work of each of these clients (a page of the caseload): one query per
    kind of work, whatever the number of clients."""
    today = today or timezone.localdate()
    found: list[tuple[int, DueItem]] = []
    for kind in kinds_for(user):
        if kind.records is None or kind.item is None:
            continue
        for record in kind.records(user, today).filter(**_client_filter(kind, client_ids)):
            client = record
            for step in filter(None, kind.client_path.split("__")):
                client = getattr(client, step)
            found.append((client.pk, kind.item(record)))
    first: dict[int, DueItem] = {}
    for client_id, item in sorted(found, key=lambda pair: urgency_key(pair[1], today)):
        first.setdefault(client_id, item)
    return first


# --- home's "at a glance" panels ------------------------------------------------------------------


@dataclass(frozen=True)
class GlanceRow:
    label: str
    count: int | None
    url: str = ""


@dataclass(frozen=True)
class Glance:
    """A panel of counts on home for the roles that read a whole office or a whole programme (the
    director's caseload by stage, M&E's data quality, a partner's referrals by state)."""

    key: str
    title: str | Promise
    order: int
    applies_to: Callable[[User], bool]
    rows: Callable[[User, datetime.date], list[GlanceRow]]


_glances: dict[str, Glance] = {}


def register_glance(glance: Glance) -> None:
    _glances[glance.key] = glance


def glances_for(user: User, today: datetime.date | None = None) -> list[tuple[Glance, list[GlanceRow]]]:
    today = today or timezone.localdate()
    return [
        (glance, glance.rows(user, today))
        for glance in sorted(_glances.values(), key=lambda g: g.order)
        if glance.applies_to(user)
    ]
