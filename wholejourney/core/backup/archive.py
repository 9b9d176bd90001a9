"""The backup file: an archive of named parts, encrypted as a whole with AES-256-GCM in chunks.

    WHOLEJOURNEY BACKUP 1\\n | header length (4 bytes) | header (JSON) | chunk | chunk | … | last chunk

The header names the master key the backup key is derived from (HKDF with a random salt of its own,
so every backup has a key of its own and the chunks can be numbered instead of random nonces), and
a check value that tells "another keyring" apart from "altered". Each chunk is the ciphertext of up
to 1 MiB with its length in front; its nonce is its number and whether it is the last, and it
authenticates the whole header. So a changed header, a changed, removed or reordered chunk, and a
file cut short (no chunk marked last) or lengthened (bytes after the last) are each refused, and
nothing is released that was not authenticated.

Inside, the plaintext is a sequence of parts (a name, whether it is compressed, then its bytes in
segments with their length in front, an empty segment ending it), then an end marker. Parts are
streamed, so neither writing nor reading ever holds a whole database in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from wholejourney.core import crypto

MAGIC = b"WHOLEJOURNEY BACKUP 1\n"
CHUNK_BYTES = 1 << 20
_TAG_BYTES = 16
_MAX_HEADER_BYTES = 64 * 1024
_PART, _END = b"P", b"E"


class BackupError(Exception):
    """A backup that cannot be made or restored, saying why and what to do (the commands show it as is)."""


@dataclass(frozen=True)
class Header:
    key_id: str  # the master key the backup key is derived from
    salt: bytes
    check: str  # tells a wrong keyring apart from a changed file
    engine: str
    created_at: str

    def to_bytes(self) -> bytes:
        body = json.dumps(
            {
                "format": 1,
                "key_id": self.key_id,
                "salt": base64.b64encode(self.salt).decode(),
                "check": self.check,
                "engine": self.engine,
                "created_at": self.created_at,
            },
            sort_keys=True,
        ).encode()
        return MAGIC + struct.pack(">I", len(body)) + body


def backup_key(ring: crypto.Keyring, key_id: str, salt: bytes) -> bytes:
    """The backup's own key: derived from a master key and the backup's salt, never stored."""
    master = ring.master_keys.get(key_id)
    if master is None:
        raise BackupError(
            _(
                "This backup was encrypted under master key %(key)s, which is not in the keyring (retired, or "
                "another installation's keyring). Restore with the copy of the keyring kept from when the "
                "backup was made."
            )
            % {"key": key_id}
        )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"wholejourney backup v1").derive(master)


def keyring_check(key: bytes, ring: crypto.Keyring) -> str:
    """A value only this backup key and this keyring's index key give (the index key keys the search
    tokens and the audit chain: a database restored under another one would not be searchable)."""
    return hmac.new(key, b"keyring|" + hashlib.sha256(ring.index_key).digest(), hashlib.sha256).hexdigest()


def read_header(handle: BinaryIO) -> tuple[Header, bytes]:
    """The header and its bytes as written (every chunk authenticates them)."""
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError(_("This file is not a Whole Journey backup."))
    raw_length = handle.read(4)
    length = struct.unpack(">I", raw_length)[0] if len(raw_length) == 4 else _MAX_HEADER_BYTES + 1
    body = handle.read(length) if length <= _MAX_HEADER_BYTES else b""
    try:
        data: dict[str, Any] = json.loads(body)
        header = Header(
            key_id=str(data["key_id"]),
            salt=base64.b64decode(data["salt"], validate=True),
            check=str(data["check"]),
            engine=str(data["engine"]),
            created_at=str(data["created_at"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(_("The backup's header is damaged. Nothing was restored.")) from exc
    return header, magic + raw_length + body


def _nonce(number: int, last: bool) -> bytes:
    return struct.pack(">QI", number, 1 if last else 0)


class SealedWriter:
    """Encrypts what is written to it, chunk by chunk, after the header; `close` writes the last chunk."""

    def __init__(self, out: BinaryIO, key: bytes, header: bytes) -> None:
        self._out, self._aead, self._aad = out, AESGCM(key), header
        self._buffer = bytearray()
        self._number = 0
        out.write(header)

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._number, last), plain, self._aad)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._number += 1


def opened_chunks(handle: BinaryIO, key: bytes, header: bytes) -> Iterator[bytes]:
    """The plaintext of each chunk after the header, each released only once authenticated; raises
    BackupError for a file altered, damaged, cut short or lengthened."""
    aead = AESGCM(key)
    altered = _("The backup was altered or damaged (block %(chunk)s fails its authentication). Nothing was restored.")
    incomplete = _("The backup is incomplete: it was cut short after block %(chunk)s. Nothing was restored.")
    number = 0
    while True:
        raw_length = handle.read(4)
        if len(raw_length) < 4:
            raise BackupError(incomplete % {"chunk": number})
        length = struct.unpack(">I", raw_length)[0]
        if not _TAG_BYTES <= length <= CHUNK_BYTES + _TAG_BYTES:
            raise BackupError(altered % {"chunk": number + 1})
        sealed = handle.read(length)
        if len(sealed) < length:
            raise BackupError(incomplete % {"chunk": number})
        try:
            plain, last = aead.decrypt(_nonce(number, False), sealed, header), False
        except InvalidTag:
            try:
                plain, last = aead.decrypt(_nonce(number, True), sealed, header), True
            except InvalidTag:
                raise BackupError(altered % {"chunk": number + 1}) from None
        if last and handle.read(1):
            raise BackupError(altered % {"chunk": number + 2})
        yield plain
        if last:
            return
        number += 1


class ArchiveWriter:
    """Writes named parts, each streamed in segments, optionally compressed (zlib)."""

    def __init__(self, sealed: SealedWriter) -> None:
        self._sealed = sealed

    def add(self, name: str, chunks: Iterable[bytes], *, compress: bool) -> int:
        """Write one part; returns its size before compression."""
        encoded = name.encode()
        self._sealed.write(_PART + struct.pack(">HB", len(encoded), compress) + encoded)
        packer = zlib.compressobj(6) if compress else None
        size = 0
        for chunk in chunks:
            size += len(chunk)
            self._segment(packer.compress(chunk) if packer else chunk)
        if packer:
            self._segment(packer.flush())
        self._sealed.write(struct.pack(">I", 0))
        return size

    def close(self) -> None:
        self._sealed.write(_END)
        self._sealed.close()

    def _segment(self, data: bytes) -> None:
        if data:
            self._sealed.write(struct.pack(">I", len(data)) + data)


class _Plaintext:
    """Reads exact byte counts across the authenticated chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, bytearray()

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                raise BackupError(_("The backup's contents are damaged. Nothing was restored."))
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def archive_parts(chunks: Iterator[bytes]) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Each part's name and its bytes (decompressed); a part's bytes must be read before the next part."""
    plain = _Plaintext(chunks)
    while (marker := plain.read(1)) == _PART:
        name_length, compressed = struct.unpack(">HB", plain.read(3))
        name = plain.read(name_length).decode()
        body = _part_body(plain, compressed=bool(compressed))
        yield name, body
        for _rest in body:  # a part the caller skipped
            pass
    if marker != _END:
        raise BackupError(_("The backup's contents are damaged. Nothing was restored."))


def _part_body(plain: _Plaintext, *, compressed: bool) -> Iterator[bytes]:
    unpacker = zlib.decompressobj() if compressed else None
    while length := struct.unpack(">I", plain.read(4))[0]:
        data = plain.read(length)
        yield unpacker.decompress(data) if unpacker else data
    if unpacker:
        yield unpacker.flush()
