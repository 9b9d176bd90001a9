"""Community-based groups (status periods, the year's plan) and husband-wife reflection meetings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import requires
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.programmes import forms as programme_forms
from wholejourney.programmes import selectors, services
from wholejourney.programmes.models import CommunityGroup, GroupStatusPeriod
from wholejourney.programmes.views.common import RECORD, listing, office_of

# --- community-based groups ------------------------------------------------------------------


@requires(RECORD)
def group_list(request: AuthedHttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    groups = selectors.community_groups_visible_to(request.user).annotate(
        planned=Count("plan_actions", filter=Q(plan_actions__year=year)),
        completed=Count("plan_actions", filter=Q(plan_actions__year=year, plan_actions__completed_on__isnull=False)),
    )
    return render(request, "programmes/group_list.html", {**listing(request, groups), "year": year})


@requires(RECORD)
def group_new(request: AuthedHttpRequest) -> HttpResponse:
    office = office_of(request)
    form = programme_forms.CommunityGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        active_since = data.pop("active_since")
        with service_call(form) as call:
            with transaction.atomic():
                group = services.community_group_create(actor=request.user, office=office, **data)
                services.community_group_set_status(
                    actor=request.user, group=group, status=GroupStatusPeriod.Status.ACTIVE, start=active_since
                )
        if call.ok:
            messages.success(request, _("%(name)s is saved.") % {"name": group.name})
            return redirect("programmes:group_detail", pk=group.pk)
    return render(request, "programmes/record_form.html", {"form": form, "title": _("Add a community-based group")})


def _plan_year(request: AuthedHttpRequest) -> int:
    try:
        return max(2000, min(int(request.GET.get("year", "")), 2100))
    except ValueError:
        return timezone.localdate().year


def _group_page(request: AuthedHttpRequest, group: CommunityGroup, year: int, **bound: forms.Form) -> HttpResponse:
    # Each open action has its own "completed on" box, with its own id for its label.
    actions = [
        (action, None if action.completed_on else programme_forms.PlanCompleteForm(auto_id=f"done-{action.pk}-%s"))
        for action in selectors.plan_actions_of(group, year)
    ]
    context = {
        "group": group,
        "year": year,
        "years": sorted({year, timezone.localdate().year, *selectors.plan_years_of(group)}, reverse=True),
        "actions": actions,
        "status_form": bound.get("status_form") or programme_forms.GroupStatusForm(),
        "action_form": bound.get("action_form") or programme_forms.PlanActionForm(),
        "complete_errors": bound.get("complete_form"),
        "may_record": request.user.office_id is not None,
    }
    return render(request, "programmes/group_detail.html", context)


@requires(RECORD)
def group_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.community_group_get_for(user=request.user, pk=pk)
    return _group_page(request, group, _plan_year(request))


@requires(RECORD)
@require_POST
def group_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.community_group_get_for(user=request.user, pk=pk)
    office_of(request)
    form = programme_forms.GroupStatusForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.community_group_set_status(actor=request.user, group=group, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The group's status is saved."))
            return redirect("programmes:group_detail", pk=group.pk)
    return _group_page(request, group, timezone.localdate().year, status_form=form)


@requires(RECORD)
@require_POST
def plan_action_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.community_group_get_for(user=request.user, pk=pk)
    office_of(request)
    year = _plan_year(request)
    form = programme_forms.PlanActionForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.plan_action_add(actor=request.user, group=group, year=year, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The action is added to the %(year)s plan.") % {"year": year})
            return redirect(f"{reverse('programmes:group_detail', kwargs={'pk': group.pk})}?year={year}")
    return _group_page(request, group, year, action_form=form)


@requires(RECORD)
@require_POST
def plan_action_complete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    action = selectors.plan_action_get_for(user=request.user, pk=pk)
    office_of(request)
    form = programme_forms.PlanCompleteForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.plan_action_complete(actor=request.user, action=action, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The action is marked completed."))
            url = reverse("programmes:group_detail", kwargs={"pk": action.group_id})
            return redirect(f"{url}?year={action.year}")
    group = selectors.community_group_get_for(user=request.user, pk=action.group_id)
    return _group_page(request, group, action.year, complete_form=form)


# --- reflection meetings ---------------------------------------------------------------------


@requires(RECORD)
def reflection_new(request: AuthedHttpRequest) -> HttpResponse:
    """A reflection meeting and the husband-wife groups that met; groups are listed by village."""
    office = office_of(request)
    village = (request.POST if request.method == "POST" else request.GET).get("village", "")
    groups = selectors.husband_wife_groups_for(request.user, village=village)
    form = programme_forms.ReflectionMeetingForm(
        request.POST or None, groups=groups, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            activity = services.reflection_meeting_record(actor=request.user, office=office, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The reflection meeting is saved."))
            return redirect("programmes:activity_detail", pk=activity.pk)
    context = {"form": form, "village": village, "villages": selectors.husband_wife_villages(request.user)}
    return render(request, "programmes/reflection_form.html", context)
