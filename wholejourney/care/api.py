"""Care records in the API: a client's services of every kind the user's roles may see (as on the
timeline), and recording visits, legal, education and economic services and counseling sessions
through the care services, with their rules and messages.

A service in a list carries its plain fields only; notes (identifying or sensitive) stay on the
pages, where counseling notes are shown only to those who may read them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, responses
from wholejourney.api.pagination import decode_cursor, next_cursor
from wholejourney.api.schemas import Day, Id, PageParams, PathId, decimal_rules, inline_enum
from wholejourney.care import services
from wholejourney.care.models import (
    EducationLevel,
    EducationSupport,
    Modality,
    SessionFormat,
    Visit,
)
from wholejourney.care.permissions import areas_of
from wholejourney.care.selectors import TIMELINE_KINDS, TimelineKind, TimelinePosition, timeline_records, timeline_rows
from wholejourney.clients import selectors as client_selectors
from wholejourney.clients.api import client_for
from wholejourney.options.api_types import option_code

VisitMode = Annotated[Visit.Mode, inline_enum(Visit.Mode)]
if TYPE_CHECKING:
    LegalServiceKindCode = str
    EconomicServiceKindCode = str
else:
    LegalServiceKindCode = option_code("legal_service_kind")
    EconomicServiceKindCode = option_code("economic_service_kind")
EducationKind = Annotated[EducationSupport.Kind, inline_enum(EducationSupport.Kind)]

router = Router(tags=["care"])

Note = Field("", max_length=2000)
_KIND_OF_MODEL = {kind.model: kind for kind in TIMELINE_KINDS}
# Links to the people and records a service belongs to: given apart, not in `details`.
_NOT_DETAILS = {"id", "row_id", "client", "case", "recorded_by"}


class ServiceOut(Schema):
    kind: str = Field(..., description="session, treatment, legal_service, legal_case, milestone, education, …")
    id: int
    date: Day
    case_id: int | None
    details: dict[str, Any] = Field(..., description="The record's plain fields; never its notes.")


class ServicePage(Schema):
    items: list[ServiceOut]
    next_cursor: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def service_out(kind: TimelineKind, record: Any, day: datetime.date) -> dict[str, Any]:
    details = {}
    for name in getattr(record.Privacy, "plain", []):
        if name in _NOT_DETAILS:
            continue
        field = record._meta.get_field(name)
        if field.many_to_many:
            continue
        details[name] = _plain(getattr(record, field.attname))
    case_id = getattr(record, "case_id", None)
    if case_id is None and kind.key == "milestone":
        case_id = record.legal_case.case_id
    if case_id is None and kind.key == "review":
        case_id = record.plan.case_id
    return {"kind": kind.key, "id": record.pk, "date": day, "case_id": case_id, "details": details}


@router.get("/clients/{int:client_id}/services", response=responses(ServicePage), url_name="client_services")
@allow(Permission.VIEW_CLIENTS)
def client_services(
    request: HttpRequest,
    client_id: PathId,
    page: PageParams = Query(...),  # noqa: B008
) -> dict[str, Any]:
    """Every care record about the client that the user's roles may see, newest first (the timeline)."""
    client = client_for(request, client_id, read="services")
    kinds = [kind for kind in TIMELINE_KINDS if kind.area in areas_of(request.user)]
    after = None
    if page.cursor:
        day, pk, key = decode_cursor(page.cursor)
        after = TimelinePosition(day, key, pk)
    rows = timeline_rows(kinds, client, limit=page.limit + 1, older_than=after)
    loaded = timeline_records(kinds, rows[: page.limit])
    by_key = {kind.key: kind for kind in kinds}
    items = [
        service_out(by_key[row["t_kind"]], loaded[(row["t_kind"], row["t_id"])], row["t_day"])
        for row in rows[: page.limit]
        if (row["t_kind"], row["t_id"]) in loaded
    ]
    cursor = next_cursor(rows, page.limit, lambda row: (row["t_day"], row["t_id"]), lambda row: row["t_kind"])
    return {"items": items, "next_cursor": cursor}


def _created(record: models.Model, day: datetime.date) -> Status[dict[str, Any]]:
    return Status(201, service_out(_KIND_OF_MODEL[type(record)], record, day))


class VisitIn(Schema):
    mode: VisitMode
    visited_on: Day
    next_visit_on: Day | None = None
    note: str = Note


class LegalServiceIn(Schema):
    # A built-in kind or one administrators added (wholejourney.options).
    kind: LegalServiceKindCode
    provided_on: Day
    note: str = Note


class EducationIn(Schema):
    level: EducationLevel
    kind: EducationKind
    provided_on: Day
    school_year: str = Field("", max_length=9, description="For example 2023-2024.")
    outcome: str = Field("", max_length=200)


class EconomicServiceIn(Schema):
    kind: EconomicServiceKindCode
    provided_on: Day
    amount: Annotated[Decimal, *decimal_rules(digits=12, places=2, minimum=0)] | None = None
    amount_usd: Annotated[Decimal, *decimal_rules(digits=10, places=2, minimum=0)] | None = None
    note: str = Note


class SessionIn(Schema):
    held_on: Day
    client_ids: list[Id] = Field(..., min_length=1, max_length=50)
    format: SessionFormat = SessionFormat.INDIVIDUAL
    modality: Modality = Modality.TF_CBT
    duration_minutes: int = Field(60, ge=1, le=600)
    group_note: str = Note


class SessionOut(Schema):
    id: int
    held_on: Day
    format: SessionFormat
    modality: Modality
    duration_minutes: int
    client_ids: list[Id]


@router.post(
    "/clients/{int:client_id}/visits", response=responses(ServiceOut, 201), auth=write_token, url_name="visit_record"
)
@allow(Permission.MANAGE_CASES)
def visit_record(request: HttpRequest, client_id: PathId, data: VisitIn) -> Status[dict[str, Any]]:
    """A home visit or a follow-up in person or by phone."""
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    visit = services.visit_record(actor=request.user, client=client, **data.model_dump())  # type: ignore[arg-type]
    return _created(visit, visit.visited_on)


@router.post(
    "/clients/{int:client_id}/legal-services",
    response=responses(ServiceOut, 201),
    auth=write_token,
    url_name="legal_service_record",
)
@allow(Permission.RECORD_LEGAL)
def legal_service_record(request: HttpRequest, client_id: PathId, data: LegalServiceIn) -> Status[dict[str, Any]]:
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    service = services.legal_service_record(actor=request.user, client=client, **data.model_dump())  # type: ignore[arg-type]
    return _created(service, service.provided_on)


@router.post(
    "/clients/{int:client_id}/education",
    response=responses(ServiceOut, 201),
    auth=write_token,
    url_name="education_record",
)
@allow(Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES)
def education_record(request: HttpRequest, client_id: PathId, data: EducationIn) -> Status[dict[str, Any]]:
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    support = services.education_support_record(actor=request.user, client=client, **data.model_dump())  # type: ignore[arg-type]
    return _created(support, support.provided_on)


@router.post(
    "/clients/{int:client_id}/economic-services",
    response=responses(ServiceOut, 201),
    auth=write_token,
    url_name="economic_service_record",
)
@allow(Permission.RECORD_ECONOMIC)
def economic_service_record(request: HttpRequest, client_id: PathId, data: EconomicServiceIn) -> Status[dict[str, Any]]:
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    service = services.economic_service_record(actor=request.user, client=client, **data.model_dump())  # type: ignore[arg-type]
    return _created(service, service.provided_on)


@router.post(
    "/counseling-sessions", response=responses(SessionOut, 201), auth=write_token, url_name="counseling_session_record"
)
@allow(Permission.RECORD_COUNSELING)
def counseling_session_record(request: HttpRequest, data: SessionIn) -> Status[dict[str, Any]]:
    """One session, once, for all who attended (clients in your caseload)."""
    wanted = list(dict.fromkeys(data.client_ids))
    found = {c.pk: c for c in client_selectors.clients_visible_to(request.user).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        message = _("Not a client in your caseload: %(codes)s.") % {"codes": ", ".join(str(pk) for pk in missing)}
        raise ApiError(422, "invalid", message, {"client_ids": [message]})
    session = services.counseling_session_record(
        actor=request.user,  # type: ignore[arg-type]
        held_on=data.held_on,
        attendees=[found[pk] for pk in wanted],
        format=data.format,
        modality=data.modality,
        duration_minutes=data.duration_minutes,
        group_note=data.group_note,
    )
    created = {
        "id": session.pk,
        "held_on": session.held_on,
        "format": session.format,
        "modality": session.modality,
        "duration_minutes": session.duration_minutes,
        "client_ids": wanted,
    }
    return Status(201, created)
