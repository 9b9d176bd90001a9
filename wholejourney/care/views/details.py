"""Records with a life of their own: legal cases (milestones, end), trainings (stipends,
completion), treatment plans (end) and care plans (approval, reviews)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.care import forms as care_forms
from wholejourney.care import selectors, services
from wholejourney.care.models import CarePlan, TfCbtComponent, Training, TreatmentPlan
from wholejourney.care.views.records import _posted
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest

# --- records with a life of their own --------------------------------------------------------


@requires(Permission.VIEW_CLIENTS)
def legal_case_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A legal case: its milestones (complaint … verdict, appeal, compensation) and its end."""
    legal_case = selectors.legal_case_get_for(user=request.user, pk=pk)
    may_record = has_permission(request.user, Permission.RECORD_LEGAL, obj=legal_case.client)
    milestone_form = care_forms.LegalMilestoneForm(_posted(request, "milestone"), prefix="milestone")
    end_form = care_forms.LegalCaseEndForm(_posted(request, "end"), prefix="end")
    if request.method == "POST":
        if not may_record:
            raise Http404
        try:
            if _posted(request, "milestone") and milestone_form.is_valid():
                services.legal_milestone_record(
                    actor=request.user, legal_case=legal_case, **milestone_form.cleaned_data
                )
                messages.success(request, _("Milestone recorded."))
                return redirect("care:legal_case_detail", pk=pk)
            if _posted(request, "end") and end_form.is_valid():
                services.legal_case_end(actor=request.user, legal_case=legal_case, **end_form.cleaned_data)
                messages.success(request, _("The legal case is recorded as ended."))
                return redirect("care:legal_case_detail", pk=pk)
        except ValidationError as exc:
            apply_service_errors(exc, milestone_form if _posted(request, "milestone") else end_form)
    context = {
        "legal_case": legal_case,
        "client": legal_case.client,
        "milestones": selectors.milestones_of(legal_case),
        "may_record": may_record and legal_case.ended_on is None,
        "milestone_form": milestone_form,
        "end_form": end_form,
    }
    return render(request, "care/legal_case_detail.html", context)


@requires(Permission.VIEW_CLIENTS)
def training_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A training: its completion and, for on-the-job training, the stipends paid during it."""
    training = selectors.training_get_for(user=request.user, pk=pk)
    may_record = has_permission(request.user, Permission.RECORD_ECONOMIC, obj=training.client)
    currency = training.client.office.currency
    complete_form = care_forms.TrainingCompleteForm(_posted(request, "complete"), prefix="complete")
    stipend_form = care_forms.StipendForm(_posted(request, "stipend"), prefix="stipend", currency=currency)
    if request.method == "POST":
        if not may_record:
            raise Http404
        try:
            if _posted(request, "complete") and complete_form.is_valid():
                services.training_complete(actor=request.user, training=training, **complete_form.cleaned_data)
                messages.success(request, _("Training completed."))
                return redirect("care:training_detail", pk=pk)
            if _posted(request, "stipend") and stipend_form.is_valid():
                paid = dict(stipend_form.cleaned_data)
                paid.setdefault("amount_usd", paid["amount"])
                services.stipend_pay(actor=request.user, training=training, **paid)
                messages.success(request, _("Stipend recorded."))
                return redirect("care:training_detail", pk=pk)
        except ValidationError as exc:
            apply_service_errors(exc, complete_form if _posted(request, "complete") else stipend_form)
    context = {
        "training": training,
        "client": training.client,
        "stipends": selectors.stipends_of(training),
        "currency": currency,
        "may_record": may_record,
        # A stipend sent for another kind of training comes back with the service's refusal.
        "may_pay": may_record and (training.kind == Training.Kind.ON_THE_JOB or stipend_form.is_bound),
        "complete_form": complete_form if training.completed_on is None else None,
        "stipend_form": stipend_form,
    }
    return render(request, "care/training_detail.html", context)


@requires(Permission.VIEW_CLIENTS)
def treatment_plan_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A TF-CBT treatment plan and its end: completed with or without its goals met, or discontinued."""
    plan = selectors.treatment_plan_get_for(user=request.user, pk=pk)
    may_record = has_permission(request.user, Permission.RECORD_COUNSELING, obj=plan.client)
    end_form = care_forms.TreatmentPlanEndForm(_posted(request, "end"), prefix="end")
    if request.method == "POST":
        if not may_record:
            raise Http404
        if _posted(request, "end") and end_form.is_valid():
            outcome = end_form.cleaned_data["outcome"]
            try:
                services.treatment_plan_end(
                    actor=request.user,
                    plan=plan,
                    ended_on=end_form.cleaned_data["ended_on"],
                    goals_met=outcome == end_form.COMPLETED_MET,
                    completed=outcome != end_form.DISCONTINUED,
                )
            except ValidationError as exc:
                apply_service_errors(exc, end_form)
            else:
                messages.success(request, _("The treatment plan is recorded as ended."))
                return redirect("care:treatment_plan_detail", pk=pk)
    context = {
        "plan": plan,
        "client": plan.client,
        "component_labels": [TfCbtComponent(c).label for c in plan.components if c in TfCbtComponent.values],
        "end_form": end_form if may_record and plan.status == TreatmentPlan.Status.ACTIVE else None,
    }
    return render(request, "care/treatment_plan_detail.html", context)


@requires(Permission.VIEW_CLIENTS)
def care_plan_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A care plan: its goals per domain, its approval (by the supervisor or director) and reviews."""
    plan = selectors.care_plan_get_for(user=request.user, pk=pk)
    may_approve = plan.status == CarePlan.Status.DRAFT and selectors.may_approve_plan(request.user, plan)
    may_review = has_permission(request.user, Permission.MANAGE_CASES, obj=plan.client)
    approve_form = care_forms.CarePlanApproveForm(_posted(request, "approve"), prefix="approve")
    review_form = care_forms.CarePlanReviewForm(_posted(request, "review"), prefix="review")
    if request.method == "POST":
        if not (may_approve or may_review):
            raise Http404
        try:
            if _posted(request, "approve") and may_approve and approve_form.is_valid():
                services.care_plan_approve(actor=request.user, plan=plan, **approve_form.cleaned_data)
                messages.success(request, _("Care plan approved."))
                return redirect("care:care_plan_detail", pk=pk)
            if _posted(request, "review") and may_review and review_form.is_valid():
                services.care_plan_review(actor=request.user, plan=plan, **review_form.cleaned_data)
                messages.success(request, _("Review recorded."))
                return redirect("care:care_plan_detail", pk=pk)
        except ValidationError as exc:
            apply_service_errors(exc, approve_form if _posted(request, "approve") else review_form)
    context = {
        "plan": plan,
        "client": plan.client,
        "goals": selectors.goals_of(plan),
        "reviews": selectors.reviews_of(plan),
        "approve_form": approve_form if may_approve else None,
        "review_form": review_form if may_review else None,
    }
    return render(request, "care/care_plan_detail.html", context)
