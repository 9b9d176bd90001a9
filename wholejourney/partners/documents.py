"""Signed agreement documents: PDF, Word (.docx) or a photo/scan (JPEG, PNG), at most 10 MB.

The type is found from the file's content (its first bytes and, for a Word file, its parts), never
from its name. What the file says about who made it is removed where the installed libraries
allow: a photo is redrawn without its EXIF, GPS, comments or colour profile (Pillow, already there
for WeasyPrint); a Word file gets empty document properties (author, company, last modified by).
A PDF is rewritten without its document information and XMP metadata (pypdf); an encrypted or
broken PDF is refused, since it could not be checked.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

PDF, DOCX, JPEG, PNG = "pdf", "docx", "jpeg", "png"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", JPEG: "jpg", PNG: "png"}

EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>'
)
EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'
)
PROPERTY_PARTS = {"docProps/core.xml": EMPTY_CORE, "docProps/app.xml": EMPTY_APP, "docProps/custom.xml": EMPTY_CUSTOM}


@dataclass(frozen=True)
class CheckedDocument:
    kind: str
    data: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def _refuse() -> ValidationError:
    return ValidationError(
        _("Upload the agreement as a PDF, a Word document (.docx) or a photo (JPEG or PNG)."), code="type"
    )


def sniff(data: bytes) -> str:
    """The document's type from its content, or a ValidationError."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = {member.filename for member in archive.infolist()}
                unpacked = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _refuse() from exc
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            if unpacked > MAX_UNPACKED_BYTES:
                raise _refuse()
            return DOCX
    raise _refuse()


def _clean_image(data: bytes, kind: str) -> bytes:
    from PIL import Image, ImageOps  # a dependency of WeasyPrint, imported only where needed

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                # Turn the picture as its EXIF said before the EXIF goes, so it still reads the right way up.
                upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse() from exc
    transparency = upright.info.get("transparency")
    upright.info = {} if transparency is None else {"transparency": transparency}
    out = io.BytesIO()
    if kind == JPEG:
        upright.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        upright.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean_docx(data: bytes) -> bytes:
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for member in source.infolist():
                content = PROPERTY_PARTS.get(member.filename)
                target.writestr(member.filename, content if content is not None else source.read(member))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse() from exc
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refuse()
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.xmp_metadata = None
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise _refuse() from exc
    return out.getvalue()


def check_document(data: bytes) -> CheckedDocument:
    """A document fit to keep: its type checked by content, its size, its metadata removed when possible."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The document is larger than %(size)s MB.") % {"size": MAX_BYTES // 2**20}, code="size")
    kind = sniff(data)
    if kind in (JPEG, PNG):
        return CheckedDocument(kind, _clean_image(data, kind))
    if kind == DOCX:
        return CheckedDocument(kind, _clean_docx(data))
    return CheckedDocument(kind, _clean_pdf(data))
