"""Writes on clients. Each checks the actor's permission and writes its audit row in the same
transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.permissions import BREAK_GLASS_HOURS, has_permission, in_caseload
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.matching import TOKEN_FIELDS, client_tokens
from wholejourney.clients.models import (
    BreakGlassGrant,
    Client,
    ClientCodeCounter,
    ClientLookup,
    Consent,
    ConsentHow,
    ConsentKind,
    ConsentOverride,
)
from wholejourney.clients.rules import normalise_phone, phone_problem, registration_problems
from wholejourney.core.models import DataKey, Office
from wholejourney.notifications import events as notification_events

IDENTITY_FIELDS = (
    "given_name_km",
    "family_name_km",
    "given_name_latin",
    "family_name_latin",
    "aliases",
    "date_of_birth",
    "sex",
    "gender",
    "birth_year",
    "birth_year_estimated",
    "citizenship",
    "primary_language",
    "secondary_language",
    "phone_numbers",
    "id_documents",
    "address",
)


def _next_code(office: Office, year: int) -> str:
    counter, _created = ClientCodeCounter.objects.select_for_update().get_or_create(office=office, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{office.code}-{year}-{counter.last_number:04d}"


def refresh_lookups(client: Client) -> None:
    ClientLookup.objects.filter(client=client).delete()
    ClientLookup.objects.bulk_create(
        [
            ClientLookup(client=client, office_id=client.office_id, kind=kind, digest=digest)
            for kind, digest in sorted(client_tokens(client))
        ]
    )


def client_reindex_all(batch_size: int = 500) -> int:
    """Rebuild every client's search tokens (after the matching changes). Returns how many clients."""
    done = 0
    # Only the columns the tokens are made of: the migrations that rebuild the tokens run this with
    # the code of today on the tables of their day, before later columns exist.
    clients = (
        Client.objects.filter(erased_at__isnull=True)
        .select_related("data_key")
        .only("id", "row_id", "office_id", "data_key", *TOKEN_FIELDS)
        .order_by("pk")
    )
    last = 0
    while batch := list(clients.filter(pk__gt=last)[:batch_size]):
        with transaction.atomic():
            ClientLookup.objects.filter(client__in=batch).delete()
            ClientLookup.objects.bulk_create(
                [
                    ClientLookup(client=client, office_id=client.office_id, kind=kind, digest=digest)
                    for client in batch
                    for kind, digest in sorted(client_tokens(client))
                ]
            )
        done += len(batch)
        last = batch[-1].pk
    return done


def validate_identity(values: dict[str, Any]) -> None:
    if values.get("phone_numbers"):
        values["phone_numbers"] = [normalise_phone(number) for number in values["phone_numbers"]]
        problem = next(filter(None, (phone_problem(number) for number in values["phone_numbers"])), None)
        if problem:
            raise ValidationError({"phone_numbers": problem})
    dob = values.get("date_of_birth")
    if dob is not None and dob > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
    if dob is not None:
        # The plain year follows the encrypted date whenever the date is known.
        values["birth_year"], values["birth_year_estimated"] = dob.year, False
    year = values.get("birth_year")
    if year is not None and not 1900 <= year <= timezone.localdate().year:
        raise ValidationError({"birth_year": _("Give a year of birth between 1900 and this year.")})
    names = [values.get(f) for f in ("given_name_km", "family_name_km", "given_name_latin", "family_name_latin")]
    if not any(names):
        raise ValidationError(_("Give at least one name, in Khmer or in Latin script."))


def client_create(
    *,
    actor: User,
    office: Office,
    team: Team | None = None,
    case_manager: User | None = None,
    registered_at: datetime.datetime | None = None,
    duplicate_reason: str = "",
    **identity: Any,
) -> Client:
    """Register a client under a new data key, with a new code and search tokens. Registration
    needs a name, sex, a birth date or estimated year, and phone numbers that are phone numbers
    (`clients.rules`); Khmer digits in phone numbers are stored as ASCII digits."""
    if not has_permission(actor, Permission.MANAGE_CASES, obj=office):
        raise PermissionDenied
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown client fields: {sorted(unknown)}")
    if identity.get("phone_numbers"):
        identity["phone_numbers"] = [normalise_phone(number) for number in identity["phone_numbers"]]
    problems = registration_problems(identity)
    if problems:
        raise ValidationError(problems)
    validate_identity(identity)
    registered = registered_at or timezone.now()
    with transaction.atomic():
        client = Client(
            office=office,
            team=team,
            case_manager=case_manager,
            registered_at=registered,
            data_key=DataKey.create(),
            code=_next_code(office, timezone.localtime(registered).year),
            duplicate_reason=duplicate_reason.strip(),
            **identity,
        )
        client.full_clean()
        client.save()
        refresh_lookups(client)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            target=client,
            changed_fields=[*identity, *(["duplicate_reason"] if duplicate_reason else [])],
        )
    return client


def client_update_identity(*, actor: User, client: Client, **changes: Any) -> Client:
    if not has_permission(actor, Permission.MANAGE_CASES, obj=client):
        raise PermissionDenied
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown client fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(client, name) != value]
    for name, value in changes.items():
        setattr(client, name, value)
    values = {name: getattr(client, name) for name in IDENTITY_FIELDS}
    validate_identity(values)
    client.birth_year, client.birth_year_estimated = values["birth_year"], values["birth_year_estimated"]
    with transaction.atomic():
        client.full_clean()
        client.save()
        refresh_lookups(client)
        if changed:
            audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=client, changed_fields=changed)
    return client


def client_erase(*, actor: User, client: Client) -> None:
    """Erase a client's identity for good: destroy their data key (every value encrypted under it,
    in the database and in every backup, becomes unreadable) and drop their search tokens.
    Counts and dates stay, so past reports still add up."""
    if not (has_permission(actor, Permission.APPROVE_CLOSURE, obj=client)):
        raise PermissionDenied
    with transaction.atomic():
        client.data_key.destroy()
        ClientLookup.objects.filter(client=client).delete()
        client.erased_at = timezone.now()
        client.save(update_fields=["erased_at"])
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, target=client, changed_fields=["identity"])


def break_glass(*, actor: User, client: Client, reason: str, hours: int = BREAK_GLASS_HOURS) -> BreakGlassGrant:
    """Open a client outside one's caseload for a while. Granted at once, audited, and shown to the
    office's director; it expires by itself."""
    if not has_permission(actor, Permission.BREAK_GLASS) or actor.office_id not in (None, client.office_id):
        raise PermissionDenied
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say why you need this record (at least 10 characters).")})
    if in_caseload(actor, client):
        raise ValidationError(_("This client is already in your caseload."))
    now = timezone.now()
    # Access taken again while the last grant is open or soon after it ended is access kept going:
    # allowed (the work may need it) but marked, and the director sees renewals apart.
    renews = BreakGlassGrant.objects.filter(
        user=actor, client=client, expires_at__gte=now - datetime.timedelta(hours=hours)
    ).exists()
    with transaction.atomic():
        grant = BreakGlassGrant(
            user=actor,
            client=client,
            reason=reason,
            granted_at=now,
            expires_at=now + datetime.timedelta(hours=hours),
            renews=renews,
        )
        grant.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.BREAK_GLASS,
            target=client,
            changed_fields=["access", *(["renewed"] if renews else [])],
        )
        notification_events.break_glass_used(grant=grant, actor=actor)
    return grant


def client_record_view(*, actor: User, client: Client, fields: Iterable[str] = ()) -> None:
    """Write the "viewed" event for a client page, a download or a print."""
    audit_record(actor=actor, action=AuditEvent.Action.VIEW, target=client, changed_fields=fields)


def consent_record(
    *,
    actor: User,
    client: Client,
    kind: str,
    given_on: datetime.date,
    partner: Any = None,
    pseudonym: str = "",
    note: str = "",
    how_given: str = "",
    guardian_name: str = "",
    guardian_relation: str = "",
) -> Consent:
    """Record a consent the client gave. Sharing names the partner; a story names its pseudonym;
    a child's consent (under CONSENT_AGE on the day) is given by a guardian, who is named."""
    if not has_permission(actor, Permission.MANAGE_CASES, obj=client):
        raise PermissionDenied
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": _("Choose what the client agrees to.")})
    if how_given and how_given not in ConsentHow.values:
        raise ValidationError({"how_given": _("Choose how the consent was given.")})
    guardian_name, guardian_relation = guardian_name.strip(), guardian_relation.strip()
    if is_child_on(client, given_on) and not (guardian_name and guardian_relation):
        raise ValidationError(
            {
                "guardian_name": _(
                    "The client was a child on that day: name the guardian who gave consent, and what they are to the child."
                )
            }
        )
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    if kind == ConsentKind.SHARING and partner is None:
        raise ValidationError({"partner": _("Name the partner the information may be shared with.")})
    if kind == ConsentKind.STORY and not pseudonym.strip():
        raise ValidationError({"pseudonym": _("A story is told only under a pseudonym: give one.")})
    if partner is not None and partner.office_id != client.office_id:
        raise ValidationError({"partner": _("The organisation belongs to another office.")})
    consent = Consent(
        client=client,
        kind=kind,
        partner=partner if kind == ConsentKind.SHARING else None,
        given_on=given_on,
        pseudonym=pseudonym.strip() if kind == ConsentKind.STORY else "",
        note=note,
        recorded_by=actor,
        how_given=how_given,
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
    )
    with transaction.atomic():
        consent.full_clean()
        consent.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=consent, changed_fields=["consent"])
    return consent


def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: datetime.date | None = None) -> Consent:
    """Withdraw a consent. It stops at once, whatever the date given: the next referral or export
    checks again. The withdrawal is a record of its own (who, when) and an audit event."""
    withdrawn_on = withdrawn_on or timezone.localdate()
    if not has_permission(actor, Permission.MANAGE_CASES, obj=consent.client):
        raise PermissionDenied
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("The date cannot be in the future.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("Consent cannot be withdrawn before it was given.")})
    with transaction.atomic():
        consent.withdrawn_on, consent.withdrawn_by = withdrawn_on, actor
        consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=consent, changed_fields=["withdrawn_on"])
    return consent


# A person younger than this on the day gives consent through a guardian.
CONSENT_AGE = 18


def is_child_on(client: Client, day: datetime.date) -> bool:
    """Whether the client was under CONSENT_AGE on `day`: from the date of birth when known, else
    (cautiously) from the year of birth alone; not known at all is not a child."""
    born = client.date_of_birth
    if born is not None:
        return (day.year - born.year - ((day.month, day.day) < (born.month, born.day))) < CONSENT_AGE
    if client.birth_year is not None:
        return day.year - client.birth_year <= CONSENT_AGE
    return False


def sharing_consent_check(
    *, actor: User, client: Client, organisation: Any, override_reason: str = ""
) -> ConsentOverride | None:
    """Before information about a client goes to a partner: the client's sharing consent for that
    partner must be in force. Without it, only the office's director may let it go, with a reason
    (at least 10 characters); the override is recorded, audited and shown on the client's record.
    Call it inside the transaction of the write it guards."""
    if Consent.objects.filter(
        client=client, kind=ConsentKind.SHARING, partner=organisation, withdrawn_on__isnull=True
    ).exists():
        return None
    reason = override_reason.strip()
    if not reason:
        raise ValidationError(
            {
                "organisation": _(
                    "%(code)s has not agreed to share information with %(partner)s. Record the client's consent "
                    "first, or ask the director to decide, with a reason, that the referral must go without it."
                )
                % {"code": client.code, "partner": organisation.name}
            }
        )
    if not has_permission(actor, Permission.APPROVE_CLOSURE, obj=client):
        raise ValidationError(
            {"consent_override_reason": _("Only the director can send a referral without the client's consent.")}
        )
    if len(reason) < 10:
        raise ValidationError(
            {"consent_override_reason": _("Say why it must go without consent (at least 10 characters).")}
        )
    override = ConsentOverride(
        client=client,
        purpose=ConsentOverride.Purpose.REFERRAL,
        partner=organisation,
        reason=reason,
        decided_by=actor,
    )
    override.full_clean()
    override.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=client, changed_fields=["consent_override"])
    return override
