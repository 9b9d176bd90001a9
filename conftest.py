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


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_truncate_guard() -> Iterator[None]:
    """On PostgreSQL the audit table refuses TRUNCATE (audit migration 0005), which is how Django empties
    the database after a transactional test: the test run's flush, alone, passes the guard."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite only
        yield
        return
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        guard = "ALTER TABLE audit_auditevent {} TRIGGER audit_event_no_truncate"
        original(self, [guard.format("DISABLE"), *sql_list, guard.format("ENABLE")])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
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
