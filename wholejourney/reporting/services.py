"""Writes of the reporting app: the report's prose and stories, publishing them, the files made
in the background and their downloads, the disclosure threshold; and the audit of every look at
the records behind a figure. Each service checks the actor's permission itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.models import Consent, ConsentKind
from wholejourney.core import services as core_services
from wholejourney.core.models import Office
from wholejourney.reporting.models import (
    Edition,
    OfficeReportSettings,
    ReportFile,
    ReportFormat,
    ReportNarrative,
    Story,
)
from wholejourney.reporting.registry import SECTION_TITLES, Period, all_metrics, report_run


def report_figures(*, period: Period, office: Office | None) -> dict[str, Any]:
    """Every registered metric for the period and office (None: all offices), as the JSON report prints it."""
    figures = {}
    with report_run():
        results = {metric.id: metric.compute(period, office) for metric in all_metrics()}
    for metric in all_metrics():
        result = results[metric.id]
        figures[metric.id] = {"value": result.value, "label": str(metric.label), "section": metric.section}
    return {"period": period.as_json(), "office": office.code if office else "all", "metrics": figures}


def _may_report_on(actor: User, office: Office | None, perm: Permission = Permission.VIEW_REPORTS) -> bool:
    if office is None:
        return has_permission(actor, perm) and actor.office_id is None
    return has_permission(actor, perm, obj=office)


def _scope(office: Office | None, period: Period, *extra: str) -> list[str]:
    """What an audit row about a report names: office, period and anything else (no identities)."""
    return [f"office:{office.code if office else 'all'}", f"period:{period.start}..{period.end}", *extra]


def figure_drilldown_record(
    *, actor: User, metric_id: str, period: Period, office: Office | None, part: str = ""
) -> None:
    """Write the audit row of a look at the records behind a figure."""
    if not _may_report_on(actor, office):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type="reporting.figure",
        object_id=metric_id[:64],
        changed_fields=_scope(office, period, *([f"part:{part}"] if part else [])),
    )


def report_export_record(*, actor: User, period: Period, office: Office | None, edition: str, format: str) -> None:
    """Write the audit row of a report taken away straight from the page (JSON)."""
    if not _may_report_on(actor, office):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        object_type="reporting.report",
        object_id=format,
        changed_fields=_scope(office, period, f"edition:{edition}"),
    )


# --- narrative ---------------------------------------------------------------------------------


def narrative_save(
    *,
    actor: User,
    office: Office,
    period: Period,
    language: str,
    letter: str,
    signature: str,
    introductions: dict[str, str],
    narrative: ReportNarrative | None = None,
) -> ReportNarrative:
    """Create or change the prose of an office's report. A change to a published narrative takes
    it back to draft: it is published again only after the checks of `narrative_publish`."""
    if not _may_report_on(actor, office):
        raise PermissionDenied
    unknown = set(introductions) - set(SECTION_TITLES)
    if unknown:
        raise ValidationError(_("There is no such section of the report."))
    created = narrative is None
    if narrative is None:
        narrative = ReportNarrative(
            office=office, period_start=period.start, period_end=period.end, language=language, updated_by=actor
        )
    narrative.letter = letter.strip()
    narrative.signature = signature.strip()
    narrative.introductions = {key: text.strip() for key, text in introductions.items() if text.strip()}
    narrative.status = ReportNarrative.Status.DRAFT
    narrative.published_at = None
    narrative.published_by = None
    narrative.updated_by = actor
    with transaction.atomic():
        narrative.full_clean(validate_unique=created)
        narrative.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
            target=narrative,
            changed_fields=["letter", "signature", "introductions"],
        )
    return narrative


def _names_of(consent: Consent) -> list[str]:
    client = consent.client
    names = [
        client.given_name_km,
        client.family_name_km,
        client.given_name_latin,
        client.family_name_latin,
        *(client.aliases or []),
    ]
    return [str(name).strip() for name in names if name and len(str(name).strip()) >= 2]


def _names_in(text: str, names: Iterable[str]) -> bool:
    lowered = text.casefold()
    for name in names:
        needle = name.casefold()
        if needle.isascii():
            if re.search(rf"\b{re.escape(needle)}\b", lowered):
                return True
        elif needle in lowered:
            return True
    return False


def story_problems(*, consent: Consent | None, office: Office, texts: Iterable[str]) -> list[str]:
    """Why a story may not be told, if it may not: no story consent, withdrawn, without a
    pseudonym, of another office, or the text names the client. The messages never quote the
    client's name (an M&E officer writing the story must not learn it)."""
    if consent is None or consent.kind != ConsentKind.STORY:
        return [_("A story needs the client's consent to tell their story.")]
    problems = []
    if consent.client.office_id != office.pk:
        problems.append(_("The consent belongs to a client of another office."))
    if consent.withdrawn_on is not None:
        problems.append(_("The client withdrew their consent to tell their story."))
    if not consent.pseudonym:
        problems.append(_("The consent gives no pseudonym to tell the story under."))
    elif _names_in(consent.pseudonym, _names_of(consent)):
        problems.append(_("The pseudonym is the client's own name: record a consent with another pseudonym."))
    if _names_in(" ".join(texts), _names_of(consent)):
        problems.append(_("The story names the client: call them only by their pseudonym."))
    return problems


def story_save(
    *,
    actor: User,
    narrative: ReportNarrative,
    consent: Consent,
    title: str,
    body: str,
    quote: str = "",
    order: int = 0,
    story: Story | None = None,
) -> Story:
    """Add or change a story of the narrative, told under the pseudonym of the client's story consent."""
    if not _may_report_on(actor, narrative.office):
        raise PermissionDenied
    problems = story_problems(consent=consent, office=narrative.office, texts=[title, quote, body])
    if problems:
        raise ValidationError(problems)
    created = story is None
    story = story or Story(narrative=narrative)
    story.consent, story.title, story.quote, story.body = consent, title.strip(), quote.strip(), body.strip()
    story.order, story.updated_by = order, actor
    with transaction.atomic():
        story.full_clean()
        story.save()
        _back_to_draft(narrative, actor)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
            target=story,
            changed_fields=["title", "quote", "body", "consent"],
        )
    return story


def story_delete(*, actor: User, story: Story) -> None:
    narrative = story.narrative
    if not _may_report_on(actor, narrative.office):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, target=story, changed_fields=["story"])
        story.delete()
        _back_to_draft(narrative, actor)


def _back_to_draft(narrative: ReportNarrative, actor: User) -> None:
    if narrative.status != ReportNarrative.Status.DRAFT:
        ReportNarrative.objects.filter(pk=narrative.pk).update(
            status=ReportNarrative.Status.DRAFT, published_at=None, published_by=None, updated_by=actor
        )
        narrative.status = ReportNarrative.Status.DRAFT


def narrative_publish(*, actor: User, narrative: ReportNarrative) -> ReportNarrative:
    """Publish the narrative (a director's decision): refused while any story lacks a standing
    story consent with a pseudonym, or names its client."""
    if not _may_report_on(actor, narrative.office, Permission.APPROVE_EXPORTS):
        raise PermissionDenied
    problems = []
    for story in narrative.stories.select_related("consent__client__data_key"):
        for problem in story_problems(
            consent=story.consent, office=narrative.office, texts=[story.title, story.quote, story.body]
        ):
            problems.append(_("%(title)s: %(problem)s") % {"title": story.title, "problem": problem})
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        narrative.status = ReportNarrative.Status.PUBLISHED
        narrative.published_at = timezone.now()
        narrative.published_by = actor
        narrative.save(update_fields=["status", "published_at", "published_by"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=narrative, changed_fields=["status"])
    return narrative


def office_threshold_set(*, actor: User, office: Office, threshold: int) -> OfficeReportSettings:
    """Set the office's disclosure threshold (a director or an administrator)."""
    if not (
        has_permission(actor, Permission.APPROVE_EXPORTS, obj=office)
        or has_permission(actor, Permission.MANAGE_OFFICES, obj=office)
    ):
        raise PermissionDenied
    if threshold < 1:
        raise ValidationError({"disclosure_threshold": _("The threshold is at least 1.")})
    with transaction.atomic():
        row, _created = OfficeReportSettings.objects.update_or_create(
            office=office, defaults={"disclosure_threshold": threshold}
        )
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=row, changed_fields=["disclosure_threshold"])
    return row


# --- files made in the background --------------------------------------------------------------

JOB_KIND = "report"


def report_file_request(
    *, actor: User, office: Office | None, period: Period, edition: str, format: str, language: str
) -> ReportFile:
    """Queue a report file (PDF, spreadsheet, …) to be made by the task worker; the job shows its progress."""
    if not _may_report_on(actor, office):
        raise PermissionDenied
    if edition not in Edition.values or format not in ReportFormat.values:
        raise ValidationError(_("Choose an edition and a format."))
    from wholejourney.reporting.tasks import build_report_file  # tasks build on services

    with transaction.atomic():
        job = core_services.job_create(actor=actor, kind=JOB_KIND, office=office, total=4)
        report_file = ReportFile.objects.create(
            office=office,
            period_start=period.start,
            period_end=period.end,
            edition=edition,
            format=format,
            language=language,
            job=job,
            created_by=actor,
        )
        core_services.job_enqueue(job=job, task=build_report_file, report_file_id=report_file.pk)
    return report_file


def render_report(*, period: Period, office: Office | None, edition: str, format: str, progress: Any = None) -> bytes:
    """The report in one format, as bytes, in the active language."""
    from wholejourney.reporting import assembly, pdf, selectors, xlsx

    step = progress or (lambda done, message: None)
    step(1, _("Computing the figures"))
    report = assembly.build_report(period=period, office=office, edition=edition)
    selectors.attach_narrative(report, translation.get_language() or "en")
    step(2, _("Laying out the report"))
    if format == ReportFormat.JSON:
        return (json.dumps(assembly.report_json(report), ensure_ascii=False, indent=2) + "\n").encode()
    if format == ReportFormat.XLSX:
        return xlsx.render(report)
    html = pdf.render_html(report)
    if format == ReportFormat.HTML:
        return html.encode()
    step(3, _("Drawing the PDF"))
    return pdf.render_pdf(html)


def report_file_build(*, job_id: int, report_file_id: int) -> ReportFile:
    """Make the file (run by the task worker) and keep it under var/media/reports/."""
    report_file = ReportFile.objects.select_related("office").get(pk=report_file_id)

    def progress(done: int, message: str) -> None:
        core_services.job_progress(job_id=job_id, done=done, message=message)

    try:
        with translation.override(report_file.language):
            content = render_report(
                period=Period(report_file.period_start, report_file.period_end),
                office=report_file.office,
                edition=report_file.edition,
                format=report_file.format,
                progress=progress,
            )
            path = default_storage.save(f"reports/{report_file.pk}/{report_file.filename()}", ContentFile(content))
            ReportFile.objects.filter(pk=report_file.pk).update(path=path, size=len(content))
            core_services.job_finish(job_id=job_id, message=_("Ready to download"), result_file=path)
    except Exception:
        # The message is shown on the job page: say what failed, never what the data held.
        core_services.job_fail(job_id=job_id, message=_("The report could not be made."))
        raise
    report_file.refresh_from_db()
    return report_file


def report_file_download(*, actor: User, report_file: ReportFile) -> Any:
    """Open a made report for download, writing the audit row of the export."""
    if not _may_report_on(actor, report_file.office) or not report_file.is_ready:
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        target=report_file,
        changed_fields=_scope(
            report_file.office,
            Period(report_file.period_start, report_file.period_end),
            f"edition:{report_file.edition}",
            f"format:{report_file.format}",
        ),
    )
    return default_storage.open(report_file.path, "rb")
