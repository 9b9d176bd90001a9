"""Keys and AES-256-GCM encryption of field values.

Keys live outside the database: in `var/keys/keyring.json` for the embedded default, or in the file
named by `WJ_KEYS_FILE`, or inline in `WJ_KEYS` (JSON) in production. They are never derived from
SECRET_KEY. The keyring holds:

- master keys (`master.keys`, one of them `master.active`): encrypt field values directly, and wrap
  the per-client data keys;
- one blind-index key (`index_key`), separate from the master keys, for the HMAC search tokens.

The audit trail's MAC key is derived from the index key (`audit_key`): like the index key it is never
rotated, and deriving it keeps every existing keyring valid. HKDF keys its first step with a fixed
salt, not with the index key, so no blind-index token (HMAC under the index key) can equal it.

A ciphertext names the key it needs, and is bound by associated data to the model, field and row
it belongs to, so a value copied to another row or column fails to decrypt:

    wj1:k:<master key id>:<base64 nonce+ciphertext>   under a master key
    wj1:d:<data key row id>:<base64 nonce+ciphertext> under a client's data key (crypto-shreddable)
"""

from __future__ import annotations

import base64
import functools
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "wj1"
_NONCE_BYTES = 12
_KEY_BYTES = 32


class DecryptionError(Exception):
    """A value could not be decrypted: wrong record or field, missing key, or tampering."""


class ShreddedError(DecryptionError):
    """The value was encrypted under a data key that has been destroyed (the client was erased)."""


@dataclass
class Keyring:
    master_keys: dict[str, bytes]
    active_master: str
    index_key: bytes
    retired: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "master": {
                "active": self.active_master,
                "keys": {kid: base64.b64encode(key).decode() for kid, key in self.master_keys.items()},
            },
            "index_key": base64.b64encode(self.index_key).decode(),
            "retired": self.retired,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Keyring:
        try:
            keys = {kid: base64.b64decode(value) for kid, value in data["master"]["keys"].items()}
            ring = cls(
                master_keys=keys,
                active_master=data["master"]["active"],
                index_key=base64.b64decode(data["index_key"]),
                retired=list(data.get("retired", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"The keyring is malformed: {exc}") from exc
        if ring.active_master not in ring.master_keys:
            raise ImproperlyConfigured("The keyring's active master key is not among its keys.")
        if any(len(key) != _KEY_BYTES for key in [*ring.master_keys.values(), ring.index_key]):
            raise ImproperlyConfigured("Every key in the keyring must be 32 bytes (AES-256).")
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        return cls(master_keys={"k1": AESGCM.generate_key(256)}, active_master="k1", index_key=os.urandom(32))


def keyring_path() -> Path | None:
    """The file the keyring is read from and rotated into; None when it comes inline from WJ_KEYS."""
    if os.environ.get("WJ_KEYS"):
        return None
    configured = os.environ.get("WJ_KEYS_FILE")
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "keys" / "keyring.json"


_lock = threading.Lock()
_cached: Keyring | None = None


def load_keyring() -> Keyring:
    """The keyring, read once per process. The embedded default creates one on first use;
    production refuses to start without one (a lost keyring means lost data)."""
    global _cached
    with _lock:
        if _cached is None:
            path = keyring_path()
            if path is not None and not settings.PRODUCTION and not path.exists():
                write_keyring(Keyring.generate(), path)
            _cached = read_keyring()
        return _cached


def read_keyring() -> Keyring:
    """The configured keyring, read afresh and never created: ImproperlyConfigured says what is wrong
    (no file, a file that cannot be read, not JSON, not a keyring). The production checks call it at
    start, so a bad keyring stops the server rather than the first encrypted read."""
    inline = os.environ.get("WJ_KEYS")
    if inline:
        try:
            data = json.loads(inline)
        except ValueError as exc:
            raise ImproperlyConfigured(f"WJ_KEYS is not a JSON keyring: {exc}") from exc
        return Keyring.from_json(data)
    path = keyring_path()
    if path is None:  # unreachable: no WJ_KEYS means a file path
        raise ImproperlyConfigured("No keyring configured.")
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(f"No keyring at {path}. Set WJ_KEYS_FILE or WJ_KEYS; see docs/security.md.") from exc
    except OSError as exc:
        raise ImproperlyConfigured(f"The keyring at {path} cannot be read: {exc.strerror or exc}.") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"The keyring at {path} is not JSON: {exc}") from exc
    return Keyring.from_json(data)


def write_keyring(ring: Keyring, path: Path) -> None:
    """Write the keyring atomically (a crash never leaves half a file), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(ring.to_json(), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def reset_keyring_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def add_master_key() -> str:
    """Add a new master key and make it the active one; returns its id."""
    path = keyring_path()
    if path is None:
        raise ImproperlyConfigured("The keyring comes from WJ_KEYS; rotate it by changing that variable.")
    ring = load_keyring()
    number = max(int(kid[1:]) for kid in ring.master_keys if kid[1:].isdigit()) + 1
    kid = f"k{number}"
    ring.master_keys[kid] = AESGCM.generate_key(256)
    ring.active_master = kid
    write_keyring(ring, path)
    reset_keyring_cache()
    return kid


def retire_master_key(kid: str) -> None:
    """Remove a master key no value needs any more (the caller checks that first)."""
    path = keyring_path()
    if path is None:
        raise ImproperlyConfigured("The keyring comes from WJ_KEYS; retire a key by changing that variable.")
    ring = load_keyring()
    if kid == ring.active_master:
        raise ValueError("The active key cannot be retired.")
    ring.master_keys.pop(kid)
    ring.retired.append(kid)
    write_keyring(ring, path)
    reset_keyring_cache()


def audit_key() -> bytes:
    """The key of the audit trail's HMAC chain and of its checkpoints (never stored in the database)."""
    return _derive_audit_key(load_keyring().index_key)


@functools.lru_cache(maxsize=4)
def _derive_audit_key(index_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=b"wholejourney audit", info=b"audit chain v1"
    ).derive(index_key)


@functools.lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    # Setting up the cipher costs half as much as sealing a short value; an import seals millions.
    return AESGCM(key)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return base64.b64encode(nonce + _aead(key).encrypt(nonce, plaintext, aad)).decode()


def _open(key: bytes, body: str, aad: bytes) -> bytes:
    try:
        raw = base64.b64decode(body, validate=True)
        return _aead(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            "The value cannot be decrypted: it does not belong to this record and field, or it was altered."
        ) from exc


def encrypt_master(plaintext: bytes, aad: bytes) -> str:
    ring = load_keyring()
    kid = ring.active_master
    return f"{PREFIX}:k:{kid}:{_seal(ring.master_keys[kid], plaintext, aad)}"


def encrypt_with_data_key(data_key_id: str, key: bytes, plaintext: bytes, aad: bytes) -> str:
    return f"{PREFIX}:d:{data_key_id}:{_seal(key, plaintext, aad)}"


def parse(token: str) -> tuple[str, str, str]:
    """(kind, key id, body) of a ciphertext; kind is "k" (master key) or "d" (data key)."""
    parts = token.split(":", 3)
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in ("k", "d"):
        raise DecryptionError("The stored value is not a Whole Journey ciphertext.")
    return parts[1], parts[2], parts[3]


def decrypt_master(kid: str, body: str, aad: bytes) -> bytes:
    ring = load_keyring()
    key = ring.master_keys.get(kid)
    if key is None:
        raise DecryptionError(f"The master key {kid!r} is not in the keyring (retired or missing).")
    return _open(key, body, aad)


def decrypt_with_key(key: bytes, body: str, aad: bytes) -> bytes:
    return _open(key, body, aad)
