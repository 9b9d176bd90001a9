"""Issue 17, item 4: identifying data is only in encrypted fields, also after the background work.

An administrator uploads a workbook whose file name and one client's names are sentinels; the
task worker imports it, makes a report file and builds an export of the whole office, each as in
production (django-tasks' database backend: a task's arguments, result and any traceback are rows
of a plain table). Then every table of the database is searched for the sentinels, as every column
reads and as the database stores it (the SQLite file's bytes, PostgreSQL's pg_dump).
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import io
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from wholejourney.accounts.roles import Role
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.models import Job
from wholejourney.core.tests.factories import make_user
from wholejourney.core.tests.test_logs import plain_text_in_database
from wholejourney.exports import services as export_services
from wholejourney.exports.models import ExportRequest
from wholejourney.exports.tests.factories import authenticator, current_code
from wholejourney.imports.models import ImportRun
from wholejourney.imports.template import EXAMPLES, write_workbook
from wholejourney.programmes import services as programme_services
from wholejourney.programmes.tasks import attendance_import_start
from wholejourney.reporting.models import ReportFile

# Long enough that no ciphertext or digest holds one by chance, whatever the letter case.
GIVEN_NAME = "Sentinelname"
FAMILY_NAME = "Zqxvkorlapet"
KHMER_NAME = "សិនទីណែលគ្យា"
FILE_NAME = "Qwfilesentinel referral notes.xlsx"


def needles() -> list[str]:
    """Each sentinel as it could be stored: as written, in JSON with non-ASCII escaped (lower- and
    upper-case hex), and the file name without its extension."""
    found = [GIVEN_NAME, FAMILY_NAME, KHMER_NAME, FILE_NAME.split()[0]]
    escaped = json.dumps(KHMER_NAME)[1:-1]
    return [*found, escaped, escaped.upper().replace("\\U", "\\u")]


def leaks_in(text: str) -> list[str]:
    folded = text.casefold()
    return [needle for needle in needles() if needle.casefold() in folded]


def _workbook() -> io.BytesIO:
    rows = {sheet: [dict(row) for row in sheet_rows] for sheet, sheet_rows in EXAMPLES.items()}
    first = rows["clients"][0]
    first["prs_FirstName"], first["prs_SecondName"], first["given_name_km"] = GIVEN_NAME, FAMILY_NAME, KHMER_NAME
    referral = next(row for row in rows["referrals"] if row.get("client_ref") == first["client_ref"])
    referral["person_name"] = f"{GIVEN_NAME} {FAMILY_NAME}"
    buffer = io.BytesIO()
    write_workbook(buffer, rows)
    buffer.seek(0)
    buffer.name = FILE_NAME
    return buffer


def _run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def _stored_bytes() -> bytes:
    """The database as stored: on SQLite a copy of its file (VACUUM INTO writes every table and
    index, also of an in-memory test database), on PostgreSQL the whole pg_dump."""
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "copy.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(copy)])
            return copy.read_bytes()
    db = connection.settings_dict
    return subprocess.run(  # noqa: S603 (our own database, named by the settings)
        ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],  # noqa: S607
        env={**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""},
        capture_output=True,
        check=True,
    ).stdout


def _places(rows: Iterable[tuple[str, str, str]]) -> list[str]:
    return sorted({f"{table}.{column}: {leaks_in(value)}" for table, column, value in rows if leaks_in(value)})


@pytest.fixture
def production_worker(settings: Any, tmp_path: Path) -> Path:
    """Tasks queued in the database and run by `db_worker`; files in a folder of the test's own."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connections, as in production
def test_import_report_and_export_leave_no_identifying_data_in_any_table(
    client: HttpClient, cast: Cast, production_worker: Path
) -> None:
    office_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")
    client.force_login(office_admin)
    client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": _workbook()})
    _run_worker()
    run = ImportRun.objects.get()
    # Registered as pasted from a word processor: a vertical tab is its line break, and XLSX refuses it.
    client_services.client_create(
        actor=cast.director, office=cast.kh, team=cast.team, given_name_latin=f"{GIVEN_NAME}\vpasted",
        family_name_latin=FAMILY_NAME, sex="female", birth_year=1990,
    )  # fmt: skip
    client.force_login(cast.director)
    report_form = {"format": "xlsx", "edition": "internal", "language": "en", "office": "KH",
                   "date_from": datetime.date(2022, 1, 1), "date_to": datetime.date(2023, 12, 31)}  # fmt: skip
    client.post(reverse("reporting:files"), report_form)
    export = export_services.export_request(actor=office_admin, kind="office", format="xlsx", identifying=True)
    export_services.export_decide(actor=cast.director, export=export, approve=True)
    export_services.export_confirm_second_factor(
        actor=office_admin, export=export, code=current_code(authenticator(office_admin))
    )
    _run_worker()
    report_file = ReportFile.objects.get()
    assert client.get(reverse("reporting:file_download", kwargs={"pk": report_file.pk})).status_code == 200
    _name, _type, exported = export_services.export_open(actor=office_admin, export=export)

    # The sentinels went in and came out where they should: the record, the export's file.
    assert run.status == ImportRun.Status.SUCCEEDED and run.file_name == FILE_NAME
    assert [c.given_name_latin for c in Client.objects.filter(office=cast.kh)].count(GIVEN_NAME) == 1
    assert report_file.job.status == Job.Status.SUCCEEDED
    assert ExportRequest.objects.get().status == ExportRequest.Status.READY
    clients_sheet = load_workbook(io.BytesIO(exported))["clients"]
    exported_names = [cell.value for row in clients_sheet.iter_rows() for cell in row]
    assert GIVEN_NAME in exported_names and f"{GIVEN_NAME} pasted" in exported_names
    # Every background task ran through the database queue, and its row is still there.
    tasks = list(DBTaskResult.objects.values_list("task_path", "status"))
    ran = sorted(path.rsplit(".", 1)[1] for path, _status in tasks)
    assert ran == ["build_export", "build_report_file", "office_import"]
    assert {status for _path, status in tasks} == {"SUCCESSFUL"}

    assert _places(plain_text_in_database()) == []
    stored = _stored_bytes()
    assert b"KH-" in stored  # the copy holds the records
    assert leaks_in(stored.decode("utf-8", errors="replace")) == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_task_keeps_no_value_its_error_quoted(
    client: HttpClient, cast: Cast, production_worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library's error quotes the value it refused (openpyxl: "<value> cannot be used in
    worksheets."); the task queue keeps the failure's kind and where, not its message."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{GIVEN_NAME} {FAMILY_NAME} cannot be used in worksheets.")

    monkeypatch.setattr("wholejourney.imports.tasks.import_run", refuse)
    monkeypatch.setattr("wholejourney.reporting.services.render_report", refuse)
    monkeypatch.setattr("wholejourney.exports.files.render", refuse)
    monkeypatch.setattr("wholejourney.programmes.sheets.read_attendance", refuse)
    client.force_login(make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin"))
    client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": _workbook()})
    prevention = make_user(Role.PREVENTION_OFFICER, office=cast.kh, username="prevention")
    activity = programme_services.activity_record(
        actor=prevention, office=cast.kh, kind="prevention_training", held_on=datetime.date(2024, 2, 1)
    )
    attendance_import_start(actor=prevention, activity=activity, data=_workbook().getvalue(), language="en")
    client.force_login(cast.director)
    report_form = {"format": "xlsx", "edition": "internal", "language": "en", "office": "KH",
                   "date_from": datetime.date(2022, 1, 1), "date_to": datetime.date(2023, 12, 31)}  # fmt: skip
    client.post(reverse("reporting:files"), report_form)
    export_services.export_request(actor=cast.case_manager, kind="clients", format="xlsx", identifying=False)

    _run_worker()

    failed = list(DBTaskResult.objects.values_list("status", "exception_class_path", "traceback"))
    assert [(status, kind) for status, kind, _trace in failed] == [
        ("FAILED", "wholejourney.core.task_failures.BackgroundTaskFailed")
    ] * 4
    assert all("builtins.ValueError (message withheld)" in trace for _status, _kind, trace in failed)
    assert ReportFile.objects.get().job.status == Job.Status.FAILED
    assert Job.objects.get(kind="office_import").status == Job.Status.FAILED
    assert _places(plain_text_in_database()) == []


def test_every_background_task_fails_without_the_values_it_was_working_on() -> None:
    """A new task that forgot `@failures_without_values` would keep an error's quoted value."""
    tasks = [
        value
        for app in apps.get_app_configs()
        if app.name.startswith("wholejourney.") and importlib.util.find_spec(f"{app.name}.tasks")
        for value in vars(importlib.import_module(f"{app.name}.tasks")).values()
        if isinstance(value, Task) and value.module_path.startswith(f"{app.name}.tasks.")
    ]

    assert len(tasks) >= 5
    assert [t.module_path for t in tasks if not getattr(t.func, "wj_failures_without_values", False)] == []
