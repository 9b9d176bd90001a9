"""Background work of the reporting app (django-tasks): making report files."""

from __future__ import annotations

from django_tasks import task

from wholejourney.core.task_failures import failures_without_values
from wholejourney.reporting import services


@task()
@failures_without_values
def build_report_file(job_id: int, report_file_id: int) -> None:
    services.report_file_build(job_id=job_id, report_file_id=report_file_id)
