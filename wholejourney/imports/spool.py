"""The checked rows, kept between the check and the write.

The import reads the workbook once: the check turns every cell into its value, and the rows that
will be written are kept here, so the write neither reads the file again nor repeats the work.
They may hold names, so they are never on disk in the clear: each block of rows is encrypted
(AES-GCM) under a key made for this import that exists only in this process's memory, in a
temporary file the system has already unlinked. When the import ends, the key is gone and the
blocks with it. Memory holds one block at a time.
"""

from __future__ import annotations

import os
import pickle  # noqa: S403 - only blocks this process wrote and authenticated are read back
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROWS_PER_BLOCK = 2000
_NONCE = 12


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the import's length
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._blocks: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._pending: dict[str, list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
        self._end = 0

    def add(self, sheet: str, number: int, row: tuple[Any, ...]) -> None:
        """The row's values, and its number on the sheet (to name it in a problem found while writing)."""
        pending = self._pending[sheet]
        pending.append((number, row))
        if len(pending) >= ROWS_PER_BLOCK:
            self._write(sheet)

    def _aad(self, sheet: str, number: int) -> bytes:
        return f"{sheet}:{number}".encode()

    def _write(self, sheet: str) -> None:
        rows = self._pending.pop(sheet, [])
        if not rows:
            return
        nonce = os.urandom(_NONCE)
        aad = self._aad(sheet, len(self._blocks[sheet]))
        block = nonce + self._aead.encrypt(nonce, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), aad)
        self._file.seek(self._end)
        self._file.write(block)
        self._blocks[sheet].append((self._end, len(block)))
        self._end += len(block)

    def finish(self, sheet: str) -> None:
        """No more rows for this sheet."""
        self._write(sheet)

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The sheet's rows (number, values) in the order they were added (a sheet is finished before
        it is read)."""
        for number, (offset, length) in enumerate(list(self._blocks.get(sheet, []))):
            self._file.seek(offset)
            block = self._file.read(length)
            plain = self._aead.decrypt(block[:_NONCE], block[_NONCE:], self._aad(sheet, number))
            yield from pickle.loads(plain)  # noqa: S301 - authenticated above, written by this process

    def close(self) -> None:
        self._file.close()
        self._blocks.clear()
        self._pending.clear()
