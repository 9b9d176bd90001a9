"""The acceptance check: a client's name saved through the ORM is nowhere in plain text at rest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from wholejourney.accounts.roles import Role
from wholejourney.clients import services as client_services
from wholejourney.core.tests.engines import ENGINE_SKIP_MARK
from wholejourney.core.tests.factories import OfficeFactory, make_user

SENTINEL = "Zqsentinelvx"
SAVE_CLIENT = f"""
from wholejourney.accounts.models import User
from wholejourney.clients import services
from wholejourney.core.models import Office
director = User.objects.get(username="director")
services.client_create(actor=director, office=Office.objects.get(code="KH"), given_name_latin="{SENTINEL}",
    family_name_latin="{SENTINEL}", aliases=["{SENTINEL}"], phone_numbers=["+855 12 731 946"], sex="female", birth_year=1990,
    id_documents=[{{"kind": "id_card", "number": "{SENTINEL}"}}], address={{"village": "{SENTINEL}"}})
"""


def test_sqlite_file_holds_no_plaintext_after_demo_and_save(demo_snapshot: str, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(f"{ENGINE_SKIP_MARK} the PostgreSQL dump is checked by the test below")
    # The session's demo database, as `wholejourney demo --reset` built it (with this session's keyring).
    shutil.copyfile(demo_snapshot, tmp_path / "wj.sqlite3")
    env = {**os.environ, "WJ_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'wj.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "wholejourney.cli", "shell", "-c", SAVE_CLIENT], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

    stored = b"".join(p.read_bytes() for p in tmp_path.glob("wj.sqlite3*"))

    assert b"KH-" in stored  # the client was written
    assert SENTINEL.encode() not in stored
    assert SENTINEL.lower().encode() not in stored


@pytest.mark.django_db(transaction=True)
def test_postgresql_dump_holds_no_plaintext() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{ENGINE_SKIP_MARK} runs when the suite runs on PostgreSQL")
    office = OfficeFactory(code="KH")
    director = make_user(Role.DIRECTOR, office=office)
    client_services.client_create(
        actor=director,
        office=office,
        given_name_latin=SENTINEL,
        family_name_latin=SENTINEL,
        phone_numbers=["+855 12 731 946"],
        sex="female",
        birth_year=1990,
        address={"village": SENTINEL},
    )
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    dump = subprocess.run(
        ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        env=env,
        capture_output=True,
        check=True,
    ).stdout

    assert b"KH-" in dump
    assert SENTINEL.encode() not in dump and SENTINEL.lower().encode() not in dump
