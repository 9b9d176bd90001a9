"""Clock benchmark (issue 7): the outcomes dashboard's counts over 100,000 clients, on PostgreSQL.

    .venv/bin/python benchmarks/clock.py [--clients 100000] [--small 1000] [--runs 20] [--keep]

It creates a fresh database (dropped first if it exists, dropped again at the end unless --keep),
migrates it, and loads clients with the loader of benchmarks/caseload.py (each with a data key,
encrypted identity, blind-index tokens, a current case and placement, an audit event; 90% in
Cambodia over 20 teams). For every client it then adds what the outcomes services would have left:
a baseline assessment when the case opened and a later one for most, and the stored clock state
(ClockState), in every state — not started, running, whole, reset this month — with bulk_create.

It measures at `--small` clients, then loads the rest and measures again at `--clients`, so the two
columns come from one database: per user (the KH director: the whole office; the demo case
manager: their team; the M&E officer: the office, counts only), `--runs` timed calls after two
untimed ones of

- counts: `selectors.clock_counts` over the user's clients in care (the dashboard's tiles and the
  M&E page: clock states, resets this month by reason, assessments overdue), including the
  caseload look-ups that build the scope;
- dashboard: `selectors.dashboard` (the counts plus nearest wholeness, resets and overdue lists).

It prints the median and p95 in ms and the number of queries of each at both sizes. Target: the
counts of 100,000 clients in under 2 seconds, with the same number of queries at both sizes.
"""

from __future__ import annotations

import argparse
import datetime
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.caseload import (  # noqa: E402 (the repository's root goes on the path first)
    BATCH,
    Loader,
    People,
    build_people,
)
from benchmarks.common import Timed, drop_database, recreate_database, setup_django  # noqa: E402

TARGET_MS = 2000.0
SEED = 7


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients in the large database")
    parser.add_argument("--small", type=int, default=1_000, help="clients measured first")
    parser.add_argument("--runs", type=int, default=20, help="timed calls per measurement")
    parser.add_argument("--db", default="wj_bench_clock", help="database to create (dropped first)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the counts query (large size)")
    args = parser.parse_args()
    if not 0 < args.small < args.clients:
        parser.error("--small must be positive and smaller than --clients")
    return args


# --- outcomes of the loaded clients ------------------------------------------------------------


def load_outcomes(rng: random.Random) -> dict[str, int]:
    """Assessments and a clock state for every client that has no clock state yet.

    Per client: 20% never stable (not started), 4% reset this month by a crisis or an unstable
    assessment, 30% running (started within the last 6 months), the rest whole. Assessments: a
    baseline when the current case opened and, for 85%, a later one (some over 90 days ago, so
    overdue)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wholejourney.cases.models import Case, CaseStatus
    from wholejourney.clients.models import Client
    from wholejourney.outcomes.clock import DOMAINS, add_months
    from wholejourney.outcomes.models import Assessment, ClockState
    from wholejourney.outcomes.services import current_instrument

    today = timezone.localdate()
    month_start = today.replace(day=1)
    instrument = current_instrument()
    tally: dict[str, int] = {"not_started": 0, "reset": 0, "running": 0, "whole": 0, "assessments": 0}
    while True:
        with transaction.atomic():
            clients = list(
                Client.objects.filter(clock__isnull=True)
                .select_related("data_key", "case_manager")
                .order_by("pk")[:BATCH]
            )
            if not clients:
                break
            current = {
                row["client_id"]: row
                for row in Case.objects.filter(client__in=clients)
                .exclude(status=CaseStatus.CLOSED)
                .values("client_id", "pk", "opened_on")
            }
            states, assessments = [], []
            for client in clients:
                case = current[client.pk]
                opened = case["opened_on"]
                days_open = max((today - opened).days, 1)
                draw = rng.random()
                state: dict[str, Any] = {}
                if draw < 0.20:
                    kind, stable = "not_started", False
                elif draw < 0.24:
                    kind, stable = "reset", False
                    reason = rng.choice([f"crisis:{d}" for d in DOMAINS] + [f"assessment:{d}" for d in DOMAINS])
                    state = {"last_reset_on": month_start + datetime.timedelta(days=rng.randrange(today.day)),
                             "last_reset_reason": reason}  # fmt: skip
                elif draw < 0.54:
                    kind, stable = "running", True
                    start = today - datetime.timedelta(days=rng.randrange(min(days_open, 180)))
                    state = {"run_started_on": start, "whole_on": add_months(start, 6)}
                    if add_months(start, 6) <= today:  # a case opened recently: still running
                        state["whole_on"] = today + datetime.timedelta(days=1)
                else:
                    kind, stable = "whole", True
                    start = today - datetime.timedelta(days=rng.randint(200, 900))
                    state = {"run_started_on": start, "whole_on": add_months(start, 6), "last_whole_on": add_months(start, 6)}  # fmt: skip
                tally[kind] += 1
                common = {"client": client, "case_id": case["pk"], "recorded_by": client.case_manager,
                          "instrument": instrument}  # fmt: skip
                low = {f"{d}_score": Decimal("2.00") for d in DOMAINS}
                level = {f"{d}_score": Decimal("3.00" if stable else "2.33") for d in DOMAINS}
                assessments.append(Assessment(kind="baseline", assessed_on=opened, **common, **low))
                last = opened
                if rng.random() < 0.85 and days_open > 1:
                    last = opened + datetime.timedelta(days=rng.randrange(1, days_open))
                    assessments.append(Assessment(kind="reassessment", assessed_on=last, **common, **level))
                states.append(ClockState(client=client, required_months=6, last_assessed_on=last, **state))
            ClockState.objects.bulk_create(states, batch_size=BATCH)
            Assessment.objects.bulk_create(assessments, batch_size=BATCH)
            tally["assessments"] += len(assessments)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return tally


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result(Timed):
    what: str
    user: str
    times_ms: list[float]
    queries: int
    answer: str


def measure(people: People, me_officer: Any, runs: int) -> list[Result]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.outcomes import selectors

    cases: list[tuple[str, Any, Any]] = [
        ("counts", people.director, lambda u: selectors.clock_counts(selectors.caseload_in_care(u))),
        ("counts", people.case_manager, lambda u: selectors.clock_counts(selectors.caseload_in_care(u))),
        ("counts (M&E)", me_officer, lambda u: selectors.clock_counts(selectors.office_in_care(u))),
        ("dashboard", people.director, lambda u: selectors.dashboard(selectors.caseload_in_care(u))),
        ("dashboard", people.case_manager, lambda u: selectors.dashboard(selectors.caseload_in_care(u))),
    ]
    results = []
    for what, user, call in cases:
        for _ in range(2):
            call(user)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = call(user)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            call(user)
        counts = answer if what != "dashboard" else answer.counts
        summary = (
            f"in care {counts.in_care:,}: not started {counts.not_started:,}, running {counts.running:,}, "
            f"whole {counts.whole:,}, reset this month {counts.reset_this_month:,}, overdue {counts.overdue:,}"
        )
        results.append(Result(what, user.username, times, len(captured.captured_queries), summary))
    return results


def explain(people: People) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.outcomes import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors.clock_counts(selectors.caseload_in_care(people.director))
    for query in captured.captured_queries:
        print(f"\n-- {query['sql'][:300]}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def print_table(sizes: list[int], runs: list[list[Result]]) -> bool:
    small, large = runs
    print()
    heads = [f"{n:,} clients" for n in sizes]
    print(f"{'':24}{heads[0]:^26}|{heads[1]:^26}|")
    print(f"{'what':13}{'user':11}" + f"{'median':>9}{'p95':>9}{'queries':>8}|" * 2 + "  verdict")
    print("-" * 96)
    ok = True
    for a, b in zip(small, large, strict=True):
        same = a.queries == b.queries
        fast = b.p95 < TARGET_MS or not b.what.startswith("counts")
        ok &= same and fast
        verdict = ("ok" if fast else "SLOW") + ("" if same else ", QUERIES GROW")
        print(
            f"{a.what:13}{a.user:11}{a.median:9.1f}{a.p95:9.1f}{a.queries:8}|"
            f"{b.median:9.1f}{b.p95:9.1f}{b.queries:8}|  {verdict}"
        )
    print(f"times in ms over {len(large[0].times_ms)} calls; target for the counts: p95 < {TARGET_MS:.0f} ms")
    print("\nwhat the counts found (large size):")
    for result in large[:3]:
        print(f"  {result.user:11} {result.answer}")
    return ok


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="wj-bench-clock-"))
    print(f"database {args.db} on {args.server}; keyring and var/ in {var_dir}")
    recreate_database(args.server, args.db)
    try:
        ok = run(args, var_dir)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {args.db}: DATABASE_URL={args.server}/{args.db} WJ_VAR_DIR={var_dir}")
        else:
            drop_database(args.server, args.db)
            shutil.rmtree(var_dir, ignore_errors=True)
            print(f"dropped database {args.db}")
    raise SystemExit(0 if ok else 1)


def run(args: argparse.Namespace, var_dir: Path) -> bool:
    setup_django(f"{args.server}/{args.db}", var_dir)
    from django.core.management import call_command

    from wholejourney.accounts.models import User

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    people = build_people()
    me_officer = User.objects.get(username="me")
    print(f"migrated and created the accounts in {time.perf_counter() - started:.1f} s")
    loader = Loader(people)
    rng = random.Random(SEED)
    runs = []
    for size in (args.small, args.clients):
        print(f"\nloading clients up to {size:,}")
        loader.load(size)
        started = time.perf_counter()
        tally = load_outcomes(rng)
        print(f"  outcomes loaded in {time.perf_counter() - started:.1f} s: {tally}")
        print(f"measuring {args.runs} calls each")
        runs.append(measure(people, me_officer, args.runs))
    ok = print_table([args.small, args.clients], runs)
    if args.explain:
        explain(people)
    print("\nall targets met" if ok else "\nsome targets missed")
    return ok


if __name__ == "__main__":
    main()
