"""Finding a client: one search for the search page, registration, the referral page, the pickers
and the API.

What someone types is a client code (or part of one), a phone or ID number, or a name (whole or
any part, either script, spelled another way or with one letter wrong): `clients.matching` turns it
into blind-index tokens, so names stay encrypted. Results are ranked by likeness and limited to a
page.

The search tells a user only about clients they may open. A match in the office outside their
caseload shows that a record exists (to break the glass), not whose. A match in another office
shows nothing at all — the page is the one for no match — and, when it is strong, becomes a
duplicate signal for that client's director instead (`DuplicateSignal`). Every search is audited
(its kind and how many results, never what was typed), and a burst of name searches from one
account is refused and shown to the director.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Greatest, Least, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.permissions import OFFICE_WIDE_ROLES
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.duplicates import kept_for_code
from wholejourney.clients.matching import WEIGHTS, Query, looks_like_number, query_of
from wholejourney.clients.models import Client, ClientLookup, DuplicateSignal
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.blind_index import IndexKind, blind_index, normalise_name

# A page of results: a common name can match hundreds, and a list that long helps nobody find one person.
SEARCH_LIMIT = 20
# Name searches one account may make in a minute; the next is refused (someone working through a
# list of names is looking for people, not for a client).
NAME_SEARCHES_PER_MINUTE = 30
SEARCH_WINDOW = datetime.timedelta(minutes=1)
# A search whose strong matches elsewhere are this many or more is too vague to signal anything.
MAX_SIGNALS = 5

_CODE_LIKE = re.compile(r"^[A-Za-z]{0,3}-?[0-9]{2,4}(-[0-9]{0,4})?$|^[A-Za-z]{2,3}(-[0-9]{0,4}){0,2}$")


class SearchKind:
    CODE = "code"
    NUMBER = "number"
    NAME = "name"


class TooManySearches(PermissionDenied):
    """An account made more name searches in a minute than anyone looking for a client needs."""

    message = _("Too many searches in a short time. Wait a minute and search again; your director has been told.")


@dataclass
class Results:
    """What a search shows: `visible` ranked, each with `likeness`; `outside_caseload` the ids of
    clients in the user's office they may break the glass for (their existence, nothing else)."""

    kind: str
    visible: list[Client] = field(default_factory=list)
    outside_caseload: list[int] = field(default_factory=list)
    more: bool = False

    @property
    def any(self) -> bool:
        return bool(self.visible or self.outside_caseload)


@dataclass
class _Matches:
    scores: dict[int, int]  # client id → likeness
    office_of: dict[int, int]
    strong: set[int]


def search_kind(text: str) -> str:
    """What was typed: a client code, a phone or ID number, or a name."""
    if _CODE_LIKE.match(text.strip()) and any(ch.isdigit() for ch in text):
        return SearchKind.CODE
    return SearchKind.NUMBER if looks_like_number(text) else SearchKind.NAME


def _useful(query: Query) -> Query:
    """The query without the typo tokens of words found as written: a word someone spelled as a
    client's name is spelled does not need its one-letter variants, which match every client of a
    common name five times over (at 100,000 clients, tens of thousands of rows for "Chan")."""
    found = {
        word
        for word in query.words
        if ClientLookup.objects.filter(
            kind=IndexKind.NAME_PART, digest=blind_index(IndexKind.NAME_PART, word) or "-"
        ).exists()
    }
    if not found:
        return query
    kept = {
        key: (word, weight)
        for key, (word, weight) in query.tokens.items()
        if not (key[0] == IndexKind.NAME_TYPO and word in found)
    }
    return Query(tokens=kept, words=query.words, number=query.number)


def _word_score(query: Query, word: str) -> Any:
    """SQL: the best weight among one client's tokens that answer `word` (0 when none does)."""
    by_weight: dict[int, list[str]] = defaultdict(list)
    for (_kind, digest), (token_word, weight) in query.tokens.items():
        if token_word == word:
            by_weight[weight].append(digest)
    whens = [
        When(digest__in=digests, then=Value(weight)) for weight, digests in sorted(by_weight.items(), reverse=True)
    ]
    return Max(Case(*whens, default=Value(0))) if whens else Value(0)


# Rows each part of a search's answer is read to at most: a page and one more (to say "more").
_CATEGORY_VISIBLE, _CATEGORY_OFFICE, _CATEGORY_ELSEWHERE = 0, 1, 2


def _token_matches(query: Query, user: Any, within: QuerySet[Client] | None, *, strong_only: bool) -> _Matches:
    """The clients with tokens of the query, scored in the database (the best match of each search
    word, summed), and only the best of each kind the page needs: a page and one more of those the
    user may open, of those in their office outside the caseload, and the strongest few elsewhere
    (duplicate signals). One query, whatever the number of clients a common name matches."""
    if query.empty:
        return _Matches({}, {}, set())
    query = _useful(query)
    words = list(query.words)
    per_word = {f"w{i}": _word_score(query, word) for i, word in enumerate(words)}
    # No client row is read: the tokens carry the office, and an erased or merged client has none.
    rows = (
        ClientLookup.objects.filter(kind__in=query.kinds, digest__in=query.digests)
        .values("client_id", "office_id")
        .annotate(whole=_word_score(query, "="), **per_word)
    )
    answered = [Greatest(F(name), F("whole")) if "=" in {w for w, _x in query.tokens.values()} else F(name)
                for name in per_word]  # fmt: skip
    score = answered[0] if len(answered) == 1 else sum(answered[1:], answered[0])
    weakest = answered[0] if len(answered) == 1 else Least(*answered)
    own_office = user.office_id
    if within is not None:
        visible: Q | None = Q(client_id__in=within.order_by().values("pk"))
    elif own_office is None:
        visible = None  # a global account opens every office's clients
    elif user.role_set & OFFICE_WIDE_ROLES:
        visible = Q(office_id=own_office)  # the director's caseload is the office: no list of ids
    else:
        visible = Q(client_id__in=clients_visible_to(user).order_by().values("pk"))  # a team's few thousand
    category: Any = Value(_CATEGORY_VISIBLE)
    if visible is not None:
        whens = [When(visible, then=Value(_CATEGORY_VISIBLE))]
        if own_office is not None:
            whens.append(When(office_id=own_office, then=Value(_CATEGORY_OFFICE)))
        category = Case(*whens, default=Value(_CATEGORY_ELSEWHERE))
    rows = rows.annotate(score=score, weakest=weakest, category=category)
    if strong_only:
        rows = rows.filter(weakest__gte=WEIGHTS[IndexKind.PHONE] if query.number else WEIGHTS[IndexKind.NAME_SOUND])
        if not query.number and len(words) < 2:
            rows = rows.none()
    # Elsewhere the strongest first (a match of every word, for a signal), here the most alike. For an
    # office's account "elsewhere" is another office: said so, not as the category, whose caseload
    # subquery PostgreSQL would evaluate a second time for the ranking (9 ms for a team of 4,500).
    elsewhere = Q(category=_CATEGORY_ELSEWHERE) if own_office is None else ~Q(office_id=own_office)
    rank_key = Case(When(elsewhere, then=F("weakest") * 100_000 + F("score")), default=F("score"))
    rows = rows.annotate(
        rank=Window(RowNumber(), partition_by=[F("category")], order_by=[rank_key.desc(), F("client_id").asc()])
    ).filter(rank__lte=SEARCH_LIMIT + 1)
    scores: dict[int, int] = {}
    office_of: dict[int, int] = {}
    strong: set[int] = set()
    threshold = WEIGHTS[IndexKind.PHONE] if query.number else WEIGHTS[IndexKind.NAME_SOUND]
    for row in rows:
        scores[row["client_id"]] = row["score"]
        office_of[row["client_id"]] = row["office_id"]
        if row["weakest"] >= threshold and (query.number or len(words) >= 2):
            strong.add(row["client_id"])
    return _Matches(scores, office_of, strong)


def _ranked(ids: list[int], scores: dict[int, int], codes: dict[int, str]) -> list[int]:
    return sorted(ids, key=lambda pk: (-scores.get(pk, 0), codes.get(pk, "")))


def find_clients(
    user: Any, text: str, *, within: QuerySet[Client] | None = None, strong_only: bool = False
) -> tuple[Results, _Matches]:
    """The search itself, without its audit: results for `user`, and every match (for the signals).
    `within` narrows what the user may open (a picker's clients in care); `strong_only` keeps the
    matches that may well be the same person (registration's duplicate check)."""
    text = text.strip()
    query = query_of(text)
    kind = search_kind(text)
    visible_clients = within if within is not None else clients_visible_to(user)
    matches = _token_matches(query, user, within, strong_only=strong_only)
    own_office = user.office_id
    candidates = {pk for pk, office in matches.office_of.items() if own_office is None or office == own_office}
    if strong_only:
        candidates &= matches.strong
    codes: dict[int, str] = {}
    if kind == SearchKind.CODE and not strong_only:
        # Codes are not secret in an office (lists show them): part of a code finds its clients.
        coded = Client.objects.filter(code__icontains=text.strip(), erased_at__isnull=True)
        if own_office is not None:
            coded = coded.filter(office_id=own_office)
        for pk, code in coded.values_list("pk", "code")[:500]:
            codes[pk] = code
            matches.scores[pk] = matches.scores.get(pk, 0) + (1000 if code.casefold() == text.casefold() else 500)
            candidates.add(pk)
        # The code of a record merged into another finds the one kept (clients.merge).
        for pk, code in kept_for_code(text, own_office).items():
            codes.setdefault(pk, code)
            matches.scores[pk] = matches.scores.get(pk, 0) + (1000 if code.casefold() == text.casefold() else 500)
            candidates.add(pk)
    if within is not None and kind == SearchKind.NAME:
        _add_beginnings(within, text, matches, candidates)
    if not candidates:
        return Results(kind=kind), matches
    openable = set(visible_clients.filter(pk__in=candidates).values_list("pk", flat=True))
    ranked = _ranked(sorted(openable), matches.scores, codes)
    page = ranked[:SEARCH_LIMIT]
    by_pk = {client.pk: client for client in _with_facts(visible_clients.filter(pk__in=page))}
    stages = dict(apps.get_model("cases", "Case")._meta.get_field("status").choices or [])
    visible = []
    for pk in page:
        client = by_pk[pk]
        client.likeness = matches.scores.get(pk, 0)  # type: ignore[attr-defined]
        client.case_stage = stages.get(getattr(client, "case_status", None), "")  # type: ignore[attr-defined]
        # Read here, not in the template: a missing key there is logged with the whole context.
        address = client.address if isinstance(client.address, dict) else {}
        client.province = address.get("province", "")  # type: ignore[attr-defined]
        visible.append(client)
    outside = _ranked(sorted(candidates - openable), matches.scores, codes)
    if within is not None:
        # A picker shows only what it may pick; breaking the glass is the search page's.
        outside = []
    results = Results(
        kind=kind,
        visible=visible,
        outside_caseload=outside[:SEARCH_LIMIT],
        more=len(ranked) > SEARCH_LIMIT or len(outside) > SEARCH_LIMIT,
    )
    return results, matches


# A picker's list (a counselor's clients in care) this short is also searched by what its names
# contain, decrypted: someone picking attendees types a few letters, fewer than a name part.
PICKER_SCAN_LIMIT = 500
BEGINNING_WEIGHT = 60


def _add_beginnings(within: QuerySet[Client], text: str, matches: _Matches, candidates: set[int]) -> None:
    needle = normalise_name(text)
    if not needle or within.count() > PICKER_SCAN_LIMIT:
        return
    for client in within.select_related("data_key"):
        names = (client.given_name_km, client.family_name_km, client.given_name_latin, client.family_name_latin)
        spelled = normalise_name(" ".join(name for name in names if name))
        if needle in spelled or needle in client.code.casefold():
            matches.scores[client.pk] = max(matches.scores.get(client.pk, 0), BEGINNING_WEIGHT)
            candidates.add(client.pk)


def _with_facts(clients: QuerySet[Client]) -> QuerySet[Client]:
    """What tells people of one name apart (the template shows birth year, sex, province, case
    manager): with the status of the latest case, in the same query."""
    case_model = apps.get_model("cases", "Case")  # cases builds on clients, not the reverse
    latest = case_model.objects.filter(client=OuterRef("pk")).order_by("-opened_on", "-pk")
    return clients.select_related("data_key", "case_manager").annotate(
        case_status=Subquery(latest.values("status")[:1])
    )


def name_searches_in_last_minute(user: Any, now: datetime.datetime | None = None) -> int:
    since = (now or timezone.now()) - SEARCH_WINDOW
    return AuditEvent.objects.filter(
        actor_id=user.pk, action=AuditEvent.Action.SEARCH, object_type="client_search", object_id=SearchKind.NAME,
        at__gte=since,
    ).count()  # fmt: skip


def search_clients(
    *,
    actor: Any,
    text: str,
    within: QuerySet[Client] | None = None,
    strong_only: bool = False,
    purpose: str = "search",
) -> Results:
    """Search as `actor`: refused past the name-search limit, audited, and strong matches in other
    offices signalled to their directors. `purpose` says where the search was made (audited)."""
    query_kind = search_kind(text)
    # A picker searches only the user's own caseload: it can tell them nothing new, so it is audited
    # apart and not limited (typing a name searches at each pause).
    object_type = "client_picker" if within is not None else "client_search"
    limited = within is None and query_kind == SearchKind.NAME
    if limited and name_searches_in_last_minute(actor) >= NAME_SEARCHES_PER_MINUTE:
        audit_record(
            actor=actor, action=AuditEvent.Action.SEARCH_REFUSED, object_type="client_search", object_id=query_kind,
            changed_fields=[f"purpose:{purpose}"],
        )  # fmt: skip
        raise TooManySearches
    results, matches = find_clients(actor, text, within=within, strong_only=strong_only)
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditEvent.Action.SEARCH, object_type=object_type, object_id=results.kind,
            changed_fields=[f"purpose:{purpose}", f"results:{len(results.visible)}",
                            f"outside_caseload:{len(results.outside_caseload)}"],
        )  # fmt: skip
        signal_duplicates(actor, matches, by_number=results.kind == SearchKind.NUMBER)
    return results


def signal_duplicates(actor: Any, matches: _Matches, *, by_number: bool) -> int:
    """Tell the directors of other offices that a strong match of one of their clients was searched
    for or registered here (once a day per client and office). Returns how many were signalled."""
    if actor.office_id is None:
        return 0
    elsewhere = sorted(pk for pk in matches.strong if matches.office_of.get(pk) != actor.office_id)
    if not elsewhere or len(elsewhere) >= MAX_SIGNALS:
        return 0
    since = timezone.now() - datetime.timedelta(days=1)
    already = set(
        DuplicateSignal.objects.filter(
            client_id__in=elsewhere, from_office_id=actor.office_id, at__gte=since
        ).values_list("client_id", flat=True)
    )
    new = [
        DuplicateSignal(client_id=pk, from_office_id=actor.office_id, by_number=by_number)
        for pk in elsewhere
        if pk not in already
    ]
    DuplicateSignal.objects.bulk_create(new)
    return len(new)


def registration_matches(*, actor: Any, names: list[str], phones: list[str], id_numbers: list[str]) -> Results:
    """The likely duplicates of someone about to be registered, as the search finds them (strong
    matches of any of their names, phones or ID numbers): those the user may open, and those of
    the office outside their caseload. Strong matches in other offices become signals."""
    found = Results(kind=SearchKind.NAME)
    seen: set[int] = set()
    for value in dict.fromkeys(v.strip() for v in [*names, *phones, *id_numbers] if v and v.strip()):
        results = search_clients(actor=actor, text=value, strong_only=True, purpose="registration")
        for client in results.visible:
            if client.pk not in seen:
                seen.add(client.pk)
                found.visible.append(client)
        for pk in results.outside_caseload:
            if pk not in seen:
                seen.add(pk)
                found.outside_caseload.append(pk)
    return found
