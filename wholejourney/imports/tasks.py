"""Running an import: from the command line (`wholejourney import`) or from the upload page in the
background, with the same steps, permission check and audit.

1. The actor must hold IMPORT_DATA for the office.
2. The whole workbook is checked (validate.py); problems → nothing is written, every problem kept.
3. It is written in one transaction (load.py), with one audit event; a failure writes nothing.

Progress goes to a callback (the terminal) or to the background job. The job's row is updated from
another connection while the import's transaction is open, so a page polling it sees it move.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core import crypto
from wholejourney.core import services as job_services
from wholejourney.core.models import Job, Office
from wholejourney.core.task_failures import failures_without_values
from wholejourney.imports import load, reader, validate
from wholejourney.imports.models import ImportRun
from wholejourney.imports.problems import Problem, ProblemFound, message
from wholejourney.imports.spool import Spool

JOB_KIND = "office_import"
UPLOAD_DIR = "uploads"
Progress = Callable[[str, int, int], None]


def may_import(actor: Any, office: Office) -> bool:
    return has_permission(actor, Permission.IMPORT_DATA, obj=office)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            digest.update(file.name.encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_run(
    *,
    actor: User,
    office: Office,
    source: reader.Source | None,
    file_name: str,
    sha256: str,
    job: Job | None = None,
    on_progress: Progress | None = None,
    read_error: reader.ReadError | None = None,
) -> ImportRun:
    """Check, then write, a workbook already opened; the returned run says what happened."""
    if not may_import(actor, office):
        raise PermissionDenied
    run = ImportRun.objects.create(office=office, file_name=file_name[:255], sha256=sha256, by=actor, job=job)
    if source is None or read_error is not None:
        error = read_error or reader.ReadError("not_a_workbook")
        return _invalid(run, [Problem("", 0, "", error.code, error.params)], 1)
    estimated = sum(source.estimated_rows(name) for name in reader.known_sheets(source).values())
    checked = 0

    def on_row(count: int) -> None:
        nonlocal checked
        checked += count
        if on_progress is not None and checked % 1000 == 0:
            on_progress("check", checked, max(estimated, checked))

    spool = Spool()
    try:
        try:
            checker = validate.check(office, source, on_row=on_row, spool=spool)
        except reader.ReadError as exc:
            return _invalid(run, [Problem("", 0, "", exc.code, exc.params)], 1)
        if checker.problem_count:
            return _invalid(run, checker.problems, checker.problem_count, rows=checker.rows)
        total = sum(checker.rows.values())
        run.status = ImportRun.Status.LOADING
        run.counts = {name: {"rows": rows} for name, rows in checker.rows.items()}
        run.save(update_fields=["status", "counts"])
        if on_progress is not None:
            on_progress("load", 0, total)
        try:
            counts = load.load(
                office=office,
                spool=spool,
                sheets=list(checker.rows),
                actor=actor,
                run=run,
                total=total,
                on_progress=(lambda done, all_rows: on_progress("load", done, all_rows)) if on_progress else None,
            )
        except ProblemFound as found:
            return _invalid(run, [found.problem], 1, rows=checker.rows)
        except BaseException:
            run.status, run.finished_at = ImportRun.Status.FAILED, timezone.now()
            run.save(update_fields=["status", "finished_at"])
            raise
    finally:
        spool.close()
    run.status, run.counts, run.finished_at = ImportRun.Status.SUCCEEDED, counts, timezone.now()
    run.save(update_fields=["status", "counts", "finished_at"])
    return run


def _invalid(run: ImportRun, problems: list[Problem], count: int, rows: dict[str, int] | None = None) -> ImportRun:
    run.status = ImportRun.Status.INVALID
    run.errors = [problem.as_json() for problem in problems]
    run.counts = {"problems": count, **({name: {"rows": n} for name, n in rows.items()} if rows else {})}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "errors", "counts", "finished_at"])
    return run


def import_path(
    *, actor: User, office: Office, path: Path, on_progress: Progress | None = None, job: Job | None = None
) -> ImportRun:
    """Import an XLSX file or a folder of CSV files."""
    if not may_import(actor, office):
        raise PermissionDenied
    try:
        source: reader.Source | None = reader.open_source(path)
    except reader.ReadError as exc:
        return import_run(
            actor=actor, office=office, source=None, file_name=path.name, sha256="", job=job, read_error=exc
        )
    try:
        return import_run(
            actor=actor,
            office=office,
            source=source,
            file_name=path.name,
            sha256=file_sha256(path),
            job=job,
            on_progress=on_progress,
        )
    finally:
        if source is not None:
            source.close()


def problems_shown(run: ImportRun) -> list[dict[str, Any]]:
    """The run's problems in the active language."""
    return [
        {
            "sheet": problem["sheet"],
            "row": problem["row"] or "",
            "column": problem["column"],
            "message": message(problem["code"], problem["params"]),
        }
        for problem in run.errors
    ]


# --- the upload page's background job ----------------------------------------------------------


def _aad(job_id: int) -> bytes:
    return f"wholejourney.office-import:{job_id}".encode()


def upload_start(*, actor: User, office: Office, data: bytes, file_name: str, language: str) -> Job:
    """Keep the workbook, encrypted, until the worker has read it, and queue the import."""
    if not may_import(actor, office):
        raise PermissionDenied
    with transaction.atomic():
        job = job_services.job_create(
            actor=actor,
            kind=JOB_KIND,
            office=office,
            message=_("Import of a workbook into %(office)s") % {"office": office.code},
        )
        # The file's name travels inside the encrypted upload, not in the task's arguments: the task
        # queue's table is plain, and a file name can be a person's ("Sok Dara referral.xlsx").
        sealed = crypto.encrypt_master(_pack(file_name[:255], data), _aad(job.pk))
        name = default_storage.save(f"{UPLOAD_DIR}/import-{job.pk}.xlsx.enc", ContentFile(sealed.encode()))
        job.result_file = name
        job.save(update_fields=["result_file"])
        job_services.job_enqueue(job=job, task=office_import, language=language)
    return job


def _pack(file_name: str, data: bytes) -> bytes:
    name = file_name.encode()
    return len(name).to_bytes(2, "big") + name + data


def _read_upload(name: str, job_id: int) -> tuple[str, bytes]:
    """The uploaded file's name and its bytes, decrypted."""
    with default_storage.open(name) as handle:
        token = handle.read().decode()
    _kind, kid, body = crypto.parse(token)
    packed = crypto.decrypt_master(kid, body, _aad(job_id))
    length = int.from_bytes(packed[:2], "big")
    return packed[2 : 2 + length].decode(), packed[2 + length :]


class JobProgress:
    """Writes the job's progress at most once a second, from its own connection: the import's
    transaction is open meanwhile, and a write inside it would show only when it ends. SQLite has
    one writer at a time, so there the bar moves during the checks and jumps at the end."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0
        self.separate = connection.vendor != "sqlite"

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 1.0 and done < total:
            return
        self.last = now
        # Two halves: checking the rows, then writing them.
        shown = done if phase == "check" else total + done
        message = _("Checking the workbook") if phase == "check" else _("Recording the rows")
        if phase == "check" or self.separate:
            self._write(shown, 2 * max(total, 1), message, phase == "load")

    def _write(self, done: int, total: int, message: str, separate: bool) -> None:
        def write() -> None:
            try:
                job_services.job_progress(job_id=self.job_id, done=min(done, total), total=total, message=message)
            finally:
                if separate:
                    connections.close_all()

        if not separate:
            write()
            return
        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        thread.join()


@task()
@failures_without_values
def office_import(job_id: int, language: str) -> None:
    """Only ids and the language travel in the task's arguments (its table is not encrypted)."""
    with translation.override(language):
        _run_job(job_id)


def _run_job(job_id: int) -> None:
    job = Job.objects.select_related("created_by", "office").get(pk=job_id)
    upload = job.result_file
    job.result_file = ""
    job.save(update_fields=["result_file"])
    try:
        assert job.office is not None  # noqa: S101 - upload_start always names it
        file_name, data = _read_upload(upload, job_id)
        sha256 = hashlib.sha256(data).hexdigest()
        job_services.job_progress(job_id=job_id, done=0, message=_("Checking the workbook"))
        try:
            source: reader.Source | None = reader.open_bytes(data)
            error = None
        except reader.ReadError as exc:
            source, error = None, exc
        del data
        try:
            run = import_run(
                actor=job.created_by,
                office=job.office,
                source=source,
                file_name=file_name,
                sha256=sha256,
                job=job,
                on_progress=JobProgress(job_id),
                read_error=error,
            )
        finally:
            if source is not None:
                source.close()
    except PermissionDenied:
        job_services.job_fail(job_id=job_id, message=_("You may not import into this office."))
        return
    except Exception:
        job_services.job_fail(
            job_id=job_id,
            message=_("The import stopped before the end: nothing was recorded. Upload the workbook again."),
        )
        raise
    finally:
        if upload and default_storage.exists(upload):
            default_storage.delete(upload)
    if run.status == ImportRun.Status.SUCCEEDED:
        job_services.job_finish(job_id=job_id, message=_("The workbook was recorded."))
    else:
        job_services.job_fail(
            job_id=job_id,
            message=_("The workbook has problems: nothing was recorded. Correct them and upload it again."),
        )
