"""Signed checkpoints: the audit chain's length and last MAC, kept outside the database.

A checkpoint says "the trail had `rows` rows and row `last_seq` had MAC `head`", signed with the audit key
(HMAC-SHA256). Someone who can change the database but holds neither the keyring nor the checkpoint
directory cannot make the trail agree with it again after cutting rows from the end, emptying the table,
or rewriting rows. Files are named by the row they anchor, written atomically and never changed; the
latest is the one with the highest row. `wholejourney audit checkpoint` prints each one written, for
keeping off-site as well.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from wholejourney.core import crypto

logger = logging.getLogger(__name__)

_DOMAIN = b"wholejourney audit checkpoint v1|"


class CheckpointError(Exception):
    """A checkpoint file that is not what this keyring signed: forged, altered, or another installation's."""


@dataclass(frozen=True)
class Checkpoint:
    rows: int
    last_seq: int
    head: str  # the MAC of row `last_seq`
    mac_from: int  # the first row chained with the keyed MAC
    at: str  # ISO 8601, UTC

    def _signed_bytes(self) -> bytes:
        return _DOMAIN + json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    def signature(self, key: bytes | None = None) -> str:
        return hmac.new(key or crypto.audit_key(), self._signed_bytes(), hashlib.sha256).hexdigest()

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "mac": self.signature()}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, source: str) -> Checkpoint:
        try:
            data = json.loads(text)
            mac = data.pop("mac")
            checkpoint = cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CheckpointError(f"checkpoint {source} is not a checkpoint ({exc})") from exc
        if not hmac.compare_digest(str(mac), checkpoint.signature()):
            raise CheckpointError(f"checkpoint {source} does not carry this keyring's signature: forged or altered")
        return checkpoint


def checkpoint_dir() -> Path:
    return Path(settings.WJ_AUDIT_CHECKPOINT_DIR)


def checkpoint_for(*, last_seq: int, head: str, mac_from: int) -> Checkpoint:
    at = timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds")
    return Checkpoint(rows=last_seq, last_seq=last_seq, head=head, mac_from=mac_from, at=at)


def checkpoint_write(checkpoint: Checkpoint) -> Path:
    """Write the checkpoint to its own file (atomically: a crash never leaves half of one)."""
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"checkpoint-{checkpoint.last_seq:015d}.json"
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(checkpoint.to_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def checkpoint_write_quietly(checkpoint: Checkpoint) -> None:
    """The periodic checkpoint, after the audit row's transaction committed: a full or unwritable
    directory is logged, never turned into an error for the user whose change was already saved."""
    try:
        checkpoint_write(checkpoint)
    except OSError:
        logger.exception("Could not write the audit checkpoint for row %s", checkpoint.last_seq)


def checkpoint_latest(path: Path | None = None) -> Checkpoint | None:
    """The given checkpoint file, or the one anchoring the most rows in the checkpoint directory; None
    when there is none. Raises CheckpointError for any file in it that this keyring did not sign."""
    if path is not None:
        return Checkpoint.from_json(path.read_text(), source=str(path))
    folder = checkpoint_dir()
    if not folder.is_dir():
        return None
    checkpoints = [
        Checkpoint.from_json(file.read_text(), source=str(file)) for file in folder.glob("checkpoint-*.json")
    ]
    return max(checkpoints, key=lambda checkpoint: checkpoint.last_seq, default=None)


def checkpoints_set_aside() -> Path | None:
    """Rename the checkpoint directory (kept, not deleted) when the trail is deliberately started again."""
    folder = checkpoint_dir()
    if not folder.is_dir():
        return None
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder.rename(folder.with_name(f"{folder.name}.before-reset-{stamp}"))
