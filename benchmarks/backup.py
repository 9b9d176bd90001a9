"""Backup benchmark (issue 17, item 7): `wholejourney backup` of a large database, and its restore.

    .venv/bin/python benchmarks/caseload.py --clients 100000 --keep      # once: builds and keeps it
    .venv/bin/python benchmarks/backup.py --db wj_bench_caseload --var /tmp/wj-bench-caseload-…

Times the backup (pg_dump under an exported snapshot, encrypted in 1 MiB blocks) and prints the
database's size, the backup's size and its throughput; then, unless `--no-restore`, restores it into a
new database (`<db>_restored`, dropped at the end) with an empty files folder and an audit checkpoint
folder of its own, as a restore onto a new server would, and times that: the authentication pass,
pg_restore, the row counts compared table by table, and the audit trail verified.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import admin_connection, drop_database, recreate_database, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a database caseload.py --keep (or national.py) left")
    parser.add_argument("--var", required=True, type=Path, help="its var folder (with keys/keyring.json)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--no-restore", action="store_true", help="time the backup only")
    parser.add_argument("--folder", type=Path, help="where to write the backup (default: a temporary folder)")
    return parser.parse_args()


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def database_bytes(server: str, name: str) -> int:
    with admin_connection(server) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    args = parse_args()
    setup_django(f"{args.server}/{args.db}", args.var)
    from django.conf import settings
    from django.db import connections

    from wholejourney.core.backup.operations import backup_create, backup_restore

    folder = Path(tempfile.mkdtemp(prefix="wj-bench-backup-", dir=args.folder))
    backup = folder / f"{args.db}.backup"
    print(f"{args.db}: {database_bytes(args.server, args.db) / 1e6:,.0f} MB in PostgreSQL; load average {load()}")
    started = time.perf_counter()
    summary = backup_create(output=backup, say=print)
    seconds = time.perf_counter() - started
    print(
        f"backup: {seconds:.1f} s, {summary.size / 1e6:,.0f} MB ({summary.size / 1e6 / seconds:.0f} MB/s), "
        f"{summary.tables} tables, {summary.rows:,} rows, {summary.files} files; load average {load()}"
    )
    if not args.no_restore:
        restored = f"{args.db}_restored"
        recreate_database(args.server, restored)
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = restored
        settings.STORAGES["default"]["OPTIONS"]["location"] = folder / "files"
        settings.WJ_AUDIT_CHECKPOINT_DIR = folder / "audit-checkpoints"
        try:
            started = time.perf_counter()
            result = backup_restore(
                path=backup, say=lambda line: print(f"  {time.perf_counter() - started:6.1f} s  {line}")
            )
            seconds = time.perf_counter() - started
            for note in result.notes:
                print(f"  {note}")
            print(
                f"restore: {seconds:.1f} s, {result.tables} tables, {result.rows:,} rows; "
                f"restored database {database_bytes(args.server, restored) / 1e6:,.0f} MB; load average {load()}"
            )
        finally:
            connections.close_all()
            drop_database(args.server, restored)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
