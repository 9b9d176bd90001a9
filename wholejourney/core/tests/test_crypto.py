"""Encrypted fields: what the database holds, what a moved ciphertext does, rotation and erasure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from wholejourney.accounts.roles import Role
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.core import crypto
from wholejourney.core.keys import key_usage, reencrypt_stale
from wholejourney.core.models import DataKey
from wholejourney.core.tests.factories import OfficeFactory, make_user

SENTINEL = "Qxsentinelzz"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - names are ours
        return cursor.fetchone()[0]


def _client(**identity: object) -> Client:
    office = OfficeFactory(code="KH")
    director = make_user(Role.DIRECTOR, office=office)
    identity.setdefault("given_name_latin", SENTINEL)
    identity.setdefault("sex", "female")
    identity.setdefault("birth_year", 1990)
    return client_services.client_create(actor=director, office=office, **identity)


@pytest.mark.django_db
def test_encrypted_field_stores_only_ciphertext_and_reads_back_plaintext() -> None:
    client = _client(family_name_km="សុខ", phone_numbers=["012 345 678"])

    stored = _raw("clients_client", "given_name_latin", client.pk)
    fresh = Client.objects.get(pk=client.pk)

    assert stored.startswith("wj1:d:") and SENTINEL not in stored
    assert (fresh.given_name_latin, fresh.family_name_km, fresh.phone_numbers) == (SENTINEL, "សុខ", ["012 345 678"])


@pytest.mark.django_db
def test_ciphertext_moved_to_another_row_fails_to_decrypt_clearly() -> None:
    first, second = _client(), _client(given_name_latin="Other")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_datakey SET wrapped_key = (SELECT wrapped_key FROM core_datakey WHERE id = %s) WHERE id = %s",
            [first.data_key_id, second.data_key_id],
        )

    with pytest.raises(crypto.DecryptionError, match="does not belong to this record and field"):
        DataKey.objects.get(pk=second.data_key_id).plaintext_key()


@pytest.mark.django_db
def test_ciphertext_moved_to_another_column_fails_to_decrypt() -> None:
    client = _client(family_name_latin="Family")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET family_name_latin = given_name_latin WHERE id = %s", [client.pk])

    with pytest.raises(crypto.DecryptionError):
        _ = Client.objects.get(pk=client.pk).family_name_latin


@pytest.mark.django_db
def test_unchanged_value_keeps_its_ciphertext_and_changed_value_gets_a_new_one() -> None:
    client = Client.objects.get(pk=_client().pk)
    before = _raw("clients_client", "given_name_latin", client.pk)

    _ = client.given_name_latin
    client.save()
    kept = _raw("clients_client", "given_name_latin", client.pk)
    client.given_name_latin = "Changed"
    client.save()

    assert kept == before
    assert _raw("clients_client", "given_name_latin", client.pk) != before
    assert Client.objects.get(pk=client.pk).given_name_latin == "Changed"


@pytest.mark.django_db
def test_query_by_plaintext_is_refused() -> None:
    with pytest.raises(TypeError, match="blind index"):
        list(Client.objects.filter(given_name_latin=SENTINEL))


@pytest.mark.django_db
def test_erasing_a_client_shreds_its_identity_but_keeps_the_row() -> None:
    client = _client(phone_numbers=["012 999 888"])
    director = make_user(Role.DIRECTOR, office=client.office)

    client_services.client_erase(actor=director, client=client)
    crypto.reset_keyring_cache()
    erased = Client.objects.get(pk=client.pk)

    assert erased.given_name_latin is None and erased.phone_numbers is None
    assert erased.code == client.code and erased.display_name == "(erased)"
    assert SENTINEL not in _raw("clients_client", "given_name_latin", client.pk)
    assert not client.lookups.exists()


@pytest.mark.django_db
def test_rotation_interrupted_half_way_and_rerun_ends_with_every_value_under_the_new_key(
    _test_keyring: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A keyring of this test's own, so the rotation does not change the session's.
    ring_file = tmp_path / "keyring.json"
    shutil.copy(_test_keyring, ring_file)
    monkeypatch.setenv("WJ_KEYS_FILE", str(ring_file))
    crypto.reset_keyring_cache()
    clients = [_client(given_name_latin=f"Person {n}") for n in range(6)]
    old = crypto.load_keyring().active_master

    new = crypto.add_master_key()
    calls = 0

    def interrupt(label: str, done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reencrypt_stale(batch_size=2, progress=interrupt)
    half_way = key_usage()
    reencrypt_stale(batch_size=2)
    usage = key_usage()
    call_command("keys", "retire", old)
    crypto.reset_keyring_cache()

    assert 0 < half_way[old] < half_way[old] + half_way[new]
    assert usage[old] == 0 and usage[new] == DataKey.objects.count()
    assert [Client.objects.get(pk=c.pk).given_name_latin for c in clients] == [f"Person {n}" for n in range(6)]
    assert old not in crypto.load_keyring().master_keys
    crypto.reset_keyring_cache()


def test_keyring_is_never_derived_from_secret_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WJ_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "s" * 60,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("WJ_KEYS_FILE", None)
    code = "from wholejourney.core import crypto; r = crypto.load_keyring(); print(crypto.keyring_path())"
    first = subprocess.run(
        [sys.executable, "-m", "wholejourney.cli", "shell", "-c", code], env=env, capture_output=True, text=True
    )
    ring_a = (tmp_path / "keys" / "keyring.json").read_text()
    (tmp_path / "keys" / "keyring.json").unlink()
    subprocess.run([sys.executable, "-m", "wholejourney.cli", "shell", "-c", code], env=env, capture_output=True)
    ring_b = (tmp_path / "keys" / "keyring.json").read_text()

    assert first.returncode == 0, first.stderr
    assert ring_a != ring_b  # random, so not a function of SECRET_KEY
    assert oct((tmp_path / "keys" / "keyring.json").stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_a_keyring(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WJ_ENV": "production",
        "WJ_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("WJ_KEYS_FILE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wholejourney.cli",
            "shell",
            "-c",
            "from wholejourney.core import crypto; crypto.load_keyring()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "No keyring" in result.stderr
