"""Cases, closures, placements and referrals in the API, through the selectors and services the
casework pages use: a case, placement or referral out of the user's reach is 404, a rule broken is
the page's own message in the one error format.

Partner referrers reach only `/partner/referrals`: the dates, urgency and status of their own
organisation's referrals, never a client.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, not_found, responses
from wholejourney.api.pagination import cursor_page
from wholejourney.api.schemas import Day, Id, PageParams, PathId, inline_enum, pick
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.cases import selectors, services
from wholejourney.cases.models import (
    AbuseType,
    Case,
    CaseStatus,
    ClosureReason,
    ClosureRequest,
    Placement,
    PlacementKind,
    Referral,
    ReferralOutcome,
    ReferralSource,
    ServiceAsked,
    TraffickingSubtype,
    Urgency,
)
from wholejourney.clients import selectors as client_selectors
from wholejourney.clients.api import IdentityIn, client_for, identity_values, search_terms
from wholejourney.clients.search import registration_matches
from wholejourney.options.api_types import option_code

ClosureStatus = Annotated[ClosureRequest.Status, inline_enum(ClosureRequest.Status)]
ReferralDirection = Annotated[Referral.Direction, inline_enum(Referral.Direction)]
ReferralStatus = Annotated[Referral.Status, inline_enum(Referral.Status)]
Service = Annotated[ServiceAsked, inline_enum(ServiceAsked)]
Outcome = Annotated[ReferralOutcome, inline_enum(ReferralOutcome)]
if TYPE_CHECKING:
    PlacementKindCode = str
    AbuseTypeCode = str
    ReferralSourceCode = str
else:
    PlacementKindCode = option_code("placement_kind")
    AbuseTypeCode = option_code("abuse_type")
    ReferralSourceCode = option_code("referral_source")

router = Router(tags=["cases"])

Note = Field("", max_length=2000)


# --- cases -----------------------------------------------------------------------------------


class ClosureRequestOut(Schema):
    id: int
    status: ClosureStatus
    closing_date: Day
    reason: ClosureReason
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


class CaseOut(Schema):
    id: int
    client_id: int
    client_code: str
    office: str
    team_id: int | None
    case_manager_id: int | None
    opened_on: Day
    referral_id: int | None
    primary_abuse_type: AbuseType
    trafficking_subtype: TraffickingSubtype | None
    status: CaseStatus
    closed_on: Day | None
    closure_reason: ClosureReason | None
    closure_requests: list[ClosureRequestOut]


class CaseOpenIn(Schema):
    opened_on: Day
    # A built-in type or one administrators added (wholejourney.options).
    primary_abuse_type: AbuseTypeCode
    trafficking_subtype: TraffickingSubtype | None = None
    team_id: Id | None = None
    case_manager_id: Id | None = None


class CaseTransferIn(Schema):
    team_id: Id | None = None
    case_manager_id: Id | None = None


class ClosureRequestIn(Schema):
    closing_date: Day
    reason: ClosureReason
    note: str = Note


class ClosureDecisionIn(Schema):
    approve: bool
    comment: str = Note


class CaseReopenIn(Schema):
    reopened_on: Day
    reason: str = Field(..., max_length=2000)


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "client_id": case.client_id,
        "client_code": case.client.code,
        "office": case.office.code,
        "team_id": case.team_id,
        "case_manager_id": case.case_manager_id,
        "opened_on": case.opened_on,
        "referral_id": case.referral_id,
        "primary_abuse_type": case.primary_abuse_type,
        "trafficking_subtype": case.trafficking_subtype or None,
        "status": case.status,
        "closed_on": case.closed_on,
        "closure_reason": case.closure_reason or None,
        "closure_requests": [
            {
                "id": r.pk,
                "status": r.status,
                "closing_date": r.closing_date,
                "reason": r.reason,
                "requested_at": r.requested_at,
                "decided_at": r.decided_at,
            }
            for r in case.closure_requests.all()
        ],
    }


def _case_for(request: HttpRequest, case_id: int, read: str) -> Case:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, target=case.client, changed_fields=[f"api:{read}"])  # type: ignore[arg-type]
    return case


def _assignment(request: HttpRequest, data: CaseOpenIn | CaseTransferIn) -> dict[str, Any]:
    return {
        "team": pick(selectors.teams_of_office(request.user), data.team_id, "team_id"),
        "case_manager": pick(selectors.case_managers_of_office(request.user), data.case_manager_id, "case_manager_id"),
    }


@router.get("/clients/{int:client_id}/cases", response=responses(list[CaseOut]), url_name="client_cases")
@allow(Permission.VIEW_CLIENTS)
def client_cases(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """A client's cases, latest first, with their closure requests."""
    client = client_for(request, client_id, read="cases")
    return [case_out(case) for case in selectors.cases_of_client(client)]


@router.get("/cases/{int:case_id}", response=responses(CaseOut), url_name="case_detail")
@allow(Permission.VIEW_CLIENTS)
def case_detail(request: HttpRequest, case_id: PathId) -> dict[str, Any]:
    return case_out(_case_for(request, case_id, "case"))


@router.post("/clients/{int:client_id}/cases", response=responses(CaseOut, 201), auth=write_token, url_name="case_open")
@allow(Permission.MANAGE_CASES)
def case_open(request: HttpRequest, client_id: PathId, data: CaseOpenIn) -> Status[dict[str, Any]]:
    """Open a case for a client who has none open."""
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    case = services.case_open(
        actor=request.user,  # type: ignore[arg-type]
        client=client,
        opened_on=data.opened_on,
        primary_abuse_type=data.primary_abuse_type,
        trafficking_subtype=data.trafficking_subtype or "",
        **_assignment(request, data),
    )
    return Status(201, case_out(case))


@router.post("/cases/{int:case_id}/transfer", response=responses(CaseOut), auth=write_token, url_name="case_transfer")
@allow(Permission.MANAGE_CASES)
def case_transfer(request: HttpRequest, case_id: PathId, data: CaseTransferIn) -> dict[str, Any]:
    """Hand the case (and the client's caseload) to another team or case manager."""
    case = selectors.case_get_for(user=request.user, pk=case_id)
    case = services.case_transfer(actor=request.user, case=case, **_assignment(request, data))  # type: ignore[arg-type]
    return case_out(case)


@router.post(
    "/cases/{int:case_id}/closure-requests",
    response=responses(ClosureRequestOut, 201),
    auth=write_token,
    url_name="closure_request",
)
@allow(Permission.MANAGE_CASES)
def closure_request(request: HttpRequest, case_id: PathId, data: ClosureRequestIn) -> Status[ClosureRequest]:
    """Ask to close the case; it closes when the supervisor or director approves."""
    case = selectors.case_get_for(user=request.user, pk=case_id)
    closure = services.closure_request(
        actor=request.user,  # type: ignore[arg-type]
        case=case,
        closing_date=data.closing_date,
        reason=data.reason,
        note=data.note,
    )
    return Status(201, closure)


@router.post(
    "/closure-requests/{int:request_id}/decision",
    response=responses(CaseOut),
    auth=write_token,
    url_name="closure_decide",
)
@allow(Permission.MANAGE_CASES)
def closure_decide(request: HttpRequest, request_id: PathId, data: ClosureDecisionIn) -> dict[str, Any]:
    """Approve (the case closes on the requested date) or return the request with a comment."""
    closure = selectors.closure_request_get_for(user=request.user, pk=request_id)
    case = services.closure_decide(
        actor=request.user,  # type: ignore[arg-type]
        request=closure,
        approve=data.approve,
        comment=data.comment,
    )
    return case_out(case)


@router.post("/cases/{int:case_id}/reopen", response=responses(CaseOut), auth=write_token, url_name="case_reopen")
@allow(Permission.MANAGE_CASES)
def case_reopen(request: HttpRequest, case_id: PathId, data: CaseReopenIn) -> dict[str, Any]:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    case = services.case_reopen(actor=request.user, case=case, reopened_on=data.reopened_on, reason=data.reason)  # type: ignore[arg-type]
    return case_out(case)


# --- placements ------------------------------------------------------------------------------


class PlacementOut(Schema):
    id: int
    case_id: int
    kind: PlacementKind
    start: Day
    end: Day | None
    foster_family_id: int | None
    organisation_id: int | None
    is_reintegration: bool


class PlacementIn(Schema):
    # A built-in kind or one administrators added (wholejourney.options).
    kind: PlacementKindCode
    start: Day
    end: Day | None = None
    foster_family_id: Id | None = None
    organisation_id: Id | None = None


class PlacementEndIn(Schema):
    end: Day


def placement_out(placement: Placement) -> dict[str, Any]:
    return {
        "id": placement.pk,
        "case_id": placement.case_id,
        "kind": placement.kind,
        "start": placement.start,
        "end": placement.end,
        "foster_family_id": placement.foster_family_id,
        "organisation_id": placement.organisation_id,
        "is_reintegration": bool(getattr(placement, "is_reintegration", False)),
    }


@router.get("/clients/{int:client_id}/placements", response=responses(list[PlacementOut]), url_name="client_placements")
@allow(Permission.VIEW_CLIENTS)
def client_placements(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """Where the client has lived, latest first; a move from care straight home is a reintegration."""
    client = client_for(request, client_id, read="placements")
    return [placement_out(p) for p in selectors.placements_of_client(client)]


@router.post(
    "/cases/{int:case_id}/placements",
    response=responses(PlacementOut, 201),
    auth=write_token,
    url_name="placement_add",
)
@allow(Permission.MANAGE_CASES)
def placement_add(request: HttpRequest, case_id: PathId, data: PlacementIn) -> Status[dict[str, Any]]:
    """Place the client, or move them: the current placement ends the day the new one starts."""
    case = selectors.case_get_for(user=request.user, pk=case_id)
    placement = services.placement_add(
        actor=request.user,  # type: ignore[arg-type]
        case=case,
        kind=data.kind,
        start=data.start,
        end=data.end,
        foster_family=pick(
            selectors.foster_families_of_office(request.user), data.foster_family_id, "foster_family_id"
        ),
        organisation=pick(selectors.organisations_of_office(request.user), data.organisation_id, "organisation_id"),
    )
    return Status(201, placement_out(placement))


@router.post(
    "/placements/{int:placement_id}/end", response=responses(PlacementOut), auth=write_token, url_name="placement_end"
)
@allow(Permission.MANAGE_CASES)
def placement_end(request: HttpRequest, placement_id: PathId, data: PlacementEndIn) -> dict[str, Any]:
    placement = selectors.placement_get_for(user=request.user, pk=placement_id)
    placement = services.placement_end(actor=request.user, placement=placement, end=data.end)  # type: ignore[arg-type]
    return placement_out(placement)


# --- referrals -------------------------------------------------------------------------------


class PersonIn(Schema):
    name: str = Field(..., max_length=200, description="Or a name the person is known by.")
    age: int | None = Field(None, ge=0, le=120)
    phone: str = Field("", max_length=40)
    location: str = Field("", max_length=300)

    def as_person(self) -> dict[str, Any]:
        person: dict[str, Any] = {"name": self.name.strip()}
        if self.age is not None:
            person["age"] = self.age
        for key in ("phone", "location"):
            if getattr(self, key).strip():
                person[key] = getattr(self, key).strip()
        return person


class PersonOut(Schema):
    name: str
    age: int | None
    phone: str
    location: str


class ReferralRow(Schema):
    id: int
    direction: ReferralDirection
    source: ReferralSource
    organisation_id: int | None
    referred_on: Day
    urgency: Urgency
    status: ReferralStatus
    client_id: int | None
    client_code: str | None
    created_at: datetime.datetime


class ReferralPage(Schema):
    items: list[ReferralRow]
    next_cursor: str | None


class ReferralOut(ReferralRow):
    details_readable: bool
    person: PersonOut | None
    reason: str | None
    decision_note: str | None
    decided_at: datetime.datetime | None


class ReferralIn(Schema):
    referred_on: Day
    # A built-in source or one administrators added (wholejourney.options).
    source: ReferralSourceCode = ReferralSource.ORGANISATION.value
    organisation_id: Id | None = None
    urgency: Urgency = Urgency.NORMAL
    reason: str = Note
    person: PersonIn


class ReferralDeclineIn(Schema):
    note: str = Field(..., max_length=2000)


class ReferralAcceptIn(Schema):
    """Link the referral to a client in your caseload (`client_id`), or register the person
    (`identity`, with `duplicate_reason` when a possible match exists), and open their case."""

    opened_on: Day
    primary_abuse_type: AbuseTypeCode
    trafficking_subtype: TraffickingSubtype | None = None
    team_id: Id | None = None
    case_manager_id: Id | None = None
    client_id: Id | None = None
    identity: IdentityIn | None = None
    duplicate_reason: str = Field("", max_length=1000)


class ReferralSendIn(Schema):
    organisation_id: Id
    referred_on: Day
    service_asked: Service = ServiceAsked.OTHER
    urgency: Urgency = Urgency.NORMAL
    reason: str = Note
    consent_override_reason: str = Field(
        "",
        max_length=2000,
        description="Only a director, when the client has not agreed to share with this partner: why it must go anyway.",
    )


class ReferralStatusIn(Schema):
    status: ReferralStatus


class PartnerReferralRow(Schema):
    id: int
    referred_on: Day
    urgency: Urgency
    status: ReferralStatus
    created_at: datetime.datetime


class PartnerReferralPage(Schema):
    items: list[PartnerReferralRow]
    next_cursor: str | None


class PartnerReferralIn(Schema):
    referred_on: Day
    urgency: Urgency = Urgency.NORMAL
    reason: str = Note
    person: PersonIn


def referral_row(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "direction": referral.direction,
        "source": referral.source,
        "organisation_id": referral.organisation_id,
        "referred_on": referral.referred_on,
        "urgency": referral.urgency,
        "status": referral.status,
        "client_id": referral.client_id,
        "client_code": referral.client.code if referral.client_id and referral.client else None,
        "created_at": referral.created_at,
    }


def referral_out(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """A referral; who was referred and why only when the page would show it, and then audited."""
    readable = selectors.referral_details_readable(request.user, referral)
    out = referral_row(referral) | {
        "details_readable": readable,
        "person": None,
        "reason": None,
        "decision_note": None,
        "decided_at": referral.decided_at,
    }
    if readable:
        person = referral.person if isinstance(referral.person, dict) else {}
        age = person.get("age")
        out |= {
            "person": {
                "name": str(person.get("name", "")),
                "age": age if isinstance(age, int) else None,
                "phone": str(person.get("phone", "")),
                "location": str(person.get("location", "")),
            },
            "reason": referral.reason or "",
            "decision_note": referral.decision_note or "",
        }
        audit_record(actor=request.user, action=AuditEvent.Action.VIEW, target=referral, changed_fields=["api:details"])  # type: ignore[arg-type]
    return out


@router.get("/referrals", response=responses(ReferralPage), url_name="referrals_list")
@allow(Permission.MANAGE_CASES)
def referrals_list(
    request: HttpRequest,
    page: PageParams = Query(...),  # noqa: B008
    status: ReferralStatus | None = None,
) -> dict[str, Any]:
    """Incoming referrals of the user's office, newest first. No names in a list."""
    referrals = selectors.incoming_referrals_for(request.user, status=status or "")
    rows, cursor = cursor_page(referrals, key="referred_on", cursor=page.cursor, limit=page.limit)
    return {"items": [referral_row(r) for r in rows], "next_cursor": cursor}


@router.get("/referrals/{int:referral_id}", response=responses(ReferralOut), url_name="referral_detail")
@allow(Permission.MANAGE_CASES)
def referral_detail(request: HttpRequest, referral_id: PathId) -> dict[str, Any]:
    return referral_out(request, selectors.incoming_referral_get_for(user=request.user, pk=referral_id))


@router.post("/referrals", response=responses(ReferralOut, 201), auth=write_token, url_name="referral_receive")
@allow(Permission.MANAGE_CASES)
def referral_receive(request: HttpRequest, data: ReferralIn) -> Status[dict[str, Any]]:
    """Record an incoming referral (taken by phone, letter or in person)."""
    user: Any = request.user
    if user.office is None:
        raise ApiError(422, "invalid", _("A referral is received by an office; a global account has none."))
    referral = services.referral_receive(
        actor=user,
        office=user.office,
        referred_on=data.referred_on,
        source=data.source,
        organisation=pick(selectors.organisations_of_office(user), data.organisation_id, "organisation_id"),
        urgency=data.urgency,
        reason=data.reason,
        person=data.person.as_person(),
    )
    return Status(201, referral_out(request, referral))


@router.post(
    "/referrals/{int:referral_id}/decline",
    response=responses(ReferralOut),
    auth=write_token,
    url_name="referral_decline",
)
@allow(Permission.MANAGE_CASES)
def referral_decline(request: HttpRequest, referral_id: PathId, data: ReferralDeclineIn) -> dict[str, Any]:
    referral = selectors.incoming_referral_get_for(user=request.user, pk=referral_id)
    referral = services.referral_decline(actor=request.user, referral=referral, note=data.note)  # type: ignore[arg-type]
    return referral_out(request, referral)


@router.post(
    "/referrals/{int:referral_id}/accept",
    response=responses(CaseOut, 201),
    auth=write_token,
    url_name="referral_accept",
)
@allow(Permission.MANAGE_CASES)
def referral_accept(request: HttpRequest, referral_id: PathId, data: ReferralAcceptIn) -> Status[dict[str, Any]]:
    """Accept: link a client or register the person, and open the case, all in one transaction."""
    user: Any = request.user
    referral = selectors.incoming_referral_get_for(user=user, pk=referral_id)
    if (data.client_id is None) == (data.identity is None):
        message = _("Choose the client the referral is about, or register the person.")
        raise ApiError(422, "invalid", message, {"client_id": [message], "identity": [message]})
    client = pick(client_selectors.clients_visible_to(user).filter(office=referral.office), data.client_id, "client_id")
    identity = None
    reason = data.duplicate_reason.strip()
    if data.identity is not None:
        identity = identity_values(data.identity.model_dump())
        matches = registration_matches(actor=user, **search_terms(identity))
        if matches.any and not reason:
            message = _("A possible match exists. Choose the client above, or say why you register someone new.")
            raise ApiError(422, "invalid", message, {"duplicate_reason": [message]})
        reason = reason if matches.any else ""
    case = services.referral_accept(
        actor=user,
        referral=referral,
        opened_on=data.opened_on,
        primary_abuse_type=data.primary_abuse_type,
        trafficking_subtype=data.trafficking_subtype or "",
        client=client,
        identity=identity,
        duplicate_reason=reason,
        **_assignment(request, CaseTransferIn(team_id=data.team_id, case_manager_id=data.case_manager_id)),
    )
    return Status(201, case_out(case))


@router.get("/clients/{int:client_id}/referrals", response=responses(list[ReferralRow]), url_name="client_referrals")
@allow(Permission.VIEW_CLIENTS)
def client_referrals(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """The referrals that brought the client to us and those we made for them, newest first."""
    client = client_for(request, client_id, read="referrals")
    return [referral_row(r) for r in selectors.referrals_of_client(client)]


@router.post(
    "/clients/{int:client_id}/referrals",
    response=responses(ReferralRow, 201),
    auth=write_token,
    url_name="referral_send",
)
@allow(Permission.MANAGE_CASES)
def referral_send(request: HttpRequest, client_id: PathId, data: ReferralSendIn) -> Status[dict[str, Any]]:
    """Refer the client on to a partner organisation."""
    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    organisation = pick(selectors.organisations_of_office(request.user), data.organisation_id, "organisation_id")
    referral = services.referral_send(
        actor=request.user,  # type: ignore[arg-type]
        client=client,
        organisation=organisation,  # type: ignore[arg-type]
        referred_on=data.referred_on,
        reason=data.reason,
        consent_override_reason=data.consent_override_reason,
        service_asked=data.service_asked,
        urgency=data.urgency,
    )
    return Status(201, referral_row(referral))


@router.post(
    "/referrals/{int:referral_id}/status",
    response=responses(ReferralRow),
    auth=write_token,
    url_name="referral_status",
)
@allow(Permission.MANAGE_CASES)
def referral_status(request: HttpRequest, referral_id: PathId, data: ReferralStatusIn) -> dict[str, Any]:
    """Follow an outgoing referral: sent → accepted or declined; accepted → completed."""
    referral = selectors.outgoing_referral_get_for(user=request.user, pk=referral_id)
    referral = services.referral_set_outgoing_status(actor=request.user, referral=referral, status=data.status)  # type: ignore[arg-type]
    return referral_row(referral)


# --- the partner portal ----------------------------------------------------------------------


def _partner_row(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "referred_on": referral.referred_on,
        "urgency": referral.urgency,
        "status": referral.status,
        "created_at": referral.created_at,
    }


@router.get("/partner/referrals", response=responses(PartnerReferralPage), url_name="partner_referrals")
@allow(Permission.SUBMIT_REFERRALS)
def partner_referrals(request: HttpRequest, page: PageParams = Query(...)) -> dict[str, Any]:  # noqa: B008
    """The referrals the partner's organisation sent: dates, urgency and status only."""
    referrals = selectors.referrals_of_partner(request.user)
    rows, cursor = cursor_page(referrals, key="referred_on", cursor=page.cursor, limit=page.limit)
    return {"items": [_partner_row(r) for r in rows], "next_cursor": cursor}


@router.post(
    "/partner/referrals",
    response=responses(PartnerReferralRow, 201),
    auth=write_token,
    url_name="partner_referral_submit",
)
@allow(Permission.SUBMIT_REFERRALS)
def partner_referral_submit(request: HttpRequest, data: PartnerReferralIn) -> Status[dict[str, Any]]:
    """Submit a referral for the partner's own organisation."""
    user: Any = request.user
    organisation = user.partner_organisation
    if organisation is None:
        raise not_found()
    referral = services.referral_receive(
        actor=user,
        office=organisation.office,
        referred_on=data.referred_on,
        urgency=data.urgency,
        reason=data.reason,
        person=data.person.as_person(),
    )
    return Status(201, _partner_row(referral))


# --- referrals sent to the partner's organisation (the loop of an outgoing referral) -------------


class SentToUsRow(Schema):
    """A referral an office sent to the partner's organisation: only what the consent covers."""

    id: int
    code: str
    referred_on: Day
    answer_due_on: Day | None
    status: ReferralStatus
    service: str
    urgency: str
    age_band: str
    sex: str
    province: str
    contact: str
    office: str
    outcome: Outcome | None


class SentToUsPage(Schema):
    items: list[SentToUsRow]
    next_cursor: str | None


class AnswerIn(Schema):
    accept: bool
    note: str = Field("", max_length=2000, description="Needed to decline: why.")


class OutcomeIn(Schema):
    outcome: Outcome
    note: str = Field("", max_length=2000, description="What was provided, without the person's name.")


def _sent_to_us(referral: Referral) -> dict[str, Any]:
    facts = selectors.partner_facts(referral)
    return {
        "id": referral.pk,
        "code": facts.code,
        "referred_on": referral.referred_on,
        "answer_due_on": referral.answer_due_on,
        "status": referral.status,
        "service": facts.service,
        "urgency": facts.urgency,
        "age_band": facts.age_band,
        "sex": facts.sex,
        "province": facts.province,
        "contact": facts.contact,
        "office": facts.office,
        "outcome": referral.outcome or None,
    }


@router.get("/partner/referrals/sent-to-us", response=responses(SentToUsPage), url_name="partner_sent_to_us")
@allow(Permission.ANSWER_REFERRALS)
def partner_sent_to_us(request: HttpRequest, page: PageParams = Query(...)) -> dict[str, Any]:  # noqa: B008
    """The referrals offices sent to the partner's organisation, newest first."""
    referrals = selectors.referrals_sent_to_partner(request.user)
    rows, cursor = cursor_page(referrals, key="referred_on", cursor=page.cursor, limit=page.limit)
    return {"items": [_sent_to_us(r) for r in rows], "next_cursor": cursor}


@router.post(
    "/partner/referrals/sent-to-us/{int:referral_id}/answer",
    response=responses(SentToUsRow),
    auth=write_token,
    url_name="partner_answer",
)
@allow(Permission.ANSWER_REFERRALS)
def partner_answer(request: HttpRequest, referral_id: PathId, data: AnswerIn) -> dict[str, Any]:
    """Accept a referral sent to the organisation, or decline it with the reason."""
    referral = selectors.partner_referral_get_for(user=request.user, pk=referral_id)
    user: Any = request.user
    referral = services.referral_answer(actor=user, referral=referral, accept=data.accept, note=data.note)
    return _sent_to_us(selectors.partner_referral_get_for(user=user, pk=referral.pk))


@router.post(
    "/partner/referrals/sent-to-us/{int:referral_id}/outcome",
    response=responses(SentToUsRow),
    auth=write_token,
    url_name="partner_outcome",
)
@allow(Permission.ANSWER_REFERRALS)
def partner_outcome(request: HttpRequest, referral_id: PathId, data: OutcomeIn) -> dict[str, Any]:
    """Report what the organisation provided for a referral it accepted."""
    referral = selectors.partner_referral_get_for(user=request.user, pk=referral_id)
    user: Any = request.user
    services.referral_report_outcome(actor=user, referral=referral, outcome=data.outcome, note=data.note)
    return _sent_to_us(selectors.partner_referral_get_for(user=user, pk=referral.pk))


# --- transfers between offices ----------------------------------------------------------------------


class TransferOut(Schema):
    id: int
    client_code: str
    from_office: str
    to_office: str
    status: str
    requested_at: datetime.datetime
    effective_on: Day | None


class TransferIn(Schema):
    to_office: str = Field(..., max_length=8, description="The receiving office's code, e.g. VN.")
    reason: str = Field(..., max_length=2000)


class TransferDecisionIn(Schema):
    approve: bool = Field(..., description="The sending director approves, then the receiving one accepts.")
    note: str = Field("", max_length=2000, description="Needed to decline.")
    effective_on: Day | None = Field(None, description="For the receiving office: the day the client moved.")


def _transfer_out(transfer: Any) -> dict[str, Any]:
    return {
        "id": transfer.pk,
        "client_code": transfer.client_code,
        "from_office": transfer.from_office.code,
        "to_office": transfer.to_office.code,
        "status": transfer.status,
        "requested_at": transfer.requested_at,
        "effective_on": transfer.effective_on,
    }


@router.get("/transfers", response=responses(list[TransferOut]), url_name="transfers_list")
@allow(Permission.MANAGE_CASES)
def transfers_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Transfers from or to the user's office, newest first (no reasons, no names)."""
    return [_transfer_out(t) for t in selectors.transfers_visible_to(request.user)[:200]]


@router.post(
    "/clients/{int:client_id}/transfers",
    response=responses(TransferOut, 201),
    auth=write_token,
    url_name="transfer_request",
)
@allow(Permission.MANAGE_CASES)
def transfer_request(request: HttpRequest, client_id: PathId, data: TransferIn) -> Status[dict[str, Any]]:
    """Ask to hand the client to another office; its directors then decide."""
    from wholejourney.cases import transfers

    client = client_selectors.client_get_for(user=request.user, pk=client_id)
    office = selectors.transfer_offices_for(client).filter(code=data.to_office).first()
    if office is None:
        message = _("Choose another of our offices.")
        raise ApiError(422, "invalid", message, {"to_office": [message]})
    user: Any = request.user
    return Status(
        201, _transfer_out(transfers.transfer_request(actor=user, client=client, to_office=office, reason=data.reason))
    )


@router.post(
    "/transfers/{int:transfer_id}/decide", response=responses(TransferOut), auth=write_token, url_name="transfer_decide"
)
@allow(Permission.APPROVE_CLOSURE)
def transfer_decide(request: HttpRequest, transfer_id: PathId, data: TransferDecisionIn) -> dict[str, Any]:
    """The sending director approves or declines; then the receiving director accepts or declines."""
    from wholejourney.cases import transfers
    from wholejourney.cases.models import Transfer

    user: Any = request.user
    transfer = selectors.transfer_get_for(user=user, pk=transfer_id)
    if transfer.status == Transfer.Status.REQUESTED:
        transfer = transfers.transfer_approve(actor=user, transfer=transfer, approve=data.approve, note=data.note)
    else:
        transfer = transfers.transfer_receive(
            actor=user, transfer=transfer, accept=data.approve, note=data.note, effective_on=data.effective_on
        )
    return _transfer_out(selectors.transfer_get_for(user=user, pk=transfer.pk))
