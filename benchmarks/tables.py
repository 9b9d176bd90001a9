"""Table-builder benchmark (issue 23): two-dimension tables over a year at national scale.

    .venv/bin/python benchmarks/tables.py                          # 1/10 scale, database wj_h23_national_10pct
    .venv/bin/python benchmarks/tables.py --scale 1 --database wj_bench_national   # full scale, if built
    .venv/bin/python benchmarks/tables.py --runs 9

It runs on a database `national.py` builds (at scale 1: 100,000 clients, 5 million care records),
built first if it is not there. For each table below, over 2023, for Cambodia and for all offices,
it times `tables.engine.build` (the one GROUP BY query and turning its rows into the table) `--runs`
times after a warm-up, counts its queries (`CaptureQueriesContext`), and checks that the table
adds up to the registry's figure where the measure is one. It prints the median, the p95, the
queries and the load average (the machine is shared: a busy machine is slower).

Target (issue 23): a two-dimension table over a year under 2 s, with a constant number of queries (1).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import national  # noqa: E402 (after the path is set)
from benchmarks.common import Timed  # noqa: E402

TARGET_MS = 2000.0
TABLES = [
    ("clients_supported", ["sex", "age_band"]),
    ("clients_supported", ["abuse_type", "office"]),
    ("new_cases", ["referral_source", "month"]),
    ("counseling_sessions", ["office", "quarter"]),
    ("legal_services", ["service_kind", "month"]),
    ("counseling_clients", ["sex", "age_band"]),
    ("prevention_participants", ["participant_group", "province"]),
]


@dataclass
class Result(Timed):
    table: str
    offices: str
    times_ms: list[float]
    queries: int
    total: int
    figure: int | None


def run(runs: int) -> list[Result]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.core.models import Office
    from wholejourney.reporting.registry import Period, get_metric
    from wholejourney.tables import engine
    from wholejourney.tables.measures import MEASURES, Scope

    year = Period.year(2023)
    kh = Office.objects.get(code="KH")
    results = []
    for offices, scope in (("KH", Scope(year, (kh,))), ("all", Scope(year, None))):
        for measure_id, dimensions in TABLES:
            measure = MEASURES[measure_id]
            built = engine.build(measure, dimensions, scope)  # warm-up
            times = []
            for _run in range(runs):
                started = time.perf_counter()
                engine.build(measure, dimensions, scope)
                times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                engine.build(measure, dimensions, scope)
            figure = None
            if measure.metric_id:
                value = get_metric(measure.metric_id).compute(year, scope.offices[0] if scope.offices else None).value
                figure = value if isinstance(value, int) else None
            results.append(
                Result(f"{measure_id}: {' x '.join(dimensions)}", offices, times, len(captured), built.total, figure)
            )
            print(f"  {results[-1].table} ({offices}): {results[-1].median:.0f} ms", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--database", help="the national database to use (default: wj_h23_national or _10pct)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    name = args.database or ("wj_h23_national" if args.scale == 1 else f"wj_h23_national_{round(args.scale * 100)}pct")
    found = national.prepare(scale=args.scale, database=name)
    from wholejourney.care.models import CounselingSession
    from wholejourney.clients.models import Client

    print(
        f"database {found.database}: {Client.objects.count():,} clients, {CounselingSession.objects.count():,} sessions"
    )
    results = run(args.runs)
    load = os.getloadavg()
    print()
    print(
        f"{'table, 2023':58} {'offices':>7} {'median ms':>10} {'p95 ms':>8} {'queries':>7} {'total':>8} {'figure':>8}"
    )
    for result in results:
        figure = "" if result.figure is None else f"{result.figure:,}"
        print(
            f"{result.table:58} {result.offices:>7} {result.median:>10.0f} {result.p95:>8.0f} {result.queries:>7} "
            f"{result.total:>8,} {figure:>8}"
        )
    slowest = max(result.median for result in results)
    constant = {result.queries for result in results} == {1}
    agree = all(result.figure is None or result.figure == result.total for result in results)
    print()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores)")
    print(
        f"slowest median {slowest:.0f} ms: target under {TARGET_MS:.0f} ms {'met' if slowest < TARGET_MS else 'NOT met'}"
    )
    print(f"queries per table: {'1 for every table (constant)' if constant else 'NOT constant'}")
    print(f"tables add up to the report's figures: {'yes' if agree else 'NO'}")


if __name__ == "__main__":
    main()
