"""Writes of field work: preparing and revoking packs, and taking in what a phone recorded offline.

Every entry a phone sends goes through the service the pages use (permission, validation, audit),
with the page's form checking its shape first, so the phone hears the pages' own messages. Each
entry runs in its own transaction together with its idempotency row: an entry sent again after the
server committed it returns the first answer and writes nothing."""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.api.errors import service_error_fields
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.care import services as care_services
from wholejourney.care.forms import SessionForm, VisitForm
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.forms import DayField
from wholejourney.field.models import FieldPack, SyncEntry
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.forms import AssessmentForm, CrisisForm
from wholejourney.programmes import services as programme_services
from wholejourney.programmes.selectors import activity_get_for

FIELD_PERMISSIONS = (Permission.MANAGE_CASES, Permission.RECORD_COUNSELING, Permission.RECORD_PREVENTION)
MAX_ENTRIES = 200


def does_field_work(user: Any) -> bool:
    """Case managers, counselors and prevention staff of an office; not M&E, partners or admins."""
    return getattr(user, "office_id", None) is not None and any(has_permission(user, p) for p in FIELD_PERMISSIONS)


def field_pack_make(*, actor: User, clients: list[Client]) -> FieldPack:
    """A new pack for the actor's phone, its secret and its expiry; each client given is audited as
    read (the caller has already scoped them to the actor's caseload)."""
    if not does_field_work(actor):
        raise PermissionDenied
    days = settings.WJ_FIELD_PACK_DAYS
    now = timezone.now()
    with transaction.atomic():
        pack = FieldPack.objects.create(
            user=actor,
            token=secrets.token_urlsafe(32),
            secret=secrets.token_urlsafe(32),
            made_at=now,
            expires_at=now + datetime.timedelta(days=days),
            client_count=len(clients),
        )
        audit_record(actor=actor, action=AuditEvent.Action.EXPORT, target=pack, changed_fields=["field_pack"])
        for client in clients:
            audit_record(actor=actor, action=AuditEvent.Action.VIEW, target=client, changed_fields=["field_pack"])
    return pack


def field_packs_revoke(*, user: User, tokens: list[str] | None = None) -> int:
    """Revoke the user's packs (those named, or all): their phones wipe them at the next contact."""
    packs = FieldPack.objects.filter(user=user, revoked_at__isnull=True)
    if tokens is not None:
        packs = packs.filter(token__in=tokens)
    return packs.update(revoked_at=timezone.now())


def field_pack_state(token: str) -> str:
    """`valid`, `expired`, or `wipe` (unknown, revoked, or its user disabled)."""
    pack = FieldPack.objects.select_related("user").filter(token=token).first() if token else None
    if pack is None or pack.revoked_at is not None or not pack.user.is_active:
        return "wipe"
    if pack.expires_at <= timezone.now():
        return "expired"
    return "valid"


@dataclass
class EntryResult:
    key: str
    state: str  # "accepted" or "refused"
    record_id: int | None = None
    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "state": self.state,
            "record_id": self.record_id,
            "message": self.message,
            "fields": self.fields,
        }


def _refused(key: str, message: str, fields: dict[str, list[str]] | None = None) -> EntryResult:
    return EntryResult(key=key, state="refused", message=message, fields=fields or {})


def _client(actor: User, value: Any) -> Client:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    client = clients_visible_to(actor).filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def _checked(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return dict(form.cleaned_data)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _visit(actor: User, data: Mapping[str, Any]) -> models.Model:
    client = _client(actor, data.get("client"))
    form = VisitForm(
        {
            "mode": _text(data, "mode"),
            "visited_on": _text(data, "visited_on"),
            "next_visit_on": _text(data, "next_visit_on"),
            "note": _text(data, "note"),
        }
    )
    return care_services.visit_record(actor=actor, client=client, **_checked(form))


def _assessment(actor: User, data: Mapping[str, Any]) -> models.Model:
    client = _client(actor, data.get("client"))
    instrument = outcome_services.current_instrument()
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    form_data = {"date": _text(data, "assessed_on"), "note": _text(data, "note")}
    form_data |= {f"item_{code}": str(score) for code, score in answers.items()}  # type: ignore[union-attr]
    form = AssessmentForm(form_data, instrument=instrument, language=get_language() or "en")
    cleaned = _checked(form)
    if isinstance(data.get("instrument_version"), int) and data["instrument_version"] != instrument.version:
        raise ValidationError(_("The assessment form has changed since you prepared: record it again."))
    return outcome_services.assessment_record(
        actor=actor, client=client, assessed_on=cleaned["date"], answers=form.answers(), note=cleaned["note"]
    )


def _crisis(actor: User, data: Mapping[str, Any]) -> models.Model:
    client = _client(actor, data.get("client"))
    domains = data.get("domains") if isinstance(data.get("domains"), list) else []
    form = CrisisForm(
        {
            "date": _text(data, "occurred_on"),
            "domains": [str(d) for d in domains],  # type: ignore[union-attr]
            "severity": _text(data, "severity"),
            "what_happened": _text(data, "what_happened"),
            "response": _text(data, "response"),
        }
    )
    cleaned = _checked(form)
    return outcome_services.crisis_record(
        actor=actor,
        client=client,
        occurred_on=cleaned["date"],
        domains=cleaned["domains"],
        severity=cleaned["severity"],
        what_happened=cleaned["what_happened"],
        response=cleaned["response"],
    )


def _session(actor: User, data: Mapping[str, Any]) -> models.Model:
    attendees = data.get("clients") if isinstance(data.get("clients"), list) else []
    for pk in attendees:  # type: ignore[union-attr]
        _client(actor, pk)  # one transferred out of the caseload: the same answer as for a visit
    form = SessionForm(
        {
            "held_on": _text(data, "held_on"),
            "format": _text(data, "format"),
            "modality": _text(data, "modality"),
            "duration_minutes": str(data.get("duration_minutes") or ""),
            "attendees": [str(pk) for pk in attendees],  # type: ignore[union-attr]
            "group_note": _text(data, "group_note"),
        },
        candidates=clients_visible_to(actor),
    )
    cleaned = _checked(form)
    return care_services.counseling_session_record(
        actor=actor,
        held_on=cleaned["held_on"],
        attendees=list(cleaned["attendees"]),
        format=cleaned["format"],
        modality=cleaned["modality"],
        duration_minutes=cleaned["duration_minutes"],
        group_note=cleaned["group_note"],
    )


PARTICIPANT_KEYS = ("ref", "name", "sex", "age_band", "group", "village", "commune", "province")


def _attendance(actor: User, data: Mapping[str, Any]) -> models.Model:
    """Attendance of an activity of the pack, or of one recorded now (its `new_activity`), with
    members known by their reference and new participants."""
    new = data.get("new_activity")
    if isinstance(new, dict):
        try:
            held_on = DayField(happened=True).clean(_text(new, "held_on"))
        except ValidationError as exc:
            raise ValidationError({"held_on": exc.messages}) from exc
        if actor.office is None:
            raise PermissionDenied
        activity = programme_services.activity_record(
            actor=actor,
            office=actor.office,
            kind=_text(new, "kind"),
            held_on=held_on,
            topic=_text(new, "topic"),
            place=_text(new, "place"),
        )
    else:
        try:
            activity = activity_get_for(user=actor, pk=int(data.get("activity") or 0))
        except (TypeError, ValueError):
            raise Http404 from None
    rows = data.get("rows") if isinstance(data.get("rows"), list) else []
    cleaned = [
        {k: str(row.get(k) or "") for k in PARTICIPANT_KEYS}
        for row in rows  # type: ignore[union-attr]
        if isinstance(row, dict)
    ]
    if not cleaned:
        raise ValidationError({"rows": _("Choose who attended.")})
    programme_services.attendance_record(actor=actor, activity=activity, rows=cleaned)
    return activity


HANDLERS: dict[str, Callable[[User, Mapping[str, Any]], models.Model]] = {
    "visit": _visit,
    "assessment": _assessment,
    "crisis": _crisis,
    "session": _session,
    "attendance": _attendance,
}


def field_entry_sync(*, actor: User, key: str, kind: str, data: Any) -> EntryResult:
    """Take in one entry made offline. Accepted: the record's id. Refused: the pages' messages in the
    user's language, nothing written. Sent again after it was accepted: the same answer, no write."""
    try:
        key_id = uuid.UUID(str(key))
    except ValueError:
        return _refused(str(key)[:64], _("This entry has no valid identifier."))
    key = str(key_id)
    earlier = SyncEntry.objects.filter(key=key_id).first()
    if earlier is not None:
        return _answer_of(earlier, actor, key)
    handler = HANDLERS.get(kind)
    if handler is None or not isinstance(data, dict):
        return _refused(key, _("This kind of entry is not known."))
    try:
        with transaction.atomic():
            record = handler(actor, data)
            SyncEntry.objects.create(
                key=key_id, user=actor, kind=kind, record_type=record._meta.label_lower, record_id=record.pk
            )
    except IntegrityError:
        # The same entry arrived twice at once: the other request wrote it; answer as it did.
        earlier = SyncEntry.objects.filter(key=key_id).first()
        if earlier is None:
            raise
        return _answer_of(earlier, actor, key)
    except Http404:
        return _refused(key, _("This client or activity is no longer in your caseload."))
    except PermissionDenied:
        return _refused(key, _("You may no longer record this."))
    except ValidationError as exc:
        message, fields = service_error_fields(exc)
        return _refused(key, message, fields)
    return EntryResult(key=key, state="accepted", record_id=record.pk)


def _answer_of(earlier: SyncEntry, actor: User, key: str) -> EntryResult:
    if earlier.user_id != actor.pk:
        return _refused(key, _("This entry has no valid identifier."))
    return EntryResult(key=key, state="accepted", record_id=earlier.record_id)
