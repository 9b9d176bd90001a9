"""Outcomes pages: a client's stability clock, scores and crises; recording an assessment, a
crisis or the economic survey on a phone; the dashboards of clock states.

Views fetch with an access check (404 to outsiders), check the form's shape, call the service and
show its ValidationError on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.care.models import Domain
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.outcomes import forms, selectors, services
from wholejourney.outcomes.models import ClockState
from wholejourney.outcomes.permissions import may_record_outcomes, may_record_survey

STATE_LABELS = dict(ClockState.State.choices)


@requires(Permission.VIEW_CLIENTS)
def client_outcomes(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The clock now and its history, the scores over time, the assessments and crises."""
    client = client_get_for(user=request.user, pk=pk)
    outcomes = selectors.client_outcomes(user=request.user, client=client)
    read = ["outcomes"]
    if outcomes.crisis_text_readable and outcomes.crises:
        read.append("crisis_text")
    client_services.client_record_view(actor=request.user, client=client, fields=read)
    context = {
        "client": client,
        "o": outcomes,
        "state_label": STATE_LABELS[outcomes.clock.state],
        "may_record": may_record_outcomes(request.user, client),
        "may_survey": may_record_survey(request.user, client),
        "domain_labels": Domain.labels,
    }
    return render(request, "outcomes/client_outcomes.html", context)


def _clock_message(client: Client) -> str:
    clock = services.clock_for(client)
    if clock.state == "running":
        return _("The clock is running: day %(elapsed)s of %(required)s.") % {
            "elapsed": clock.days_elapsed,
            "required": clock.days_required,
        }
    if clock.state == "whole":
        return _("The client is whole.")
    return _("The clock has not started.")


@requires(Permission.VIEW_CLIENTS)
def assessment_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Every question of the current form on one page, a 1–4 choice each; the date is today."""
    client = client_get_for(user=request.user, pk=pk)
    if not may_record_outcomes(request.user, client):
        raise Http404
    instrument = services.current_instrument()
    form = forms.AssessmentForm(request.POST or None, instrument=instrument, language=get_language())
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            assessment = services.assessment_record(
                actor=request.user,
                client=client,
                assessed_on=form.cleaned_data["date"],
                answers=form.answers(),
                instrument=instrument,
                note=form.cleaned_data["note"].strip(),
            )
        if call.ok:
            messages.success(
                request,
                _("%(kind)s saved for %(date)s. %(clock)s")
                % {
                    "kind": assessment.get_kind_display(),
                    "date": assessment.assessed_on.strftime("%d/%m/%Y"),
                    "clock": _clock_message(client),
                },
            )
            return redirect("outcomes:client", pk=client.pk)
    return render(
        request,
        "outcomes/assessment_form.html",
        {"client": client, "form": form, "instrument": instrument, "language": get_language()},
    )


def _record_page(
    request: AuthedHttpRequest,
    pk: int,
    *,
    kind: str,
    may: Callable[[Any, Client], bool],
    form: Form,
    save: Callable[[Client, dict[str, Any]], str],
) -> HttpResponse:
    """Fetch the client (404 outside the caseload or without the right), check the form, save
    through the service (its errors onto the form) and go back to the outcomes page."""
    client = client_get_for(user=request.user, pk=pk)
    if not may(request.user, client):
        raise Http404
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            message = save(client, form.cleaned_data)
        if call.ok:
            messages.success(request, message)
            return redirect("outcomes:client", pk=client.pk)
    return render(request, "outcomes/record_form.html", {"client": client, "form": form, "kind": kind})


@requires(Permission.VIEW_CLIENTS)
def crisis_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A crisis: its date, the domains it touched, how severe, what happened and the response."""

    def save(client: Client, data: dict[str, Any]) -> str:
        crisis = services.crisis_record(
            actor=request.user,
            client=client,
            occurred_on=data["date"],
            domains=data["domains"],
            severity=data["severity"],
            what_happened=data["what_happened"],
            response=data["response"].strip(),
        )
        return _("Crisis of %(date)s saved. %(clock)s") % {
            "date": crisis.occurred_on.strftime("%d/%m/%Y"),
            "clock": _clock_message(client),
        }

    form = forms.CrisisForm(request.POST or None)
    return _record_page(request, pk, kind="crisis", may=may_record_outcomes, form=form, save=save)


@requires(Permission.VIEW_CLIENTS)
def survey_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The economic outcome survey: two questions, each may be left unanswered."""

    def save(client: Client, data: dict[str, Any]) -> str:
        survey = services.survey_record(
            actor=request.user,
            client=client,
            surveyed_on=data["date"],
            income_increased=forms.SurveyForm.answer(data["income_increased"]),
            income_covers_needs=forms.SurveyForm.answer(data["income_covers_needs"]),
        )
        return _("Survey of %(date)s saved.") % {"date": survey.surveyed_on.strftime("%d/%m/%Y")}

    form = forms.SurveyForm(request.POST or None)
    return _record_page(request, pk, kind="survey", may=may_record_survey, form=form, save=save)


@require_POST
@requires(Permission.VIEW_CLIENTS)
def flag_resolve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The supervisor has looked at the flag (e.g. a crisis dated before a closure as whole)."""
    flag = selectors.flag_get_for(user=request.user, pk=pk)
    try:
        services.clock_flag_resolve(actor=request.user, flag=flag)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Flag resolved."))
    return redirect("outcomes:client", pk=flag.client_id)


@requires(Permission.VIEW_CLIENTS)
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    """Clocks of the clients in care in the user's caseload (a director's: the office)."""
    filter_form = forms.TeamFilterForm(request.GET or None, teams=selectors.teams_for_dashboard(request.user))
    team = filter_form.chosen_team()
    data = selectors.dashboard(selectors.caseload_in_care(request.user, team))
    context = {
        "d": data,
        "c": data.counts,
        "filter_form": filter_form,
        "team": team,
        # Per client the assessment page checks again; this only hides a link that would 404.
        "may_assess": has_permission(request.user, Permission.RECORD_COUNSELING)
        or has_permission(request.user, Permission.MANAGE_CASES),
    }
    return render(request, "outcomes/dashboard.html", context)


@requires(Permission.VIEW_REPORTS)
def counts(request: AuthedHttpRequest) -> HttpResponse:
    """The same counts over the office, with no client named or coded (M&E)."""
    filter_form = forms.TeamFilterForm(request.GET or None, teams=selectors.teams_for_dashboard(request.user))
    team = filter_form.chosen_team()
    figures = selectors.clock_counts(selectors.office_in_care(request.user, team))
    return render(request, "outcomes/counts.html", {"c": figures, "filter_form": filter_form, "team": team})
