"""The audit trail under attack by someone who can change the database but holds neither the keyring
nor the checkpoint directory: each attack that `audit verify` once called "intact" is now named."""

from __future__ import annotations

import hashlib
import importlib
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from wholejourney.audit.checkpoints import checkpoint_dir, checkpoint_latest
from wholejourney.audit.models import AuditChainHead, AuditEvent
from wholejourney.audit.services import audit_trail_wipe, audit_verify
from wholejourney.audit.tests.test_chain import _events, _raw
from wholejourney.conftest import Cast
from wholejourney.core.checks import check_audit_table_owner
from wholejourney.core.tests.engines import ENGINE_SKIP_MARK


def _verify() -> str:
    """`audit verify` as an administrator runs it: its refusal, or "" when it finds the trail intact."""
    try:
        call_command("audit", "verify")
    except CommandError as exc:
        return str(exc)
    return ""


def _move_head_to(seq: int) -> None:
    last_hash = AuditEvent.objects.get(seq=seq).row_hash if seq else "0" * 64
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=last_hash)


def _sha256_chain_from(seq: int) -> None:
    """The attacker's tool: recompute every hash from row `seq` on with plain SHA-256 (no key), and the head."""
    prev = AuditEvent.objects.get(seq=seq - 1).row_hash if seq > 1 else "0" * 64
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        prev = hashlib.sha256(prev.encode() + b"|" + event.canonical()).hexdigest()
        _raw(
            "UPDATE audit_auditevent SET prev_hash = %s, row_hash = %s WHERE seq = %s",
            [event.prev_hash, prev, event.seq],
        )
    AuditChainHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=prev)


def _empty_the_trail() -> None:
    """TRUNCATE on PostgreSQL, by a role that owns the table and so can drop its guard first; DELETE on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_truncate ON audit_auditevent")
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
    AuditChainHead.objects.filter(pk=1).update(last_seq=0, last_hash="0" * 64)


@pytest.mark.django_db
def test_verify_names_rows_deleted_at_the_tail_with_the_head_moved_back(cast: Cast) -> None:
    _events(cast, 6)
    call_command("audit", "checkpoint")
    _raw("DELETE FROM audit_auditevent WHERE seq > %s", [4])
    _move_head_to(4)

    assert "BROKEN at row 5: rows 5 to 6 were deleted from the end" in _verify()


@pytest.mark.django_db
def test_verify_names_a_rewritten_actor_with_every_later_hash_recomputed_without_the_key(cast: Cast) -> None:
    _events(cast, 5)
    _raw("UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s", ["someone-else", 3])
    _sha256_chain_from(3)

    assert "BROKEN at row 3: it was rewritten" in _verify()


@pytest.mark.django_db
def test_verify_names_a_rewrite_from_the_first_row_even_with_the_head_claiming_plain_hashes(cast: Cast) -> None:
    # Every row recomputed with SHA-256, and the head told the MAC begins after them: the checkpoint knows better.
    _events(cast, 4)
    call_command("audit", "checkpoint")
    _raw("UPDATE audit_auditevent SET object_type = %s WHERE seq = %s", ["forged", 1])
    _sha256_chain_from(1)
    AuditChainHead.objects.filter(pk=1).update(mac_from=5)

    assert "BROKEN at row 1: it was rewritten" in _verify()


@pytest.mark.django_db
def test_postgresql_refuses_truncate_on_the_trail(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{ENGINE_SKIP_MARK} the TRUNCATE guard exists on PostgreSQL only")
    _events(cast, 3)

    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_verify_names_a_truncated_trail_against_the_checkpoint(cast: Cast) -> None:
    _events(cast, 4)
    call_command("audit", "checkpoint")
    _empty_the_trail()

    assert "BROKEN at row 1: the trail is empty but the checkpoint of" in _verify()
    assert "counted 4 rows: truncated" in _verify()


@pytest.mark.django_db
def test_verify_against_an_offsite_copy_when_the_checkpoint_directory_was_emptied(
    cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _events(cast, 6)
    call_command("audit", "checkpoint")
    offsite = tmp_path / "offsite.json"
    offsite.write_text(capsys.readouterr().out.splitlines()[-1])  # the printed copy
    _raw("DELETE FROM audit_auditevent WHERE seq > %s", [2])
    _move_head_to(2)
    for file in checkpoint_dir().iterdir():
        file.unlink()

    with pytest.raises(CommandError, match="rows 3 to 6 were deleted from the end"):
        call_command("audit", "verify", "--checkpoint", str(offsite))


@pytest.mark.django_db
def test_verify_refuses_a_checkpoint_rewritten_without_the_key(cast: Cast) -> None:
    _events(cast, 6)
    call_command("audit", "checkpoint")
    _raw("DELETE FROM audit_auditevent WHERE seq > %s", [4])
    _move_head_to(4)
    [file] = checkpoint_dir().glob("checkpoint-*.json")
    data: dict[str, Any] = json.loads(file.read_text())
    file.write_text(json.dumps({**data, "rows": 4, "last_seq": 4}))

    assert "NOT VERIFIED: checkpoint" in _verify()
    assert "forged or altered" in _verify()


@pytest.mark.django_db
def test_verify_writes_a_checkpoint_of_an_intact_trail_and_none_of_a_broken_one(cast: Cast) -> None:
    _events(cast, 3)

    assert _verify() == ""
    _events(cast, 1)
    _raw("UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s", ["someone-else", 2])
    assert "BROKEN at row 2" in _verify()

    assert len(list(checkpoint_dir().iterdir())) == 1
    checkpoint = checkpoint_latest()
    assert checkpoint is not None
    assert (checkpoint.rows, checkpoint.mac_from) == (3, 1)


@pytest.mark.django_db
def test_audit_record_writes_a_checkpoint_every_n_rows_once_committed(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WJ_AUDIT_CHECKPOINT_EVERY = 3
    assert not AuditEvent.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _events(cast, 7)

    # The first keyed row, then every third.
    assert sorted(file.name for file in checkpoint_dir().iterdir()) == [
        f"checkpoint-{seq:015d}.json" for seq in (1, 3, 6)
    ]
    assert _verify() == ""


def _trail_from_before_the_mac(cast: Cast, *, rows: int) -> None:
    """A database from before the change: rows chained with plain SHA-256, then migration 0004."""
    _events(cast, rows)
    _sha256_chain_from(1)
    importlib.import_module("wholejourney.audit.migrations.0004_keyed_mac").record_switch(apps, None)


@pytest.mark.django_db
def test_a_trail_written_before_the_keyed_mac_still_verifies_and_continues_with_it(cast: Cast) -> None:
    _trail_from_before_the_mac(cast, rows=4)
    assert AuditChainHead.objects.get(pk=1).mac_from == 5

    _events(cast, 2)

    assert audit_verify().checked == 6
    assert "intact: 6 rows" in _intact_message()


@pytest.mark.django_db
def test_a_keyed_row_of_an_older_trail_rewritten_as_a_plain_one_is_named(cast: Cast) -> None:
    _trail_from_before_the_mac(cast, rows=4)
    _events(cast, 2)
    call_command("audit", "checkpoint")
    _raw("UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s", ["someone-else", 5])
    _sha256_chain_from(5)
    AuditChainHead.objects.filter(pk=1).update(mac_from=7)

    assert "BROKEN at row 5: it was rewritten" in _verify()


def _intact_message() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.fixture
def postgresql_production(db: None, settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{ENGINE_SKIP_MARK} table owners are a PostgreSQL matter")
    settings.PRODUCTION = True


@pytest.mark.usefixtures("postgresql_production")
def test_deploy_check_warns_when_the_app_role_owns_the_audit_table() -> None:
    # The tests connect as the superuser that ran the migrations.
    assert [message.id for message in check_audit_table_owner()] == ["wholejourney.W110"]


@pytest.mark.usefixtures("postgresql_production")
def test_deploy_check_is_quiet_for_a_role_that_owns_nothing() -> None:
    role = f"wj_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET LOCAL ROLE {role}")

    assert check_audit_table_owner() == []


@pytest.mark.django_db
def test_demo_reset_empties_the_trail_past_the_guard_and_sets_its_checkpoints_aside(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    _events(cast, 3)
    call_command("audit", "checkpoint")
    # Django's own flush, not the test run's (conftest.py), which passes the guard by itself.
    monkeypatch.setattr(type(connection.ops), "execute_sql_flush", BaseDatabaseOperations.execute_sql_flush)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a fresh transaction has no constraint checks pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    audit_trail_wipe()

    assert not AuditEvent.objects.exists()
    assert checkpoint_latest() is None
    assert _verify() == ""
