"""Background jobs: progress a person can watch, seen only by whoever started the job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tasks import task

from wholejourney.conftest import Cast
from wholejourney.core import services
from wholejourney.core.models import Job

POLLING = 'hx-trigger="every 2s"'


@task()
def count_to(job_id: int, total: int) -> None:
    for done in range(1, total + 1):
        services.job_progress(job_id=job_id, done=done, total=total, message="Counting")
    services.job_finish(job_id=job_id, message="Counted")


def progress_value(response: Any) -> int:
    found = re.search(r'<progress max="100" value="(\d+)"', response.content.decode())
    assert found is not None
    return int(found.group(1))


def test_job_owner_sees_its_progress(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", office=cast.kh, total=40)
    services.job_progress(job_id=job.pk, done=10, message="Reading rows")
    client.force_login(cast.case_manager)

    response = client.get(f"/jobs/{job.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Background work</h1>" in page
    assert "Running" in page
    assert "Reading rows" in page
    assert "10 of 40 done" in page
    assert progress_value(response) == 25


def test_job_waiting_to_start_shows_nothing_done(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import")
    client.force_login(cast.case_manager)

    response = client.get(f"/jobs/{job.pk}/")

    assert "Waiting to start" in response.content.decode()
    assert progress_value(response) == 0


def test_job_htmx_poll_returns_the_partial_and_keeps_polling(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", total=4)
    services.job_progress(job_id=job.pk, done=3)
    client.force_login(cast.case_manager)

    response = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert f'hx-get="/jobs/{job.pk}/"' in page
    assert POLLING in page
    assert progress_value(response) == 75


def test_job_finished_stops_polling_at_full_progress(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", total=4)
    services.job_progress(job_id=job.pk, done=3)
    services.job_finish(job_id=job.pk, message="All rows imported")
    client.force_login(cast.case_manager)

    response = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "Finished" in page
    assert "All rows imported" in page
    assert "4 of 4 done" in page
    assert progress_value(response) == 100
    assert "hx-trigger" not in page
    assert Job.objects.get(pk=job.pk).finished_at is not None


def test_job_failed_stops_polling_and_says_why(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", total=4)
    services.job_fail(job_id=job.pk, message="The file is not a spreadsheet")
    client.force_login(cast.case_manager)

    response = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "Failed" in page
    assert "The file is not a spreadsheet" in page
    assert "hx-trigger" not in page


def test_job_progress_message_is_cut_to_fit(cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", total=1)

    services.job_progress(job_id=job.pk, done=1, message="x" * 1000)

    assert len(Job.objects.get(pk=job.pk).message) == 240


@pytest.mark.parametrize("who", ["colleague", "director", "admin", "other_office"])
def test_job_of_someone_else_is_404(client: Client, cast: Cast, who: str) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", office=cast.kh)
    client.force_login(getattr(cast, who))

    page, poll = client.get(f"/jobs/{job.pk}/"), client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    assert page.status_code == 404
    assert poll.status_code == 404


def test_job_anonymous_goes_to_sign_in(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import")

    response = client.get(f"/jobs/{job.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/jobs/{job.pk}/"


def test_job_enqueued_runs_after_commit_and_finishes(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    job = services.job_create(actor=cast.case_manager, kind="count", total=5)

    with django_capture_on_commit_callbacks(execute=True):
        services.job_enqueue(job=job, task=count_to, total=5)
    client.force_login(cast.case_manager)
    response = client.get(f"/jobs/{job.pk}/")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.task_result_id
    assert "Counted" in response.content.decode()
    assert "5 of 5 done" in response.content.decode()


def test_job_recent_work_is_listed_on_home(client: Client, cast: Cast) -> None:
    job = services.job_create(actor=cast.case_manager, kind="import", message="Importing March intake")
    client.force_login(cast.case_manager)

    response = client.get("/")

    assert f'<a href="/jobs/{job.pk}/">Importing March intake</a>' in response.content.decode()
