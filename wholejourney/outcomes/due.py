"""Outcomes' due work (core.due): assessments overdue in the caseload (a baseline 30 days after the
case opened, then every 90 days), and the clock's events of the last 30 days — clients who became
whole, clocks reset by a crisis or an unstable assessment."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.core.due import DueCount, DueKind, client_work, register
from wholejourney.outcomes.selectors import REASSESS_EVERY_DAYS, _overdue, caseload_in_care, reasons_label

RECENT = datetime.timedelta(days=30)


def _assesses(user: Any) -> bool:
    return bool({Permission.RECORD_COUNSELING, Permission.MANAGE_CASES} & permissions_of(user))


def assessments(user: Any, today: datetime.date, limit: int) -> DueCount:
    overdue = caseload_in_care(user, None).filter(_overdue(today)).select_related("clock", "data_key", "case_manager")

    def when(client: Any) -> datetime.date:
        last = getattr(getattr(client, "clock", None), "last_assessed_on", None)
        return last + datetime.timedelta(days=REASSESS_EVERY_DAYS) if last else today - datetime.timedelta(days=1)

    def detail(client: Any) -> str:
        if getattr(getattr(client, "clock", None), "last_assessed_on", None) is None:
            return gettext("Baseline assessment overdue")
        return gettext("Reassessment overdue")

    return client_work(
        overdue.order_by(F("clock__last_assessed_on").asc(nulls_first=True), "pk"),
        limit,
        kind="assessments",
        when=when,
        detail=detail,
        url=lambda client: reverse("outcomes:assess", kwargs={"pk": client.pk}),
        client=lambda client: client,
    )


def _follows_clocks(user: Any) -> bool:
    return bool({Permission.RECORD_COUNSELING, Permission.MANAGE_CASES} & permissions_of(user))


def clock_events(user: Any, today: datetime.date, limit: int) -> DueCount:
    since = today - RECENT
    recent = Q(clock__last_reset_on__gte=since) | Q(clock__last_whole_on__gte=since, clock__last_whole_on__lte=today)
    clients = caseload_in_care(user, None).filter(recent).select_related("clock", "data_key", "case_manager")

    def was_reset(client: Any) -> bool:
        clock = client.clock
        reset = clock.last_reset_on is not None and clock.last_reset_on >= since
        whole = clock.last_whole_on is not None and since <= clock.last_whole_on <= today
        return reset and (not whole or clock.last_reset_on >= clock.last_whole_on)

    def detail(client: Any) -> str:
        if was_reset(client):
            return gettext("Clock reset: %(reasons)s") % {"reasons": reasons_label(client.clock.last_reset_reason)}
        return gettext("Whole: stable for the whole run")

    return client_work(
        clients.order_by("-clock__computed_at", "pk"),
        limit,
        kind="clock",
        when=lambda client: client.clock.last_reset_on if was_reset(client) else client.clock.last_whole_on,
        detail=detail,
        url=lambda client: reverse("outcomes:client", kwargs={"pk": client.pk}),
        client=lambda client: client,
        notice=True,
    )


register(DueKind("assessments", gettext_lazy("Assessments overdue"), 35, _assesses, assessments))
register(DueKind("clock", gettext_lazy("Clock events this month"), 60, _follows_clocks, clock_events))
