"""Reads of the reporting app, scoped to the user: which offices' reports they may see, a
figure's records, narratives, stories that may be told, and the files made for them.

Reports are for holders of VIEW_REPORTS (directors, M&E). A user of an office sees that office's
reports; a global user sees every office's and all offices together. Anything out of reach is a
404, the same as something that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.clients.models import Consent, ConsentKind
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.models import Office
from wholejourney.reporting.drilldown import Records, Row, records_of
from wholejourney.reporting.models import ReportFile, ReportNarrative, Story
from wholejourney.reporting.registry import Metric, Period, get_metric


def offices_for_reports(user: Any) -> QuerySet[Office]:
    """The offices whose reports the user may see."""
    if not has_permission(user, Permission.VIEW_REPORTS):
        return Office.objects.none()
    offices = Office.objects.filter(is_active=True)
    return offices if user.office_id is None else offices.filter(pk=user.office_id)


def may_see_all_offices(user: Any) -> bool:
    return has_permission(user, Permission.VIEW_REPORTS) and user.office_id is None


def report_office_for(user: Any, code: str | None) -> Office | None:
    """The office a report is asked for: by code, "all" (global users only), or by default the
    user's own office (a global user: all offices). 404 for anything out of reach."""
    if not code:
        return None if user.office_id is None else Office.objects.get(pk=user.office_id)
    if code.lower() == "all":
        if not may_see_all_offices(user):
            raise Http404
        return None
    office = offices_for_reports(user).filter(code=code.upper()).first()
    if office is None:
        raise Http404
    return office


def metric_for(metric_id: str) -> Metric:
    try:
        return get_metric(metric_id)
    except KeyError as exc:
        raise Http404 from exc


def figure_records(*, metric: Metric, period: Period, office: Office | None, part: str = "") -> Records:
    """The records behind a figure (or one part of a breakdown). 404 if the figure has none."""
    result = metric.compute(period, office)
    if part:
        queryset = result.parts.get(part)
    else:
        queryset = result.records if not isinstance(result.value, dict) else None
    if queryset is None:
        raise Http404
    return records_of(queryset, result.sum_of)


def with_links(user: Any, rows: list[Row]) -> list[Row]:
    """Link each row to its client's page when the user may open it (an M&E officer never may)."""
    ids = {row.client_id for row in rows if row.client_id}
    if not ids or not has_permission(user, Permission.VIEW_CLIENTS):
        return rows
    visible = set(clients_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for row in rows:
        if row.client_id in visible:
            row.link = reverse("clients:detail", kwargs={"pk": row.client_id})
    return rows


# --- narrative ---------------------------------------------------------------------------------


def narratives_visible_to(user: Any) -> QuerySet[ReportNarrative]:
    return ReportNarrative.objects.filter(office__in=offices_for_reports(user)).select_related("office")


def narrative_get_for(*, user: Any, pk: int) -> ReportNarrative:
    narrative = narratives_visible_to(user).filter(pk=pk).first()
    if narrative is None:
        raise Http404
    return narrative


def narrative_for(*, office: Office | None, period: Period, language: str) -> ReportNarrative | None:
    if office is None:
        return None
    return ReportNarrative.objects.filter(
        office=office, period_start=period.start, period_end=period.end, language=language
    ).first()


def attach_narrative(report: Any, language: str) -> None:
    """Give the report its prose: the narrative of its office, period and language, if there is
    one (the internal edition shows a draft too, marked as such; the external only a published
    one), with the stories that may still be told."""
    narrative = narrative_for(office=report.office, period=report.period, language=language)
    if narrative is None or (report.is_external and narrative.status != ReportNarrative.Status.PUBLISHED):
        return
    report.narrative = narrative
    report.stories = stories_to_tell(narrative)
    for section in report.sections:
        section.introduction = (narrative.introductions or {}).get(section.id, "")


def story_get_for(*, user: Any, pk: int) -> Story:
    story = (
        Story.objects.filter(narrative__in=narratives_visible_to(user), pk=pk)
        .select_related("narrative", "consent__client__data_key")
        .first()
    )
    if story is None:
        raise Http404
    return story


def story_consents(office: Office) -> QuerySet[Consent]:
    """The story consents of the office's clients that are in force today: the only pseudonyms a
    story may name."""
    return (
        Consent.objects.filter(client__office=office, kind=ConsentKind.STORY, withdrawn_on__isnull=True)
        .filter(given_on__lte=timezone.localdate())
        .select_related("client__data_key")
        .order_by("given_on", "pk")
    )


def stories_to_tell(narrative: ReportNarrative | None) -> list[Story]:
    """The stories of a published narrative whose consent still stands: a consent withdrawn after
    publishing takes the story out of every report made afterwards."""
    if narrative is None or narrative.status != ReportNarrative.Status.PUBLISHED:
        return []
    stories = narrative.stories.select_related("consent__client__data_key")
    return [
        story
        for story in stories
        if story.consent.kind == ConsentKind.STORY and story.consent.withdrawn_on is None and story.consent.pseudonym
    ]


# --- files -------------------------------------------------------------------------------------


def report_files_visible_to(user: Any) -> QuerySet[ReportFile]:
    """Files of the offices the user sees reports of; files of all offices to global users."""
    if not has_permission(user, Permission.VIEW_REPORTS):
        return ReportFile.objects.none()
    files = ReportFile.objects.select_related("office", "job", "created_by")
    if user.office_id is None:
        return files
    return files.filter(office_id=user.office_id)


def report_file_get_for(*, user: Any, pk: int) -> ReportFile:
    found = report_files_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
