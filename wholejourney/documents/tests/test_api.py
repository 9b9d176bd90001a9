"""Documents through the API: the same checks and audit as the page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from PIL import Image

from wholejourney.api.models import ApiToken
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import make_client
from wholejourney.conftest import Cast
from wholejourney.documents.models import Document
from wholejourney.documents.tests.test_documents import SENTINEL, gps_jpeg, pdf_with


def auth(user: object, scope: str = ApiToken.Scope.WRITE) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_for(user, scope)[1]}"}  # type: ignore[arg-type]


@pytest.mark.django_db
def test_api_upload_list_and_download(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    http = HttpClient()
    url = f"/api/v1/clients/{client.pk}/documents"
    upload = io.BytesIO(gps_jpeg())
    upload.name = "photo.pdf"  # the name says PDF; the bytes say JPEG
    answer = http.post(url, {"file": upload, "kind": "identity", "dated": "2023-05-01"}, **auth(cast.case_manager))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kind"], body["content_type"], body["dated"]) == ("identity", "image/jpeg", "2023-05-01")
    listed = http.get(url, **auth(cast.colleague, ApiToken.Scope.READ))
    assert [d["id"] for d in listed.json()] == [body["id"]]
    got = http.get(f"/api/v1/documents/{body['id']}/file", **auth(cast.colleague, ApiToken.Scope.READ))
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment;")
    assert got["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(got.content)) as image:
        assert not image.getexif()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, actor_username="colleague", changed_fields=[f"document:{body['id']}"]
    ).exists()


@pytest.mark.django_db
def test_api_refuses_an_executable_and_outsiders(cast: Cast, media: Path) -> None:
    client = make_client(cast.case_manager)
    http = HttpClient()
    url = f"/api/v1/clients/{client.pk}/documents"
    program = io.BytesIO(b"\x7fELF" + bytes(100))
    program.name = "court.pdf"
    refused = http.post(url, {"file": program, "kind": "court"}, **auth(cast.case_manager))
    assert refused.status_code == 422
    assert "file" in refused.json()["error"]["fields"]
    pdf = io.BytesIO(pdf_with(SENTINEL))
    pdf.name = "court.pdf"
    kept = http.post(url, {"file": pdf, "kind": "court"}, **auth(cast.case_manager)).json()
    assert Document.objects.count() == 1
    other = auth(cast.other_office)
    assert http.get(url, **other).status_code == 404
    assert http.get(f"/api/v1/documents/{kept['id']}/file", **other).status_code == 404
    pdf.seek(0)
    assert http.post(url, {"file": pdf, "kind": "court"}, **other).status_code == 404
    assert Document.objects.count() == 1
