"""Counseling sessions in under a minute on a phone: one session (a group recorded once for all
its attendees), a whole day of sessions at once, and the session page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import Permission, can_read_counseling_notes, has_permission, requires
from wholejourney.care import forms as care_forms
from wholejourney.care import selectors, services
from wholejourney.clients.search import search_clients
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest

MAX_DAY_ROWS = 30
# Matches the attendee picker lists at once.
PICKER_SIZE = 8


# --- counseling sessions ---------------------------------------------------------------------


def _picker(request: AuthedHttpRequest) -> dict[str, Any]:
    """The attendee picker: the clients chosen so far (with the notes typed for them), then the
    matches for the search box, all from the counselor's caseload."""
    data = request.POST if request.method == "POST" else request.GET
    chosen_ids = {int(value) for value in data.getlist("attendees") if value.isdigit()}
    chosen = list(clients_visible_to(request.user).filter(pk__in=chosen_ids).order_by("code")) if chosen_ids else []
    query = data.get("q", "").strip()
    exclude = {client.pk for client in chosen}
    if query:
        # The app's one search, within the clients in care of the counselor's caseload.
        found = search_clients(
            actor=request.user, text=query, within=selectors.clients_in_care(request.user), purpose="picker"
        ).visible
    else:
        found = selectors.recent_attendees(request.user)
    matches = [client for client in found if client.pk not in exclude][:PICKER_SIZE]
    return {
        "chosen": [(client, data.get(f"note_{client.pk}", "")) for client in chosen],
        "matches": matches,
        "query": query,
    }


@requires(Permission.RECORD_COUNSELING)
def session_new(request: AuthedHttpRequest) -> HttpResponse:
    """Record one session in under a minute: today, TF-CBT and 60 minutes are filled in; pick the
    attendees (several for a group, recorded once) and, if wanted, notes for each."""
    finding = request.method == "POST" and "find" in request.POST
    candidates = clients_visible_to(request.user)
    if finding:
        # The search button without JavaScript: show the matches, keep what was typed, save nothing.
        kept = {name: request.POST.get(name) for name in ("held_on", "format", "modality", "duration_minutes")}
        form = care_forms.SessionForm(
            initial=kept | {"group_note": request.POST.get("group_note", "")}, candidates=candidates
        )
    else:
        form = care_forms.SessionForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and not finding and form.is_valid():
        data = form.cleaned_data
        attendees = list(data["attendees"])
        try:
            session = services.counseling_session_record(
                actor=request.user,
                held_on=data["held_on"],
                attendees=attendees,
                format=data["format"],
                modality=data["modality"],
                duration_minutes=data["duration_minutes"],
                notes={client.pk: request.POST.get(f"note_{client.pk}", "").strip() for client in attendees},
                group_note=data["group_note"].strip(),
            )
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("Session saved for %(count)s client(s) on %(date)s.")
                % {"count": len(attendees), "date": session.held_on.strftime("%d/%m/%Y")},
            )
            return redirect("care:session_detail", pk=session.pk)
    return render(request, "care/session_form.html", {"form": form, **_picker(request)})


@require_POST
@requires(Permission.RECORD_COUNSELING)
def attendee_search(request: AuthedHttpRequest) -> HttpResponse:
    """The picker's list, for htmx. POST, so that notes already typed never travel in a URL."""
    return render(request, "care/_attendee_list.html", _picker(request))


@requires(Permission.RECORD_COUNSELING)
def session_day(request: AuthedHttpRequest) -> HttpResponse:
    """A day of sessions on one page: one row per session, saved together or not at all."""
    try:
        rows = max(1, min(int(request.GET.get("rows", 6)), MAX_DAY_ROWS))
    except ValueError:
        rows = 6
    formset_class = forms.formset_factory(
        care_forms.SessionRowForm, extra=rows, max_num=MAX_DAY_ROWS, absolute_max=MAX_DAY_ROWS
    )
    day_form = care_forms.SessionDayForm(request.POST or None)
    formset = formset_class(request.POST or None, prefix="row")
    failed_rows: list[int] = []
    if request.method == "POST" and day_form.is_valid() and formset.is_valid():
        filled = [(number, row) for number, row in enumerate(formset.forms, start=1) if row.has_changed()]
        if not filled:
            day_form.add_error(None, _("Fill in at least one row."))
        else:
            failed_rows = _record_day(request.user, day_form.cleaned_data["held_on"], filled)
            if not failed_rows:
                messages.success(
                    request,
                    _("%(count)s sessions saved for %(date)s.")
                    % {"count": len(filled), "date": day_form.cleaned_data["held_on"].strftime("%d/%m/%Y")},
                )
                return redirect("care:session_day")
    elif request.method == "POST":
        failed_rows = [number for number, row in enumerate(formset.forms, start=1) if row.errors]
    context = {
        "day_form": day_form,
        "formset": formset,
        "failed_rows": failed_rows,
        "recent": selectors.recent_attendees(request.user, limit=30),
        "more_rows": min(rows + 6, MAX_DAY_ROWS) if rows < MAX_DAY_ROWS else None,
    }
    return render(request, "care/session_day.html", context)


def _record_day(user: User, held_on: Any, rows: list[tuple[int, care_forms.SessionRowForm]]) -> list[int]:
    """Record every row in one transaction; on any error roll all back and return the numbers of
    the rows at fault (each with its message on the row), so nothing of the day is half-saved."""
    failed = []
    with transaction.atomic():
        for number, row in rows:
            codes = row.codes()
            found = selectors.clients_by_codes(user, codes)
            missing = [code for code in codes if code not in found]
            if missing:
                row.add_error("clients", _("Not a client in your caseload: %(codes)s.") % {"codes": ", ".join(missing)})
                failed.append(number)
                continue
            note = row.cleaned_data["note"].strip()
            attendees = [found[code] for code in codes]
            try:
                with transaction.atomic():
                    services.counseling_session_record(
                        actor=user,
                        held_on=held_on,
                        attendees=attendees,
                        format=row.cleaned_data["format"],
                        modality=row.cleaned_data["modality"],
                        duration_minutes=row.cleaned_data["duration_minutes"],
                        notes={attendees[0].pk: note} if len(attendees) == 1 else None,
                        group_note=note if len(attendees) > 1 else "",
                    )
            except ValidationError as exc:
                apply_service_errors(exc, row)
                failed.append(number)
        if failed:
            transaction.set_rollback(True)
    return failed


@requires(Permission.VIEW_CLIENTS)
def session_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A session and those of its attendees in the user's caseload; notes only to those who may
    read them, the group's notes only to someone who may read every attendee's."""
    session, attendances = selectors.session_get_for(user=request.user, pk=pk)
    rows = [(attendance, can_read_counseling_notes(request.user, attendance.client)) for attendance in attendances]
    everyone = session.attendances.count() == len(attendances)
    context = {
        "session": session,
        "rows": rows,
        "group_note_readable": everyone and all(readable for _attendance, readable in rows),
        "may_record": has_permission(request.user, Permission.RECORD_COUNSELING),
    }
    return render(request, "care/session_detail.html", context)
