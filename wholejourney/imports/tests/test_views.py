"""The upload page: administrators only, their own offices only; errors listed, then a clean upload recorded."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from wholejourney.accounts.roles import Role
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.models import Job
from wholejourney.core.tests.factories import make_user
from wholejourney.imports.template import EXAMPLES, write_workbook

pytestmark = pytest.mark.django_db


def _workbook(rows: dict) -> io.BytesIO:
    buffer = io.BytesIO()
    write_workbook(buffer, rows)
    buffer.seek(0)
    buffer.name = "office.xlsx"
    return buffer


def test_upload_page_is_404_without_the_permission(client: HttpClient, cast: Cast) -> None:
    for user in (cast.director, cast.case_manager, cast.me_officer, cast.partner):
        client.force_login(user)
        assert client.get(reverse("imports:upload")).status_code == 404
        assert client.post(reverse("imports:upload"), {"office": cast.kh.pk}).status_code == 404


def test_office_admin_cannot_import_into_another_office(client: HttpClient, cast: Cast) -> None:
    vn_admin = make_user(Role.ADMINISTRATOR, office=cast.vn, username="vn.admin")
    client.force_login(vn_admin)

    response = client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": _workbook(EXAMPLES)})

    assert response.status_code == 200  # the form refuses the office: it is not a choice
    assert "office" in response.context["form"].errors
    assert Client.objects.count() == 0


def test_upload_with_errors_lists_them_then_fixed_upload_is_recorded(
    client: HttpClient, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(cast.admin)
    bad = {sheet: [dict(row) for row in rows] for sheet, rows in EXAMPLES.items()}
    bad["cases"][2]["opened_on"] = "someday"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": _workbook(bad)})
    response = client.get(reverse("imports:status", kwargs={"pk": Job.objects.get().pk}))

    page = response.content.decode()
    assert "Nothing was recorded" in page
    assert "opened_on" in page and "Not a date" in page
    assert Client.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": _workbook(EXAMPLES)})
    response = client.get(reverse("imports:status", kwargs={"pk": Job.objects.latest("pk").pk}))

    assert "Recorded" in response.content.decode()
    assert Client.objects.count() == 3
    assert client.get(reverse("imports:template")).status_code == 200


def test_upload_of_a_non_workbook_is_refused_by_the_form(client: HttpClient, cast: Cast, tmp_path: Path) -> None:
    client.force_login(cast.admin)
    junk = io.BytesIO(b"name,phone\n")
    junk.name = "list.csv"

    response = client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": junk})

    assert "workbook" in response.context["form"].errors


def test_an_upload_over_the_limit_is_told_the_limit_not_that_the_file_is_missing(
    client: HttpClient, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholejourney.imports import forms as import_forms

    # 3 MB against a limit of 1 MB (and its envelope of 1 MB): the file is never read.
    monkeypatch.setattr(import_forms, "MAX_UPLOAD_BYTES", 1024 * 1024)
    client.force_login(cast.admin)
    big = io.BytesIO(b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024))
    big.name = "office.xlsx"

    response = client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": big})

    assert response.status_code == 200
    errors = response.context["form"].errors["workbook"]
    assert errors == ["The file is larger than 1 MB, the most this page takes: import it with the command line."]
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)  # the worker closes the connections it used, as in production
def test_an_uploaded_file_name_is_in_no_table_in_the_clear(
    client: HttpClient, cast: Cast, settings: Any, tmp_path: Path
) -> None:
    """The task queue's table is plain: its arguments are the job's id and the language only; the
    file name travels inside the encrypted upload and is kept encrypted on the import's record."""
    from django.core.management import call_command

    from wholejourney.core.tests.test_logs import plain_text_in_database
    from wholejourney.imports.models import ImportRun

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    client.force_login(cast.admin)
    workbook = _workbook(EXAMPLES)
    workbook.name = "Zzsentinelqx referral of Sok Dara.xlsx"

    client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": workbook})
    queued = [place for place in plain_text_in_database() if "zzsentinelqx" in place[2].casefold()]
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    done = [place for place in plain_text_in_database() if "zzsentinelqx" in place[2].casefold()]

    assert queued == [] and done == []
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.file_name == "Zzsentinelqx referral of Sok Dara.xlsx"
