"""Build the tests' shared databases in a process of their own:
`python -m wholejourney.core.tests.demo_snapshot STAGE DATABASE_URL FOLDER [BLANK_URL]`.

Two stages, each its own process, started by the test session (see demo_database.py):
- `blank`: an empty database with every migration applied, once per run. Each xdist worker's test
  database is a copy of it, so the run migrates once instead of once per worker (the migrations take
  15 s and more on a busy machine, per worker and per engine);
- `demo`: the demo organisation, built with the real command (`wholejourney demo --reset`) on a copy
  of the blank database, with the tests' keyring (WJ_KEYS_FILE, inherited).

A stage leaves FOLDER/<stage>.ready when its database is complete, or FOLDER/<stage>.failed with the
error. The demo stage waits for the blank one, started by whoever needed it first.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import traceback
from pathlib import Path

BLANK, DEMO = "blank", "demo"
BLANK_WAIT_SECONDS = 10 * 60


def ready_file(stage: str) -> str:
    return f"{stage}.ready"


def failed_file(stage: str) -> str:
    return f"{stage}.failed"


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wholejourney.settings")
    os.environ.pop("WJ_DEMO_PASSWORD", None)  # the tests sign in with the default demo password

    import django

    django.setup()


def _create_database(template: str | None = None) -> None:
    """A new, empty PostgreSQL database under the connection's name (a copy of `template` if given)."""
    from django.db import connection

    quote = connection.ops.quote_name
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)}" + (f" TEMPLATE {quote(template)}" if template else ""))


def build_blank(database_url: str) -> None:
    _setup(database_url)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        _create_database()
    call_command("migrate", interactive=False, verbosity=0)
    connection.close()  # PostgreSQL copies a template only when nobody is connected to it


def build_demo(database_url: str, folder: Path, blank_url: str) -> None:
    _setup(database_url)
    from django.core.management import call_command
    from django.db import connection

    _wait_for_blank(folder)
    if connection.vendor == "postgresql":
        _create_database(template=blank_url.rsplit("/", 1)[1])
    else:
        shutil.copyfile(blank_url.removeprefix("sqlite:///"), connection.settings_dict["NAME"])
    call_command("demo", "--reset", verbosity=0)
    connection.close()


def _wait_for_blank(folder: Path) -> None:
    deadline = time.monotonic() + BLANK_WAIT_SECONDS
    while not (folder / ready_file(BLANK)).exists():
        if (folder / failed_file(BLANK)).exists() or time.monotonic() > deadline:
            raise RuntimeError("The blank test database was not built; see blank.log.")
        time.sleep(0.2)


def main() -> None:
    stage, database_url, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    try:
        if stage == BLANK:
            build_blank(database_url)
        else:
            build_demo(database_url, folder, blank_url=sys.argv[4])
    except BaseException:
        (folder / failed_file(stage)).write_text(traceback.format_exc())
        raise
    (folder / ready_file(stage)).touch()


if __name__ == "__main__":
    main()
