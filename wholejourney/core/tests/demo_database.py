"""The run's shared test databases, each built once per test run in a process of its own (a pytest
plugin, loaded by the root conftest; the builds are in demo_snapshot.py):

- the blank database, every migration applied: each xdist worker's test database is a copy of it
  (a file copy on SQLite, a template database on PostgreSQL), so the run migrates once, not once per
  worker (`django_db_setup` below replaces pytest-django's);
- the demo organisation, built with the real command (`wholejourney demo --reset`) on a copy of the
  blank database. Building it takes about a minute on SQLite and more on PostgreSQL; three test
  modules and a browser journey read it. The whole suite starts it when the session starts, so the
  minute runs beside the first tests instead of inside one of them. That database, the snapshot, is
  never touched by a test. A test module that reads the demo asks for `demo_office` and gets a fresh
  copy of the snapshot as its default database for the module, and the empty test database back
  after, so what one module writes, flushes or imports is gone for the next.

Every process of the run (the xdist controller, its workers and the builds) shares one keyring,
made when the run starts, so the snapshot's encrypted values read in every worker. The tests that
read the demo run after the others, shared among the workers (PostgreSQL copies one template for
several at once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wholejourney.core import crypto
from wholejourney.core.tests.demo_snapshot import BLANK, DEMO, failed_file, ready_file

RUN_FOLDER = "WJ_TEST_RUN_DIR"  # the run's shared folder: keyring, shared databases, build logs
# Where each stage's database lives (a file path on SQLite, a database name on PostgreSQL) and its URL.
LOCATIONS = {
    BLANK: ("WJ_TEST_BLANK_DATABASE", "WJ_TEST_BLANK_DATABASE_URL"),
    DEMO: ("WJ_TEST_DEMO_DATABASE", "WJ_TEST_DEMO_DATABASE_URL"),
}
DEMO_FIXTURES = {"demo_office", "demo_snapshot"}
BUILD_TIMEOUT_SECONDS = 20 * 60

_builds: dict[str, subprocess.Popen[bytes]] = {}


def run_folder() -> Path:
    return Path(os.environ[RUN_FOLDER])


def shared_keyring() -> Path:
    return run_folder() / "keyring.json"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _database() -> dict[str, Any]:
    from django.conf import settings

    return settings.DATABASES["default"]  # type: ignore[no-any-return]


def _stage_name_and_url(stage: str) -> tuple[str, str]:
    """Where a stage's database lives: a file in the run's folder, or a PostgreSQL database named after
    the run's database. Read before any test database exists (the settings still name the real one)."""
    database = _database()
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = str(run_folder() / f"{stage}.sqlite3")
        return path, f"sqlite:///{path}"
    from urllib.parse import quote

    name = f"test_{database['NAME']}_{stage}_snapshot"[:63]
    credentials = quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return name, f"postgres://{credentials}@{host}/{name}"


def _stage_name(stage: str) -> str:
    return os.environ[LOCATIONS[stage][0]]


def _stage_url(stage: str) -> str:
    return os.environ[LOCATIONS[stage][1]]


def start_build(stage: str) -> None:
    """Start building a stage's database in the background (once per run)."""
    folder = run_folder()
    if stage in _builds or (folder / ready_file(stage)).exists():
        return
    if stage == DEMO:
        start_build(BLANK)  # the demo is built on a copy of the blank database
    env = {**os.environ, "WJ_KEYS_FILE": str(shared_keyring()), "WJ_VAR_DIR": str(folder / "var")}
    env.pop("WJ_KEYS", None)
    try:
        # Made exclusively: of two workers asking at once (a run of chosen files), one builds.
        log = (folder / f"{stage}.log").open("xb")
    except FileExistsError:
        return
    with log:
        _builds[stage] = subprocess.Popen(
            [sys.executable, "-m", "wholejourney.core.tests.demo_snapshot", stage, _stage_url(stage), str(folder)]
            + ([_stage_url(BLANK)] if stage == DEMO else []),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for_build(stage: str) -> None:
    folder = run_folder()
    deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
    while not (folder / ready_file(stage)).exists():
        build = _builds.get(stage)
        if (folder / failed_file(stage)).exists() or (build is not None and build.poll() not in (None, 0)):
            log = (folder / f"{stage}.log").read_text(errors="replace")
            pytest.fail(f"Building the {stage} test database failed:\n{log[-4000:]}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"Building the {stage} test database took more than 20 minutes.", pytrace=False)
        time.sleep(0.2)


def pytest_configure(config: pytest.Config) -> None:
    if _is_worker(config):
        return  # the workers inherit the controller's folder and keyring through the environment
    folder = Path(tempfile.mkdtemp(prefix="wj-test-run-"))
    os.environ[RUN_FOLDER] = str(folder)
    crypto.write_keyring(crypto.Keyring.generate(), folder / "keyring.json")
    for stage, (name_variable, url_variable) in LOCATIONS.items():
        os.environ[name_variable], os.environ[url_variable] = _stage_name_and_url(stage)


def pytest_sessionstart(session: pytest.Session) -> None:
    # The whole suite (no paths given) needs the demo: start it now, beside the first tests. A run of
    # chosen files starts each stage only when a test asks for it.
    config = session.config
    if not _is_worker(config) and config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        start_build(DEMO)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _is_worker(config) or RUN_FOLDER not in os.environ:
        return
    for build in _builds.values():
        if build.poll() is None:
            build.kill()
            build.wait()
    folder = run_folder()
    if _database()["ENGINE"] != "django.db.backends.sqlite3":
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        built = [_stage_name(stage) for stage in LOCATIONS if (folder / f"{stage}.log").exists()]
        try:
            with config.stash[blocking_manager_key].unblock(), connection._nodb_cursor() as cursor:
                for name in built:
                    cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
        except Exception as exc:  # noqa: BLE001 - cleanup must not hide the run's result
            print(f"Could not drop the shared test databases: {exc}", file=sys.stderr)  # noqa: T201
    shutil.rmtree(folder, ignore_errors=True)
    for variables in (*LOCATIONS.values(), (RUN_FOLDER,)):
        for name in variables:
            os.environ.pop(name, None)


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", *DEMO_FIXTURES}


def _database_use(item: pytest.Item) -> int:
    """0: no database; 1: the worker's test database; 2: a copy of the demo."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if DEMO_FIXTURES & fixtures:
        return 2
    return 1 if DATABASE_FIXTURES & fixtures or item.get_closest_marker("django_db") else 0


def uses_a_database(item: pytest.Item) -> bool:
    return _database_use(item) > 0


def _drives_a_browser(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None


def _first_batches(items: list[pytest.Item], head: list[pytest.Item], config: pytest.Config) -> list[pytest.Item]:
    """`items` with `head` shared out among the first batch of tests each xdist worker is sent:
    xdist's load scheduling sends worker k the k-th slice of a quarter of each worker's share."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    batch = max(len(items) // workers // 4, 2) if workers > 1 else len(items)
    in_head = set(head)
    rest = [item for item in items if item not in in_head]
    ordered: list[pytest.Item] = []
    for worker in range(workers):
        share = head[worker::workers]
        taken = max(batch - len(share), 0)
        ordered += share + rest[:taken]
        rest = rest[taken:]
    return ordered + rest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The same order in every worker, as xdist requires:
    # - the tests without a database first, shared among the workers' first batches: they run
    #   while the blank database is migrated (ten to twenty seconds) instead of a worker waiting;
    # - the tests that read the demo last, when its build has long finished; every worker takes its
    #   share of them (each with its own copy of the snapshot), the browser journey among them
    #   first, so that no long test is left to one worker at the end while the other has none.
    by_use: dict[int, list[pytest.Item]] = {0: [], 1: [], 2: []}
    for item in items:
        by_use[_database_use(item)].append(item)
    reading = sorted(by_use[2], key=lambda item: not _drives_a_browser(item))
    items[:] = _first_batches(by_use[0] + by_use[1] + reading, by_use[0], config)


@pytest.fixture(autouse=True, scope="session")
def _test_keyring() -> Iterator[Path]:
    """Tests never touch the developer's var/keys: the run has a keyring of its own, shared by its
    xdist workers and the process that builds the demo database."""
    path = shared_keyring()
    previous = os.environ.get("WJ_KEYS_FILE")
    os.environ["WJ_KEYS_FILE"] = str(path)
    crypto.reset_keyring_cache()
    yield path
    if previous is None:
        os.environ.pop("WJ_KEYS_FILE", None)
    else:
        os.environ["WJ_KEYS_FILE"] = previous
    crypto.reset_keyring_cache()


# --- switching the default database ---------------------------------------------------------------


def _switch_default_database(name: str) -> None:
    """Point every connection to the default database at `name` (live-server threads included:
    they open their connections from the same settings dictionary)."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    connections.close_all()
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    ContentType.objects.clear_cache()


def _is_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _copy_database(source: str, target: str) -> None:
    """A whole copy of database `source` as `target` (replacing it). No connection may be open to `source`."""
    from django.db import connection

    if _is_sqlite():
        for suffix in ("-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return
    with connection._nodb_cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
        cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")


def _drop_database(name: str) -> None:
    from django.db import connection

    if _is_sqlite():
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup: None) -> str:
    """The name of the database holding the demo exactly as `wholejourney demo --reset` builds it
    (a file path on SQLite). Never write to it: read the demo through `demo_office`."""
    start_build(DEMO)
    _wait_for_build(DEMO)
    return _stage_name(DEMO)


@pytest.fixture(scope="module")
def demo_office(demo_snapshot: str, django_db_blocker: Any) -> Iterator[str]:
    """The demo organisation as this module's default database: a fresh copy of the snapshot. The
    empty test database comes back after the module. Yields the copy's database name."""
    from django.db import connection

    test_name = connection.settings_dict["NAME"]
    working = (
        f"{test_name.removesuffix('.sqlite3')}_demo_copy.sqlite3" if _is_sqlite() else f"{test_name}_demo_copy"[:63]
    )
    with django_db_blocker.unblock():
        connection.close()
        _copy_database(demo_snapshot, working)
        _switch_default_database(working)
    yield working
    with django_db_blocker.unblock():
        _switch_default_database(test_name)
        _drop_database(working)


# --- each worker's test database: a copy of the blank one -------------------------------------------


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """Replaces pytest-django's fixture of the same name: the worker's test database is a copy of the
    run's blank database (migrated once per run, in the background) instead of a migration of its own.
    Django then finds every migration applied (keepdb) and only checks; the copy is dropped at the end."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    start_build(BLANK)
    _wait_for_build(BLANK)
    with django_db_blocker.unblock():
        _copy_database(_stage_name(BLANK), connection.creation._get_test_db_name())
        old_config = setup_databases(
            verbosity=request.config.option.verbose, interactive=False, keepdb=True, serialized_aliases=set()
        )
    yield
    with django_db_blocker.unblock():
        teardown_databases(old_config, verbosity=request.config.option.verbose)
