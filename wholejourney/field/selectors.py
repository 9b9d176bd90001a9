"""Reads of field work: which clients and groups a user may take to the field, and the minimal pack
of each (only what the offline forms need), scoped like every selector: outside the caseload, 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.care.models import CarePlan, CarePlanGoal, Domain, Modality, SessionFormat, Visit
from wholejourney.cases.models import Case, CaseStatus
from wholejourney.clients.models import Client, Sex
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.outcomes.forms import SCALE_LABELS
from wholejourney.outcomes.models import CrisisEvent
from wholejourney.outcomes.selectors import BASELINE_DUE_DAYS
from wholejourney.outcomes.services import REASSESS_EVERY_DAYS, current_instrument
from wholejourney.programmes.models import ActivityKind, AgeBand, CommunityGroup, ParticipantGroup
from wholejourney.programmes.selectors import activities_visible_to, community_groups_visible_to, may_see_names

RECENT_ACTIVITY_DAYS = 14


def field_clients_for(user: Any) -> QuerySet[Client]:
    """The clients the user may take to the field: their caseload's clients with a case not closed."""
    if not (has_permission(user, Permission.MANAGE_CASES) or has_permission(user, Permission.RECORD_COUNSELING)):
        return Client.objects.none()
    open_case = Case.objects.filter(client=OuterRef("pk")).exclude(status=CaseStatus.CLOSED)
    return clients_visible_to(user).filter(Exists(open_case)).order_by("code")


def field_groups_for(user: Any) -> QuerySet[CommunityGroup]:
    if user.office_id is None or not has_permission(user, Permission.RECORD_PREVENTION):
        return CommunityGroup.objects.none()
    return community_groups_visible_to(user)


def field_clients_get(*, user: Any, pks: list[int]) -> list[Client]:
    """The clients asked for, each in the user's field caseload, or 404 for the whole request."""
    wanted = list(dict.fromkeys(pks))
    found = {c.pk: c for c in field_clients_for(user).filter(pk__in=wanted).select_related("clock")}
    if len(found) != len(wanted):
        raise Http404
    return [found[pk] for pk in wanted]


def field_group_get(*, user: Any, pk: int) -> CommunityGroup:
    group = field_groups_for(user).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def client_pack(client: Client) -> dict[str, Any]:
    """What the offline forms need of one client (the caller may see the client, so the name)."""
    case = client.cases.exclude(status=CaseStatus.CLOSED).order_by("-opened_on").first()
    last_visit = Visit.objects.filter(client=client).order_by("-visited_on", "-pk").first()
    plan = CarePlan.objects.filter(client=client, case=case).order_by("-drafted_on", "-pk").first() if case else None
    goals = (
        [
            {"domain": g.domain, "goal": g.goal, "target_date": _day(g.target_date)}
            for g in CarePlanGoal.objects.filter(plan=plan).order_by("domain", "pk")
        ]
        if plan
        else []
    )
    clock = getattr(client, "clock", None)
    last_assessed = clock.last_assessed_on if clock else None
    if last_assessed:
        assessment_due = last_assessed + datetime.timedelta(days=REASSESS_EVERY_DAYS)
    else:
        assessment_due = case.opened_on + datetime.timedelta(days=BASELINE_DUE_DAYS) if case else None
    return {
        "id": client.pk,
        "code": client.code,
        "name": client.display_name,
        "case_opened_on": _day(case.opened_on if case else None),
        "last_visit_on": _day(last_visit.visited_on if last_visit else None),
        "visit_due_on": _day(last_visit.next_visit_on if last_visit else None),
        "last_assessed_on": _day(last_assessed),
        "assessment_due_on": _day(assessment_due),
        "goals": goals,
    }


def group_pack(user: Any, group: CommunityGroup) -> dict[str, Any]:
    """A community group's members (its leaders known by a reference) and the office's recent
    activities, for attendance. Names only for those who may see participants' names."""
    names = may_see_names(user)
    members = [
        {"ref": p.external_ref, "name": p.name if names else "", "sex": p.sex, "age_band": p.age_band, "group": p.group}
        for p in group.leaders.exclude(external_ref="").order_by("pk")
    ]
    since = timezone.localdate() - datetime.timedelta(days=RECENT_ACTIVITY_DAYS)
    activities = [
        {"id": a.pk, "kind": a.kind, "held_on": _day(a.held_on), "place": a.place}
        for a in activities_visible_to(user).filter(held_on__gte=since)[:30]
    ]
    return {"id": group.pk, "name": group.name, "village": group.village, "members": members, "activities": activities}


def _choices(choices: Any) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in choices]


def form_choices() -> dict[str, Any]:
    """The choices of the offline forms, labelled in the user's language."""
    return {
        "visit_mode": _choices(Visit.Mode.choices),
        "domain": _choices(Domain.choices),
        "severity": _choices(CrisisEvent.Severity.choices),
        "session_format": _choices(SessionFormat.choices),
        "modality": _choices(Modality.choices),
        "activity_kind": _choices(ActivityKind.choices),
        "participant_group": _choices(ParticipantGroup.choices),
        "sex": _choices(Sex.choices),
        "age_band": _choices(AgeBand.choices),
    }


def instrument_pack(language: str) -> dict[str, Any]:
    instrument = current_instrument()
    khmer = language == "km"
    return {
        "version": instrument.version,
        "name": instrument.name_km if khmer and instrument.name_km else instrument.name_en,
        "scale": [
            [value, str(SCALE_LABELS.get(value, value))]
            for value in range(instrument.scale_min, instrument.scale_max + 1)
        ],
        "items": [
            {"code": item.code, "domain": item.domain, "text": item.text_km if khmer and item.text_km else item.text_en}
            for item in instrument.items.order_by("position")
        ],
    }
