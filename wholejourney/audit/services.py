"""Writing and checking the audit trail.

Call `audit_record` inside the transaction of the change it records: if the audit row cannot be
written, the change is rolled back with it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.management import call_command
from django.db import connection, models, transaction

from wholejourney.audit.checkpoints import (
    Checkpoint,
    checkpoint_for,
    checkpoint_latest,
    checkpoint_write,
    checkpoint_write_quietly,
    checkpoints_set_aside,
)
from wholejourney.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from wholejourney.core import crypto
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
    # No savepoint of its own: the row belongs to the change's transaction, and if it cannot be written
    # that transaction must not commit, so there is nothing to roll back to (a savepoint is two more
    # statements per audited change).
    with transaction.atomic(savepoint=False):
        # Locking the chain's head orders concurrent writers, so each row links to the one before.
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.row_hash = event.compute_hash()
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.row_hash
        head.save(update_fields=["last_seq", "last_hash"])
        every = settings.WJ_AUDIT_CHECKPOINT_EVERY
        # Anchored outside the database once committed: the first keyed row, then every `every` rows.
        if event.seq == head.mac_from or (every > 0 and event.seq % every == 0):
            checkpoint = checkpoint_for(last_seq=event.seq, head=event.row_hash, mac_from=head.mac_from)
            transaction.on_commit(functools.partial(checkpoint_write_quietly, checkpoint))
    return event


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    last_hash: str = GENESIS_HASH
    mac_from: int = 1
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _reordered(event: AuditEvent) -> str:
    """Why a row's link is broken: it points at a row that is elsewhere in the chain (rows reordered),
    or at none (a row before it was changed, removed or inserted)."""
    linked = AuditEvent.objects.filter(row_hash=event.prev_hash).values_list("seq", flat=True).first()
    if linked is not None and linked != event.seq - 1:
        return f"the rows were reordered: it was written after the row now at {linked}"
    return "its link to the previous row is broken"


def audit_verify(*, batch_size: int = 2000, checkpoint_path: Path | None = None) -> ChainReport:
    """Walk the chain from the start; report the first row that was changed, removed, inserted or
    reordered, then compare its end with the chain's head and the latest signed checkpoint: rows cut
    from the end, or an emptied table, show there. Rows from `mac_from` on must carry the keyed MAC
    (rows before it, written before the MAC, their plain SHA-256); the checkpoint's `mac_from` is
    trusted over the head's. Raises CheckpointError for a checkpoint this keyring did not sign."""
    checkpoint = checkpoint_latest(checkpoint_path)
    # Read before the walk, so rows appended meanwhile are not mistaken for a mismatch.
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    mac_from = checkpoint.mac_from if checkpoint else head.mac_from if head else 1
    key = crypto.audit_key()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    hash_at: dict[int, str] = {0: GENESIS_HASH}
    anchors = {head_seq, checkpoint.last_seq if checkpoint else 0}

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(checked, seq, reason, expected_prev, mac_from, checkpoint)

    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return broken(expected_seq, f"row {expected_seq} is missing (next row is {event.seq})")
        if event.prev_hash != expected_prev:
            return broken(event.seq, _reordered(event))
        if event.seq >= mac_from:
            if event.compute_hash(key) != event.row_hash:
                if event.legacy_hash() == event.row_hash:
                    return broken(
                        event.seq, "it was rewritten: its hash is a plain SHA-256, recomputed without the audit key"
                    )
                return broken(event.seq, "its content was changed after it was written")
        elif event.legacy_hash() != event.row_hash:
            return broken(event.seq, "its content was changed after it was written")
        expected_prev, expected_seq = event.row_hash, event.seq + 1
        checked += 1
        if event.seq in anchors:
            hash_at[event.seq] = event.row_hash
    if checkpoint is not None:
        if checked == 0 and checkpoint.last_seq > 0:
            return broken(
                1, f"the trail is empty but the checkpoint of {checkpoint.at} counted {checkpoint.rows} rows: truncated"
            )
        if checked < checkpoint.last_seq:
            return broken(
                checked + 1,
                f"rows {checked + 1} to {checkpoint.last_seq} were deleted from the end "
                f"(the checkpoint of {checkpoint.at} counted {checkpoint.rows} rows)",
            )
        if hash_at.get(checkpoint.last_seq) != checkpoint.head:
            return broken(
                checkpoint.last_seq,
                f"the chain no longer ends as the checkpoint of {checkpoint.at} recorded: rows up to it were rewritten",
            )
    if checked < head_seq or hash_at.get(head_seq) != head_hash:
        return broken(checked + 1, f"rows after {checked} were removed (the chain ends at {head_seq})")
    return ChainReport(checked, last_hash=expected_prev, mac_from=mac_from, checkpoint=checkpoint)


def audit_trail_wipe() -> None:
    """Empty the whole database, audit trail included (`demo --reset`): as the tables' owner, past the
    PostgreSQL TRUNCATE guard; the trail then starts again at row 1, so its checkpoints are moved aside."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")
        call_command("flush", interactive=False, verbosity=0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")
    checkpoints_set_aside()


def audit_checkpoint(*, report: ChainReport) -> tuple[Checkpoint, Path]:
    """Write a signed checkpoint of a chain `audit_verify` found intact (never of a broken one)."""
    if not report.ok:
        raise ValueError("A broken chain is not checkpointed.")
    checkpoint = checkpoint_for(last_seq=report.checked, head=report.last_hash, mac_from=report.mac_from)
    return checkpoint, checkpoint_write(checkpoint)
