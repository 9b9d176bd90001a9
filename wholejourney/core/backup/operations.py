"""`backup_create` and `backup_restore`: the whole installation's data in one encrypted file, and
back into an empty database (docs/security.md, "Backing up").

What a backup holds: the database (every table: the audit trail, the task queue and sessions too) and
the uploaded files (the default storage: agreements, import uploads, report and export files). What
it never holds: the keyring. Its key is derived from the keyring's active master key, so the file is
useless without the keyring, and the keyring is kept apart, as the database's own values need.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.core import crypto
from wholejourney.core.backup import databases
from wholejourney.core.backup.archive import (
    ArchiveWriter,
    BackupError,
    Header,
    SealedWriter,
    archive_parts,
    backup_key,
    keyring_check,
    opened_chunks,
    read_header,
)

Say = Callable[[str], None]
_MANIFEST, _FILES = "manifest.json", "files/"


@dataclass
class BackupSummary:
    path: Path
    size: int
    key_id: str
    tables: int
    rows: int
    files: int


@dataclass
class RestoreSummary:
    tables: int
    rows: int
    files: int
    notes: list[str] = field(default_factory=list)


def _keyring() -> crypto.Keyring:
    # Read, never created: a keyring made up now could decrypt nothing in the database.
    try:
        return crypto.read_keyring()
    except ImproperlyConfigured as exc:
        raise BackupError(_("No backup or restore without the keyring: %(problem)s") % {"problem": exc}) from exc


def _files_root() -> Path | None:
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _stored_files(root: Path | None) -> list[tuple[str, Path]]:
    """Each uploaded file's name in the storage and its path."""
    if root is None or not root.is_dir():
        return []
    return sorted((path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file())


@contextlib.contextmanager
def _snapshot() -> Iterator[databases.Snapshot]:
    if connection.vendor == "sqlite":
        with databases.sqlite_snapshot(Path(connection.settings_dict["NAME"])) as snapshot:
            yield snapshot
    elif connection.vendor == "postgresql":
        with databases.postgresql_snapshot(connection) as snapshot:
            yield snapshot
    else:
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))


def _check_keyring_opens_the_trail() -> None:
    """The last keyed audit row must verify under this keyring: a backup made with another
    installation's keyring could never be restored together with this database's values."""
    from wholejourney.audit.models import AuditChainHead, AuditEvent

    head = AuditChainHead.objects.filter(pk=1).first()
    last = AuditEvent.objects.order_by("-seq").first()
    if last and head and last.seq >= head.mac_from and last.compute_hash(crypto.audit_key()) != last.row_hash:
        raise BackupError(
            _(
                "This keyring is not the one this database was written with (its audit trail does not verify "
                "under it): a backup under it could not be restored. Set WJ_KEYS_FILE or WJ_KEYS to this "
                "installation's keyring."
            )
        )


def _refuse_the_keyring_among_the_files(root: Path | None) -> None:
    keyring = crypto.keyring_path()
    if root is not None and keyring is not None and keyring.resolve().is_relative_to(root.resolve()):
        raise BackupError(
            _(
                "The keyring %(keyring)s is inside the uploaded files' folder %(folder)s, so the backup would "
                'carry it. Move it out (docs/security.md, "Where the keys live").'
            )
            % {"keyring": keyring, "folder": root}
        )


def backup_create(*, output: Path, say: Say = lambda _line: None) -> BackupSummary:
    """Write the database and the uploaded files to `output`, encrypted under a key derived from the
    active master key. The file appears only when complete (written as `<output>.partial` first)."""
    ring = _keyring()
    if output.exists():
        raise BackupError(_("%(path)s already exists: a backup never overwrites a file.") % {"path": output})
    _check_keyring_opens_the_trail()
    root = _files_root()
    _refuse_the_keyring_among_the_files(root)
    salt = secrets.token_bytes(32)
    key = backup_key(ring, ring.active_master, salt)
    now = timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds")
    header = Header(ring.active_master, salt, keyring_check(key, ring), connection.vendor, now)
    partial = output.with_name(output.name + ".partial")
    try:
        # Readable by its owner only from the start, not after it is written.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BackupError(
            _("%(path)s exists: another backup is being written there, or one was interrupted (then remove it).")
            % {"path": partial}
        ) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            archive = ArchiveWriter(SealedWriter(out, key, header.to_bytes()))
            # Files after the database: every file a row of the snapshot names was stored before the
            # row, so it is there; a file added meanwhile is only an extra.
            with _snapshot() as snapshot:
                say(_("Database snapshot taken: %(tables)s tables.") % {"tables": len(snapshot.tables)})
                manifest = {"created_at": now, "engine": connection.vendor, "django": django.get_version()}
                archive.add(_MANIFEST, [json.dumps({**manifest, "tables": snapshot.tables}).encode()], compress=False)
                archive.add(snapshot.part, snapshot.chunks(), compress=snapshot.compress)
            files = 0
            for name, path in _stored_files(root):
                try:
                    content = path.read_bytes()
                except FileNotFoundError:
                    continue  # deleted since it was listed (an import's spool): no row needs it
                archive.add(_FILES + name, [content], compress=True)
                files += 1
            archive.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary = BackupSummary(
        output, output.stat().st_size, ring.active_master, len(snapshot.tables), sum(snapshot.tables.values()), files
    )
    # A backup holds every client's record: the largest export there is, audited as one (after the
    # snapshot, so the backup holds the trail up to itself).
    from wholejourney.audit.models import AuditEvent
    from wholejourney.audit.services import audit_record

    audit_record(
        actor=None,
        action=AuditEvent.Action.EXPORT,
        object_type="core.backup",
        object_id=output.name[:64],
        changed_fields=[f"tables:{summary.tables}", f"rows:{summary.rows}", f"files:{files}", f"key:{summary.key_id}"],
        username="wholejourney backup",
    )
    return summary


def _open_backup(path: Path, ring: crypto.Keyring) -> tuple[Header, bytes, bytes]:
    try:
        with path.open("rb") as handle:
            header, header_bytes = read_header(handle)
    except FileNotFoundError as exc:
        raise BackupError(_("There is no backup file at %(path)s.") % {"path": path}) from exc
    key = backup_key(ring, header.key_id, header.salt)
    if keyring_check(key, ring) != header.check:
        raise BackupError(
            _(
                "This keyring is not the one the backup was made with (its key %(key)s differs), or the backup's "
                "header was altered: restore with the copy of the keyring kept from when the backup was made. "
                "Nothing was restored."
            )
            % {"key": header.key_id}
        )
    return header, header_bytes, key


def _chunks(path: Path, key: bytes, header_bytes: bytes) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(len(header_bytes))
        yield from opened_chunks(handle, key, header_bytes)


def _refuse_unless_empty(root: Path | None) -> None:
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as exc:
        raise BackupError(
            _("The database cannot be opened (%(error)s): create an empty one first.") % {"error": exc}
        ) from exc
    if tables:
        raise BackupError(
            _(
                "The database %(name)s is not empty (it has %(count)s tables): a restore goes only into an empty "
                "database, so nothing is overwritten. Create a new one (createdb, or a new SQLite file in "
                "DATABASE_URL) and restore into it. Nothing was restored."
            )
            % {"name": connection.settings_dict["NAME"], "count": len(tables)}
        )
    if _stored_files(root):
        raise BackupError(
            _("The uploaded files' folder %(folder)s is not empty: restore into an empty one. Nothing was restored.")
            % {"folder": root}
        )


def _restore_file(root: Path | None, name: str, chunks: Iterator[bytes]) -> None:
    relative = PurePosixPath(name.removeprefix(_FILES))
    if root is None or relative.is_absolute() or ".." in relative.parts:
        raise BackupError(_("The backup's contents are damaged. Nothing was restored."))
    target = root.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)


def backup_restore(*, path: Path, say: Say = lambda _line: None) -> RestoreSummary:
    """Bring a backup back into the configured database, which must be empty, and the uploaded files
    into their (empty) folder. The whole file is authenticated before anything is written; afterwards
    the row counts are compared with the backup's and the audit trail is verified."""
    ring = _keyring()
    header, header_bytes, key = _open_backup(path, ring)
    root = _files_root()
    _refuse_unless_empty(root)
    for _chunk in _chunks(path, key, header_bytes):
        pass  # authenticates every block, and so the header, first: a damaged file stops here, with nothing written
    if header.engine != connection.vendor:
        raise BackupError(
            _("This is a backup of a %(backup)s database; the configured database is %(here)s. Nothing was restored.")
            % {"backup": header.engine, "here": connection.vendor}
        )
    say(_("Backup of %(when)s authenticated.") % {"when": header.created_at})
    connection.close()
    manifest: dict[str, Any] = {}
    files = 0
    for name, chunks in archive_parts(_chunks(path, key, header_bytes)):
        if name == _MANIFEST:
            manifest = json.loads(b"".join(chunks))
        elif name == "database.sqlite3" and connection.vendor == "sqlite":
            databases.sqlite_load(Path(connection.settings_dict["NAME"]), chunks)
        elif name == "database.pgdump" and connection.vendor == "postgresql":
            databases.postgresql_load(dict(connection.settings_dict), chunks)
        elif name.startswith(_FILES):
            _restore_file(root, name, chunks)
            files += 1
    connection.close()
    expected: dict[str, int] = manifest.get("tables", {})
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        restored = databases.row_counts(cursor, tables, connection.ops.quote_name)
    if restored != expected:
        differ = sorted(t for t in set(restored) | set(expected) if restored.get(t) != expected.get(t))
        raise BackupError(
            _("The restored database differs from the backup in %(tables)s.") % {"tables": ", ".join(differ)}
        )
    say(
        _("Database restored: %(tables)s tables, %(rows)s rows, as in the backup.")
        % {"tables": len(restored), "rows": sum(restored.values())}
    )
    summary = RestoreSummary(len(restored), sum(restored.values()), files)
    summary.notes += _audit_after_restore()
    summary.notes += _migrations_after_restore()
    return summary


def _audit_after_restore() -> list[str]:
    """Verify the restored trail and checkpoint it. Checkpoints of the lost database that count rows
    the backup does not have (written after it), or that another keyring signed, are moved aside
    (kept, never deleted) and named: `audit verify` would otherwise call the restored trail cut short."""
    from wholejourney.audit.checkpoints import CheckpointError, checkpoint_dir, checkpoints_set_aside
    from wholejourney.audit.services import audit_checkpoint, audit_verify

    notes = []
    try:
        report = audit_verify()
        mismatch = "" if report.ok or report.checkpoint is None else report.reason
    except CheckpointError as exc:
        mismatch = str(exc)
    if mismatch:
        folder = checkpoint_dir()
        aside = checkpoints_set_aside()
        notes.append(
            _(
                "The audit checkpoints in %(folder)s do not fit the restored trail (%(why)s). Rows written after "
                "the backup are lost with the database they were in. The checkpoints were moved to %(aside)s."
            )
            % {"folder": folder, "why": mismatch, "aside": aside}
        )
        report = audit_verify()
    if not report.ok:
        raise BackupError(
            _("The restored audit trail is broken at row %(row)s: %(why)s.")
            % {"row": report.broken_seq, "why": report.reason}
        )
    _checkpoint, written = audit_checkpoint(report=report)
    notes.append(
        _("Audit trail intact: %(rows)s rows, every link verified; checkpoint written to %(path)s.")
        % {"rows": report.checked, "path": written}
    )
    return notes


def _migrations_after_restore() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    unknown = set(executor.loader.applied_migrations) - set(executor.loader.graph.nodes)
    if unknown:
        return [_("This backup was made by a newer version of Whole Journey: install that version to use it.")]
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return [_("This backup was made by an older version: run `wholejourney migrate` before starting the app.")]
    return []
