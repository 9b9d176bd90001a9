"""Report benchmark (issue 9): the whole report of an office and a year, at demo size.

    .venv/bin/python benchmarks/report.py                      # SQLite, a fresh demo (about a minute to build)
    .venv/bin/python benchmarks/report.py --var /tmp/wj-bench  # reuse a demo built there before
    .venv/bin/python benchmarks/report.py --database-url postgres://postgres@127.0.0.1:5432/wj_bench_report

It builds the demo organisation (`wholejourney demo --reset`) in a var/ and keyring of its own (or
in the PostgreSQL database named by --database-url, created if missing), then measures, for
Cambodia 2023, `--runs` times after one warm-up run:

- the 59 published figures plus our own, as `report_figures` computes them (the JSON command);
- the whole report as the page shows it: every figure for 2023 and 2022, the charts, disclosure
  control for the external edition;
- the report page through Django's test client (signed in as the demo director), and its queries;
- each file format (JSON, XLSX, HTML, PDF).

Target (issue 9): the demo-size report under 1 second on SQLite. The national-scale measurement
(100,000 clients, 5 million service records, 200,000 participants on PostgreSQL, against
hand-written SQL aggregates as the floor) is not written yet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0


def _prepare(var_dir: Path, database_url: str | None, rebuild: bool) -> None:
    os.environ["WJ_VAR_DIR"] = str(var_dir)
    os.environ["WJ_KEYS_FILE"] = str(var_dir / "keys" / "keyring.json")
    os.environ.pop("WJ_KEYS", None)
    os.environ["WJ_ENV"] = "development"
    os.environ["WJ_DEBUG"] = "0"
    os.environ["WJ_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wholejourney.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        _create_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    marker = var_dir / ".report-bench-demo"
    if rebuild or not marker.exists():
        wholejourney = str(REPO / ".venv" / "bin" / "wholejourney")
        subprocess.run([wholejourney, "migrate", "-v0"], check=True)  # noqa: S603 (our own command)
        started = time.perf_counter()
        subprocess.run([wholejourney, "demo", "--reset"], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        print(f"demo built in {time.perf_counter() - started:.0f} s")
        marker.write_text(database_url or "sqlite")


def _create_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _time(label: str, action: Callable[[], Any], runs: int) -> float:
    action()  # warm-up: imports, caches, the SQLite page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label:<48} median {median * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, help="var/ directory to build the demo in (default: a new temporary one)")
    parser.add_argument("--database-url", help="PostgreSQL database (created if missing); default: SQLite in --var")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo even if --var holds one")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    var_dir = args.var or Path(tempfile.mkdtemp(prefix="wj-report-bench-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    _prepare(var_dir, args.database_url, args.rebuild)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from wholejourney.accounts.models import User
    from wholejourney.core.models import Office
    from wholejourney.reporting.assembly import build_report
    from wholejourney.reporting.registry import Period, all_metrics
    from wholejourney.reporting.services import render_report, report_figures

    settings.WJ_REQUIRE_MFA = False  # the benchmark signs in with force_login
    settings.ALLOWED_HOSTS = ["testserver"]
    kh = Office.objects.get(code="KH")
    period = Period.year(2023)
    print(f"database: {connection.vendor}; metrics registered: {len(all_metrics())}; runs: {args.runs}")

    figures = _time(
        "59+ figures (report_figures, the JSON command)", lambda: report_figures(period=period, office=kh), args.runs
    )
    _time("report: 2023 and 2022, charts (internal)", lambda: build_report(period=period, office=kh), args.runs)
    _time(
        "report: same, external edition (disclosure)",
        lambda: build_report(period=period, office=kh, edition="external"),
        args.runs,
    )
    browser = Client()
    browser.force_login(User.objects.get(username="director"))
    page = _time(
        "report page /reports/?office=KH&year=2023", lambda: browser.get("/reports/?office=KH&year=2023"), args.runs
    )
    with CaptureQueriesContext(connection) as queries:
        browser.get("/reports/?office=KH&year=2023")
    with CaptureQueriesContext(connection) as figure_queries:
        report_figures(period=period, office=kh)
    with translation.override("en"):
        for fmt in ("json", "xlsx", "html", "pdf"):
            _time(
                f"file: {fmt}",
                lambda fmt=fmt: render_report(period=period, office=kh, edition="internal", format=fmt),  # type: ignore[misc]
                max(1, args.runs // 2),
            )
    print(
        f"queries: report_figures {len(figure_queries.captured_queries)}, report page {len(queries.captured_queries)}"
    )
    verdict = "OK" if figures < TARGET_SECONDS and page < TARGET_SECONDS else "SLOW"
    print(f"target: the demo-size report under {TARGET_SECONDS:.0f} s on {connection.vendor}: {verdict}")
    if verdict != "OK":
        sys.exit(1)


if __name__ == "__main__":
    main()
