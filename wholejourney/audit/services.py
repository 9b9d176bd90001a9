"""Writing and checking the audit trail.

Call `audit_record` inside the transaction of the change it records: if the audit row cannot be
written, the change is rolled back with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models, transaction

from wholejourney.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from wholejourney.core.request_context import current_request

if TYPE_CHECKING:
    from wholejourney.accounts.models import User


def audit_record(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changed_fields: Iterable[str] = (),
    username: str = "",
) -> AuditEvent:
    """Append one event. `username` names the account tried when there is no actor (a failed sign-in)."""
    request = current_request()
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    roles = ""
    office_code = ""
    if actor is not None and actor.is_authenticated:
        roles = ",".join(sorted(role.value for role in actor.role_set))
        office_code = actor.office.code if actor.office_id and actor.office else ""
    event = AuditEvent(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        actor_username=actor.get_username() if actor is not None and actor.is_authenticated else username[:150],
        actor_roles=roles,
        office_code=office_code,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changed_fields=sorted(changed_fields),
        request_id=getattr(request, "request_id", "") if request else "",
        ip_address=request.META.get("REMOTE_ADDR") if request else None,
    )
    with transaction.atomic():
        # Locking the chain's head orders concurrent writers, so each row links to the one before.
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.row_hash = event.compute_hash()
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.row_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain from the start; report the first row that was changed, removed or inserted."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"row {expected_seq} is missing (next row is {event.seq})")
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "its link to the previous row is broken")
        if event.compute_hash() != event.row_hash:
            return ChainReport(checked, event.seq, "its content was changed after it was written")
        expected_prev, expected_seq = event.row_hash, event.seq + 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head and head.last_hash != expected_prev):
        return ChainReport(checked, checked + 1, f"rows after {checked} were removed (the chain ends at {last_seq})")
    return ChainReport(checked)
