"""Background work of exports, run by the django-tasks worker."""

from __future__ import annotations

from django_tasks import task

from wholejourney.exports import services


@task()
def build_export(export_id: int) -> None:
    services.export_build(export_id=export_id)


@task()
def expire_exports() -> int:
    return services.export_expire_due()
