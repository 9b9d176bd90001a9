"""Activities and who attended them: typed in, or uploaded from the paper sheet and imported in the background; the participants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wholejourney.accounts.permissions import requires
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.programmes import forms as programme_forms
from wholejourney.programmes import selectors, services, sheets, tasks
from wholejourney.programmes.models import Activity, ActivityKind, TrainingTopic
from wholejourney.programmes.views.common import ATTENDANCE_PAGE_SIZE, RECORD, listing, office_of

# A training is about 25 people; a longer sheet is uploaded (each row is ten fields of the request).
DEFAULT_ROWS, MORE_ROWS, MAX_ROWS = 25, 10, 80


# --- activities and attendance ---------------------------------------------------------------


@requires(RECORD)
def activity_list(request: AuthedHttpRequest) -> HttpResponse:
    form = programme_forms.ActivityFilterForm(request.GET or None)
    activities = selectors.activities_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            activities = activities.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["year"]:
            activities = activities.filter(held_on__year=form.cleaned_data["year"])
    return render(request, "programmes/activity_list.html", {**listing(request, activities), "filter_form": form})


@requires(RECORD)
def activity_new(request: AuthedHttpRequest) -> HttpResponse:
    office = office_of(request)
    form = programme_forms.ActivityForm(request.POST or None, initial={"held_on": timezone.localdate()})
    # A reflection meeting is recorded with the husband-wife groups that met (reflection_new).
    form.fields["kind"].choices = [c for c in ActivityKind.choices if c[0] != ActivityKind.REFLECTION_MEETING]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            activity = services.activity_record(actor=request.user, office=office, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The activity is saved. Now record who attended."))
            return redirect("programmes:activity_detail", pk=activity.pk)
    return render(request, "programmes/activity_form.html", {"form": form})


@requires(RECORD)
def activity_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for(user=request.user, pk=pk)
    attendances = selectors.attendances_of(activity)
    context = {
        "activity": activity,
        **listing(request, attendances, ATTENDANCE_PAGE_SIZE),
        "with_tests": _with_tests(activity),
        "show_names": selectors.may_see_names(request.user),
        "hw_groups": activity.hw_groups.order_by("label") if activity.kind == ActivityKind.REFLECTION_MEETING else [],
    }
    return render(request, "programmes/activity_detail.html", context)


def _with_tests(activity: Activity) -> bool:
    return activity.kind == ActivityKind.TIC_PFA_TRAINING or activity.topic == TrainingTopic.TIC_PFA


@requires(RECORD)
def attendance_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A paper sheet typed in: all recorded, or none and every bad row marked. "More rows" and a
    pasted list of names only show the rows again, with everything typed kept; nothing is saved
    until "Save the attendance"."""
    activity = selectors.activity_get_for(user=request.user, pk=pk)
    office_of(request)
    organisations = list(selectors.partner_organisations(request.user).values_list("name", flat=True))

    def rows_form(data: Any, **kwargs: Any) -> programme_forms.BaseAttendanceFormSet:
        return programme_forms.attendance_formset(
            data, max_rows=MAX_ROWS, organisations=organisations, with_tests=_with_tests(activity), **kwargs
        )

    if request.method != "POST":
        formset = rows_form(None, rows=DEFAULT_ROWS)
        paste = programme_forms.PasteForm(room=MAX_ROWS)
    elif "more" in request.POST or "paste" in request.POST:
        formset, paste = _rows_again(request, rows_form)
    else:
        formset = rows_form(request.POST, rows=0)
        paste = programme_forms.PasteForm(room=MAX_ROWS)
        if formset.is_valid() and _record(request, activity, formset):
            return redirect("programmes:activity_detail", pk=activity.pk)
    context = {"activity": activity, "formset": formset, "paste": paste, "may_add": len(formset.forms) < MAX_ROWS}
    template = "programmes/_attendance_rows.html" if request.htmx else "programmes/attendance_form.html"
    return render(request, template, context)


def _rows_again(
    request: AuthedHttpRequest, rows_form: Callable[..., programme_forms.BaseAttendanceFormSet]
) -> tuple[programme_forms.BaseAttendanceFormSet, programme_forms.PasteForm]:
    """The rows as typed, with MORE_ROWS empty ones added, or with the pasted people in them."""
    typed = rows_form(request.POST, rows=0).typed()
    room = MAX_ROWS - programme_forms.rows_filled(typed)
    if "more" in request.POST:
        paste = programme_forms.PasteForm(room=room, initial={"names": request.POST.get("paste-names", "")})
        formset = rows_form(None, rows=min(MORE_ROWS, MAX_ROWS - len(typed)), typed=typed)
        if len(formset.forms) > len(typed):  # the page opens at the first new row
            formset.forms[len(typed)].fields["name"].widget.attrs["autofocus"] = True
        return formset, paste
    paste = programme_forms.PasteForm(request.POST, room=room)
    if not paste.is_valid():
        return rows_form(None, rows=0, typed=typed), paste
    rows = programme_forms.rows_with_people(typed, paste.cleaned_data["names"])
    return rows_form(None, rows=0, typed=rows), programme_forms.PasteForm(room=MAX_ROWS - len(rows))


def _record(request: AuthedHttpRequest, activity: Activity, formset: programme_forms.BaseAttendanceFormSet) -> bool:
    """Record the filled rows; a refused row is marked on the form and nothing is saved."""
    filled = formset.rows()
    values = []
    for number, row in filled:
        data = {key: ("" if value is None else value) for key, value in row.cleaned_data.items()}
        data["ref"] = data["ref"] or sheets.row_reference(activity.pk, number, data)
        values.append(data)
    try:
        counts = services.attendance_record(actor=request.user, activity=activity, rows=values)
    except services.BatchError as exc:
        for error in exc.rows:
            form = filled[error.row - 1][1]
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(
        request,
        _("%(added)s people added to the attendance (%(new)s new participants).")
        % {"added": counts["attendances_added"], "new": counts["participants_created"]},
    )
    return True


@requires(RECORD)
def attendance_template(request: AuthedHttpRequest) -> HttpResponse:
    response = HttpResponse(
        sheets.attendance_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"attendance-sheet-{translation.get_language()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(RECORD)
def attendance_upload(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Keep the sheet and import it in the background; the job page shows the progress."""
    activity = selectors.activity_get_for(user=request.user, pk=pk)
    office_of(request)
    form = programme_forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = tasks.attendance_import_start(
                actor=request.user,
                activity=activity,
                data=form.cleaned_data["sheet"],
                language=translation.get_language() or "en",
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        return redirect("programmes:upload_status", pk=job.pk)
    return render(request, "programmes/upload_form.html", {"activity": activity, "form": form})


@requires(RECORD)
def upload_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The upload's progress bar, then what happened: the counts, or every bad row with its reason."""
    job = selectors.upload_job_get_for(user=request.user, pk=pk)
    state = tasks.upload_state(job)
    activity = None
    if state.get("activity"):
        activity = selectors.activities_visible_to(request.user).filter(pk=state["activity"]).first()
    context = {"job": job, "state": state, "errors": tasks.upload_errors(state), "activity": activity}
    template = "programmes/_upload_outcome.html" if request.htmx else "programmes/upload_status.html"
    return render(request, template, context)


@requires(RECORD)
def participant_list(request: AuthedHttpRequest) -> HttpResponse:
    form = programme_forms.ParticipantFilterForm(request.GET or None)
    participants = selectors.participants_visible_to(request.user)
    if form.is_valid() and form.cleaned_data["group"]:
        participants = participants.filter(group=form.cleaned_data["group"])
    context = {
        **listing(request, participants, ATTENDANCE_PAGE_SIZE),
        "filter_form": form,
        "show_names": selectors.may_see_names(request.user),
    }
    return render(request, "programmes/participant_list.html", context)
