"""An upload handler that keeps a document in memory and never in a temporary file: Django writes
uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to disk in the clear, which a document must never be."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import MemoryFileUploadHandler, SkipFile

from wholejourney.documents.files import max_bytes


class InMemoryDocumentHandler(MemoryFileUploadHandler):
    """Holds the upload in memory up to the documents' size limit; beyond it the file is dropped
    and `too_large` says so (the page says why)."""

    too_large = False

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:  # noqa: N803
        self.activated = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > max_bytes():
            self.too_large = True
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)
