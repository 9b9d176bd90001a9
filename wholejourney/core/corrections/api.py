"""Correcting records through the API, with the pages' rules and forms.

A record's version is its ETag. Every change sends the version it read in `If-Match`: without it
the change is refused (428 Precondition Required), and over a newer version it is refused too
(412 Precondition Failed), so no program overwrites someone's change unseen."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, ErrorOut, responses, service_error_fields
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.corrections import selectors, services
from wholejourney.core.corrections.forms import posted_form
from wholejourney.core.corrections.registry import CorrectableKind, kind_named

router = Router(tags=["corrections"])


class RecordOut(Schema):
    kind: str
    id: int
    version: int
    voided: bool
    fields: dict[str, Any]


class RecordPatch(Schema):
    """The fields to change, named as on the record's entry form (`GET` lists them)."""

    fields: dict[str, Any]


class VoidIn(Schema):
    reason: str


def etag(record: Any) -> str:
    return f'"{record.version}"'


def required_version(request: HttpRequest, record: Any) -> int:
    """The version the caller read, from If-Match: 428 without one, 412 when it is not the current."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        raise ApiError(
            428, "version_required", _("Send the version you read in If-Match (the record's ETag), then try again.")
        )
    if sent.removeprefix("W/") != etag(record):
        raise stale()
    return int(record.version)


def stale() -> ApiError:
    return ApiError(412, "stale_version", _("The record was changed since you read it: read it again, then resend."))


def _json(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def record_out(kind: CorrectableKind, record: Any) -> dict[str, Any]:
    return {
        "kind": kind.key,
        "id": record.pk,
        "version": record.version,
        "voided": getattr(record, "voided_at", None) is not None,
        "fields": {name: _json(value) for name, value in kind.initial(record).items()},
    }


def _found(request: HttpRequest, kind: str, record_id: int) -> tuple[CorrectableKind, Any]:
    found = kind_named(kind)
    return found, selectors.record_get_for(user=request.user, kind=found, pk=record_id)  # type: ignore[arg-type]


def _invalid(exc: ValidationError) -> ApiError:
    message, fields = service_error_fields(exc)
    return ApiError(422, "invalid", message, fields)


@router.get("/records/{kind}/{int:record_id}", response=responses(RecordOut), url_name="record_get")
@allow(Permission.SIGNED_IN)
def record_get(request: HttpRequest, response: HttpResponse, kind: str, record_id: int) -> dict[str, Any]:
    """A record as its entry form shows it, with its version (also the ETag)."""
    found, record = _found(request, kind, record_id)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, target=record, changed_fields=["api:record"])  # type: ignore[arg-type]
    response["ETag"] = etag(record)
    return record_out(found, record)


@router.patch(
    "/records/{kind}/{int:record_id}",
    response=responses(RecordOut) | {412: ErrorOut, 428: ErrorOut},
    auth=write_token,
    url_name="record_update",
)
@allow(Permission.SIGNED_IN)
def record_update(
    request: HttpRequest, response: HttpResponse, kind: str, record_id: int, data: RecordPatch
) -> dict[str, Any]:
    """Correct some fields of a record (If-Match: the version read)."""
    found, record = _found(request, kind, record_id)
    version = required_version(request, record)
    form, unknown = posted_form(found, record, data.fields)
    if unknown:
        raise ApiError(
            422, "invalid", _("These fields cannot be changed here."), {n: [_("Unknown field.")] for n in unknown}
        )
    if not form.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise ApiError(422, "invalid", _("Please correct the errors below."), fields)
    changes = found.changes(record, {name: form.cleaned_data[name] for name in form.fields if name in data.fields})
    try:
        user: Any = request.user
        record = services.record_edit(actor=user, kind=found, record=record, version=version, changes=changes)
    except services.EditConflict as exc:
        raise stale() from exc
    except ValidationError as exc:
        raise _invalid(exc) from exc
    response["ETag"] = etag(record)
    return record_out(found, record)


@router.post(
    "/records/{kind}/{int:record_id}/void",
    response=responses(RecordOut) | {412: ErrorOut, 428: ErrorOut},
    auth=write_token,
    url_name="record_void",
)
@allow(Permission.SIGNED_IN)
def record_void(
    request: HttpRequest, response: HttpResponse, kind: str, record_id: int, data: VoidIn
) -> dict[str, Any]:
    """Void a record entered by mistake (If-Match: the version read), with the reason."""
    found, record = _found(request, kind, record_id)
    version = required_version(request, record)
    try:
        user: Any = request.user
        record = services.record_void(actor=user, kind=found, record=record, version=version, reason=data.reason)
    except services.EditConflict as exc:
        raise stale() from exc
    except ValidationError as exc:
        raise _invalid(exc) from exc
    response["ETag"] = etag(record)
    return record_out(found, record)
