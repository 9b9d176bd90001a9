"""Reporting objects of the Cambodia office, made through the services, for the URL walk."""

from __future__ import annotations

from django.utils import timezone

from wholejourney.clients import services as client_services
from wholejourney.clients.models import ConsentKind
from wholejourney.conftest import Cast
from wholejourney.core import services as core_services
from wholejourney.reporting import services
from wholejourney.reporting.models import ReportFile, ReportNarrative, Story
from wholejourney.reporting.registry import Period

PERIOD = Period.year(timezone.localdate().year - 1)


def kh_narrative(cast: Cast) -> ReportNarrative:
    return services.narrative_save(
        actor=cast.director, office=cast.kh, period=PERIOD, language="en", letter="Dear all", signature="",
        introductions={},
    )  # fmt: skip


def kh_story(cast: Cast) -> Story:
    client = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=cast.team,
        given_name_latin="Storyteller",
        sex="female",
        birth_year=1990,
    )
    consent = client_services.consent_record(
        actor=cast.director, client=client, kind=ConsentKind.STORY, given_on=timezone.localdate(), pseudonym="Kolap"
    )
    return services.story_save(
        actor=cast.director, narrative=kh_narrative(cast), consent=consent, title="Kolap's story", body="A story."
    )


def kh_report_file(cast: Cast) -> ReportFile:
    job = core_services.job_create(actor=cast.director, kind=services.JOB_KIND, office=cast.kh)
    core_services.job_finish(job_id=job.pk, result_file="reports/x.json")
    return ReportFile.objects.create(
        office=cast.kh, period_start=PERIOD.start, period_end=PERIOD.end, edition="internal", format="json",
        language="en", job=job, path="reports/x.json", size=2, created_by=cast.director,
    )  # fmt: skip
