"""Documents on a client's record: checked from their bytes, images without metadata, encrypted on
disk, opened only by those who may open the client, every download audited."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from PIL import Image

from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import make_client
from wholejourney.conftest import Cast
from wholejourney.documents import services
from wholejourney.documents.models import Document

SENTINEL = b"SENTINEL-DOC-7f3a9c"


def gps_jpeg() -> bytes:
    """A photo whose EXIF says where it was taken (a shelter, say)."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (11.0, 33.0, 25.0)
    gps[3] = "E"
    gps[4] = (104.0, 55.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=SENTINEL)
    return out.getvalue()


def pdf_with(text: bytes) -> bytes:
    return b"%PDF-1.4\n% " + text + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + SENTINEL.decode() + "</w:document>")
    return out.getvalue()


def signed_in(user: object) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)  # type: ignore[arg-type]
    return browser


@pytest.mark.django_db
def test_upload_jpeg_with_gps_comes_back_without_any_metadata(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    document = services.document_upload(
        actor=cast.case_manager, client=client, kind="identity", content=gps_jpeg(), file_name="id card.jpg"
    )
    _name, content_type, content = services.document_open(actor=cast.case_manager, document=document)
    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
    assert SENTINEL not in content and b"Exif" not in content


@pytest.mark.django_db
def test_upload_executable_named_pdf_is_refused(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    for program in (b"\x7fELF\x02\x01\x01" + bytes(200), b"MZ\x90\x00" + bytes(200)):
        with pytest.raises(ValidationError) as refused:
            services.document_upload(
                actor=cast.case_manager, client=client, kind="court", content=program, file_name="verdict.pdf"
            )
        assert "file" in refused.value.message_dict
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_upload_larger_than_the_setting_is_refused(cast: Cast, media: Path, settings: object) -> None:
    settings.WJ_DOCUMENT_MAX_BYTES = 100  # type: ignore[attr-defined]
    client = make_client(cast.case_manager)
    with pytest.raises(ValidationError, match="larger than"):
        services.document_upload(actor=cast.case_manager, client=client, kind="court", content=pdf_with(bytes(200)))


@pytest.mark.django_db
def test_upload_docx_with_macros_is_refused_and_plain_docx_kept(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    services.document_upload(actor=cast.case_manager, client=client, kind="medical", content=docx())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", "macro")
    with pytest.raises(ValidationError):
        services.document_upload(actor=cast.case_manager, client=client, kind="medical", content=out.getvalue())
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_file_on_disk_holds_no_readable_bytes_of_the_upload(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    for content, kind in ((pdf_with(SENTINEL), "court"), (docx(), "medical"), (gps_jpeg(), "identity")):
        services.document_upload(actor=cast.case_manager, client=client, kind=kind, content=content, file_name="x")
    stored = [path for path in media.rglob("*") if path.is_file()]
    assert len(stored) >= 3
    for path in stored:
        raw = path.read_bytes()
        assert raw.startswith(b"WJD1")
        assert SENTINEL not in raw and b"%PDF" not in raw and b"word/document" not in raw and b"JFIF" not in raw


@pytest.mark.django_db
def test_pdf_gets_a_server_side_preview(cast: Cast, media: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 300)
    out = io.BytesIO()
    writer.write(out)
    client = make_client(cast.case_manager)
    document = services.document_upload(actor=cast.case_manager, client=client, kind="court", content=out.getvalue())
    assert document.preview_name
    response = signed_in(cast.case_manager).get(reverse("documents:preview", kwargs={"pk": document.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_download_is_an_audited_attachment_not_stored(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    document = services.document_upload(
        actor=cast.case_manager, client=client, kind="court", content=pdf_with(SENTINEL)
    )
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = signed_in(cast.colleague).get(reverse("documents:download", kwargs={"pk": document.pk}))
    assert response.status_code == 200
    assert SENTINEL in response.content
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    assert client.code in response["Content-Disposition"] and "Chan" not in response["Content-Disposition"]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert events.count() == before + 1
    event = events.order_by("-seq").first()
    assert event is not None
    assert (event.actor_username, event.object_type, event.object_id) == ("colleague", "clients.client", str(client.pk))
    assert event.changed_fields == [f"document:{document.pk}"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_office", "partner", "me_officer", "other_team_colleague"])
def test_document_urls_are_404_to_those_who_may_not_open_the_client(cast: Cast, media: Path, who: str) -> None:
    client = make_client(cast.case_manager)
    document = services.document_upload(actor=cast.case_manager, client=client, kind="identity", content=gps_jpeg())
    browser = signed_in(getattr(cast, who))
    for name in ("documents:download", "documents:preview"):
        assert browser.get(reverse(name, kwargs={"pk": document.pk})).status_code == 404
    assert browser.get(reverse("documents:list", kwargs={"pk": client.pk})).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.django_db
def test_upload_from_the_page_keeps_the_document(cast: Cast, media: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = make_client(cast.case_manager)
    browser = signed_in(cast.case_manager)
    url = reverse("documents:list", kwargs={"pk": client.pk})
    image = Image.new("RGB", (10, 10))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    upload = SimpleUploadedFile("birth.png", buffer.getvalue(), content_type="image/png")
    response = browser.post(url, {"file": upload, "kind": "birth_certificate", "dated": "2020-01-02"})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.content_type, str(document.dated)) == (
        "birth_certificate",
        "image/png",
        "2020-01-02",
    )
    page = browser.get(url)
    assert page.status_code == 200
    assert reverse("documents:preview", kwargs={"pk": document.pk}).encode() in page.content


@pytest.mark.django_db
def test_upload_from_the_page_refuses_an_executable_with_a_message(cast: Cast, media: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = make_client(cast.case_manager)
    upload = SimpleUploadedFile("court.pdf", b"\x7fELF" + bytes(100), content_type="application/pdf")
    response = signed_in(cast.case_manager).post(
        reverse("documents:list", kwargs={"pk": client.pk}), {"file": upload, "kind": "court"}
    )
    assert response.status_code == 400
    assert b"Only PDF, JPEG, PNG and Word" in response.content
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_erasing_the_client_shreds_its_documents(cast: Cast, media: Path) -> None:
    from wholejourney.clients.services import client_erase

    client = make_client(cast.case_manager)
    document = services.document_upload(
        actor=cast.case_manager, client=client, kind="court", content=pdf_with(SENTINEL)
    )
    client_erase(actor=cast.director, client=client)
    document.refresh_from_db()
    with pytest.raises(Exception):  # noqa: B017,PT011 (no key, no file)
        services.document_open(actor=cast.director, document=document)


@pytest.mark.django_db
def test_upload_pages_still_check_the_csrf_token(cast: Cast, media: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = make_client(cast.case_manager)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(cast.case_manager)
    for name, data in (
        ("documents:list", {"kind": "court", "file": SimpleUploadedFile("a.pdf", pdf_with(b"x"))}),
        ("clients:consent", {"kind": "services", "given_on": "2024-01-01", "how_given": "signed"}),
    ):
        response = browser.post(reverse(name, kwargs={"pk": client.pk}), data)
        assert response.status_code == 403
    assert not Document.objects.exists() and not client.consents.exists()


@pytest.mark.django_db
def test_upload_larger_than_the_limit_is_refused_on_the_page_and_not_kept(
    cast: Cast, media: Path, settings: object
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.WJ_DOCUMENT_MAX_BYTES = 1000  # type: ignore[attr-defined]
    client = make_client(cast.case_manager)
    upload = SimpleUploadedFile("big.pdf", pdf_with(bytes(5000)), content_type="application/pdf")
    response = signed_in(cast.case_manager).post(
        reverse("documents:list", kwargs={"pk": client.pk}), {"file": upload, "kind": "court"}
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not Document.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_delete_a_document_put_on_the_wrong_record(
    cast: Cast, media: Path, django_capture_on_commit_callbacks: object
) -> None:
    client = make_client(cast.case_manager)
    document = services.document_upload(actor=cast.case_manager, client=client, kind="identity", content=gps_jpeg())
    url = reverse("documents:delete", kwargs={"pk": document.pk})
    assert signed_in(cast.me_officer).post(url).status_code == 404
    assert signed_in(cast.other_office).post(url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = signed_in(cast.colleague).post(url)

    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, actor_username="colleague", changed_fields=[f"document:{document.pk}"]
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "CMYK"])
def test_images_of_every_mode_are_kept_without_metadata(cast: Cast, media: Path, mode: str) -> None:
    from PIL import PngImagePlugin

    image = Image.new(mode, (20, 10))
    out = io.BytesIO()
    if mode == "CMYK":
        image.save(out, "JPEG", comment=SENTINEL)
    else:
        info = PngImagePlugin.PngInfo()
        info.add_text("Location", SENTINEL.decode())
        image.save(out, "PNG", pnginfo=info)
    client = make_client(cast.case_manager)
    document = services.document_upload(actor=cast.case_manager, client=client, kind="other", content=out.getvalue())
    content = services.document_open(actor=cast.case_manager, document=document)[2]
    assert SENTINEL not in content
    with Image.open(io.BytesIO(content)) as kept:
        assert kept.size == (20, 10) and not kept.getexif() and "Location" not in kept.info
