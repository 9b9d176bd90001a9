"""The clients of the API: the caseload, one client's record (a VIEW event in the audit trail for
every read, as on the client page), registration and changes to a client's identity.

Lists carry codes, never names: names are read one client at a time, and each read is audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, ErrorOut, responses
from wholejourney.api.pagination import cursor_page
from wholejourney.api.schemas import Day, Id, PageParams, PathId, pick
from wholejourney.cases import selectors as case_selectors
from wholejourney.cases.models import CaseStatus, PlacementKind
from wholejourney.clients import selectors, services
from wholejourney.clients.models import Client, Gender, Sex
from wholejourney.clients.search import SEARCH_LIMIT, TooManySearches, registration_matches, search_clients
from wholejourney.core.corrections.api import etag, required_version, stale
from wholejourney.core.corrections.registry import kind_named
from wholejourney.core.corrections.services import EditConflict, record_edit

router = Router(tags=["clients"])

Name = Field("", max_length=120)


class ClientRow(Schema):
    id: int
    code: str
    office: str
    team_id: int | None
    case_manager_id: int | None
    sex: Sex
    gender: Gender
    birth_year: int | None
    registered_at: datetime.datetime
    case_status: CaseStatus | None
    placement_kind: PlacementKind | None
    closure_pending: bool


class ClientPage(Schema):
    items: list[ClientRow]
    next_cursor: str | None


class Address(Schema):
    village: str = Field("", max_length=120)
    commune: str = Field("", max_length=120)
    district: str = Field("", max_length=120)
    province: str = Field("", max_length=120)


class ClientOut(Schema):
    id: int
    code: str
    office: str
    team_id: int | None
    case_manager_id: int | None
    registered_at: datetime.datetime
    family_name_km: str
    given_name_km: str
    family_name_latin: str
    given_name_latin: str
    aliases: list[str]
    date_of_birth: Day | None
    birth_year: int | None
    birth_year_estimated: bool
    sex: Sex
    gender: Gender
    citizenship: str
    primary_language: str
    secondary_language: str
    phone_numbers: list[str]
    id_card_number: str
    address: Address


class IdentityIn(Schema):
    family_name_km: str = Name
    given_name_km: str = Name
    family_name_latin: str = Name
    given_name_latin: str = Name
    aliases: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: Day | None = None
    birth_year: int | None = Field(None, description="When the date of birth is not known; an estimate.")
    sex: Sex = Sex.UNKNOWN
    gender: Gender = Gender.NOT_SPECIFIED
    citizenship: str = Field("", max_length=2, description="Two-letter country code, e.g. KH.")
    primary_language: str = Field("", max_length=8)
    secondary_language: str = Field("", max_length=8)
    phone_numbers: list[str] = Field(default_factory=list, max_length=10)
    id_card_number: str = Field("", max_length=40)
    address: Address = Address(village="", commune="", district="", province="")


class ClientIn(IdentityIn):
    team_id: Id | None = None
    case_manager_id: Id | None = None
    duplicate_reason: str = Field(
        "", max_length=1000, description="Required when a client with the same name, phone or ID number exists."
    )


class ClientPatch(Schema):
    """Only the fields sent are changed."""

    family_name_km: str | None = Field(None, max_length=120)
    given_name_km: str | None = Field(None, max_length=120)
    family_name_latin: str | None = Field(None, max_length=120)
    given_name_latin: str | None = Field(None, max_length=120)
    aliases: list[str] | None = Field(None, max_length=20)
    date_of_birth: Day | None = None
    birth_year: int | None = None
    sex: Sex | None = None
    gender: Gender | None = None
    citizenship: str | None = Field(None, max_length=2)
    primary_language: str | None = Field(None, max_length=8)
    secondary_language: str | None = Field(None, max_length=8)
    phone_numbers: list[str] | None = Field(None, max_length=10)
    id_card_number: str | None = Field(None, max_length=40)
    address: Address | None = None


class ClientCreated(Schema):
    id: int
    code: str
    in_your_caseload: bool


def client_row(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "code": client.code,
        "office": client.office.code,
        "team_id": client.team_id,
        "case_manager_id": client.case_manager_id,
        "sex": client.sex,
        "gender": client.gender,
        "birth_year": client.birth_year,
        "registered_at": client.registered_at,
        "case_status": getattr(client, "case_status", None),
        "placement_kind": getattr(client, "placement_kind", None),
        "closure_pending": bool(getattr(client, "closure_pending", False)),
    }


def client_out(client: Client) -> dict[str, Any]:
    documents = [d for d in client.id_documents or [] if isinstance(d, dict)]
    id_card = next((str(d.get("number", "")) for d in documents if d.get("kind") == "id_card"), "")
    address = client.address if isinstance(client.address, dict) else {}
    return {
        "id": client.pk,
        "code": client.code,
        "office": client.office.code,
        "team_id": client.team_id,
        "case_manager_id": client.case_manager_id,
        "registered_at": client.registered_at,
        "family_name_km": client.family_name_km or "",
        "given_name_km": client.given_name_km or "",
        "family_name_latin": client.family_name_latin or "",
        "given_name_latin": client.given_name_latin or "",
        "aliases": [str(a) for a in client.aliases or []],
        "date_of_birth": client.date_of_birth,
        "birth_year": client.birth_year,
        "birth_year_estimated": client.birth_year_estimated,
        "sex": client.sex,
        "gender": client.gender,
        "citizenship": client.citizenship,
        "primary_language": client.primary_language,
        "secondary_language": client.secondary_language,
        "phone_numbers": [str(p) for p in client.phone_numbers or []],
        "id_card_number": id_card,
        "address": {part: str(address.get(part, "")) for part in ("village", "commune", "district", "province")},
    }


def _clean_list(values: list[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def identity_values(data: dict[str, Any]) -> dict[str, Any]:
    """The API's identity fields as `client_create` and `client_update_identity` take them (the
    same shapes the registration form builds): the ID card number as an identity document, the
    address without empty parts, a year of birth given alone as an estimate."""
    values = dict(data)
    if "aliases" in values:
        values["aliases"] = _clean_list(values["aliases"] or [])
    if "phone_numbers" in values:
        values["phone_numbers"] = _clean_list(values["phone_numbers"] or [])
    if "id_card_number" in values:
        number = (values.pop("id_card_number") or "").strip()
        values["id_documents"] = [{"kind": "id_card", "number": number}] if number else []
    if "address" in values:
        address = values["address"] or {}
        values["address"] = {part: str(v).strip() for part, v in address.items() if str(v).strip()}
    if values.get("date_of_birth") is None and values.get("birth_year") is not None:
        values["birth_year_estimated"] = True
    for name in ("family_name_km", "given_name_km", "family_name_latin", "given_name_latin"):
        if name in values and values[name] is not None:
            values[name] = values[name].strip()
    return {name: value for name, value in values.items() if value is not None or name == "date_of_birth"}


def search_terms(identity: dict[str, Any]) -> dict[str, list[str]]:
    """What registration looks for before adding someone: full names, aliases, phones, ID number."""
    names = [
        " ".join(part for part in (identity.get(f"family_name_{script}"), identity.get(f"given_name_{script}")) if part)
        for script in ("km", "latin")
    ]
    return {
        "names": [name for name in names if name] + list(identity.get("aliases", [])),
        "phones": list(identity.get("phone_numbers", [])),
        "id_numbers": [doc["number"] for doc in identity.get("id_documents", [])],
    }


def client_for(request: HttpRequest, client_id: int, *, read: str) -> Client:
    """A client in the caseload (404 otherwise), with the VIEW event the client page writes."""
    client = selectors.client_get_for(user=request.user, pk=client_id)
    services.client_record_view(actor=request.user, client=client, fields=[f"api:{read}"])  # type: ignore[arg-type]
    return client


@router.get("/clients", response=responses(ClientPage), url_name="clients_list")
@allow(Permission.VIEW_CLIENTS)
def clients_list(request: HttpRequest, page: PageParams = Query(...)) -> dict[str, Any]:  # noqa: B008
    """The caseload, newest first: codes, case status and placement, no names."""
    rows = case_selectors.caseload_rows(request.user)
    clients, cursor = cursor_page(rows, key="registered_at", cursor=page.cursor, limit=page.limit)
    return {"items": [client_row(c) for c in clients], "next_cursor": cursor}


class SearchParams(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="A client code or part of it, a phone or ID number, or a name or any part of it.",
    )


class SearchMatch(Schema):
    id: int
    code: str
    likeness: int = Field(description="How alike the client is to the search; results come most alike first.")
    sex: str
    birth_year: int | None
    birth_year_estimated: bool
    case_status: str | None
    case_manager_id: int | None


class SearchOut(Schema):
    items: list[SearchMatch] = Field(description=f"The clients you may open, at most {SEARCH_LIMIT}.")
    outside_caseload: int = Field(
        description="How many clients of your office outside your caseload match (break the glass on the page)."
    )
    more: bool


@router.get("/clients/search", response={**responses(SearchOut), 429: ErrorOut}, url_name="clients_search")
@allow(Permission.VIEW_CLIENTS)
def clients_search(request: HttpRequest, params: SearchParams = Query(...)) -> dict[str, Any]:  # noqa: B008
    """The app's one client search, as the search page answers it; audited, and limited to 30 name
    searches a minute (429 after). Matches in other offices are never reported."""
    try:
        results = search_clients(actor=request.user, text=params.q, purpose="api")
    except TooManySearches as exc:
        raise ApiError(429, "too_many_searches", str(exc.message)) from exc
    return {
        "items": [
            {
                "id": client.pk,
                "code": client.code,
                "likeness": getattr(client, "likeness", 0),
                "sex": client.sex,
                "birth_year": client.birth_year,
                "birth_year_estimated": client.birth_year_estimated,
                "case_status": getattr(client, "case_status", None),
                "case_manager_id": client.case_manager_id,
            }
            for client in results.visible
        ],
        "outside_caseload": len(results.outside_caseload),
        "more": results.more,
    }


@router.get("/clients/{int:client_id}", response=responses(ClientOut), url_name="client_detail")
@allow(Permission.VIEW_CLIENTS)
def client_detail(request: HttpRequest, response: HttpResponse, client_id: PathId) -> dict[str, Any]:
    """One client's identity, its version in the ETag. Every read is written to the audit trail."""
    client = client_for(request, client_id, read="identity")
    response["ETag"] = etag(client)
    return client_out(client)


@router.post("/clients", response=responses(ClientCreated, 201), auth=write_token, url_name="client_create")
@allow(Permission.MANAGE_CASES)
def client_create(request: HttpRequest, data: ClientIn) -> Status[dict[str, Any]]:
    """Register a client in the user's office. As on the registration page, a possible match (same
    name, phone or ID number) must be answered with a `duplicate_reason`, which is audited."""
    user: Any = request.user
    if user.office is None:
        raise ApiError(422, "invalid", _("A client is registered in an office; a global account has none."))
    team = pick(case_selectors.teams_of_office(user), data.team_id, "team_id")
    case_manager = pick(case_selectors.case_managers_of_office(user), data.case_manager_id, "case_manager_id")
    identity = identity_values(data.model_dump(exclude={"team_id", "case_manager_id", "duplicate_reason"}))
    matches = registration_matches(actor=user, **search_terms(identity))
    reason = data.duplicate_reason.strip()
    if matches.any and not reason:
        message = _("A possible match exists. Open that record instead, or say why you register someone new.")
        raise ApiError(422, "invalid", message, {"duplicate_reason": [message]})
    client = services.client_create(
        actor=user,
        office=user.office,
        team=team,
        case_manager=case_manager,
        duplicate_reason=reason if matches.any else "",
        **identity,
    )
    visible = selectors.clients_visible_to(user).filter(pk=client.pk).exists()
    return Status(201, {"id": client.pk, "code": client.code, "in_your_caseload": visible})


@router.patch(
    "/clients/{int:client_id}",
    response=responses(ClientOut) | {412: ErrorOut, 428: ErrorOut},
    auth=write_token,
    url_name="client_update",
)
@allow(Permission.MANAGE_CASES)
def client_update(request: HttpRequest, response: HttpResponse, client_id: PathId, data: ClientPatch) -> dict[str, Any]:
    """Change what is known of a client's identity; only the fields sent change. Send the version
    read (the ETag of `GET`) in If-Match: without it 428, over a newer version 412."""
    client = selectors.client_get_for(user=request.user, pk=client_id)
    version = required_version(request, client)
    changes = identity_values(data.model_dump(exclude_unset=True))
    try:
        user: Any = request.user
        client = record_edit(actor=user, kind=kind_named("client"), record=client, version=version, changes=changes)
    except EditConflict as exc:
        raise stale() from exc
    services.client_record_view(actor=request.user, client=client, fields=["api:identity"])  # type: ignore[arg-type]
    response["ETag"] = etag(client)
    return client_out(client)
