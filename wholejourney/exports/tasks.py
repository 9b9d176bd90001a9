"""Background work of exports, run by the django-tasks worker."""

from __future__ import annotations

from django_tasks import task

from wholejourney.core.task_failures import failures_without_values
from wholejourney.exports import services


@task()
@failures_without_values
def build_export(export_id: int) -> None:
    services.export_build(export_id=export_id)


@task()
@failures_without_values
def expire_exports() -> int:
    return services.export_expire_due()
