"""Caseload benchmark (issue 5): the case manager's pages on a large office, on PostgreSQL.

    .venv/bin/python benchmarks/caseload.py [--clients 100000] [--small 1000] [--requests 200] [--keep]

It creates a fresh database (dropped first if it exists, dropped again at the end unless --keep),
migrates it, creates the demo accounts plus 19 more Cambodia teams, and loads clients in two
steps into the same database: first `--small` clients, measured, then the rest up to `--clients`,
measured again, so the two columns of the table come from one run and show whether the number of
queries of each page depends on the size of the data.

The records are real: every identifying value is encrypted under the client's own data key
(wrapped under the master key), each client has its blind-index name and phone tokens, and there is
an audit "create" event per client in a valid hash chain. They are written in batches with
bulk_create (the model fields encrypt in `pre_save`), not through `client_create` one by one.

Per page it times `--requests` requests (after `--warmup` untimed ones) through Django's test
client, so the figure is server time: middleware, view, queries, decryption and template, without
a network. The query count of each page is taken in a separate pass, so capturing queries does not
slow the timed requests. Targets (issue 5): p95 under 100 ms for pages and under 50 ms for the
name search; query counts independent of data size.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import Timed, drop_database, recreate_database, setup_django  # noqa: E402

BATCH = 2000
PAGE_TARGET_MS = 100.0
SEARCH_TARGET_MS = 50.0
PART_TARGET_MS = 100.0  # a part of a name, a typo (issue 16)
HOME_TARGET_MS = 150.0  # home, My tasks (issue 15)
SEED = 5
COUNTED = 10  # requests whose queries are counted, per page
TEAMS_KH = 20  # the demo team plus 19 more
CASE_MANAGERS_PER_TEAM = 3

# Names: a fifth of the clients get the demo's very common names (dozens share each full name, as
# in real Cambodian caseloads); the rest a given name built from two syllables (~12,000 full names).
FAMILY_NAMES = [
    ("សុខ", "Sok"), ("ចាន់", "Chan"), ("កែវ", "Keo"), ("ម៉ៅ", "Mao"), ("លី", "Ly"), ("ហេង", "Heng"),
    ("ផាន", "Phan"), ("រស់", "Ros"), ("សួន", "Suon"), ("ឈឹម", "Chhim"), ("ទេព", "Tep"), ("ញឹម", "Nhim"),
    ("ពេជ្រ", "Pich"), ("យឹម", "Yim"), ("អ៊ុក", "Ouk"), ("ស៊ិន", "Sin"), ("ឃឹម", "Khim"), ("ប៊ុន", "Bun"),
    ("ស៊ឹម", "Sim"), ("ឡាយ", "Lay"), ("ហ៊ុន", "Hun"), ("ម៉ម", "Mom"), ("ជា", "Chea"), ("សេង", "Seng"),
    ("គឹម", "Kim"), ("ឈួន", "Chhuon"), ("ប្រាក់", "Prak"), ("ស៊ុយ", "Suy"), ("អ៊ឹម", "Im"), ("នួន", "Nuon"),
]  # fmt: skip
COMMON_GIVEN = [
    ("ស្រីពៅ", "Sreypov"), ("ធីតា", "Thida"), ("សុភា", "Sophea"), ("ចន្ទ្រា", "Chantrea"), ("សុគន្ធា", "Sokunthea"),
    ("ពិសី", "Pisey"), ("ស្រីនាង", "Sreyneang"), ("បុប្ផា", "Bopha"), ("រក្សា", "Raksa"), ("សុវណ្ណ", "Sovann"),
    ("វិសាល", "Visal"), ("ដារ៉ា", "Dara"), ("សុផល", "Sophal"), ("ពិសិដ្ឋ", "Piseth"), ("សំណាង", "Samnang"),
]  # fmt: skip
SYLLABLE_1 = [
    ("សុ", "So"), ("ស្រី", "Srey"), ("ចន្ទ", "Chan"), ("បុ", "Bo"), ("វណ្ណ", "Vann"), ("រ", "Ra"), ("ពិ", "Pi"),
    ("ធី", "Thi"), ("ម", "Mo"), ("លី", "Li"), ("ដា", "Da"), ("កុ", "Ko"), ("ស", "Sa"), ("នី", "Ni"), ("ភី", "Phi"),
    ("វី", "Vi"), ("រី", "Ri"), ("ចិ", "Chi"), ("សំ", "Sam"), ("ណា", "Na"),
]  # fmt: skip
SYLLABLE_2 = [
    ("ភា", "phea"), ("ដា", "da"), ("រ៉ា", "ra"), ("ពៅ", "pov"), ("នាង", "neang"), ("តា", "ta"), ("ណា", "na"),
    ("លី", "ly"), ("សា", "sa"), ("ថា", "tha"), ("រិទ្ធ", "rith"), ("ណាង", "nang"), ("មុំ", "mom"), ("ល័ក្ខ", "leak"),
    ("ផល", "phal"), ("សី", "sey"), ("វង្ស", "vong"), ("ឌី", "dy"), ("រ័ត្ន", "roth"), ("កា", "ka"),
]  # fmt: skip
PROVINCES = ["Phnom Penh", "Battambang", "Siem Reap", "Kampong Cham", "Prey Veng", "Banteay Meanchey", "Kandal"]
FIRST_DAY = datetime.date(2012, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients in the large database")
    parser.add_argument("--small", type=int, default=1_000, help="clients in the small database (measured first)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--db", default="wj_bench_caseload", help="database to create (dropped first)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="keep the database (and its keyring) at the end")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's queries (large size)")
    args = parser.parse_args()
    if not 0 < args.small < args.clients:
        parser.error("--small must be positive and smaller than --clients")
    return args


# --- database and Django ------------------------------------------------------------------------


# --- people -------------------------------------------------------------------------------------


@dataclass
class People:
    kh: Any
    vn: Any
    kh_teams: list[Any]  # index 0 is the demo team ("casemanager" is in it)
    kh_case_managers: list[list[Any]]  # per team
    vn_team: Any
    vn_case_manager: Any
    case_manager: Any  # the demo case manager, measured
    director: Any  # the KH director, measured


def build_people() -> People:
    from wholejourney.accounts.models import Team, User, UserRole
    from wholejourney.accounts.roles import Role
    from wholejourney.core.models import Office
    from wholejourney.demo.accounts import build_accounts

    build_accounts()
    kh, vn = Office.objects.get(code="KH"), Office.objects.get(code="VN")
    case_manager = User.objects.get(username="casemanager")
    director = User.objects.get(username="director")
    teams = [case_manager.team]
    teams += [Team.objects.create(office=kh, name=f"Province team {n:02d}") for n in range(1, TEAMS_KH)]
    managers: list[list[Any]] = []
    for number, team in enumerate(teams):
        members = [case_manager] if number == 0 else []
        while len(members) < CASE_MANAGERS_PER_TEAM:
            user = User.objects.create(
                username=f"cm{number:02d}-{len(members)}", office=kh, team=team, first_name="Bench", last_name="Cm"
            )
            UserRole.objects.create(user=user, role=Role.CASE_MANAGER)
            members.append(user)
        if number:
            team.supervisor = members[-1]
            team.save(update_fields=["supervisor"])
        managers.append(members)
    vn_case_manager = User.objects.get(username="vn.casemanager")
    return People(kh, vn, teams, managers, vn_case_manager.team, vn_case_manager, case_manager, director)


# --- loading ------------------------------------------------------------------------------------


def _moment(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    day = start + datetime.timedelta(days=rng.randrange((end - start).days + 1))
    naive = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(minutes=rng.randrange(600))
    return timezone.make_aware(naive)


@dataclass
class Loader:
    """Writes clients number `start` to `stop` (and their keys, tokens, cases, placements, audit
    events) in batches. The same numbers always give the same clients."""

    people: People
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    next_number: Counter[tuple[str, int]] = field(default_factory=Counter)
    loaded: int = 0
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def load(self, stop: int) -> float:
        from django.db import transaction

        started = time.perf_counter()
        while self.loaded < stop:
            size = min(BATCH, stop - self.loaded)
            with transaction.atomic():
                self._batch(size)
            self.loaded += size
            if self.loaded % 20_000 == 0 or self.loaded == stop:
                print(f"  {self.loaded:>7,} clients  {time.perf_counter() - started:6.1f} s", flush=True)
        self._finish()
        return time.perf_counter() - started

    def _timed(self, label: str) -> _Stopwatch:
        return _Stopwatch(self.timings, label)

    def _batch(self, size: int) -> None:
        from wholejourney.clients.models import Client

        rng = self.rng
        with self._timed("python: build clients"):
            specs = [self._client_spec(rng) for _ in range(size)]
        with self._timed("data keys (wrap under master key + insert)"):
            keys = self._data_keys(size)
        with self._timed("python: build clients"):
            clients = [Client(data_key=key, **spec) for key, spec in zip(keys, specs, strict=True)]
        with self._timed("clients (encrypt 9 fields + insert)"):
            Client.objects.bulk_create(clients, batch_size=BATCH)
        with self._timed("blind-index tokens (HMAC + insert)"):
            self._lookups(clients)
        with self._timed("cases + placements (encrypt summary + insert)"):
            self._cases(rng, clients)
        with self._timed("audit events (hash chain + insert)"):
            self._audit(clients)

    def _data_keys(self, size: int) -> list[Any]:
        from wholejourney.core.models import DataKey

        keys = [DataKey(wrapped_key=base64.b64encode(os.urandom(32)).decode()) for _ in range(size)]
        return DataKey.objects.bulk_create(keys, batch_size=BATCH)

    def _client_spec(self, rng: random.Random) -> dict[str, Any]:
        from wholejourney.clients.models import Client, Gender, Sex

        people = self.people
        in_kh = rng.random() < 0.9
        if in_kh:
            team_number = rng.randrange(TEAMS_KH)
            office, team = people.kh, people.kh_teams[team_number]
            case_manager = rng.choice(people.kh_case_managers[team_number])
        else:
            office, team, case_manager = people.vn, people.vn_team, people.vn_case_manager
        female = rng.random() < 0.75
        family_km, family = rng.choice(FAMILY_NAMES)
        if rng.random() < 0.2:
            given_km, given = rng.choice(COMMON_GIVEN)
        else:
            (s1_km, s1), (s2_km, s2) = rng.choice(SYLLABLE_1), rng.choice(SYLLABLE_2)
            given_km, given = s1_km + s2_km, s1 + s2
        registered = _moment(rng, FIRST_DAY, LAST_DAY)
        birth = datetime.date(registered.year - rng.randint(8, 40), rng.randint(1, 12), rng.randint(1, 28))
        year = registered.year
        self.next_number[(office.code, year)] += 1
        spec = {
            "office": office,
            "team": team,
            "case_manager": case_manager,
            "code": f"{office.code}-{year}-{self.next_number[(office.code, year)]:04d}",
            "family_name_km": family_km,
            "given_name_km": given_km,
            "family_name_latin": family,
            "given_name_latin": given,
            "date_of_birth": birth,
            "birth_year": birth.year,
            "sex": Sex.FEMALE if female else Sex.MALE,
            "gender": Gender.FEMININE if female else Gender.MASCULINE,
            "citizenship": office.country,
            "phone_numbers": [f"0{rng.choice('16789')}{rng.randrange(10**7):07d}"],
            "address": {"province": rng.choice(PROVINCES), "village": f"Village {rng.randrange(500)}"},
            "registered_at": registered,
        }
        # The client model grows; keep to the fields it has today.
        names = {f.name for f in Client._meta.get_fields()}
        return {key: value for key, value in spec.items() if key in names}

    def _lookups(self, clients: list[Any]) -> None:
        from wholejourney.clients.matching import client_tokens
        from wholejourney.clients.models import ClientLookup

        rows = [
            ClientLookup(client=client, office_id=client.office_id, kind=kind, digest=digest)
            for client in clients
            for kind, digest in sorted(client_tokens(client))
        ]
        ClientLookup.objects.bulk_create(rows, batch_size=BATCH)

    def _cases(self, rng: random.Random, clients: list[Any]) -> None:
        """Every client has a current case (open or in follow-up) and lives somewhere now; half of
        them also had an earlier case, closed."""
        from django.utils import timezone

        from wholejourney.cases.models import AbuseType, Case, CaseStatus, ClosureReason, Placement, PlacementKind

        today = timezone.localdate()
        kinds = [k for k in PlacementKind.values if k != PlacementKind.FOSTER_CARE]
        cases, current = [], []
        for client in clients:
            common = {
                "office": client.office,
                "client": client,
                "team": client.team,
                "case_manager": client.case_manager,
            }
            registered = client.registered_at.date()
            opened = registered
            if rng.random() < 0.5:
                closed = min(opened + datetime.timedelta(days=rng.randint(90, 720)), today)
                cases.append(
                    Case(
                        **common,
                        **self._abuse(rng, AbuseType),
                        opened_on=opened,
                        status=CaseStatus.CLOSED,
                        closed_on=closed,
                        closure_reason=rng.choice(ClosureReason.values),
                    )
                )
                opened = min(closed + datetime.timedelta(days=rng.randint(30, 400)), today)
            case = Case(
                **common,
                **self._abuse(rng, AbuseType),
                opened_on=opened,
                status=CaseStatus.OPEN if rng.random() < 0.8 else CaseStatus.FOLLOW_UP,
            )
            cases.append(case)
            current.append(case)
        Case.objects.bulk_create(cases, batch_size=BATCH)
        placements = [
            Placement(client=case.client, case=case, kind=rng.choice(kinds), start=case.opened_on) for case in current
        ]
        Placement.objects.bulk_create(placements, batch_size=BATCH)

    @staticmethod
    def _abuse(rng: random.Random, abuse_type: Any) -> dict[str, str]:
        kind = rng.choice(abuse_type.values)
        subtype = rng.choice(["sex", "labour", "forced_marriage"]) if kind == abuse_type.HUMAN_TRAFFICKING else ""
        return {"primary_abuse_type": kind, "trafficking_subtype": subtype}

    def _audit(self, clients: list[Any]) -> None:
        """One "create" event per client, appended to the hash chain as audit_record would."""
        from wholejourney.audit.models import AuditChainHead, AuditEvent

        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        events = []
        for client in clients:
            event = AuditEvent(
                seq=head.last_seq + 1,
                actor_id=client.case_manager.pk,
                actor_username=client.case_manager.username,
                actor_roles="case_manager",
                office_code=client.office.code,
                action=AuditEvent.Action.CREATE,
                object_type="clients.client",
                object_id=str(client.pk),
                changed_fields=["family_name_km", "given_name_km"],
                prev_hash=head.last_hash,
            )
            event.row_hash = event.compute_hash()
            head.last_seq, head.last_hash = event.seq, event.row_hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=BATCH)
        head.save(update_fields=["last_seq", "last_hash"])

    def _finish(self) -> None:
        """Code counters as client_create would have left them, then fresh planner statistics."""
        from django.db import connection

        from wholejourney.clients.models import ClientCodeCounter
        from wholejourney.core.models import Office

        offices = {office.code: office for office in Office.objects.all()}
        for (code, year), last in self.next_number.items():
            ClientCodeCounter.objects.update_or_create(office=offices[code], year=year, defaults={"last_number": last})
        # Fresh statistics and visibility map, as autovacuum would leave them after a while, and a
        # checkpoint so the writes of the load do not slow the first measured commits.
        with self._timed("VACUUM ANALYZE, CHECKPOINT"), connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")


class _Stopwatch:
    def __init__(self, timings: defaultdict[str, float], label: str) -> None:
        self.timings, self.label = timings, label

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.label] += time.perf_counter() - self.started


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result(Timed):
    page: str
    user: str
    target_ms: float
    times_ms: list[float]
    queries: list[int]

    @property
    def query_label(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"


def signed_in_client(user: Any) -> Any:
    """A test client signed in as `user`, past the second factor like a real session."""
    from django.test import Client as HttpClient
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    browser = HttpClient()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return browser


def name_queries(user: Any, rng: random.Random, count: int) -> list[str]:
    """Full names of clients in the user's caseload, alternately in Khmer and Latin script."""
    from wholejourney.clients.selectors import clients_visible_to

    ids = list(clients_visible_to(user).values_list("pk", flat=True))
    picked = clients_visible_to(user).filter(pk__in=rng.sample(ids, min(count, len(ids))))
    names = []
    for number, client in enumerate(picked):
        if number % 2:
            names.append(f"{client.family_name_latin} {client.given_name_latin}")
        else:
            names.append(f"{client.family_name_km} {client.given_name_km}")
    rng.shuffle(names)
    return names


def most_common_name() -> tuple[str, int]:
    """The full name most clients share (the heaviest search), and how many share it."""
    from django.db.models import Count

    from wholejourney.clients.models import ClientLookup

    top = (
        ClientLookup.objects.filter(kind="name").values("digest").annotate(n=Count("client_id")).order_by("-n").first()
    )
    if top is None:
        raise SystemExit("no name tokens")
    lookup = ClientLookup.objects.filter(kind="name", digest=top["digest"]).select_related("client__data_key").first()
    client = lookup.client  # type: ignore[union-attr]
    return f"{client.family_name_latin} {client.given_name_latin}", top["n"]


def name_parts(names: list[str]) -> list[str]:
    """Each word of the names in turn: a family name alone, a given name alone."""
    return [word for name in names for word in name.split()]


def typo(name: str, rng: random.Random) -> str:
    """The name with one letter of its longest word changed."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    at = rng.randrange(len(word))
    words[longest] = word[:at] + ("a" if word[at] != "a" else "e") + word[at + 1 :]
    return " ".join(words)


def measure(label: str, user: Any, browser: Any, urls: list[str], target: float, args: argparse.Namespace) -> Result:
    """Time `args.requests` GETs (after the warm-up), going round `urls`; then count queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(args.warmup):
        _get(browser, urls[number % len(urls)])
    times = []
    for number in range(args.requests):
        url = urls[(args.warmup + number) % len(urls)]
        started = time.perf_counter()
        _get(browser, url)
        times.append((time.perf_counter() - started) * 1000)
    # Every 30 s a request also saves the session's "last seen" time (3 more statements): the
    # request just before refreshes it, so the counted requests are the page's own queries.
    _get(browser, urls[0])
    counts = []
    for url in urls[:COUNTED]:
        with CaptureQueriesContext(connection) as captured:
            _get(browser, url)
        counts.append(len(captured.captured_queries))
    return Result(label, user.username, target, times, counts)


def _get(browser: Any, url: str) -> Any:
    response = browser.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return response


def measure_all(people: People, args: argparse.Namespace, rng: random.Random) -> list[Result]:
    from wholejourney.clients import search as client_search
    from wholejourney.clients.selectors import clients_visible_to

    # One account searching 200 times a minute is what the limit stops; here it is the load.
    client_search.NAME_SEARCHES_PER_MINUTE = 10**9
    results = []
    common_name, _sharing = most_common_name()
    for user in (people.case_manager, people.director):
        browser = signed_in_client(user)
        ids = list(clients_visible_to(user).values_list("pk", flat=True))
        client_ids = [rng.choice(ids) for _ in range(args.warmup + args.requests)]
        names = name_queries(user, rng, 200)
        search = "/clients/search/?"
        pages = [
            ("caseload, page 1", ["/clients/"], PAGE_TARGET_MS),
            ("caseload, page 40", ["/clients/?page=40"], PAGE_TARGET_MS),
            ("client page", [f"/clients/{pk}/" for pk in client_ids], PAGE_TARGET_MS),
            ("name search", [search + urlencode({"q": q}) for q in names], SEARCH_TARGET_MS),
            ("name search, commonest name", [search + urlencode({"q": common_name})], SEARCH_TARGET_MS),
            # Issue 16: one word of a name (family or given), and a name spelled another way.
            (
                "search by part of a name",
                [search + urlencode({"q": part}) for part in name_parts(names)],
                PART_TARGET_MS,
            ),
            ("search, one letter wrong", [search + urlencode({"q": typo(q, rng)}) for q in names], PART_TARGET_MS),
            # Issue 15: the start of the day, every kind of due work counted over the caseload.
            ("home", ["/"], HOME_TARGET_MS),
            ("my tasks", ["/tasks/"], HOME_TARGET_MS),
            ("caseload, needs attention", ["/clients/?attention=any"], HOME_TARGET_MS),
        ]
        results += [measure(label, user, browser, urls, target, args) for label, urls, target in pages]
    return results


def explain_pages(people: People) -> None:
    """EXPLAIN ANALYZE every query one request of each page makes (for finding what is slow)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.clients.selectors import clients_visible_to

    for user in (people.case_manager, people.director):
        browser = signed_in_client(user)
        pk = clients_visible_to(user).order_by("?").values_list("pk", flat=True).first()
        name = name_queries(user, random.Random(SEED), 1)[0]
        search = "/clients/search/?" + urlencode({"q": name})
        for url in ("/clients/", "/clients/?page=40", f"/clients/{pk}/", search, "/", "/tasks/"):
            with CaptureQueriesContext(connection) as captured:
                _get(browser, url)
            print(f"\n===== {user.username} GET {url}: {len(captured.captured_queries)} queries")
            for query in captured.captured_queries:
                text = query["sql"]
                if not text.lstrip().upper().startswith("SELECT"):
                    print(f"-- {float(query['time']) * 1000:.1f} ms  {text[:200]}")
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
                    plan = "\n   ".join(row[0] for row in cursor.fetchall())
                print(f"-- {text[:300]}\n   {plan}")


# --- report -------------------------------------------------------------------------------------


def print_table(sizes: list[int], runs: list[list[Result]]) -> bool:
    small, large = runs
    heads = [f"{n:,} clients" for n in sizes]
    print()
    print(f"{'':38}{heads[0]:^27}|{heads[1]:^27}|")
    print(
        f"{'page':29}{'user':9}"
        + f"{'median':>9}{'p95':>9}{'queries':>9}|" * 2
        + f"{'target p95':>11}  {'queries':>8}  verdict"
    )
    print("-" * 140)
    ok = True
    for a, b in zip(small, large, strict=True):
        same = sorted(set(a.queries)) == sorted(set(b.queries))
        fast = b.p95 < b.target_ms
        ok &= same and fast
        verdict = ("ok" if fast else "SLOW") + ("" if same else ", QUERIES GROW")
        print(
            f"{a.page:29}{a.user:9}"
            f"{a.median:9.1f}{a.p95:9.1f}{a.query_label:>9}|"
            f"{b.median:9.1f}{b.p95:9.1f}{b.query_label:>9}|"
            f"{'< ' + format(b.target_ms, '.0f') + ' ms':>11}  {'same' if same else 'differ':>8}  {verdict}"
        )
    print("times in ms, server side (Django test client); queries per request")
    return ok


def print_sizes() -> None:
    from django.db import connection

    tables = [
        "core_datakey", "clients_client", "clients_clientlookup", "cases_case", "cases_placement", "audit_auditevent",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        parts = []
        for table in tables:
            cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")  # noqa: S608
            rows, size = cursor.fetchone()
            parts.append(f"{table} {rows:,} ({size})")
    print("  " + "; ".join(parts))


def caseload_sizes(people: People) -> str:
    from wholejourney.clients.selectors import clients_visible_to

    return ", ".join(
        f"{user.username} sees {clients_visible_to(user).count():,}" for user in (people.case_manager, people.director)
    )


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="wj-bench-caseload-"))
    print(f"database {args.db} on {args.server}; keyring and var/ in {var_dir}")
    recreate_database(args.server, args.db)
    try:
        run(args, var_dir)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            # The values are readable only with the keyring of the run: keep it with the database.
            print(f"kept database {args.db}; to use it:")
            print(
                f"  DATABASE_URL={args.server}/{args.db} WJ_VAR_DIR={var_dir} WJ_KEYS_FILE={var_dir}/keys/keyring.json"
            )
        else:
            drop_database(args.server, args.db)
            shutil.rmtree(var_dir, ignore_errors=True)


def run(args: argparse.Namespace, var_dir: Path) -> None:
    setup_django(f"{args.server}/{args.db}", var_dir)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    people = build_people()
    print(f"migrated and created accounts and {TEAMS_KH} KH teams in {time.perf_counter() - started:.1f} s")

    loader = Loader(people)
    runs = []
    load_seconds = []
    for size in (args.small, args.clients):
        print(f"\nloading clients up to {size:,}")
        load_seconds.append(loader.load(size))
        print_sizes()
        print(f"  caseloads: {caseload_sizes(people)}")
        name, sharing = most_common_name()
        print(f"  commonest full name: {sharing} clients share it")
        print(f"measuring {args.requests} requests per page after {args.warmup} warm-up requests")
        runs.append(measure_all(people, args, random.Random(SEED + size)))
    total_load = sum(load_seconds)
    print(f"\nload time: {total_load:.0f} s for {args.clients:,} clients ({args.clients / total_load:,.0f} clients/s)")
    for label, seconds in sorted(loader.timings.items(), key=lambda item: -item[1]):
        print(f"  {label:48} {seconds:7.1f} s")
    ok = print_table([args.small, args.clients], runs)
    if args.explain:
        explain_pages(people)
    print("\nall targets met" if ok else "\nsome targets missed")


if __name__ == "__main__":
    main()
