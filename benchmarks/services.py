"""Care benchmark (issue 6): the client timeline and recording a counseling session, at national scale.

    .venv/bin/python benchmarks/services.py                   # on wj_bench_national (built first if missing)
    .venv/bin/python benchmarks/services.py --requests 50     # a quicker look
    .venv/bin/python benchmarks/services.py --scale 0.1       # on the tenth-size database

It runs on the database `national.py` builds (100,000 clients, 5 million care records), and
measures through Django's test client, signed in past the second factor as in a real session, so
the figures are server time (middleware, view, queries, decryption, template) without a network:

- the client timeline (`/clients/<id>/timeline/`) of clients of the demo team with a short history
  (at most one page, 25 records) and with a very long one (2,000 to 10,000 records), its first page
  and its oldest (the deepest page, reached by following "Older" to the end), as the demo counselor (who sees counseling
  and education) and as the demo case manager (who sees every area);
- recording a counseling session: the form's POST (`/care/sessions/new/`, one attendee, a note),
  which validates, calls `counseling_session_record` and redirects; the sessions it makes are
  deleted at the end (their audit rows stay: the trail is append-only).

Each `--requests` times after `--warmup` untimed requests, going round the sampled clients; the
queries of each are counted in a separate pass (`CaptureQueriesContext`). Targets (issue 6): p95
under 100 ms, and the timeline's query count the same for short and long histories.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import national  # noqa: E402 (after the path is set)
from benchmarks.common import Timed  # noqa: E402

TARGET_MS = 100.0
COUNTED = 10
SEED = 6
SHORT_MAX = 25  # records: one page of the timeline


@dataclass
class Result(Timed):
    action: str
    user: str
    history: str
    times_ms: list[float]
    queries: list[int]
    # Per counted request, the queries that do not load records: all of them but the one per kind
    # of record on the page (see care.selectors.client_timeline). None for other actions.
    fixed: list[int] | None = None

    @property
    def query_label(self) -> str:
        return _span(self.queries)

    @property
    def fixed_label(self) -> str:
        return _span(self.fixed) if self.fixed else ""


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def kinds_on_page(user: Any, url: str) -> int:
    """How many kinds of record the timeline page at `url` shows (one query loads each kind)."""
    from urllib.parse import parse_qs, urlsplit

    from wholejourney.care.selectors import client_timeline
    from wholejourney.clients.selectors import client_get_for

    parts = urlsplit(url)
    client = client_get_for(user=user, pk=int(parts.path.strip("/").split("/")[1]))
    older = parse_qs(parts.query).get("older", [None])[0]
    return len({entry.kind for entry in client_timeline(user=user, client=client, older=older).entries})


def sample_clients(rng: random.Random, team_id: int, count: int) -> dict[str, list[tuple[int, int, bool]]]:
    """(client id, records, case open) of the demo team's clients: short histories and the long ones."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id, n_records, closed_on IS NULL FROM bench.client WHERE team_id = %s "
            "AND n_records BETWEEN 5 AND %s ORDER BY client_id",
            [team_id, SHORT_MAX],
        )
        short = cursor.fetchall()
        cursor.execute(
            "SELECT client_id, n_records, closed_on IS NULL FROM bench.client WHERE long ORDER BY n_records DESC"
        )
        long = cursor.fetchall()
    return {"short": rng.sample(short, min(count, len(short))), "long": long}


def timed(browser: Any, requests: list[tuple[str, str, dict[str, Any] | None]], warmup: int, count: int) -> list[float]:
    for number in range(warmup):
        _send(browser, *requests[number % len(requests)])
    times = []
    for number in range(count):
        request = requests[(warmup + number) % len(requests)]
        started = time.perf_counter()
        _send(browser, *request)
        times.append((time.perf_counter() - started) * 1000)
    return times


def counted(browser: Any, requests: list[tuple[str, str, dict[str, Any] | None]]) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Every 30 s a request also saves the session's "last seen" time: the request just before
    # refreshes it, so the counted requests are the page's own queries.
    _send(browser, *requests[0])
    counts = []
    for request in requests[:COUNTED]:
        with CaptureQueriesContext(connection) as captured:
            _send(browser, *request)
        counts.append(len(captured.captured_queries))
    return counts


SESSION_URL = re.compile(r"/care/sessions/(\d+)/$")
made_sessions: list[int] = []


def _send(browser: Any, method: str, url: str, data: dict[str, Any] | None) -> Any:
    if method == "GET":
        response = browser.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response
    response = browser.post(url, data)
    found = SESSION_URL.search(response.get("Location", "")) if response.status_code == 302 else None
    if found is None:
        raise SystemExit(f"POST {url} answered {response.status_code}: the session was not recorded")
    made_sessions.append(int(found.group(1)))
    return response


def timeline_url(user: Any, client_id: int, *, oldest: bool = False) -> str:
    """The timeline's first page, or its oldest (as reached by following "Older" to the end)."""
    import datetime

    from wholejourney.care.permissions import areas_of
    from wholejourney.care.selectors import TIMELINE_KINDS, TIMELINE_PAGE_SIZE, TimelinePosition, timeline_rows
    from wholejourney.clients.selectors import client_get_for

    url = f"/clients/{client_id}/timeline/"
    if not oldest:
        return url
    kinds = [kind for kind in TIMELINE_KINDS if kind.area in areas_of(user)]
    start = TimelinePosition(datetime.date(1900, 1, 1), "", 0)
    client = client_get_for(user=user, pk=client_id)
    rows = timeline_rows(kinds, client, limit=TIMELINE_PAGE_SIZE + 1, newer_than=start)  # the oldest, oldest first
    row = rows[-1]
    return f"{url}?older={TimelinePosition(row['t_day'], row['t_kind'], row['t_id']).token()}"


def session_post(client_id: int, today: str) -> tuple[str, str, dict[str, Any]]:
    return (
        "POST",
        "/care/sessions/new/",
        {
            "held_on": today,
            "format": "individual",
            "modality": "tf_cbt",
            "duration_minutes": "60",
            "attendees": [str(client_id)],
            f"note_{client_id}": "Practised grounding; she slept better this week.",
        },
    )


def measure_all(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    from django.conf import settings
    from django.utils import timezone

    from benchmarks.caseload import signed_in_client
    from wholejourney.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(SEED)
    counselor = User.objects.get(username="counselor")
    case_manager = User.objects.get(username="casemanager")
    samples = sample_clients(rng, counselor.team_id, args.clients)
    results = []
    for user in (counselor, case_manager):
        browser = signed_in_client(user)
        for history, oldest in (("short", False), ("long", False), ("long", True)):
            clients = samples[history]
            urls = [("GET", timeline_url(user, pk, oldest=oldest), None) for pk, _records, _open in clients]
            label = "timeline, oldest page" if oldest else "timeline, first page"
            times = timed(browser, urls, args.warmup, args.requests)
            queries = counted(browser, urls)
            fixed = [n - kinds_on_page(user, url) for n, (_get, url, _data) in zip(queries, urls, strict=False)]
            results.append(Result(label, user.username, history, times, queries, fixed))
    # Recording a session: the counselor, for clients whose case is open today.
    browser = signed_in_client(counselor)
    today = timezone.localdate().strftime("%d/%m/%Y")
    for history in ("short", "long"):
        posts = [session_post(pk, today) for pk, _records, is_open in samples[history] if is_open]
        times = timed(browser, posts, args.warmup, args.requests)
        results.append(
            Result("record a counseling session", counselor.username, history, times, counted(browser, posts))
        )
    return results, samples


def delete_made_sessions() -> None:
    from wholejourney.care.models import CounselingSession

    deleted, _by_model = CounselingSession.objects.filter(pk__in=made_sessions).delete()
    print(f"deleted the {len(made_sessions):,} sessions the benchmark recorded ({deleted:,} rows with attendance)")


def print_table(results: list[Result], samples: dict[str, Any]) -> bool:
    short = [records for _pk, records, _open in samples["short"]]
    long = [records for _pk, records, _open in samples["long"]]
    print()
    print(f"histories: short = {len(short)} clients of {min(short)}-{max(short)} records; "
          f"long = {len(long)} clients of {min(long):,}-{max(long):,} records")  # fmt: skip
    print(f"{'action':30}{'user':13}{'history':9}{'median':>9}{'p95':>9}{'queries':>9}{'fixed':>7}  verdict")
    print("-" * 99)
    ok = True
    for result in results:
        fast = result.p95 < TARGET_MS
        verdict = "ok" if fast else "SLOW"
        if result.fixed is not None:
            # The same queries for short and long histories, on any page, but for one per kind shown.
            same = {n for r in results if r.user == result.user and r.fixed for n in r.fixed}
            if len(same) != 1:
                verdict += ", QUERIES GROW"
                fast = False
        ok &= fast
        print(
            f"{result.action:30}{result.user:13}{result.history:9}"
            f"{result.median:9.1f}{result.p95:9.1f}{result.query_label:>9}{result.fixed_label:>7}  {verdict}"
        )
    print(f"times in ms, server side (Django test client); target p95 < {TARGET_MS:.0f} ms; queries per request;")
    print("fixed: the queries of a timeline page but for the one per kind of record it shows (13 kinds at most)")
    return ok


def explain(samples: dict[str, Any]) -> None:
    """EXPLAIN ANALYZE every SELECT of the longest history's timeline (first and last page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.caseload import signed_in_client
    from wholejourney.accounts.models import User

    browser = signed_in_client(User.objects.get(username="casemanager"))
    pk = samples["long"][0][0]
    user = User.objects.get(username="casemanager")
    for url in (timeline_url(user, pk), timeline_url(user, pk, oldest=True)):
        with CaptureQueriesContext(connection) as captured:
            _send(browser, "GET", url, None)
        print(f"\n===== GET {url}: {len(captured.captured_queries)} queries")
        for query in captured.captured_queries:
            text = query["sql"]
            if not text.lstrip().upper().startswith("SELECT"):
                print(f"-- {float(query['time']) * 1000:.1f} ms  {text[:160]}")
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
                plan = "\n   ".join(row[0] for row in cursor.fetchall())
            print(f"-- {text[:400]}\n   {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="size of the national database (default 1)")
    parser.add_argument("--db", help="database name (default: national.py's for the scale)")
    parser.add_argument("--server", default=national.DEFAULT_SERVER)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the national database first")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per row first")
    parser.add_argument("--clients", type=int, default=100, help="short-history clients sampled")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the long timeline's queries")
    args = parser.parse_args()
    built = national.prepare(scale=args.scale, database=args.db, server=args.server, rebuild=args.rebuild)
    print(f"database {built.database}: {built.scale.clients:,} clients, {built.scale.services:,} records; "
          f"{args.requests} requests per row after {args.warmup} warm-up")  # fmt: skip
    try:
        results, samples = measure_all(args)
        if args.explain:
            explain(samples)
    finally:
        delete_made_sessions()
    ok = print_table(results, samples)
    print("\nall targets met" if ok else "\nsome targets missed")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
