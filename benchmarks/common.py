"""What the benchmarks share: a PostgreSQL database of their own, Django pointed at it with a
keyring of the benchmark's own, and the median and p95 of timed runs."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent


def admin_connection(server: str) -> psycopg.Connection[Any]:
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def drop_database(server: str, name: str) -> None:
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate_database(server: str, name: str) -> None:
    drop_database(server, name)
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str, var_dir: Path) -> None:
    """Point the settings at the database and at the keyring kept in `var_dir`, then set Django up."""
    os.environ["DATABASE_URL"] = url
    os.environ["WJ_VAR_DIR"] = str(var_dir)
    os.environ["WJ_KEYS_FILE"] = str(var_dir / "keys" / "keyring.json")
    os.environ.pop("WJ_KEYS", None)
    os.environ["WJ_ENV"] = "development"
    os.environ["WJ_DEBUG"] = "0"
    os.environ.setdefault("WJ_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "wholejourney.settings"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


class Timed:
    """The median and p95 of a result's `times_ms`."""

    times_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
