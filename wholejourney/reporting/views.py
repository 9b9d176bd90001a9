"""The report pages: the report of an office and a period, the records behind a figure, the
narrative and its stories, the files made in the background, the data-quality check.

Every page needs VIEW_REPORTS (directors and M&E officers); offices out of reach are 404."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import has_permission, requires
from wholejourney.accounts.roles import Permission
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.core.models import Office
from wholejourney.reporting import assembly, quality, selectors, services
from wholejourney.reporting.forms import (
    NarrativeForm,
    ReportFileForm,
    ReportQueryForm,
    StoryForm,
    ThresholdForm,
    query_string,
)
from wholejourney.reporting.models import Edition, ReportFormat, ReportNarrative
from wholejourney.reporting.registry import SECTION_TITLES, Period

ROWS_PER_PAGE = 100


def _query(request: AuthedHttpRequest) -> tuple[ReportQueryForm, Office | None, Period, str]:
    """The office, period and edition a page is asked for (defaults: the user's office, last
    year). An office out of the user's reach is a 404; a malformed period shows the form's errors
    over the default period."""
    office = selectors.report_office_for(request.user, request.GET.get("office"))
    choices = {
        "offices": list(selectors.offices_for_reports(request.user)),
        "all_offices": selectors.may_see_all_offices(request.user),
    }
    form = ReportQueryForm(request.GET, **choices)  # type: ignore[arg-type]
    if form.is_valid() and not request.GET:
        period = form.cleaned_data["period"]
        initial = {"office": office.code if office else "all", "year": period.start.year}
        return ReportQueryForm(initial=initial, **choices), office, period, Edition.INTERNAL  # type: ignore[arg-type]
    if form.is_valid():
        return form, office, form.cleaned_data["period"], form.cleaned_data["edition"]
    fallback = ReportQueryForm({}, offices=[], all_offices=False)
    fallback.is_valid()
    return form, office, fallback.cleaned_data["period"], Edition.INTERNAL


def _links(office: Office | None, period: Period, edition: str) -> dict[str, str]:
    query = query_string(period=period, office=office, edition=edition)
    return {
        "query": query,
        "internal": reverse("reporting:report") + "?" + query_string(period=period, office=office),
        "external": reverse("reporting:report") + "?" + query_string(period=period, office=office, edition="external"),
        "json": reverse("reporting:report_json") + "?" + query,
        "files": reverse("reporting:files") + "?" + query_string(period=period, office=office),
        "quality": reverse("reporting:quality") + "?" + query_string(period=period, office=office),
        "narrative": reverse("reporting:narrative") + "?" + query_string(period=period, office=office),
    }


@requires(Permission.VIEW_REPORTS)
def report(request: AuthedHttpRequest) -> HttpResponse:
    """The report of an office (or all offices) for a period, with the previous period beside it."""
    form, office, period, edition = _query(request)
    built = assembly.build_report(period=period, office=office, edition=edition)
    selectors.attach_narrative(built, translation.get_language() or "en")
    return render(
        request,
        "reporting/report.html",
        {
            "form": form,
            "report": built,
            "links": _links(office, period, edition),
            "highlight_lead": built.figures.get(assembly.HIGHLIGHT_LEAD),
        },
    )


@requires(Permission.VIEW_REPORTS)
def report_json(request: AuthedHttpRequest) -> HttpResponse:
    """The report as JSON (as `wholejourney report --format json` prints it), audited as an export."""
    _form, office, period, edition = _query(request)
    built = assembly.build_report(period=period, office=office, edition=edition, with_charts=edition == "external")
    services.report_export_record(actor=request.user, period=period, office=office, edition=edition, format="json")
    response = HttpResponse(
        json.dumps(assembly.report_json(built), ensure_ascii=False, indent=2), content_type="application/json"
    )
    name = f"report-{office.code if office else 'all'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{edition}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Permission.VIEW_REPORTS)
def figure(request: AuthedHttpRequest, metric_id: str) -> HttpResponse:
    """The records behind a figure (or a part of it): codes, dates, ids, never a name. Audited."""
    metric = selectors.metric_for(metric_id)
    _form, office, period, _edition = _query(request)
    part = request.GET.get("part", "")
    records = selectors.figure_records(metric=metric, period=period, office=office, part=part)
    services.figure_drilldown_record(actor=request.user, metric_id=metric.id, period=period, office=office, part=part)
    page = Paginator(records.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.with_links(request.user, records.to_rows(list(page.object_list)))
    result_value = metric.compute(period, office).value
    value = result_value.get(part) if isinstance(result_value, dict) else result_value
    return render(
        request,
        "reporting/figure.html",
        {
            "metric": metric,
            "part": part,
            "part_label": assembly.part_label(part) if part else "",
            "value": value,
            "records": records,
            "size": records.size(),
            "page": page,
            "rows": rows,
            "period": period,
            "office": office,
            "links": _links(office, period, Edition.INTERNAL),
            "page_query": query_string(period=period, office=office, part=part),
        },
    )


# --- narrative ---------------------------------------------------------------------------------


@requires(Permission.VIEW_REPORTS)
def narrative(request: AuthedHttpRequest) -> HttpResponse:
    """The narrative of an office's report for the period, in the language of the page: opens the
    one there is, or starts one."""
    _form, office, period, _edition = _query(request)
    if office is None:
        raise Http404  # a narrative belongs to one office's report
    language = translation.get_language() or "en"
    existing = selectors.narrative_for(office=office, period=period, language=language)
    if existing is not None:
        return redirect("reporting:narrative_detail", pk=existing.pk)
    form = NarrativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            created = services.narrative_save(
                actor=request.user,
                office=office,
                period=period,
                language=language,
                letter=form.cleaned_data["letter"],
                signature=form.cleaned_data["signature"],
                introductions=form.introductions(),
            )
        if call.ok:
            messages.success(request, _("The narrative is saved as a draft."))
            return redirect("reporting:narrative_detail", pk=created.pk)
    return render(
        request,
        "reporting/narrative.html",
        {"form": form, "narrative": None, "office": office, "period": period, "language": language},
    )


@requires(Permission.VIEW_REPORTS)
def narrative_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.narrative_get_for(user=request.user, pk=pk)
    period = Period(found.period_start, found.period_end)
    initial: dict[str, Any] = {"letter": found.letter, "signature": found.signature}
    initial.update({f"intro_{key}": text for key, text in (found.introductions or {}).items()})
    form = NarrativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            services.narrative_save(
                actor=request.user,
                office=found.office,
                period=period,
                language=found.language,
                letter=form.cleaned_data["letter"],
                signature=form.cleaned_data["signature"],
                introductions=form.introductions(),
                narrative=found,
            )
        if call.ok:
            messages.success(request, _("The narrative is saved as a draft."))
            return redirect("reporting:narrative_detail", pk=found.pk)
    return render(
        request,
        "reporting/narrative.html",
        {
            "form": form,
            "narrative": found,
            "stories": list(found.stories.select_related("consent__client__data_key")),
            "office": found.office,
            "period": period,
            "language": found.language,
            "may_publish": has_permission(request.user, Permission.APPROVE_EXPORTS, obj=found.office),
            "report_link": reverse("reporting:report") + "?" + query_string(period=period, office=found.office),
        },
    )


@require_POST
@requires(Permission.APPROVE_EXPORTS)
def narrative_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.narrative_get_for(user=request.user, pk=pk)
    try:
        services.narrative_publish(actor=request.user, narrative=found)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("The narrative is published."))
    return redirect("reporting:narrative_detail", pk=found.pk)


def _story_form(request: AuthedHttpRequest, found: ReportNarrative, story: Any = None) -> HttpResponse:
    initial = {}
    if story is not None:
        initial = {
            "consent": story.consent_id,
            "title": story.title,
            "quote": story.quote,
            "body": story.body,
            "order": story.order,
        }
    form = StoryForm(request.POST or None, initial=initial, consents=selectors.story_consents(found.office))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_call(form) as call:
            services.story_save(
                actor=request.user,
                narrative=found,
                consent=data["consent"],
                title=data["title"],
                quote=data["quote"],
                body=data["body"],
                order=data["order"] or 0,
                story=story,
            )
        if call.ok:
            messages.success(request, _("The story is saved; the narrative is a draft until it is published again."))
            return redirect("reporting:narrative_detail", pk=found.pk)
    return render(request, "reporting/story_form.html", {"form": form, "narrative": found, "story": story})


@requires(Permission.VIEW_REPORTS)
def story_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _story_form(request, selectors.narrative_get_for(user=request.user, pk=pk))


@requires(Permission.VIEW_REPORTS)
def story_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    story = selectors.story_get_for(user=request.user, pk=pk)
    return _story_form(request, story.narrative, story)


@require_POST
@requires(Permission.VIEW_REPORTS)
def story_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    story = selectors.story_get_for(user=request.user, pk=pk)
    narrative_pk = story.narrative_id
    services.story_delete(actor=request.user, story=story)
    messages.success(request, _("The story is removed."))
    return redirect("reporting:narrative_detail", pk=narrative_pk)


# --- files -------------------------------------------------------------------------------------


@requires(Permission.VIEW_REPORTS)
def files(request: AuthedHttpRequest) -> HttpResponse:
    """Report files made in the background (with their progress), and a form to make another."""
    _query_form, office, period, edition = _query(request)
    initial = {
        "office": office.code if office else "all",
        "date_from": period.start,
        "date_to": period.end,
        "edition": edition,
        "language": translation.get_language(),
    }
    form = ReportFileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        office = selectors.report_office_for(request.user, data["office"])
        with service_call(form) as call:
            made = services.report_file_request(
                actor=request.user,
                office=office,
                period=data["period"],
                edition=data["edition"],
                format=data["format"],
                language=data["language"],
            )
        if call.ok:
            messages.success(request, _("The report is being made: it appears below when it is ready."))
            query = query_string(period=data["period"], office=office)
            return redirect(reverse("reporting:files") + f"?{query}#file-{made.pk}")
    recent = list(selectors.report_files_visible_to(request.user)[:30])
    # The data-quality check comes before a report is made: what would make its figures wrong.
    checks = [check for check in quality.data_quality(period, office) if check.count]
    return render(
        request,
        "reporting/files.html",
        {
            "form": form,
            "files": recent,
            "period": period,
            "office": office,
            "checks": checks,
            "quality_link": reverse("reporting:quality") + "?" + query_string(period=period, office=office),
        },
    )


@requires(Permission.VIEW_REPORTS)
def file_download(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Download a made report: an audited export."""
    found = selectors.report_file_get_for(user=request.user, pk=pk)
    if not found.is_ready:
        raise Http404
    handle = services.report_file_download(actor=request.user, report_file=found)
    content_types: dict[str, str] = {
        ReportFormat.PDF: "application/pdf",
        ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ReportFormat.HTML: "text/html; charset=utf-8",
        ReportFormat.JSON: "application/json",
    }
    response = FileResponse(
        handle, as_attachment=True, filename=found.filename(), content_type=content_types.get(found.format)
    )
    return response  # type: ignore[return-value]


# --- data quality and settings -----------------------------------------------------------------


@requires(Permission.VIEW_REPORTS)
def quality_page(request: AuthedHttpRequest) -> HttpResponse:
    """What would make the period's figures wrong, with links to put it right."""
    form, office, period, _edition = _query(request)
    checks = quality.data_quality(period, office)
    problems = [problem for check in checks for problem in check.problems]
    selectors.with_links(request.user, problems)  # type: ignore[arg-type]
    return render(
        request,
        "reporting/quality.html",
        {"form": form, "checks": checks, "period": period, "office": office, "links": _links(office, period, "")},
    )


@requires(Permission.APPROVE_EXPORTS)
def settings_page(request: AuthedHttpRequest) -> HttpResponse:
    """The office's disclosure threshold (a director)."""
    office = request.user.office
    if office is None:
        raise Http404
    form = ThresholdForm(request.POST or None, initial={"disclosure_threshold": assembly.threshold_for(office)})
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            services.office_threshold_set(
                actor=request.user, office=office, threshold=form.cleaned_data["disclosure_threshold"]
            )
        if call.ok:
            messages.success(request, _("The disclosure threshold is saved."))
            return redirect("reporting:settings")
    return render(request, "reporting/settings.html", {"form": form, "office": office, "sections": SECTION_TITLES})
