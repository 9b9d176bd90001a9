"""Background jobs: create one, report its progress, finish it.

Progress is written outside any long transaction (each update commits on its own), so a page
polling the job sees it move. A job whose work must be all-or-nothing validates and counts first,
reporting progress, and writes its records in one transaction at the end.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from wholejourney.core.models import Job, Office


def job_create(*, actor: Any, kind: str, office: Office | None = None, total: int = 0, message: str = "") -> Job:
    return Job.objects.create(kind=kind, created_by=actor, office=office, total=total, message=message)


def job_enqueue(*, job: Job, task: Any, **kwargs: Any) -> Job:
    """Queue `task(job_id=…, **kwargs)` once the job row is committed, so the worker can find it."""

    def _enqueue() -> None:
        result = task.enqueue(job_id=job.pk, **kwargs)
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))

    transaction.on_commit(_enqueue)
    return job


def job_progress(*, job_id: int, done: int, total: int | None = None, message: str | None = None) -> None:
    changes: dict[str, Any] = {"done": done, "status": Job.Status.RUNNING, "updated_at": timezone.now()}
    if total is not None:
        changes["total"] = total
    if message is not None:
        changes["message"] = message[:240]
    Job.objects.filter(pk=job_id).update(**changes)


def job_finish(*, job_id: int, message: str = "", result_file: str = "") -> None:
    now = timezone.now()
    job = Job.objects.get(pk=job_id)
    job.status = Job.Status.SUCCEEDED
    job.done = job.total
    job.finished_at = now
    if message:
        job.message = message[:240]
    if result_file:
        job.result_file = result_file
    job.save()
    _job_notify(job)


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, message=message[:240], finished_at=timezone.now(), updated_at=timezone.now()
    )
    _job_notify(Job.objects.select_related("created_by").get(pk=job_id))


def _job_notify(job: Job) -> None:
    from wholejourney.notifications import events  # notifications builds on core, not the reverse

    events.job_finished(job=job)
