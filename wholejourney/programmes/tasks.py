"""Attendance sheets imported in the background, with progress the upload page polls.

The uploaded file is kept under the media root's uploads/ folder only until its import ends, and
encrypted there (it holds names and phone numbers). The import reads and counts the rows first,
reporting progress, then records them with one call of `attendance_record`: one transaction, so
an import stopped half way has recorded nothing, and the same sheet uploaded again changes nothing.
What the page shows afterwards (counts, or every bad row with its reason) is kept beside the job in
a small JSON file that holds no names: row numbers, column keys and messages only.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core import crypto
from wholejourney.core import services as job_services
from wholejourney.core.models import Job
from wholejourney.core.task_failures import failures_without_values
from wholejourney.programmes import sheets
from wholejourney.programmes.models import Activity
from wholejourney.programmes.selectors import ATTENDANCE_IMPORT
from wholejourney.programmes.services import BatchError, attendance_record

UPLOAD_DIR = "uploads"


def _aad(job_id: int) -> bytes:
    return f"wholejourney.attendance-upload:{job_id}".encode()


def _write_state(name: str, state: dict[str, Any]) -> str:
    if name and default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(json.dumps(state).encode()))


def upload_state(job: Job) -> dict[str, Any]:
    """What is known of an attendance upload: its activity, and once it ended its counts or errors."""
    if not job.result_file or not default_storage.exists(job.result_file):
        return {}
    with default_storage.open(job.result_file) as handle:
        state: dict[str, Any] = json.loads(handle.read())
    return state


def upload_errors(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The bad rows of an upload, with column and reason in the active language."""
    shown = []
    for error in state.get("errors", []):
        column = sheets.COLUMN_BY_KEY.get(error["field"])
        shown.append(
            {
                "row": error["row"],
                "column": str(column.label) if column else error["field"],
                "message": _(error["message"]),
            }
        )
    return shown


def attendance_import_start(*, actor: User, activity: Activity, data: bytes, language: str) -> Job:
    """Keep the sheet (encrypted) and queue its import; the returned job shows the progress."""
    if not has_permission(actor, Permission.RECORD_PREVENTION, obj=activity.office):
        raise PermissionDenied
    sheets.check_upload(data[:4], len(data))
    with transaction.atomic():
        job = job_services.job_create(
            actor=actor,
            kind=ATTENDANCE_IMPORT,
            office=activity.office,
            message=_("Attendance sheet for the %(activity)s of %(date)s")
            % {"activity": activity.get_kind_display(), "date": date_format(activity.held_on, "SHORT_DATE_FORMAT")},
        )
        upload = default_storage.save(
            f"{UPLOAD_DIR}/attendance-{job.pk}.xlsx.enc",
            ContentFile(crypto.encrypt_master(data, _aad(job.pk)).encode()),
        )
        job.result_file = _write_state(
            f"{UPLOAD_DIR}/attendance-{job.pk}.json", {"activity": activity.pk, "upload": upload}
        )
        job.save(update_fields=["result_file"])
        job_services.job_enqueue(job=job, task=attendance_import, language=language)
    return job


def _read_upload(name: str, job_id: int) -> bytes:
    with default_storage.open(name) as handle:
        token = handle.read().decode()
    _kind, kid, body = crypto.parse(token)
    return crypto.decrypt_master(kid, body, _aad(job_id))


@task()
@failures_without_values
def attendance_import(job_id: int, language: str) -> None:
    with translation.override(language):
        _import(job_id)


def _import(job_id: int) -> None:
    job = Job.objects.select_related("created_by").get(pk=job_id)
    state = upload_state(job)
    rows: list[sheets.SheetRow] = []

    def fail(message: str, errors: list[dict[str, Any]] | None = None) -> None:
        state.update(errors=errors or [], problem=message)
        _write_state(job.result_file, state)
        # Nothing was recorded: the bar says so rather than standing full beside "Failed".
        job_services.job_progress(job_id=job_id, done=0)
        job_services.job_fail(job_id=job_id, message=message)

    try:
        activity = Activity.objects.select_related("office").get(pk=state["activity"])
        job_services.job_progress(job_id=job_id, done=0, message=_("Reading the sheet"))
        data = _read_upload(state["upload"], job_id)

        def progress(done: int, expected: int) -> None:
            job_services.job_progress(job_id=job_id, done=done, total=expected)

        rows = sheets.read_attendance(io.BytesIO(data), on_progress=progress)
        if not rows:
            raise sheets.SheetError(_("The sheet has no rows of attendance."))
        job_services.job_progress(
            job_id=job_id,
            # The rows are read; recording them is one transaction, with no steps to show.
            done=len(rows),
            total=len(rows),
            message=_("Checking and recording %(rows)s rows") % {"rows": len(rows)},
        )
        values = [
            row.values | {"ref": row.values.get("ref") or sheets.row_reference(activity.pk, row.number, row.values)}
            for row in rows
        ]
        # The row errors are kept in English (the catalogue's msgids) and translated when shown, so
        # the page speaks the language of whoever reads it, not of whoever uploaded.
        with translation.override("en"):
            counts = attendance_record(actor=job.created_by, activity=activity, rows=values)
    except sheets.SheetError as exc:
        fail(str(exc))
    except BatchError as exc:
        errors = [
            {"row": rows[error.row - 1].number, "field": error.field, "message": error.message} for error in exc.rows
        ]
        bad = len({error.row for error in exc.rows})
        fail(
            ngettext(
                "%(count)s row has a problem: nothing was recorded. Correct it and upload the sheet again.",
                "%(count)s rows have problems: nothing was recorded. Correct them and upload the sheet again.",
                bad,
            )
            % {"count": bad},
            errors,
        )
    except PermissionDenied:
        fail(_("You may not record attendance for this activity."))
    except ValidationError as exc:
        fail(" ".join(exc.messages))
    except Exception:
        fail(_("The import stopped before the end: nothing was recorded. Upload the sheet again."))
        raise
    else:
        state["counts"] = counts
        _write_state(job.result_file, state)
        job_services.job_finish(
            job_id=job_id,
            message=_("%(rows)s rows read: %(added)s people added to the attendance, %(new)s of them new participants.")
            % {"rows": counts["rows"], "added": counts["attendances_added"], "new": counts["participants_created"]},
        )
    finally:
        if state.get("upload") and default_storage.exists(state["upload"]):
            default_storage.delete(state["upload"])
        state.pop("upload", None)
