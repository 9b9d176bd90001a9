"""Reads for the import pages, scoped to the user: offices they may import into, their own runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.models import Job, Office
from wholejourney.core.selectors import jobs_visible_to
from wholejourney.imports.models import ImportRun
from wholejourney.imports.tasks import JOB_KIND


def offices_importable_by(user: Any) -> QuerySet[Office]:
    """The offices `user` may import into: their own, or every active one for a global administrator."""
    if not has_permission(user, Permission.IMPORT_DATA):
        return Office.objects.none()
    offices = Office.objects.filter(is_active=True)
    return offices if user.office_id is None else offices.filter(pk=user.office_id)


def import_job_get_for(*, user: Any, pk: int) -> Job:
    """An import's job, seen by whoever started it while they may still import into its office."""
    job = jobs_visible_to(user).filter(pk=pk, kind=JOB_KIND).select_related("office").first()
    if job is None or job.office is None or not offices_importable_by(user).filter(pk=job.office.pk).exists():
        raise Http404
    return job


def run_of_job(job: Job) -> ImportRun | None:
    return ImportRun.objects.filter(job=job).order_by("-pk").first()


def runs_visible_to(user: Any) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(office__in=offices_importable_by(user)).select_related("office", "by")
