"""Likely duplicates in an office: pairs of its clients ranked by how alike they are.

The pairs come from the search's own tokens (`clients.matching`: full names, name parts, their
sound, one-letter-typo variants, phones and ID numbers), never from decrypted names: one query
joins the office's `ClientLookup` rows with themselves on the digest, counts per pair how many
tokens of each kind the two share, and weighs them as the search weighs a match (`PAIR_WEIGHTS`,
from `matching.WEIGHTS`). The birth year and sex, kept in the clear, then raise or lower the pair:
two records a few years apart in age, or of different sex, are seldom one person.

A token shared by many clients (the commonest family name, its sound, a shelter's phone, a popular
given name) says little about any pair and would make the join quadratic (an office's 700 "Chan"
alone are 245,000 pairs): tokens of more than `COMMON_TOKEN` clients are left out. Rarer names, the
full name, phones and ID numbers still find a pair; two people who share only common names are not
a likely duplicate. (At 20,000 clients, 50 instead of 30 tripled the join, to 3 million rows and
13 s: benchmarks/duplicates.py.)

Pairs a director decided are two people (`NotDuplicate`) are not listed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.matching import WEIGHTS
from wholejourney.clients.models import Client, ClientLookup, ClientMerge, NotDuplicate
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.blind_index import IndexKind

# A token shared by more clients than this is too common to suggest a pair (see the docstring).
COMMON_TOKEN = 30
# What one shared token of a kind is worth, and how many of a kind count at most. A full name is
# indexed in both orders and in both scripts (4 tokens); an identical word of four letters or more
# shares all its one-letter-less variants, so typos count twice at most, as "one letter off".
PAIR_WEIGHTS: dict[str, tuple[int, int]] = {
    IndexKind.NAME.value: (WEIGHTS[IndexKind.NAME], 4),
    IndexKind.NAME_PART.value: (WEIGHTS[IndexKind.NAME_PART], 4),
    IndexKind.NAME_SOUND.value: (WEIGHTS[IndexKind.NAME_SOUND], 4),
    # The whole name sounding the same (a spelling variant of one name) is worth nearly a full name.
    IndexKind.NAME_ALIKE.value: (250, 1),
    IndexKind.NAME_TYPO.value: (WEIGHTS[IndexKind.NAME_TYPO], 2),
    IndexKind.PHONE.value: (WEIGHTS[IndexKind.PHONE], 1),
    IndexKind.ID_NUMBER.value: (WEIGHTS[IndexKind.ID_NUMBER], 1),
}
# Years of birth: the same or one apart (often estimated) makes a pair likelier; three or more apart,
# much less likely (less so when either year is an estimate).
SAME_YEAR, ONE_YEAR, TWO_YEARS = 100, 60, 20
FEW_YEARS_APART, MANY_YEARS_APART = -100, -700
# Both sexes known and different.
OTHER_SEX = -400
# A pair below this is not listed: one shared name part and nothing else is not worth a look.
MIN_LIKENESS = 300
# How many pairs the list shows: the director works down from the most alike; a pair merged or
# set aside makes room for the next.
LIST_LIMIT = 100


@dataclass(frozen=True)
class Pair:
    """Two clients of one office (`a_id` < `b_id`) and why they look alike, without their names."""

    a_id: int
    b_id: int
    likeness: int
    shared: frozenset[str] = field(default_factory=frozenset)  # the kinds of tokens they share
    year_gap: int | None = None
    a: Client | None = None
    b: Client | None = None

    @property
    def reasons(self) -> list[str]:
        """What the two have in common, in words (never the values)."""
        said = []
        if IndexKind.PHONE.value in self.shared:
            said.append(str(_("same phone number")))
        if IndexKind.ID_NUMBER.value in self.shared:
            said.append(str(_("same ID number")))
        if IndexKind.NAME.value in self.shared:
            said.append(str(_("same full name")))
        elif IndexKind.NAME_PART.value in self.shared:
            said.append(str(_("a name in common")))
        if IndexKind.NAME_SOUND.value in self.shared and IndexKind.NAME.value not in self.shared:
            said.append(str(_("names that sound alike")))
        if IndexKind.NAME_TYPO.value in self.shared and IndexKind.NAME.value not in self.shared:
            said.append(str(_("names one letter apart")))
        if self.year_gap == 0:
            said.append(str(_("same year of birth")))
        elif self.year_gap is not None:
            said.append(str(_("born %(years)s years apart") % {"years": self.year_gap}))
        return said


def _score_sql(one_client: bool) -> str:
    lookup, client, decided = ClientLookup._meta.db_table, Client._meta.db_table, NotDuplicate._meta.db_table
    weights = " ".join(
        f"WHEN '{kind}' THEN {weight} * (CASE WHEN n > {cap} THEN {cap} ELSE n END)"
        for kind, (weight, cap) in PAIR_WEIGHTS.items()
    )
    flags = ", ".join(f"MAX(CASE WHEN kind = '{kind}' THEN 1 ELSE 0 END) AS has_{kind}" for kind in PAIR_WEIGHTS)
    # Only table names from the models and this module's constants are put into the text; every
    # value is a parameter (hence the noqa: S608 below).
    # The tokens of the office's clients in the record (erased and merged clients have none).
    tokens = f"""
        SELECT l.client_id, l.kind, l.digest FROM {lookup} l
        JOIN {client} c ON c.id = l.client_id
        WHERE c.office_id = %(office)s AND c.erased_at IS NULL
    """  # noqa: S608
    # Of one client: only the tokens that client has, so the join starts from a few dozen rows.
    mine = f"AND (l.kind, l.digest) IN (SELECT kind, digest FROM {lookup} WHERE client_id = %(client)s)"  # noqa: S608
    tokens_of_interest = tokens + (mine if one_client else "")
    pair_filter = "AND (a.client_id = %(client)s OR b.client_id = %(client)s)" if one_client else ""
    year = f"""CASE
        WHEN ca.birth_year IS NULL OR cb.birth_year IS NULL THEN 0
        WHEN ca.birth_year = cb.birth_year THEN {SAME_YEAR}
        WHEN ABS(ca.birth_year - cb.birth_year) = 1 THEN {ONE_YEAR}
        WHEN ABS(ca.birth_year - cb.birth_year) = 2 THEN {TWO_YEARS}
        WHEN ABS(ca.birth_year - cb.birth_year) <= 4 THEN {FEW_YEARS_APART}
        WHEN ca.birth_year_estimated OR cb.birth_year_estimated THEN {MANY_YEARS_APART // 2}
        ELSE {MANY_YEARS_APART} END"""
    sex = f"CASE WHEN ca.sex <> 'unknown' AND cb.sex <> 'unknown' AND ca.sex <> cb.sex THEN {OTHER_SEX} ELSE 0 END"
    return f"""
        WITH t AS ({tokens_of_interest}),
        rare AS (
            SELECT kind, digest FROM t GROUP BY kind, digest HAVING COUNT(*) BETWEEN 2 AND %(common)s
        ),
        r AS (SELECT t.client_id, t.kind, t.digest FROM t JOIN rare ON rare.kind = t.kind AND rare.digest = t.digest),
        per_kind AS (
            SELECT a.client_id AS a_id, b.client_id AS b_id, a.kind AS kind, COUNT(*) AS n
            FROM r a JOIN r b ON a.kind = b.kind AND a.digest = b.digest AND a.client_id < b.client_id
            WHERE 1 = 1 {pair_filter}
            GROUP BY a.client_id, b.client_id, a.kind
        ),
        pairs AS (
            SELECT a_id, b_id, SUM(CASE kind {weights} ELSE 0 END) AS tokens_score, {flags}
            FROM per_kind GROUP BY a_id, b_id
        )
        SELECT p.a_id, p.b_id, p.tokens_score + ({year}) + ({sex}) AS likeness,
               {", ".join(f"p.has_{kind}" for kind in PAIR_WEIGHTS)},
               CASE WHEN ca.birth_year IS NULL OR cb.birth_year IS NULL THEN NULL
                    ELSE ABS(ca.birth_year - cb.birth_year) END AS year_gap
        FROM pairs p
        JOIN {client} ca ON ca.id = p.a_id
        JOIN {client} cb ON cb.id = p.b_id
        WHERE p.tokens_score + ({year}) + ({sex}) >= %(minimum)s
          AND NOT EXISTS (SELECT 1 FROM {decided} d WHERE d.client_a_id = p.a_id AND d.client_b_id = p.b_id)
        ORDER BY likeness DESC, p.a_id, p.b_id
        LIMIT %(limit)s
    """  # noqa: S608


# Tokens that say "the same person" on their own: the full name, its sound, a phone, an ID number.
STRONG_KINDS = [IndexKind.NAME, IndexKind.NAME_ALIKE, IndexKind.PHONE, IndexKind.ID_NUMBER]


def clients_with_a_likely_duplicate(office_id: int, client_ids: list[int], *, chunk: int = 5000) -> int:
    """How many of these clients (just imported) share a full name, its sound, a phone or an ID
    number with another client of the office: the import says so, and the director's list shows
    the pairs."""
    found = 0
    for start in range(0, len(client_ids), chunk):
        ids = client_ids[start : start + chunk]
        another = ClientLookup.objects.filter(
            kind=OuterRef("kind"), digest=OuterRef("digest"), client__office_id=office_id,
            client__erased_at__isnull=True,
        ).exclude(client_id=OuterRef("client_id"))  # fmt: skip
        found += (
            ClientLookup.objects.filter(client_id__in=ids, kind__in=STRONG_KINDS)
            .filter(Exists(another))
            .values("client_id")
            .distinct()
            .count()
        )
    return found


def likely_duplicates(
    office_id: int, *, client_id: int | None = None, limit: int = LIST_LIMIT, minimum: int = MIN_LIKENESS
) -> list[Pair]:
    """The office's pairs of clients most alike, most alike first (at most `limit`), or only the
    pairs of one client. Pairs decided "not the same person" are left out. Names are not read."""
    sql = _score_sql(client_id is not None)
    params: dict[str, Any] = {
        "office": office_id,
        "client": client_id,
        "common": COMMON_TOKEN,
        "minimum": minimum,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    kinds = list(PAIR_WEIGHTS)
    return [
        Pair(
            a_id=row[0],
            b_id=row[1],
            likeness=int(row[2]),
            shared=frozenset(kind for kind, flag in zip(kinds, row[3 : 3 + len(kinds)], strict=True) if flag),
            year_gap=row[3 + len(kinds)],
        )
        for row in rows
    ]


def with_clients(pairs: list[Pair], clients: Any) -> list[Pair]:
    """The pairs with both clients loaded from `clients` (a queryset the user may see): one query.
    A pair with a client missing from it is left out."""
    ids = {pk for pair in pairs for pk in (pair.a_id, pair.b_id)}
    by_pk = {client.pk: client for client in clients.filter(pk__in=ids)} if ids else {}
    stages = dict(apps.get_model("cases", "Case")._meta.get_field("status").choices or [])
    for client in by_pk.values():
        client.case_stage = stages.get(getattr(client, "case_status", None), "")  # type: ignore[attr-defined]
    return [
        Pair(pair.a_id, pair.b_id, pair.likeness, pair.shared, pair.year_gap, by_pk[pair.a_id], by_pk[pair.b_id])
        for pair in pairs
        if pair.a_id in by_pk and pair.b_id in by_pk
    ]


def pair_likeness(a: Client, b: Client) -> Pair | None:
    """How alike two clients of one office are, as the list counts it (None: too little alike to list)."""
    low, high = sorted((a.pk, b.pk))
    for pair in likely_duplicates(a.office_id, client_id=low, limit=LIST_LIMIT * 10, minimum=-10_000):
        if (pair.a_id, pair.b_id) == (low, high):
            return pair
    return None


# --- reads for the director's pages -------------------------------------------------------------------


def with_facts(clients: QuerySet[Client]) -> QuerySet[Client]:
    """What tells two records apart on the list (birth year, sex, case state, case manager), in the same query."""
    case_model = apps.get_model("cases", "Case")  # cases builds on clients, not the reverse
    latest = case_model.objects.filter(client=OuterRef("pk")).order_by("-opened_on", "-pk")
    return clients.select_related("data_key", "case_manager").annotate(
        case_status=Subquery(latest.values("status")[:1])
    )


def client_for_director(user: Any, pk: int) -> Client:
    """A client of the director's office, or 404 (another office's, erased, or no such record)."""
    from wholejourney.clients.merge import may_merge

    client = with_facts(clients_visible_to(user)).filter(pk=pk).first()
    if client is None or not may_merge(user, client):
        raise Http404
    stages = dict(apps.get_model("cases", "Case")._meta.get_field("status").choices or [])
    client.case_stage = stages.get(getattr(client, "case_status", None), "")  # type: ignore[attr-defined]
    return client


def pair_for_director(user: Any, a: int, b: int) -> tuple[Client, Client]:
    """Two different clients of the director's office, the smaller id first, or 404."""
    if a == b:
        raise Http404
    low, high = sorted((a, b))
    return client_for_director(user, low), client_for_director(user, high)


@dataclass(frozen=True)
class Side:
    """One record of a pair, as the pair page shows it: facts, then how many records of each kind."""

    client: Client
    names: list[str]  # in Khmer script, in Latin script, then the other names
    case_status: str
    province: str
    counts: list[tuple[str, int]]


def side_facts(client: Client) -> Side:
    """The facts of one record of a pair, and its records counted by kind (one query per kind)."""
    from wholejourney.clients.merge import client_relations, names_of

    stages = dict(apps.get_model("cases", "Case")._meta.get_field("status").choices or [])
    counts = []
    for relation in client_relations():
        model = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: client}).count()
        if count:
            counts.append((str(model._meta.verbose_name_plural).capitalize(), count))
    address = client.address if isinstance(client.address, dict) else {}
    status = getattr(client, "case_status", None)
    return Side(
        client=client,
        names=names_of(client),
        case_status=str(stages.get(status, "")) if status else "",
        province=str(address.get("province", "")),
        counts=sorted(counts),
    )


def merges_of_office(office_id: int) -> QuerySet[ClientMerge]:
    return ClientMerge.objects.filter(office_id=office_id).select_related("merged_by").order_by("-merged_at", "-pk")


def kept_record_of(pk: int) -> int | None:
    """The record a merged record's id now leads to (through later merges too), or None."""
    seen: set[int] = set()
    kept = None
    while pk not in seen:
        seen.add(pk)
        step = ClientMerge.objects.filter(merged_id=pk).values_list("kept_id", flat=True).first()
        if step is None:
            return kept
        kept = pk = step
    return kept


def kept_for_code(text: str, office_id: int | None) -> dict[int, str]:
    """The records that merged records with this code (or part of it) now are: kept id → old code."""
    merges = ClientMerge.objects.filter(merged_code__icontains=text.strip())
    if office_id is not None:
        merges = merges.filter(office_id=office_id)
    found: dict[int, str] = {}
    for merged_id, code in merges.values_list("merged_id", "merged_code")[:50]:
        kept = kept_record_of(merged_id)
        if kept is not None:
            found.setdefault(kept, code)
    return found


def merged_ids_of(client: Client) -> list[int]:
    """The records merged into this one (and into those, before): their audit trail is its own."""
    found: list[int] = []
    frontier = [client.pk]
    while frontier:
        step = list(ClientMerge.objects.filter(kept_id__in=frontier).values_list("merged_id", flat=True))
        frontier = [pk for pk in step if pk not in found and pk != client.pk]
        found += frontier
    return found
