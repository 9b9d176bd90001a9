"""Settings every test shares: fast password hashing, a clean language, skips only for the other
database engine; the run's keyring and the demo organisation come from core/tests/demo_database.py."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from wholejourney.core.tests.engines import ENGINE_SKIP_MARK

pytest_plugins = ["wholejourney.core.tests.demo_database"]

# PostgreSQL: the test databases are thrown away, so a commit need not wait for its WAL to reach
# the disk (libpq reads PGOPTIONS at each connection: the workers', the live servers', and the demo
# build's process). The tests of a transaction's outcome are unaffected: only durability after a
# crash of the server is given up.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """A request in Khmer leaves Khmer active in this thread; the next test starts in English."""
    yield
    translation.activate("en")


# Argon2 is the production hasher (asserted in accounts tests); tests hash hundreds of passwords.
TEST_SETTINGS: dict[str, Any] = {
    # Argon2 second: it checks the demo accounts' passwords, set by `wholejourney demo` in a process of its own.
    "PASSWORD_HASHERS": [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ],
    "WJ_REQUIRE_MFA": False,
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    # Each test's client builds the middleware afresh, and WhiteNoise would list and stat every
    # static file of every app each time (a sixth of a page test's time): look a file up when asked.
    "WHITENOISE_AUTOREFRESH": True,
}


@pytest.fixture(autouse=True)
def _fast_tests(settings: Any) -> None:
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test's audit checkpoints in a folder of their own (created only when one is written): a
    checkpoint left by another test's database would make its trail look cut short."""
    settings.WJ_AUDIT_CHECKPOINT_DIR = (
        tmp_path_factory.getbasetemp() / "audit-checkpoints" / str(next(_checkpoint_dirs))
    )


_checkpoint_dirs = itertools.count()


# Left alone by a PostgreSQL flush: the content types and permissions every migration made, which
# post_migrate would otherwise insert again after each flush.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture(autouse=True, scope="session")
def _postgresql_flush_of_written_tables_only() -> Iterator[None]:
    """After a transactional test (a live server, a second connection) Django empties the database
    with one TRUNCATE of every table: about a second on PostgreSQL, as each of the hundred tables and
    its indexes gets new files. A test writes to a handful, so the flush asks which tables hold a row
    (one statement) and deletes the rows of those only. Every foreign key Django makes on PostgreSQL
    is checked at commit (DEFERRABLE INITIALLY DEFERRED), so the order of the deletes does not
    matter. The audit table refuses DELETE and TRUNCATE (audit migrations 0002 and 0005): the test
    run's flush, alone, passes the guard."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite only
        yield
        return
    original = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if not tables:
            return []
        if reset_sequences:  # `wholejourney flush`, as a test may call it: the whole TRUNCATE
            guard = "ALTER TABLE audit_auditevent {} TRIGGER audit_event_no_truncate;"
            truncate = original(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
            return [guard.format("DISABLE"), *truncate, guard.format("ENABLE")]
        # Table names from Django's own introspection, quoted: nothing here comes from a user.
        quote = self.quote_name
        probe = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables)  # noqa: S608
        with self.connection.cursor() as cursor:
            cursor.execute(probe, list(tables))
            written = [row[0] for row in cursor.fetchall() if row[0] not in KEPT_BY_FLUSH]
        if not written:
            return []  # nothing to empty (and no post_migrate to emit)
        deletes = [f"DELETE FROM {quote(table)};" for table in written]  # noqa: S608
        statements = ["SET CONSTRAINTS ALL DEFERRED;", *deletes]
        if "audit_auditevent" in written:
            guard = "ALTER TABLE audit_auditevent {} TRIGGER audit_event_no_update_delete;"
            statements = [guard.format("DISABLE"), *statements, guard.format("ENABLE")]
        return statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On SQLite, test in a database file, as the app runs, not in Django's shared in-memory database.

    With an in-memory database the browser tests' live server shares the test thread's one
    connection among all its request threads: two requests at once (a page and its favicon, an htmx
    poll) then interleave their transactions on that connection, and once in CI a form post stalled
    for the full lock timeout. A file gives every request its own connection, WAL and
    `BEGIN IMMEDIATE` queueing, exactly as in production.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


# --- what runs on PostgreSQL -------------------------------------------------------------------------
# `make test` on SQLite, the embedded default, runs every test. On PostgreSQL the run keeps what the
# engine can change: every test that uses a database, and the tests marked every_engine. Left to the
# SQLite run: the tests without database access (pytest-django refuses them any query, so their
# outcome cannot depend on the engine; 68 worker-seconds) and the browser journeys, which prove pages,
# clicks, scripts, Khmer and the phone layout over the same views the view tests run on PostgreSQL
# (230 worker-seconds). The journeys whose server side takes a path of its own on PostgreSQL (threaded
# imports, the report's assembly, two people saving at once, one offline entry synced twice) and the
# deploy checks (one asks PostgreSQL who owns the audit table) are marked every_engine.

_ENGINE_CANNOT_CHANGE = (
    f"{ENGINE_SKIP_MARK} it uses no database, or is a browser journey over views tested on both engines: "
    "it runs on SQLite, the embedded default (see the root conftest)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    from wholejourney.core.tests.demo_database import uses_a_database

    if connection.vendor == "sqlite":
        return
    for item in items:
        if item.get_closest_marker("every_engine"):
            continue
        if item.get_closest_marker("browser") or not uses_a_database(item):
            item.add_marker(pytest.mark.skip(reason=_ENGINE_CANNOT_CHANGE))


# --- skips: only for the other database engine -----------------------------------------------------
# A skip for any other reason (a missing file, a missing program) fails the run under WJ_STRICT_SKIPS,
# which .ci/run sets: a test that should run never passes unseen.

_unexpected_skips: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        if ENGINE_SKIP_MARK not in reason:
            _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("WJ_STRICT_SKIPS") and _unexpected_skips and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if os.environ.get("WJ_STRICT_SKIPS") and _unexpected_skips:
        terminalreporter.section("tests skipped for a reason other than the database engine (failing the run)")
        for line in _unexpected_skips:
            terminalreporter.write_line(line)
