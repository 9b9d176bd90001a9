"""`wholejourney backup` and `wholejourney restore`, practised: the demo backed up, restored into a
fresh database (a new file on SQLite, a new database on PostgreSQL), and found the same; and each way
a restore must refuse. The backup reads committed data from another connection (pg_dump, SQLite's
backup API), so these tests commit (transaction=True)."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core import crypto
from wholejourney.core.models import Office
from wholejourney.core.tests.demo_database import _drop_database, _switch_default_database
from wholejourney.reporting.registry import Period
from wholejourney.reporting.services import report_figures

UPLOADED = "agreements/2023/partner-agreement.pdf"
UPLOADED_BYTES = b"%PDF-1.4 an agreement signed by the partner shelter"


@pytest.fixture
def files_in(settings: Any) -> Callable[[Path], Path]:
    """Point the uploaded files' storage at a folder (never the developer's var/media)."""

    def point_at(folder: Path) -> Path:
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}
        settings.STORAGES = {**settings.STORAGES, "default": default}
        return folder

    return point_at


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database as the default one (as `createdb` or a new SQLite file gives), dropped after."""
    current = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        fresh = str(tmp_path / "restored.sqlite3")
    else:
        fresh = f"{current}_restored"[:63]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(fresh)}")
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(fresh)} TEMPLATE template0")
    _switch_default_database(fresh)
    try:
        yield fresh
    finally:
        _switch_default_database(current)
        _drop_database(fresh)


def _identities() -> list[tuple[Any, ...]]:
    clients = Client.objects.filter(erased_at__isnull=True).select_related("data_key").order_by("code")
    return [
        (c.code, c.given_name_km, c.family_name_km, c.given_name_latin, c.family_name_latin, c.date_of_birth)
        + (c.phone_numbers, c.address)
        for c in clients
    ]


def _report_2023() -> dict[str, Any]:
    return report_figures(period=Period.year(2023), office=Office.objects.get(code="KH"))


def _backup(path: Path) -> str:
    out = StringIO()
    call_command("backup", "--output", str(path), stdout=out)
    return out.getvalue()


def _restore(path: Path) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out)
    return out.getvalue()


def _audit_verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_demo_restored_into_a_fresh_database_gives_the_same_report_identities_and_trail(
    demo_office: str, tmp_path: Path, files_in: Callable[[Path], Path]
) -> None:
    uploaded = files_in(tmp_path / "files") / UPLOADED
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(UPLOADED_BYTES)
    report, identities = _report_2023(), _identities()
    trail = AuditEvent.objects.count()
    backup = tmp_path / "demo.backup"

    printed = _backup(backup)
    with fresh_database(tmp_path):
        restored_files = files_in(tmp_path / "files-restored")
        said = _restore(backup)
        report_after, identities_after = _report_2023(), _identities()
        verified = _audit_verify()
        trail_after = AuditEvent.objects.count()

    assert "Backup written to" in printed
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    content = backup.read_bytes()
    assert b"casemanager" not in content and UPLOADED_BYTES not in content  # encrypted as a whole
    assert report_after == report and report["metrics"]["survivors_supported"]["value"] > 0
    assert identities_after == identities and len(identities) > 100
    assert identities[0][3] and not str(identities[0][3]).startswith(crypto.PREFIX)  # decrypted, not ciphertext
    assert trail_after == trail > 0
    assert f"Audit trail intact: {trail} rows" in said and f"Audit trail intact: {trail} rows" in verified
    assert (restored_files / UPLOADED).read_bytes() == UPLOADED_BYTES
    # The backup itself is audited, as an export of everything, after the snapshot it holds.
    taken = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == trail + 1 and taken is not None
    assert (taken.action, taken.object_type, taken.actor_username) == ("export", "core.backup", "wholejourney backup")
    assert "files:1" in taken.changed_fields


def _small_installation(cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path]) -> Path:
    """A few committed records, an uploaded file, and their backup."""
    uploaded = files_in(tmp_path / "files") / UPLOADED
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(UPLOADED_BYTES)
    audit_record(actor=cast.director, action=AuditEvent.Action.VIEW, object_type="test", object_id="1")
    backup = tmp_path / "small.backup"
    _backup(backup)
    return backup


def _tables() -> list[str]:
    return connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("a byte changed", "altered or damaged"),
        ("the header changed", "altered or damaged"),
        ("cut short", "incomplete"),
        ("a block more", "altered or damaged"),
    ],
)
def test_restore_refuses_a_damaged_backup_and_writes_nothing(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path], damage: str, message: str
) -> None:
    backup = _small_installation(cast, tmp_path, files_in)
    content = bytearray(backup.read_bytes())
    if damage == "a byte changed":
        content[len(content) // 2] ^= 0x01
    elif damage == "the header changed":
        content[content.index(b'"engine"') + 12] ^= 0x01
    elif damage == "cut short":
        del content[-100:]
    else:
        content += content[-200:]
    backup.write_bytes(bytes(content))

    with fresh_database(tmp_path), pytest.raises(CommandError, match=message) as refused:
        restored_files = files_in(tmp_path / "files-restored")
        try:
            _restore(backup)
        finally:
            tables = _tables()

    assert "Nothing was restored" in str(refused.value)
    assert tables == []
    assert not restored_files.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path]
) -> None:
    backup = _small_installation(cast, tmp_path, files_in)
    audit_record(actor=cast.director, action=AuditEvent.Action.VIEW, object_type="test", object_id="after")
    rows = AuditEvent.objects.count()
    files_in(tmp_path / "files-restored")

    with pytest.raises(CommandError, match="is not empty") as refused:
        _restore(backup)

    assert "Nothing was restored" in str(refused.value)
    assert AuditEvent.objects.count() == rows
    assert "intact" in _audit_verify()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_uploaded_files_folder_that_is_not_empty(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path]
) -> None:
    backup = _small_installation(cast, tmp_path, files_in)

    with fresh_database(tmp_path), pytest.raises(CommandError, match="folder .* is not empty"):
        try:
            _restore(backup)  # the same folder, still holding the uploaded file
        finally:
            tables = _tables()

    assert tables == []


@pytest.mark.django_db(transaction=True)
def test_backup_without_a_keyring_is_refused_and_writes_no_file(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    files_in(tmp_path / "files")
    monkeypatch.setenv("WJ_KEYS_FILE", str(tmp_path / "nowhere" / "keyring.json"))
    crypto.reset_keyring_cache()
    backup = tmp_path / "keyless.backup"

    try:
        with pytest.raises(CommandError, match="No backup or restore without the keyring: No keyring at"):
            _backup(backup)
    finally:
        monkeypatch.undo()
        crypto.reset_keyring_cache()

    assert list(tmp_path.glob("keyless*")) == []
    assert not (tmp_path / "nowhere").exists()  # no keyring made up on the way


@pytest.mark.django_db(transaction=True)
def test_restore_with_another_keyring_is_refused(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _small_installation(cast, tmp_path, files_in)
    crypto.write_keyring(crypto.Keyring.generate(), tmp_path / "other-keyring.json")
    monkeypatch.setenv("WJ_KEYS_FILE", str(tmp_path / "other-keyring.json"))
    crypto.reset_keyring_cache()

    try:
        with fresh_database(tmp_path), pytest.raises(CommandError, match="not the one the backup was made with"):
            try:
                _restore(backup)
            finally:
                tables = _tables()
    finally:
        monkeypatch.undo()
        crypto.reset_keyring_cache()

    assert tables == []


@pytest.mark.django_db(transaction=True)
def test_restore_sets_aside_checkpoints_of_rows_written_after_the_backup(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path], settings: Any
) -> None:
    backup = _small_installation(cast, tmp_path, files_in)
    rows_in_backup = AuditEvent.objects.count() - 1  # the backup's own event follows its snapshot
    for n in range(3):  # written after the backup, then the database is lost
        audit_record(actor=cast.director, action=AuditEvent.Action.VIEW, object_type="test", object_id=f"late{n}")
    call_command("audit", "checkpoint", stdout=StringIO())
    checkpoints = Path(settings.WJ_AUDIT_CHECKPOINT_DIR)

    with fresh_database(tmp_path):
        files_in(tmp_path / "files-restored")
        said = _restore(backup)
        verified = _audit_verify()

    assert f"rows {rows_in_backup + 1} to {rows_in_backup + 4} were deleted from the end" in said
    assert "were moved to" in said
    assert [p.name for p in checkpoints.parent.glob(checkpoints.name + ".before-reset-*")] != []
    assert f"Audit trail intact: {rows_in_backup} rows" in verified


@pytest.mark.django_db(transaction=True)
def test_backup_taken_while_the_app_writes_restores_a_whole_trail(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path]
) -> None:
    import threading

    from django.db import connections

    files_in(tmp_path / "files")
    stop, written = threading.Event(), []

    def app_writing() -> None:
        try:
            while not stop.is_set():
                audit_record(actor=None, action=AuditEvent.Action.VIEW, object_type="test", object_id="busy")
                written.append(1)
        finally:
            connections.close_all()

    writer = threading.Thread(target=app_writing)
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        backup = tmp_path / "busy.backup"
        _backup(backup)
        during = len(written)
    finally:
        stop.set()
        writer.join()

    with fresh_database(tmp_path):
        files_in(tmp_path / "files-restored")
        said = _restore(backup)
        restored = AuditEvent.objects.count()

    assert during > 20 and len(written) > 20  # the app kept writing while the backup was taken
    assert "as in the backup" in said  # every table's rows as counted in the backup's snapshot
    assert f"Audit trail intact: {restored} rows" in said and restored >= 20


@pytest.mark.django_db(transaction=True)
def test_backup_refuses_a_keyring_kept_among_the_uploaded_files(
    cast: Cast, tmp_path: Path, files_in: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = files_in(tmp_path / "files")
    keyring = files / "keys" / "keyring.json"
    keyring.parent.mkdir(parents=True)
    keyring.write_bytes(crypto.keyring_path().read_bytes())  # type: ignore[union-attr]
    monkeypatch.setenv("WJ_KEYS_FILE", str(keyring))
    crypto.reset_keyring_cache()

    try:
        with pytest.raises(CommandError, match="is inside the uploaded files' folder"):
            _backup(tmp_path / "with-keys.backup")
    finally:
        monkeypatch.undo()
        crypto.reset_keyring_cache()

    assert list(tmp_path.glob("with-keys*")) == []
