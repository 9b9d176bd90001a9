"""One record for one client, entered on /clients/<pk>/care/<kind>/new/, and the care plan's draft.

Views fetch with an access check (404 to outsiders), validate the form's shape, call the service
and show its ValidationError on the form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.care import forms as care_forms
from wholejourney.care import selectors, services
from wholejourney.care.models import Domain
from wholejourney.care.permissions import Area
from wholejourney.cases.selectors import open_case_of
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest


def _posted(request: AuthedHttpRequest, action: str) -> QueryDict | None:
    """The POST data when the request submits the form of `action`, else None (an unbound form)."""
    if request.method == "POST" and request.POST.get("action") == action:
        return request.POST
    return None


# --- one record for one client ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """A kind of record entered for one client on /clients/<pk>/care/<slug>/new/."""

    name: str
    slug: str
    title: str | Promise
    area: Area
    permissions: tuple[Permission, ...]
    form: Callable[[QueryDict | None, Client], forms.Form]
    save: Callable[[User, Client, dict[str, Any]], models.Model]
    then: Callable[[Any], str] | None = None  # where to go after saving (else the timeline)


def _economic(user: User, client: Client, data: dict[str, Any]) -> models.Model:
    data.setdefault("amount_usd", data.get("amount"))  # an office that keeps its books in USD
    return services.economic_service_record(actor=user, client=client, **data)


RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "legal_service",
        "legal-service",
        gettext_lazy("Record a legal or protection service"),
        Area.LEGAL,
        (Permission.RECORD_LEGAL,),
        lambda data, client: care_forms.LegalServiceForm(data),
        lambda user, client, data: services.legal_service_record(actor=user, client=client, **data),
    ),
    RecordKind(
        "legal_case",
        "legal-case",
        gettext_lazy("Open a legal case"),
        Area.LEGAL,
        (Permission.RECORD_LEGAL,),
        lambda data, client: care_forms.LegalCaseForm(data),
        lambda user, client, data: services.legal_case_open(actor=user, client=client, **data),
        lambda record: reverse("care:legal_case_detail", kwargs={"pk": record.pk}),
    ),
    RecordKind(
        "education",
        "education",
        gettext_lazy("Record education support"),
        Area.EDUCATION,
        (Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES),
        lambda data, client: care_forms.EducationForm(data),
        lambda user, client, data: services.education_support_record(actor=user, client=client, **data),
    ),
    RecordKind(
        "economic",
        "economic",
        gettext_lazy("Record an economic-empowerment service"),
        Area.ECONOMIC,
        (Permission.RECORD_ECONOMIC,),
        lambda data, client: care_forms.EconomicServiceForm(data, currency=client.office.currency),
        _economic,
    ),
    RecordKind(
        "training",
        "training",
        gettext_lazy("Start a training"),
        Area.ECONOMIC,
        (Permission.RECORD_ECONOMIC,),
        lambda data, client: care_forms.TrainingForm(data, organisations=selectors.organisations_of(client.office)),
        lambda user, client, data: services.training_start(actor=user, client=client, **data),
        lambda record: reverse("care:training_detail", kwargs={"pk": record.pk}),
    ),
    RecordKind(
        "employment",
        "employment",
        gettext_lazy("Record employment"),
        Area.ECONOMIC,
        (Permission.RECORD_ECONOMIC,),
        lambda data, client: care_forms.EmploymentForm(
            data, organisations=selectors.organisations_of(client.office), trainings=selectors.trainings_of(client)
        ),
        lambda user, client, data: services.employment_record(actor=user, client=client, **data),
    ),
    RecordKind(
        "visit",
        "visit",
        gettext_lazy("Record a visit"),
        Area.CASEWORK,
        (Permission.MANAGE_CASES,),
        lambda data, client: care_forms.VisitForm(data),
        lambda user, client, data: services.visit_record(actor=user, client=client, **data),
    ),
    RecordKind(
        "treatment_plan",
        "treatment-plan",
        gettext_lazy("Start a treatment plan"),
        Area.COUNSELING,
        (Permission.RECORD_COUNSELING,),
        lambda data, client: care_forms.TreatmentPlanForm(data),
        lambda user, client, data: services.treatment_plan_start(actor=user, client=client, **data),
        lambda record: reverse("care:treatment_plan_detail", kwargs={"pk": record.pk}),
    ),
)


def _may_record(user: User, kind: RecordKind, client: Client) -> bool:
    return any(has_permission(user, perm, obj=client) for perm in kind.permissions)


def _record_view(kind: RecordKind) -> Callable[..., HttpResponse]:
    def view(request: AuthedHttpRequest, pk: int) -> HttpResponse:
        client = client_get_for(user=request.user, pk=pk)
        if not _may_record(request.user, kind, client):
            raise Http404
        form = kind.form(request.POST if request.method == "POST" else None, client)
        if request.method == "POST" and form.is_valid():
            try:
                record = kind.save(request.user, client, dict(form.cleaned_data))
            except ValidationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved."))
                return redirect(kind.then(record) if kind.then else reverse("care:timeline", kwargs={"pk": client.pk}))
        context = {
            "client": client,
            "form": form,
            "title": kind.title,
            "currency": client.office.currency,
            "section": f"care-{kind.area.value}",
        }
        return render(request, "care/record_form.html", context)

    view.__name__ = view.__qualname__ = f"{kind.name}_new"
    # Education is recorded by economic officers and case managers: the decorator lets in anyone
    # with a caseload and `_may_record` checks the rest.
    needed = kind.permissions[0] if len(kind.permissions) == 1 else Permission.VIEW_CLIENTS
    return requires(needed)(view)


RECORD_VIEWS = {kind.name: _record_view(kind) for kind in RECORD_KINDS}


@requires(Permission.MANAGE_CASES)
def care_plan_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Draft a care plan: a goal in each of the four domains, planned interventions, who is
    responsible, and the first review. The supervisor approves it on the plan's page."""
    client = client_get_for(user=request.user, pk=pk)
    if not has_permission(request.user, Permission.MANAGE_CASES, obj=client):
        raise Http404
    case = open_case_of(client)
    data = request.POST if request.method == "POST" else None
    form = care_forms.CarePlanForm(data)
    staff = selectors.staff_of(client.office)
    goal_forms = [care_forms.GoalForm(data, domain=domain, staff=staff) for domain in Domain.values]
    if request.method == "POST" and case is not None and all([form.is_valid()] + [g.is_valid() for g in goal_forms]):
        try:
            plan = services.care_plan_draft(
                actor=request.user,
                case=case,
                drafted_on=form.cleaned_data["drafted_on"],
                next_review_on=form.cleaned_data["next_review_on"],
                goals=[{"domain": goal.domain.value, **goal.cleaned_data} for goal in goal_forms],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form, *goal_forms)
        else:
            messages.success(request, _("Care plan drafted. It now waits for the supervisor's approval."))
            return redirect("care:care_plan_detail", pk=plan.pk)
    context = {"client": client, "case": case, "form": form, "goal_forms": goal_forms}
    return render(request, "care/care_plan_form.html", context)
