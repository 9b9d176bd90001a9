"""Care's due work (core.due): care-plan reviews and visits of the caseload, care plans waiting for
approval, court dates this week, trainings that have reached their end without a result."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.care.models import CarePlan, LegalMilestone, Training, Visit
from wholejourney.cases.models import CaseStatus
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.due import client_kind, register, works_a_caseload

WEEK = datetime.timedelta(days=7)
WITH_CLIENT = ("client", "client__data_key", "client__case_manager")


def _open(records: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Records of the user's caseload whose case is not closed, with their client loaded."""
    return (
        records.filter(client__in=clients_visible_to(user))
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related(*WITH_CLIENT)
    )


def _manages_cases(user: Any) -> bool:
    return works_a_caseload(user, Permission.MANAGE_CASES)


def reviews(user: Any, today: datetime.date) -> QuerySet[CarePlan]:
    newer_plan = CarePlan.objects.filter(case=OuterRef("case"), drafted_on__gt=OuterRef("drafted_on"))
    plans = CarePlan.objects.filter(next_review_on__lt=today).exclude(Exists(newer_plan))
    return _open(plans, user).order_by("next_review_on", "pk")


def visits(user: Any, today: datetime.date) -> QuerySet[Visit]:
    later_visit = Visit.objects.filter(client=OuterRef("client"), visited_on__gt=OuterRef("visited_on"))
    due = Visit.objects.filter(next_visit_on__lte=today + WEEK).exclude(Exists(later_visit))
    return _open(due, user).order_by("next_visit_on", "pk")


def _approves_plans(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE) or user.supervised_teams.exists()


def plans_to_approve(user: Any, today: datetime.date) -> QuerySet[CarePlan]:
    mine = Q(case__team__supervisor_id=user.pk)
    if has_permission(user, Permission.APPROVE_CLOSURE):
        mine |= Q(client__in=clients_visible_to(user))
    plans = (
        CarePlan.objects.filter(mine, status=CarePlan.Status.DRAFT)
        .exclude(drafted_by_id=user.pk)  # nobody approves their own plan
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related(*WITH_CLIENT)
    )
    if user.office_id is not None:
        plans = plans.filter(client__office_id=user.office_id)
    return plans.order_by("drafted_on", "pk")


def _follows_legal(user: Any) -> bool:
    return works_a_caseload(user, Permission.RECORD_LEGAL, Permission.MANAGE_CASES)


def court_dates(user: Any, today: datetime.date) -> QuerySet[LegalMilestone]:
    return (
        LegalMilestone.objects.filter(
            legal_case__client__in=clients_visible_to(user), happened_on__gte=today, happened_on__lte=today + WEEK
        )
        .select_related("legal_case", *(f"legal_case__{path}" for path in WITH_CLIENT))
        .order_by("happened_on", "pk")
    )


def _follows_trainings(user: Any) -> bool:
    return works_a_caseload(user, Permission.RECORD_ECONOMIC)


def trainings_ending(user: Any, today: datetime.date) -> QuerySet[Training]:
    ending = Training.objects.filter(completed_on__isnull=True, end__isnull=False, end__lte=today + WEEK)
    return _open(ending, user).order_by("end", "pk")


register(
    client_kind(
        "court_dates",
        gettext_lazy("Court dates this week"),
        15,
        _follows_legal,
        court_dates,
        when=lambda milestone: milestone.happened_on,
        detail=lambda milestone: milestone.get_kind_display(),
        url=lambda milestone: reverse("care:legal_case_detail", kwargs={"pk": milestone.legal_case_id}),
        client_path="legal_case__client",
        urgent=lambda milestone: milestone.happened_on <= timezone.localdate() + datetime.timedelta(days=1),
    )
)
register(
    client_kind(
        "plans_to_approve",
        gettext_lazy("Care plans to approve"),
        25,
        _approves_plans,
        plans_to_approve,
        when=lambda plan: plan.drafted_on,
        detail=lambda plan: gettext("Care plan waiting for approval"),
        url=lambda plan: reverse("care:care_plan_detail", kwargs={"pk": plan.pk}),
        waiting=True,
    )
)
register(
    client_kind(
        "visits",
        gettext_lazy("Visits due"),
        30,
        _manages_cases,
        visits,
        when=lambda visit: visit.next_visit_on,
        detail=lambda visit: (
            gettext("Visit due (last: %(date)s)") % {"date": date_format(visit.visited_on, "SHORT_DATE_FORMAT")}
        ),
        url=lambda visit: reverse("care:visit_new", kwargs={"pk": visit.client_id}),
    )
)
register(
    client_kind(
        "reviews",
        gettext_lazy("Care-plan reviews overdue"),
        40,
        _manages_cases,
        reviews,
        when=lambda plan: plan.next_review_on,
        detail=lambda plan: gettext("Care-plan review was due"),
        url=lambda plan: reverse("care:care_plan_detail", kwargs={"pk": plan.pk}),
    )
)
register(
    client_kind(
        "trainings_ending",
        gettext_lazy("Trainings ending"),
        50,
        _follows_trainings,
        trainings_ending,
        when=lambda training: training.end,
        detail=lambda training: (
            gettext("%(training)s ends: record how it went") % {"training": training.get_kind_display()}
        ),
        url=lambda training: reverse("care:training_detail", kwargs={"pk": training.pk}),
    )
)
