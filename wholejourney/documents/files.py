"""The bytes of a document: what kind of file it really is (from its bytes, never its name), images
re-encoded with every bit of metadata left behind, encryption under the client's data key, and
previews rendered on the server.

A stored file is `WJD1` + a 12-byte nonce + AES-256-GCM ciphertext, bound by associated data to the
document's row and to its role (the file or its preview), so a file copied onto another document
does not open. Nothing readable of the upload ever reaches the file system.
"""

from __future__ import annotations

import io
import secrets
import subprocess  # noqa: S404 (pdftoppm renders the first page of a PDF for its preview)
import zipfile
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wholejourney.core import crypto

MAGIC = b"WJD1"
_NONCE = 12
PDF, JPEG, PNG, DOCX = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx"}
# A photo of a paper is a few megapixels; far more is a decompression bomb.
MAX_PIXELS = 40_000_000
PREVIEW_WIDTH = 480


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    content: bytes


def max_bytes() -> int:
    return int(getattr(settings, "WJ_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def sniff(head: bytes) -> str | None:
    """The content type the bytes show, among those accepted; None for anything else (an
    executable named `.pdf` is None: ELF starts `\\x7fELF`, Windows programs `MZ`)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return DOCX  # checked further by _check_docx
    return None


def clean(content: bytes) -> CleanFile:
    """Check an upload and make it safe to keep: ValidationError when it is too large or not a PDF,
    JPEG, PNG or Word document; images come back re-encoded without any metadata."""
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > max_bytes():
        raise ValidationError(_("The file is larger than %(size)s MB.") % {"size": f"{max_bytes() / (1024 * 1024):g}"})
    kind = sniff(content[:16])
    if kind is None:
        raise ValidationError(_("Only PDF, JPEG, PNG and Word (.docx) files can be kept on a record."))
    if kind in (JPEG, PNG):
        return CleanFile(kind, _reencode(content, kind))
    if kind == DOCX:
        _check_docx(content)
    return CleanFile(kind, content)


def _reencode(content: bytes, kind: str) -> bytes:
    """The picture alone: its pixels copied into a new image, so no EXIF (GPS!), XMP, ICC profile,
    comment or thumbnail of the original survives. The orientation EXIF asked for is applied first."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The picture is too large."))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The picture cannot be read.")) from exc
    if kind == JPEG:
        mode = upright.mode if upright.mode in ("RGB", "L") else "RGB"
    else:
        mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
    converted = upright.convert(mode)
    bare = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if kind == JPEG:
        bare.save(out, "JPEG", quality=90)
    else:
        bare.save(out, "PNG", optimize=True)
    return out.getvalue()


def _check_docx(content: bytes) -> None:
    """A Word document is a zip with a main document part; one with macros is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValidationError(_("Only PDF, JPEG, PNG and Word (.docx) files can be kept on a record.")) from exc
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ValidationError(_("Only PDF, JPEG, PNG and Word (.docx) files can be kept on a record."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(_("Word documents with macros cannot be kept on a record."))


def _aad(row_id: str, role: str) -> bytes:
    return f"documents.document|{row_id}|{role}".encode()


def seal(key: bytes, row_id: str, role: str, plaintext: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, _aad(row_id, role))


def unseal(key: bytes, row_id: str, role: str, stored: bytes) -> bytes:
    if not stored.startswith(MAGIC):
        raise crypto.DecryptionError("The stored file is not a Whole Journey ciphertext.")
    body = stored[len(MAGIC) :]
    try:
        return AESGCM(key).decrypt(body[:_NONCE], body[_NONCE:], _aad(row_id, role))
    except InvalidTag as exc:
        raise crypto.DecryptionError("The stored file does not belong to this document, or it was altered.") from exc


def preview(clean_file: CleanFile) -> bytes | None:
    """A small PNG of an image or of a PDF's first page, for the page; None when there is none
    (a Word document, or a PDF that cannot be drawn)."""
    if clean_file.content_type in (JPEG, PNG):
        with Image.open(io.BytesIO(clean_file.content)) as image:
            image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
            out = io.BytesIO()
            image.convert("RGB").save(out, "PNG")
            return out.getvalue()
    if clean_file.content_type == PDF:
        try:
            # The PDF goes in by a pipe and the picture comes out by one: no plaintext on disk.
            done = subprocess.run(  # noqa: S603
                ["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to", str(PREVIEW_WIDTH), "-"],  # noqa: S607
                input=clean_file.content,
                capture_output=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode == 0 and done.stdout.startswith(b"\x89PNG"):
            return done.stdout
    return None
