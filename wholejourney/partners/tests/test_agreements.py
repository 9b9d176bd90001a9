"""Partnership agreements with their signed document (type by content, size, metadata removed where
possible) and partner contacts (encrypted), kept by the director."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from PIL import Image
from pypdf import PdfReader, PdfWriter

from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.partners import agreement_services, documents
from wholejourney.partners.models import Agreement, Contact, Organisation


def _pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "Sok Dara", "/Producer": "Scanner 3000"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf_with_author()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def partner(cast: Cast) -> Organisation:
    return OrganisationFactory(office=cast.kh, name="Sunrise Garments", kind="private")


@pytest.fixture
def director(client: HttpClient, cast: Cast) -> HttpClient:
    client.force_login(cast.director)
    return client


def page_text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def upload(name: str, data: bytes) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x013B] = "Sok Dara"  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"signed at the village office")
    return out.getvalue()


def docx_with_author() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Agreement text</w:document>")
        archive.writestr(
            "docProps/core.xml", "<cp:coreProperties><dc:creator>Sok Dara</dc:creator></cp:coreProperties>"
        )
        archive.writestr("docProps/app.xml", "<Properties><Company>Sunrise</Company></Properties>")
    return out.getvalue()


def agreement_post(document: Any = None, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "employment_partner", "signed_on": "2023-04-02", "start": "2023-04-02",
                            "signatory": "Mr Chan, owner"} | overrides  # fmt: skip
    if document is not None:
        data["document"] = document
    return data


def test_director_adds_an_agreement_with_a_pdf_and_its_metadata_is_removed(
    director: HttpClient, partner: Organisation, media: Path
) -> None:
    response = director.post(
        f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload("Chan signed.pdf", PDF)), follow=True
    )

    agreement = Agreement.objects.get()
    text = page_text(response)
    assert response.redirect_chain[-1][0] == f"/partnerships/{partner.pk}/"
    assert "Employment and training partnership" in text
    assert "Mr Chan, owner" in text
    assert str(agreement.document.name).endswith(".pdf")
    assert "Chan" not in str(agreement.document.name)  # stored under a random name
    stored = (media / str(agreement.document.name)).read_bytes()
    assert b"Sok Dara" not in stored and b"Scanner 3000" not in stored
    assert len(PdfReader(io.BytesIO(stored)).pages) == 1
    event = AuditEvent.objects.get(object_type="partners.agreement")
    assert "document:pdf" in event.changed_fields


def test_photo_of_an_agreement_loses_its_exif(director: HttpClient, partner: Organisation, media: Path) -> None:
    director.post(f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload("scan.jpg", jpeg_with_exif())))

    agreement = Agreement.objects.get()
    stored = (media / str(agreement.document.name)).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert "comment" not in image.info
        assert image.size == (40, 20)
    assert b"Sok Dara" not in stored
    assert str(agreement.document.name).endswith(".jpg")


def test_word_document_loses_its_author(director: HttpClient, partner: Organisation, media: Path) -> None:
    director.post(f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload("mou.docx", docx_with_author())))

    stored = (media / str(Agreement.objects.get().document.name)).read_bytes()
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        assert archive.read("word/document.xml") == b"<w:document>Agreement text</w:document>"
        assert b"Sok Dara" not in archive.read("docProps/core.xml")
        assert b"Sunrise" not in archive.read("docProps/app.xml")


def test_type_is_taken_from_the_content_not_the_name(director: HttpClient, partner: Organisation) -> None:
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")

    director.post(
        f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload("agreement.pdf", png.getvalue()))
    )

    assert str(Agreement.objects.get().document.name).endswith(".png")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("agreement.pdf", b"MZ\x90\x00 an executable"),
        ("agreement.docx", b"PK\x03\x04 not a zip"),
        ("agreement.jpg", b"\xff\xd8\xff\xe0 a broken jpeg"),
        ("notes.txt", b"just text"),
        ("sheet.xlsx", "xlsx"),
    ],
)
def test_documents_of_other_types_are_refused(
    director: HttpClient, partner: Organisation, name: str, data: Any
) -> None:
    if data == "xlsx":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
        data = out.getvalue()

    response = director.post(f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload(name, data)))

    assert "Upload the agreement as a PDF, a Word document (.docx) or a photo (JPEG or PNG)." in page_text(response)
    assert Agreement.objects.count() == 0


def test_documents_over_10_mb_are_refused(director: HttpClient, partner: Organisation) -> None:
    response = director.post(
        f"/partnerships/{partner.pk}/agreements/new/",
        agreement_post(upload("big.pdf", b"%PDF-1.4\n" + b"0" * documents.MAX_BYTES)),
    )

    assert "The document is larger than 10 MB." in page_text(response)
    assert Agreement.objects.count() == 0


def test_agreement_ending_before_it_starts_is_refused(director: HttpClient, partner: Organisation) -> None:
    response = director.post(f"/partnerships/{partner.pk}/agreements/new/", agreement_post(end="2023-01-01"))

    assert "The agreement cannot end before it starts." in page_text(response)


def test_agreement_document_downloads_for_the_director(director: HttpClient, partner: Organisation) -> None:
    director.post(f"/partnerships/{partner.pk}/agreements/new/", agreement_post(upload("a.pdf", PDF)))
    agreement = Agreement.objects.get()

    response = director.get(f"/partnerships/agreements/{agreement.pk}/document/")

    with agreement.document.open("rb") as stored:
        assert response.content == stored.read()
    assert b"Sok Dara" not in response.content
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="agreement-{agreement.pk}.pdf"' in response["Content-Disposition"]


def test_contacts_are_added_listed_and_encrypted(director: HttpClient, partner: Organisation) -> None:
    director.post(
        f"/partnerships/{partner.pk}/contacts/new/",
        {"name": "Chan Sopheap", "role": "HR manager", "phone": "012 999 888", "email": "hr@sunrise.example"},
    )

    text = page_text(director.get(f"/partnerships/{partner.pk}/"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, email FROM partners_contact")
        stored = cursor.fetchone()
    assert "Chan Sopheap · HR manager · 012 999 888 · hr@sunrise.example" in text
    assert Contact.objects.get().name == "Chan Sopheap"
    assert all(value.startswith("wj1:") for value in stored)


def test_partnership_list_counts_agreements_and_contacts(
    director: HttpClient, partner: Organisation, cast: Cast
) -> None:
    agreement_services.contact_add(actor=cast.director, organisation=partner, name="A", phone="1")
    agreement_services.contact_add(actor=cast.director, organisation=partner, name="B", email="b@example.org")
    OrganisationFactory(office=cast.vn, name="Hanoi Partner")

    text = page_text(director.get("/partnerships/"))

    assert "Sunrise Garments" in text
    assert "Hanoi Partner" not in text


@pytest.mark.parametrize("who", ["case_manager", "me_officer", "partner", "admin"])
def test_partnership_pages_are_404_to_everyone_but_the_director(
    client: HttpClient, cast: Cast, partner: Organisation, who: str
) -> None:
    client.force_login(getattr(cast, who))

    for url in ("/partnerships/", f"/partnerships/{partner.pk}/", f"/partnerships/{partner.pk}/contacts/new/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/partnerships/{partner.pk}/contacts/new/", {"name": "X", "phone": "1"}).status_code == 404
    assert Contact.objects.count() == 0
