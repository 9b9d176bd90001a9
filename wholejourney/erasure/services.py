"""Erasure with approval, and the offices' retention rules. Each write checks the actor's
permission and writes its audit row in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.models import Client
from wholejourney.clients.services import client_erase
from wholejourney.core.models import Office
from wholejourney.documents.services import documents_delete_for_erasure
from wholejourney.erasure.models import ErasureRequest, RetentionRule

Status = ErasureRequest.Status


def erasure_request(*, actor: User, client: Client, reason: str) -> ErasureRequest:
    """Ask for a client's erasure, with a reason; the office's director decides."""
    if client.erased_at is not None or not has_permission(actor, Permission.MANAGE_CASES, obj=client):
        raise PermissionDenied
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say why this record should be erased (at least 10 characters).")})
    request = ErasureRequest(client=client, office_id=client.office_id, reason=reason, requested_by=actor)
    try:
        with transaction.atomic():
            request.full_clean(validate_constraints=False)
            request.save()
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=request, changed_fields=["erasure"])
    except IntegrityError as exc:
        raise ValidationError(_("An erasure of this client is already waiting for the director.")) from exc
    return request


def may_decide(user: User, request: ErasureRequest) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE, obj=request.client)


def erasure_decide(*, actor: User, request: ErasureRequest, approve: bool, carry_out: bool = True) -> ErasureRequest:
    """The director approves or declines. Approved, the erasure is carried out at once unless
    `carry_out` is False (an administrator then runs `wholejourney erase` with this request)."""
    if not may_decide(actor, request):
        raise PermissionDenied
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().select_related("client__data_key").get(pk=request.pk)
        if locked.status != Status.REQUESTED:
            raise ValidationError(_("This request was already decided."))
        if locked.requested_by_id == actor.pk:
            raise ValidationError(_("Another person decides: the director approves a request someone else made."))
        locked.status = Status.APPROVED if approve else Status.DECLINED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=[locked.status])
        if approve and carry_out:
            erasure_carry_out(actor=actor, request=locked)
    return locked


def may_carry_out(user: User, request: ErasureRequest) -> bool:
    """The director of the client's office, or an administrator of that office (or a global one)."""
    if has_permission(user, Permission.APPROVE_CLOSURE, obj=request.client):
        return True
    return has_permission(user, Permission.MANAGE_OFFICES) and user.office_id in (None, request.office_id)


def erasure_carry_out(*, actor: User, request: ErasureRequest) -> ErasureRequest:
    """Erase the client of an approved request: documents (rows and files) deleted, then the data
    key destroyed and the search tokens dropped (clients.services.client_erase, in the name of the
    director who approved). Service records stay, de-identified, so past figures do not move."""
    if not may_carry_out(actor, request):
        raise PermissionDenied
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().select_related("client__data_key").get(pk=request.pk)
        if locked.status == Status.DONE:
            raise ValidationError(_("This client is already erased."))
        if locked.status != Status.APPROVED or locked.decided_by is None:
            raise ValidationError(_("Nothing is erased without the director's approval."))
        client = locked.client
        documents_delete_for_erasure(client)
        client_erase(actor=locked.decided_by, client=client)
        locked.status = Status.DONE
        locked.carried_out_by, locked.carried_out_at = actor, timezone.now()
        locked.save(update_fields=["status", "carried_out_by", "carried_out_at"])
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, target=locked, changed_fields=["erased"])
    return locked


def retention_rule_set(
    *, actor: User, office: Office, years_after_closure: int, adult_age: int = 18, years_after_adulthood: int = 3
) -> RetentionRule:
    """Set how long the office keeps records (its director)."""
    if not has_permission(actor, Permission.APPROVE_CLOSURE, obj=office):
        raise PermissionDenied
    rule = RetentionRule.objects.filter(office=office).first() or RetentionRule(office=office)
    rule.years_after_closure, rule.adult_age, rule.years_after_adulthood = (
        years_after_closure,
        adult_age,
        years_after_adulthood,
    )
    rule.changed_by, rule.changed_at = actor, timezone.now()
    with transaction.atomic():
        rule.full_clean()
        rule.save()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=rule, changed_fields=["retention"])
    return rule
