"""Transfers of a client between offices (writes): asked by the sending case manager, approved by
the sending director, accepted or declined by the receiving office's director.

On acceptance, in one transaction: the sending office's open case closes ("transferred to another
of our offices"), the client and every record of theirs belong to the receiving office (its staff
can then open them; the sending office's cannot), a new case opens there, and the transfer row
stays as the sending office's entry. Records keep the case they were made in, so each office's
report counts the client for the months the client was theirs. The client's data key does not
change: keys are per client, and offices are access boundaries within one installation."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.cases.models import Case, CaseStatus, ClosureReason, Placement, Transfer
from wholejourney.clients.models import Client, ClientLookup
from wholejourney.core.models import Office


def transfer_request(*, actor: User, client: Client, to_office: Office, reason: str) -> Transfer:
    """The client's case manager asks to hand the client to another office, saying why."""
    if not has_permission(actor, Permission.MANAGE_CASES, obj=client):
        raise PermissionDenied
    if to_office.pk == client.office_id or not to_office.is_active:
        raise ValidationError({"to_office": _("Choose another of our offices.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the client moves to that office.")})
    if not client.cases.exclude(status=CaseStatus.CLOSED).exists():
        raise ValidationError(_("Only a client with an open case can be transferred."))
    if client.transfers.filter(status__in=[Transfer.Status.REQUESTED, Transfer.Status.APPROVED]).exists():
        raise ValidationError(_("A transfer of this client is already waiting for a decision."))
    with transaction.atomic():
        transfer = Transfer(
            client=client,
            client_code=client.code,
            from_office_id=client.office_id,
            to_office=to_office,
            reason=reason.strip(),
            requested_by=actor,
        )
        transfer.full_clean()
        transfer.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=transfer, changed_fields=["transfer"])
        _tell(transfer, _directors(transfer.from_office), "requested", actor)
    return transfer


def transfer_approve(*, actor: User, transfer: Transfer, approve: bool, note: str = "") -> Transfer:
    """The sending office's director lets the transfer go to the receiving office, or stops it."""
    if not has_permission(actor, Permission.APPROVE_CLOSURE, obj=transfer.client):
        raise PermissionDenied
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the transfer is declined.")})
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != Transfer.Status.REQUESTED:
            raise ValidationError(_("This transfer has already been decided."))
        if approve:
            locked.status, locked.approved_by, locked.approved_at = Transfer.Status.APPROVED, actor, timezone.now()
        else:
            locked.status, locked.decided_by, locked.decided_at = Transfer.Status.DECLINED, actor, timezone.now()
            locked.decision_note = note.strip()
        locked.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            target=locked,
            changed_fields=["approved" if approve else "declined"],
        )
        if approve:
            _tell(locked, _directors(locked.to_office), "approved", actor)
        _tell(locked, [locked.requested_by], "approved" if approve else "declined", actor)
    return locked


def transfer_receive(
    *,
    actor: User,
    transfer: Transfer,
    accept: bool,
    note: str = "",
    effective_on: datetime.date | None = None,
) -> Transfer:
    """The receiving office's director takes the client in (from `effective_on`, today unless
    the move happened earlier), or declines, which changes nothing."""
    if not has_permission(actor, Permission.APPROVE_CLOSURE, obj=transfer.to_office):
        raise PermissionDenied
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say why the transfer is declined.")})
    day = effective_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"effective_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().select_related("client").get(pk=transfer.pk)
        if locked.status != Transfer.Status.APPROVED:
            raise ValidationError(_("This transfer is not waiting for your office."))
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note.strip()
        if not accept:
            locked.status = Transfer.Status.DECLINED
            locked.save()
            audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["declined"])
            _tell(locked, [locked.requested_by, locked.approved_by], "declined", actor)
            return locked
        client = Client.objects.select_for_update().get(pk=locked.client_id)
        open_case = client.cases.exclude(status=CaseStatus.CLOSED).order_by("-opened_on").first()
        if open_case is None:
            raise ValidationError(_("The client has no open case any more: the transfer cannot go ahead."))
        if day <= open_case.opened_on:
            raise ValidationError({"effective_on": _("The transfer must come after the case opened.")})
        _move(client, open_case, locked.to_office, day)
        new_case = Case(
            office=locked.to_office,
            client=client,
            opened_on=day,
            primary_abuse_type=open_case.primary_abuse_type,
            trafficking_subtype=open_case.trafficking_subtype,
            exploitation_types=open_case.exploitation_types,
            control_methods=open_case.control_methods,
            recruitment=open_case.recruitment,
            countries=open_case.countries,
            summary=open_case.summary,
        )
        new_case.full_clean()
        new_case.save()
        locked.status, locked.effective_on = Transfer.Status.ACCEPTED, day
        locked.closed_case, locked.opened_case = open_case, new_case
        locked.save()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=["accepted"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            target=client,
            changed_fields=[f"office:{locked.from_office.code}->{locked.to_office.code}"],
        )
        _tell(locked, [locked.requested_by, locked.approved_by, *_directors(locked.to_office)], "accepted", actor)
    return locked


def _tell(transfer: Transfer, recipients: Any, event: str, actor: User) -> None:
    """The people a transfer needs next (or whose request was decided)."""
    from wholejourney.notifications.models import Kind
    from wholejourney.notifications.services import notify

    notify(
        kind=Kind.TRANSFER, target=transfer, recipients=recipients, event=event, actor=actor, office=transfer.to_office
    )


def _directors(office: Office) -> Any:
    from wholejourney.notifications.services import staff_with

    return staff_with(office.pk, Permission.APPROVE_CLOSURE)


def _move(client: Client, case: Case, to_office: Office, day: datetime.date) -> None:
    """Close the sending office's case on `day`, end a placement still running there, and give the
    client to the receiving office (with no team or case manager until its director assigns one)."""
    case.status, case.closed_on, case.closure_reason = CaseStatus.CLOSED, day, ClosureReason.OFFICE_TRANSFER
    case.save(update_fields=["status", "closed_on", "closure_reason"])
    Placement.objects.filter(client=client, end__isnull=True, start__lt=day).update(end=day)
    client.office, client.team, client.case_manager = to_office, None, None
    client.save(update_fields=["office", "team", "case_manager"])
    # The search tokens are kept per office: the client is now found there.
    ClientLookup.objects.filter(client=client).update(office_id=to_office.pk)
