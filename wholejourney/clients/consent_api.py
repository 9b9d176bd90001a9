"""A client's consent through the API: list it, record one, withdraw one. The same services as the
consent page (clients.services), so the same rules: a sharing consent names its partner, a story its
pseudonym, a child's consent its guardian. A signed form is uploaded as a document of the kind
"consent" (POST /clients/{id}/documents)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import not_found, responses
from wholejourney.api.schemas import Day, Id, PathId, pick
from wholejourney.cases.selectors import organisations_of_office
from wholejourney.clients import selectors, services
from wholejourney.clients.models import Consent, ConsentHow, ConsentKind

router = Router(tags=["consent"])


class ConsentOut(Schema):
    id: int
    client_id: int
    kind: ConsentKind
    partner_id: int | None
    given_on: datetime.date
    how_given: str
    pseudonym: str
    guardian_name: str
    guardian_relation: str
    recorded_by: str
    withdrawn_on: datetime.date | None
    withdrawn_by: str | None
    in_force: bool
    signed_forms: list[int] = Field(description="Ids of the documents holding the signed form.")


class ConsentIn(Schema):
    kind: ConsentKind
    partner_id: Id | None = Field(None, description="Required for sharing: the partner the information may go to.")
    given_on: Day
    how_given: ConsentHow
    pseudonym: str = Field("", max_length=80, description="Required for a story.")
    guardian_name: str = Field("", max_length=120, description="Required when the client was a child that day.")
    guardian_relation: str = Field("", max_length=60)
    note: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    withdrawn_on: Day | None = Field(None, description="Today when left out. It stops at once.")


def consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "client_id": consent.client_id,
        "kind": consent.kind,
        "partner_id": consent.partner_id,
        "given_on": consent.given_on,
        "how_given": consent.how_given,
        "pseudonym": consent.pseudonym or "",
        "guardian_name": consent.guardian_name or "",
        "guardian_relation": consent.guardian_relation or "",
        "recorded_by": consent.recorded_by.get_username(),
        "withdrawn_on": consent.withdrawn_on,
        "withdrawn_by": consent.withdrawn_by.get_username() if consent.withdrawn_by else None,
        "in_force": consent.withdrawn_on is None,
        "signed_forms": [document.pk for document in consent.forms.all()],
    }


@router.get("/clients/{int:client_id}/consents", response=responses(list[ConsentOut]), url_name="consents_list")
@allow(Permission.VIEW_CLIENTS)
def consents_list(request: HttpRequest, client_id: PathId) -> list[dict[str, Any]]:
    """What the client agreed to, in force first. A read of the record, audited."""
    client = selectors.client_get_for(user=request.user, pk=client_id)
    services.client_record_view(actor=request.user, client=client, fields=["api:consent"])  # type: ignore[arg-type]
    return [consent_out(c) for c in selectors.consents_of(client)]


@router.post(
    "/clients/{int:client_id}/consents",
    response=responses(ConsentOut, 201),
    auth=write_token,
    url_name="consent_record",
)
@allow(Permission.MANAGE_CASES)
def consent_record(request: HttpRequest, client_id: PathId, data: ConsentIn) -> Status[dict[str, Any]]:
    """Record a consent the client (or, for a child, their guardian) gave."""
    client = selectors.client_get_for(user=request.user, pk=client_id)
    partner = pick(organisations_of_office(request.user), data.partner_id, "partner_id")
    try:
        consent = services.consent_record(
            actor=request.user,  # type: ignore[arg-type]
            client=client,
            partner=partner,
            **data.model_dump(exclude={"partner_id"}),
        )
    except PermissionDenied as exc:
        raise not_found() from exc
    return Status(201, consent_out(selectors.consents_of(client).get(pk=consent.pk)))


@router.post(
    "/consents/{int:consent_id}/withdraw", response=responses(ConsentOut), auth=write_token, url_name="consent_withdraw"
)
@allow(Permission.MANAGE_CASES)
def consent_withdraw(request: HttpRequest, consent_id: PathId, data: WithdrawIn) -> dict[str, Any]:
    """Withdraw a consent: from now on it allows nothing (the next referral or export checks again)."""
    consent = selectors.consent_get_for(user=request.user, pk=consent_id)
    try:
        services.consent_withdraw(actor=request.user, consent=consent, withdrawn_on=data.withdrawn_on)  # type: ignore[arg-type]
    except PermissionDenied as exc:
        raise not_found() from exc
    return consent_out(selectors.consents_of(consent.client).get(pk=consent.pk))
