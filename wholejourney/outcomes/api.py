"""Assessments, crises and the stability clock in the API: recorded through the outcomes services
(scores computed from the answers, the clock refreshed in the same transaction), read for clients
in the user's caseload with the VIEW event of the client page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import responses
from wholejourney.api.schemas import Day, PathId, inline_enum
from wholejourney.care.models import Domain
from wholejourney.clients import selectors as client_selectors
from wholejourney.clients.api import client_for
from wholejourney.outcomes import services
from wholejourney.outcomes.models import Assessment, CrisisEvent

AssessmentKind = Annotated[Assessment.Kind, inline_enum(Assessment.Kind)]
CrisisSeverity = Annotated[CrisisEvent.Severity, inline_enum(CrisisEvent.Severity)]

router = Router(tags=["outcomes"])


class InstrumentItemOut(Schema):
    code: str
    domain: Domain
    text_en: str
    text_km: str


class InstrumentOut(Schema):
    key: str
    version: int
    name_en: str
    name_km: str
    scale_min: int
    scale_max: int
    stable_threshold: Decimal
    items: list[InstrumentItemOut]


class AssessmentOut(Schema):
    id: int
    case_id: int
    kind: AssessmentKind
    assessed_on: Day
    instrument: str
    protection_score: Decimal
    wellbeing_score: Decimal
    economic_score: Decimal
    social_score: Decimal
    stable_domains: list[Domain]


class AssessmentIn(Schema):
    assessed_on: Day
    answers: dict[str, int] = Field(..., description="The score of every item of the current instrument, by code.")
    note: str = Field("", max_length=4000)


class CrisisIn(Schema):
    occurred_on: Day
    domains: list[Domain] = Field(..., max_length=4)
    severity: CrisisSeverity
    what_happened: str = Field(..., max_length=4000)
    response: str = Field("", max_length=4000)


class CrisisOut(Schema):
    id: int
    case_id: int
    occurred_on: Day
    domains: list[Domain]
    severity: CrisisSeverity


class ClockEventOut(Schema):
    day: Day
    kind: str = Field(..., description="start, reset or whole")
    reasons: list[str] = Field(..., description="For a reset: crisis:<domain> or assessment:<domain>.")
    required_months: int | None


class ClockOut(Schema):
    state: str = Field(..., description="not_started, running or whole")
    as_of: Day
    run_started_on: Day | None
    required_months: int
    whole_on: Day | None
    days_elapsed: int
    days_required: int
    whole_dates: list[datetime.date]
    events: list[ClockEventOut]


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "case_id": assessment.case_id,
        "kind": assessment.kind,
        "assessed_on": assessment.assessed_on,
        "instrument": f"{assessment.instrument.key} v{assessment.instrument.version}",
        "protection_score": assessment.protection_score,
        "wellbeing_score": assessment.wellbeing_score,
        "economic_score": assessment.economic_score,
        "social_score": assessment.social_score,
        "stable_domains": sorted(assessment.stable_domains()),
    }


@router.get("/instruments/current", response=responses(InstrumentOut), url_name="instrument_current")
@allow(Permission.VIEW_CLIENTS)
def instrument_current(request: HttpRequest) -> dict[str, Any]:
    """The assessment form new assessments use: its items' codes are the keys of `answers`."""
    instrument = services.current_instrument()
    return {
        "key": instrument.key,
        "version": instrument.version,
        "name_en": instrument.name_en,
        "name_km": instrument.name_km,
        "scale_min": instrument.scale_min,
        "scale_max": instrument.scale_max,
        "stable_threshold": instrument.stable_threshold,
        "items": list(instrument.items.values("code", "domain", "text_en", "text_km")),
    }


@router.get(
    "/clients/{int:client_id}/assessments", response=responses(list[AssessmentOut]), url_name="client_assessments"
)
@allow(Permission.VIEW_CLIENTS)
def client_assessments(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """The client's assessments, oldest first, with the domain scores and which domains are stable."""
    client = client_for(request, client_id, read="assessments")
    assessments = Assessment.objects.filter(client=client).select_related("instrument").order_by("assessed_on", "pk")
    return [assessment_out(a) for a in assessments]


@router.post(
    "/clients/{int:client_id}/assessments",
    response=responses(AssessmentOut, 201),
    auth=write_token,
    url_name="assessment_record",
)
@allow(Permission.RECORD_COUNSELING, Permission.MANAGE_CASES)
def assessment_record(request: HttpRequest, client_id: PathId, data: AssessmentIn) -> Status[dict[str, Any]]:
    """Record an assessment from the answers; the first of a case is its baseline. The clock follows."""
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    assessment = services.assessment_record(
        actor=request.user,  # type: ignore[arg-type]
        client=client,
        assessed_on=data.assessed_on,
        answers=data.answers,
        note=data.note,
    )
    return Status(201, assessment_out(assessment))


@router.post(
    "/clients/{int:client_id}/crises", response=responses(CrisisOut, 201), auth=write_token, url_name="crisis_record"
)
@allow(Permission.RECORD_COUNSELING, Permission.MANAGE_CASES)
def crisis_record(request: HttpRequest, client_id: PathId, data: CrisisIn) -> Status[CrisisEvent]:
    """Record a crisis; it resets the stability clock."""
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    crisis = services.crisis_record(
        actor=request.user,  # type: ignore[arg-type]
        client=client,
        occurred_on=data.occurred_on,
        domains=data.domains,
        severity=data.severity,
        what_happened=data.what_happened,
        response=data.response,
    )
    return Status(201, crisis)


@router.get("/clients/{int:client_id}/clock", response=responses(ClockOut), url_name="client_clock")
@allow(Permission.VIEW_CLIENTS)
def client_clock(request: HttpRequest, client_id: PathId) -> dict[str, Any]:
    """The stability clock today: its state, the current run, and every start, reset and whole day."""
    clock = services.clock_for(client_for(request, client_id, read="clock"))
    return {
        "state": clock.state,
        "as_of": clock.as_of,
        "run_started_on": clock.run_started_on,
        "required_months": clock.required_months,
        "whole_on": clock.whole_on,
        "days_elapsed": clock.days_elapsed,
        "days_required": clock.days_required,
        "whole_dates": clock.whole_dates,
        "events": [
            {
                "day": event.day,
                "kind": event.kind,
                "reasons": list(event.reasons),
                "required_months": event.required_months,
            }
            for event in clock.events
        ],
    }
