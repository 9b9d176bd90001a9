"""The import pages, for administrators: upload a workbook, watch it being checked and recorded,
read every problem it has."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from wholejourney.accounts.permissions import requires
from wholejourney.accounts.roles import Permission
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.imports import format as fmt
from wholejourney.imports import forms as import_forms
from wholejourney.imports import selectors, tasks
from wholejourney.imports.forms import UploadForm
from wholejourney.imports.template import template_workbook


class InMemoryUpload(MemoryFileUploadHandler):
    """Keeps the upload in memory: a workbook of names is never written to a temporary file in the clear
    (it is kept encrypted until the worker reads it)."""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:  # noqa: N803
        self.activated = not _too_large(content_length)


def _too_large(content_length: int) -> bool:
    return content_length > import_forms.MAX_UPLOAD_BYTES + import_forms.UPLOAD_ENVELOPE_BYTES


@requires(Permission.IMPORT_DATA)
@csrf_exempt
def upload(request: AuthedHttpRequest) -> HttpResponse:
    """The upload page; the file is checked and recorded in the background."""
    # Replacing the upload handlers must come before anything reads the body, hence CSRF checked below.
    request.upload_handlers = [InMemoryUpload(request)]
    return _upload(request)


@csrf_protect
def _upload(request: AuthedHttpRequest) -> HttpResponse:
    offices = selectors.offices_importable_by(request.user)
    too_large = request.method == "POST" and _too_large(int(request.META.get("CONTENT_LENGTH") or 0))
    form = UploadForm(request.POST or None, request.FILES or None, offices=offices, too_large=too_large)
    if request.method == "POST" and form.is_valid():
        upload_file = request.FILES["workbook"]
        try:
            job = tasks.upload_start(
                actor=request.user,
                office=form.cleaned_data["office"],
                data=form.cleaned_data["workbook"],
                file_name=getattr(upload_file, "name", "") or "",
                language=translation.get_language() or "en",
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        return redirect("imports:status", pk=job.pk)
    runs = selectors.runs_visible_to(request.user)[:10]
    return render(request, "imports/upload.html", {"form": form, "runs": runs})


@requires(Permission.IMPORT_DATA)
def status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar while the import runs, then its counts or every problem with its place."""
    job = selectors.import_job_get_for(user=request.user, pk=pk)
    run = selectors.run_of_job(job)
    problems = tasks.problems_shown(run) if run else []
    problem_count = run.counts.get("problems", len(problems)) if run else 0
    # The sheets that had rows, in the workbook's order, under their titles in the reader's language.
    recorded = [
        (sheet, run.counts[sheet.name])
        for sheet in fmt.SHEETS
        if run is not None and run.counts.get(sheet.name, {}).get("rows")
    ]
    context = {"job": job, "run": run, "problems": problems, "problem_count": problem_count, "recorded": recorded}
    template = "imports/_outcome.html" if request.htmx else "imports/status.html"
    return render(request, template, context)


@requires(Permission.IMPORT_DATA)
def template(request: AuthedHttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    template_workbook(response)
    response["Content-Disposition"] = 'attachment; filename="wholejourney-import-template.xlsx"'
    return response
