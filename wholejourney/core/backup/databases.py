"""Each database engine's consistent copy, and its restore into an empty database.

SQLite: the online backup API in one step, which copies the file inside one read transaction, so a
running app never yields a torn copy. PostgreSQL: pg_dump in its custom format, under a snapshot this
module exports from a read-only REPEATABLE READ transaction, so the row counts recorded beside the
dump are of exactly the rows it holds; pg_restore loads it in a single transaction (a failure leaves
the database empty), with triggers, constraints, indexes and sequences as they were.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from wholejourney.core.backup.archive import CHUNK_BYTES, BackupError


@dataclass(frozen=True)
class Snapshot:
    part: str  # the archive part holding the database
    compress: bool
    tables: dict[str, int]  # rows in each table, in the snapshot
    chunks: Callable[[], Iterator[bytes]]


def row_counts(cursor: Any, tables: Iterable[str], quote: Callable[[str], str]) -> dict[str, int]:
    """Rows in each table, read through a DB-API cursor; the names come from the database's own catalogue."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


@contextlib.contextmanager
def sqlite_snapshot(path: Path) -> Iterator[Snapshot]:
    # The copy lies beside the database, never in a shared temporary folder: it is the same data as
    # the database file and needs the same protection. It is removed as soon as it is in the backup.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.backup-", dir=path.parent)
    os.close(fd)
    copy = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(path)) as source, contextlib.closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # pages=-1: the whole file in one step, one read transaction
            target.execute("PRAGMA journal_mode=DELETE")  # the copy is one file, no -wal beside it
            tables = row_counts(target.cursor(), _sqlite_tables(target), _sqlite_quote)
        yield Snapshot("database.sqlite3", True, tables, lambda: _file_chunks(copy))
    finally:
        copy.unlink(missing_ok=True)


def sqlite_load(path: Path, chunks: Iterable[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.restore-", dir=path.parent)
    copy = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        with contextlib.closing(sqlite3.connect(copy)) as source, contextlib.closing(sqlite3.connect(path)) as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    finally:
        copy.unlink(missing_ok=True)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(program)s is not installed: scripts/install-system-packages.sh installs it (postgresql-client).")
            % {"program": name}
        )
    return found


def _postgresql_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The libpq variables of the app's connection (the password too: never on a command line)."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    environment = {**os.environ, **(extra or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    return environment


@contextlib.contextmanager
def _stopped_on_error(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop the program when our side fails (a damaged backup, an interrupt): it must not finish alone."""
    try:
        yield
    except BaseException:
        process.kill()
        process.wait()
        raise


def _failed(program: str, errors: Any) -> BackupError:
    errors.seek(0)
    said = errors.read().decode(errors="replace").strip()
    return BackupError(_("%(program)s failed: %(error)s") % {"program": program, "error": said[-2000:]})


@contextlib.contextmanager
def postgresql_snapshot(connection: BaseDatabaseWrapper) -> Iterator[Snapshot]:
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [name for (name,) in cursor.fetchall()]
            counts = row_counts(cursor, tables, connection.ops.quote_name)
            # The snapshot lives as long as this transaction: pg_dump runs inside the `with`.
            yield Snapshot(
                "database.pgdump", False, counts, lambda: _pg_dump(dict(connection.settings_dict), snapshot_id)
            )
    finally:
        raw.close()


def _pg_dump(settings_dict: dict[str, Any], snapshot_id: str) -> Iterator[bytes]:
    command = [_program("pg_dump"), "--format=custom", f"--snapshot={snapshot_id}", "--no-password"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - a fixed program and options, no shell
            command, stdout=subprocess.PIPE, stderr=errors, env=_postgresql_environment(settings_dict)
        )
        output = cast(IO[bytes], process.stdout)
        with _stopped_on_error(process):
            while chunk := output.read(CHUNK_BYTES):
                yield chunk
        if process.wait() != 0:
            raise _failed("pg_dump", errors)


def postgresql_load(settings_dict: dict[str, Any], chunks: Iterable[bytes]) -> None:
    command = [
        _program("pg_restore"),
        "--format=custom",
        "--single-transaction",  # all or nothing: a failure leaves the database empty
        "--exit-on-error",
        # Owned by the role that restores (the one that runs `migrate`); the app's grants are given
        # again afterwards, as after a migration (docs/security.md, "A database role that owns nothing").
        "--no-owner",
        "--no-privileges",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - a fixed program and options, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=errors,
            stderr=errors,
            env=_postgresql_environment(settings_dict),
        )
        dump = cast(IO[bytes], process.stdin)
        with _stopped_on_error(process), contextlib.suppress(BrokenPipeError):
            # A broken pipe is pg_restore stopping early: its exit status and message say why.
            for chunk in chunks:
                dump.write(chunk)
            dump.close()
        if process.wait() != 0:
            raise _failed("pg_restore", errors)
