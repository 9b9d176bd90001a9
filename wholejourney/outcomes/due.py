"""Outcomes' due work (core.due): assessments overdue in the caseload (a baseline 30 days after the
case opened, then every 90 days), and the clock's events of the last 30 days — clients who became
whole, clocks reset by a crisis or an unstable assessment."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.cases.models import Case, CaseStatus
from wholejourney.clients.models import Client
from wholejourney.core.due import Glance, GlanceRow, client_kind, register, register_glance, works_a_caseload
from wholejourney.outcomes.selectors import (
    BASELINE_DUE_DAYS,
    REASSESS_EVERY_DAYS,
    _overdue,
    caseload_in_care,
    clock_counts,
    reasons_label,
)

RECENT = datetime.timedelta(days=30)


def _assesses(user: Any) -> bool:
    """Assessments and the clock are followed by counselors and case managers."""
    return works_a_caseload(user, Permission.RECORD_COUNSELING, Permission.MANAGE_CASES)


def _in_care(user: Any) -> QuerySet[Client]:
    return caseload_in_care(user, None).select_related("clock", "data_key", "case_manager")


def overdue_assessments(user: Any, today: datetime.date) -> QuerySet[Client]:
    open_case = Case.objects.filter(client=OuterRef("pk")).exclude(status=CaseStatus.CLOSED).order_by("-opened_on")
    return (
        _in_care(user)
        .filter(_overdue(today))
        .annotate(case_opened_on=Subquery(open_case.values("opened_on")[:1]))
        .order_by(F("clock__last_assessed_on").asc(nulls_first=True), "pk")
    )


def _last_assessed(client: Any) -> datetime.date | None:
    return getattr(getattr(client, "clock", None), "last_assessed_on", None)


def _assessment_due(client: Any) -> datetime.date | None:
    """A reassessment 90 days after the last; a baseline 30 days after the case opened."""
    last = _last_assessed(client)
    if last is not None:
        return last + datetime.timedelta(days=REASSESS_EVERY_DAYS)
    opened = getattr(client, "case_opened_on", None)
    return opened + datetime.timedelta(days=BASELINE_DUE_DAYS) if opened else None


def clock_events(user: Any, today: datetime.date) -> QuerySet[Client]:
    since = today - RECENT
    recent = Q(clock__last_reset_on__gte=since) | Q(clock__last_whole_on__gte=since, clock__last_whole_on__lte=today)
    return _in_care(user).filter(recent).order_by("-clock__computed_at", "pk")


def _was_reset(client: Any) -> bool:
    """Whether the clock's latest event of the last 30 days is a reset (else: the client became whole)."""
    clock, since = client.clock, timezone.localdate() - RECENT
    if clock.last_reset_on is None or clock.last_reset_on < since:
        return False
    return clock.last_whole_on is None or clock.last_reset_on >= clock.last_whole_on


def _clock_event(client: Any) -> str:
    if _was_reset(client):
        return gettext("Clock reset: %(reasons)s") % {"reasons": reasons_label(client.clock.last_reset_reason)}
    return gettext("Whole: stable for the whole run")


register(
    client_kind(
        "assessments",
        gettext_lazy("Assessments overdue"),
        35,
        _assesses,
        overdue_assessments,
        when=_assessment_due,
        detail=lambda client: (
            gettext("Reassessment overdue") if _last_assessed(client) else gettext("Baseline assessment overdue")
        ),
        url=lambda client: reverse("outcomes:assess", kwargs={"pk": client.pk}),
        client_path="",
    )
)
register(
    client_kind(
        "clock",
        gettext_lazy("Clock events this month"),
        60,
        _assesses,
        clock_events,
        when=lambda client: client.clock.last_reset_on if _was_reset(client) else client.clock.last_whole_on,
        detail=_clock_event,
        url=lambda client: reverse("outcomes:client", kwargs={"pk": client.pk}),
        client_path="",
        notice=True,
    )
)


# --- the office at a glance ------------------------------------------------------------------------


def _reads_the_office(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE)


def office_clocks(user: Any, today: datetime.date) -> list[GlanceRow]:
    """The clocks of the clients in care of the office and the assessments overdue: one aggregate."""
    counts = clock_counts(caseload_in_care(user, None), today=today)
    dashboard = reverse("outcomes:dashboard")
    return [
        GlanceRow(gettext("Clients in care"), counts.in_care, dashboard),
        GlanceRow(gettext("Whole"), counts.whole, dashboard),
        GlanceRow(gettext("Clock running"), counts.running, dashboard),
        GlanceRow(gettext("Clock reset this month"), counts.reset_this_month, dashboard),
        GlanceRow(gettext("Assessments overdue"), counts.overdue, dashboard),
    ]


register_glance(Glance("clocks", gettext_lazy("Outcomes in the office"), 20, _reads_the_office, office_clocks))
