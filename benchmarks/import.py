"""Import benchmark (issue 10): a generated office workbook imported into PostgreSQL.

    .venv/bin/python benchmarks/import.py [--sizes 25000:250000,100000:1000000] [--csv] [--keep]

For each size (clients:service rows) it writes a workbook (XLSX, or a folder of CSV files with
--csv): partners, clients (names in both scripts, date of birth, phone), one case per client, and
service rows spread over visits, economic services, education and legal services (half of them
with an encrypted note). Then, in a fresh database and a fresh process, it runs the same import as
`wholejourney import` and prints rows per second, the seconds spent checking and recording, and
the peak memory of the importing process (resource.getrusage: the whole process, Python and
openpyxl included) and, apart, of the helper process that parses big sheets. Targets: 100,000 clients and 1,000,000 service rows in under 120 s, peak
under 1 GB, and memory flat as the file grows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import drop_database, recreate_database, setup_django  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
KINDS = ["visits", "economic_services", "education", "legal_services"]
FAMILY = [("សុខ", "Sok"), ("ចាន់", "Chan"), ("កែវ", "Keo"), ("ម៉ៅ", "Mao"), ("លី", "Ly"), ("ហេង", "Heng")]
GIVEN = [("ស្រីពៅ", "Sreypov"), ("ធីតា", "Thida"), ("សុភា", "Sophea"), ("ដារ៉ា", "Dara"), ("វិសាល", "Visal")]


# --- the workbook -------------------------------------------------------------------------------


def generated_rows(clients: int, services: int, seed: int = 10) -> dict[str, Iterator[dict[str, Any]]]:
    """Sheets as generators, so a million rows are never held at once."""
    rng = random.Random(seed)
    opened = {n: datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(2500)) for n in range(clients)}

    def partners() -> Iterator[dict[str, Any]]:
        for n in range(50):
            yield {"partner_ref": f"P{n}", "org_Name": f"Partner {n}", "org_Type": "ngo", "org_ShippingState": "Takeo"}

    def client_rows() -> Iterator[dict[str, Any]]:
        for n in range(clients):
            family, given = FAMILY[n % len(FAMILY)], GIVEN[n % len(GIVEN)]
            yield {
                "client_ref": f"C{n}",
                "prs_FirstName": f"{given[1]}{n % 997}",
                "prs_SecondName": family[1],
                "given_name_km": given[0],
                "family_name_km": family[0],
                "prs_Birthdate": datetime.date(1990, 1, 1) + datetime.timedelta(days=n % 9000),
                "sex": "female" if n % 5 else "male",
                "prs_MobilePhone": f"0{12000000 + n}",
                "registered_on": opened[n],
            }

    def case_rows() -> Iterator[dict[str, Any]]:
        for n in range(clients):
            yield {
                "case_ref": f"K{n}",
                "client_ref": f"C{n}",
                "opened_on": opened[n],
                "primary_abuse_type": "human_trafficking" if n % 3 else "sexual_abuse",
            }

    def service_rows(kind: str) -> Iterator[dict[str, Any]]:
        share = services // len(KINDS) + (1 if KINDS.index(kind) < services % len(KINDS) else 0)
        for n in range(share):
            client = (n * 7919) % clients
            day = opened[client] + datetime.timedelta(days=1 + n % 300)
            note = "Talked about the family and school." if n % 2 else ""
            ref = f"{kind[:2].upper()}{n}"
            if kind == "visits":
                yield {"visit_ref": ref, "case_ref": f"K{client}", "mode": "home", "visited_on": day, "note": note}
            elif kind == "economic_services":
                yield {
                    "service_ref": ref, "case_ref": f"K{client}", "kind": "career_coaching", "provided_on": day,
                    "amount": 40000, "amount_usd": 10, "note": note,
                }  # fmt: skip
            elif kind == "education":
                yield {
                    "support_ref": ref,
                    "case_ref": f"K{client}",
                    "level": "primary",
                    "kind": "fees",
                    "provided_on": day,
                }
            else:
                yield {"service_ref": ref, "case_ref": f"K{client}", "kind": "advice", "provided_on": day, "note": note}

    sheets: dict[str, Iterator[dict[str, Any]]] = {
        "partners": partners(),
        "clients": client_rows(),
        "cases": case_rows(),
    }
    for kind in KINDS:
        sheets[kind] = service_rows(kind)
    return sheets


def generate(path: Path, clients: int, services: int, as_csv: bool) -> None:
    from wholejourney.imports.template import write_csv_folder, write_workbook

    rows = generated_rows(clients, services)
    if as_csv:
        write_csv_folder(path, rows)
    else:
        write_workbook(path, rows)


# --- one import, in its own process -------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    var_dir = Path(args.var_dir)
    setup_django(f"{SERVER}/{args.db}", var_dir)
    from django.core.management import call_command

    from wholejourney.accounts.roles import Role
    from wholejourney.core.models import Office
    from wholejourney.core.tests.factories import make_user
    from wholejourney.imports import tasks, xlsx

    call_command("migrate", verbosity=0)
    office = Office.objects.create(
        code="KH", name="Cambodia", country="KH", time_zone="Asia/Phnom_Penh", languages=["en", "km"]
    )
    admin = make_user(Role.ADMINISTRATOR, global_=True, username="bench.admin")
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter())

    run = tasks.import_path(actor=admin, office=office, path=Path(args.file), on_progress=progress)
    seconds = time.perf_counter() - started
    assert run.status == "succeeded", tasks.problems_shown(run)[:5]  # noqa: S101
    rows = sum(counts["rows"] for counts in run.counts.values())
    result = {
        "rows": rows,
        "seconds": seconds,
        "check_seconds": phases.get("load", started) - started,
        "cpu_seconds": time.process_time(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The helper process that parses big sheets (imports/xlsx.py), as it measured itself.
        "helper_peak_mb": max(xlsx.PEAKS_KB, default=0) / 1024,
        "counts": run.counts,
    }
    print("RESULT " + json.dumps(result))


def measure(clients: int, services: int, as_csv: bool, keep: bool, cache: Path | None) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="wj-bench-import-"))
    database = f"wj_bench_import_{clients}"
    name = f"office-{clients}-{services}" + ("" if as_csv else ".xlsx")
    path = (cache or work) / name
    if path.exists():
        print(f"  the workbook generated before: {path}")
    else:
        started = time.perf_counter()
        setup_for_generation()
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, clients, services, as_csv)
        print(f"  generated {clients:,} clients + {services:,} service rows in {time.perf_counter() - started:.0f} s")
    size = sum(f.stat().st_size for f in path.glob("*.csv")) if as_csv else path.stat().st_size
    recreate_database(SERVER, database)
    try:
        output = subprocess.run(  # noqa: S603 - this script, with our own arguments
            [
                sys.executable,
                __file__,
                "--child",
                "--db",
                database,
                "--file",
                str(path),
                "--var-dir",
                str(work / "var"),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        if not keep:
            drop_database(SERVER, database)
            shutil.rmtree(work, ignore_errors=True)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    result["file_mb"] = size / 2**20
    return result


def setup_for_generation() -> None:
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        var_dir = Path(tempfile.mkdtemp(prefix="wj-bench-gen-"))
        os.environ.setdefault("WJ_VAR_DIR", str(var_dir))
        os.environ.setdefault("WJ_KEYS_FILE", str(var_dir / "keyring.json"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "wholejourney.settings"
        sys.path.insert(0, str(REPO))
        import django

        django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default="25000:250000,100000:1000000",
        help="clients:service rows, comma-separated (a quarter, then all)",
    )
    parser.add_argument("--csv", action="store_true", help="a folder of CSV files instead of an XLSX workbook")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    parser.add_argument("--cache", type=Path, help="keep the generated workbooks in this folder and use them again")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results = []
    for size in args.sizes.split(","):
        clients, services = (int(part) for part in size.split(":"))
        print(f"size {clients:,} clients, {services:,} service rows ({'CSV' if args.csv else 'XLSX'}), PostgreSQL")
        result = measure(clients, services, args.csv, args.keep, args.cache)
        results.append((clients, services, result))
        print(
            f"  {result['rows']:,} rows in {result['seconds']:.1f} s = {result['rows'] / result['seconds']:,.0f} rows/s "
            f"(checking {result['check_seconds']:.1f} s, recording {result['seconds'] - result['check_seconds']:.1f} s); "
            f"peak memory {result['peak_mb']:.0f} MB (helper process {result['helper_peak_mb']:.0f} MB)"
        )
    print("\n| clients | service rows | file MB | rows | seconds | rows/s | peak MB | helper peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for clients, services, result in results:
        print(
            f"| {clients:,} | {services:,} | {result['file_mb']:.0f} | {result['rows']:,} | {result['seconds']:.1f} "
            f"| {result['rows'] / result['seconds']:,.0f} | {result['peak_mb']:.0f} | {result['helper_peak_mb']:.0f} |"
        )
    print(f"\nload average at the end: {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} processors")


if __name__ == "__main__":
    main()
