"""Build the tests' demo database in a process of its own: `python -m wholejourney.core.tests.demo_snapshot
DATABASE_URL FOLDER`.

The test session starts this at its beginning (see the root conftest), so the minute the demo takes
to build runs beside the first tests instead of inside one of them. It runs the real command,
`wholejourney demo --reset`, with the tests' keyring (WJ_KEYS_FILE, inherited), and leaves
FOLDER/demo.ready when the database is complete, or FOLDER/demo.failed with the error.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

READY, FAILED = "demo.ready", "demo.failed"


def build(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wholejourney.settings")
    os.environ.pop("WJ_DEMO_PASSWORD", None)  # the tests sign in with the default demo password

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    call_command("demo", "--reset", verbosity=0)
    connection.close()


def main() -> None:
    database_url, folder = sys.argv[1], Path(sys.argv[2])
    try:
        build(database_url)
    except BaseException:
        (folder / FAILED).write_text(traceback.format_exc())
        raise
    (folder / READY).touch()


if __name__ == "__main__":
    main()
