"""A record's whole life in a real browser (issue 20): on a 360 px phone, in Khmer, the case manager
records a client's sharing consent with its signed form and uploads a photo of the client's identity
card from the client's record, by clicking; the photo comes back without its GPS. Screenshots in
test-artifacts/screenshots/records-life-*.png."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def client_in_care(demo: None) -> Any:
    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.cases.services import case_open
    from wholejourney.clients.services import client_create
    from wholejourney.core.models import Office
    from wholejourney.partners.models import Organisation, OrganisationKind

    office = Office.objects.get(code="KH")
    casemanager = User.objects.get(username="casemanager")
    client = client_create(
        actor=casemanager,
        office=office,
        team=casemanager.team,
        case_manager=casemanager,
        family_name_latin="Sok",
        given_name_latin="Malis",
        birth_year=2001,
        birth_year_estimated=True,
        sex="female",
    )
    case_open(
        actor=casemanager,
        client=client,
        opened_on=timezone.localdate() - datetime.timedelta(days=20),
        primary_abuse_type="human_trafficking",
        trafficking_subtype="labour",
    )
    Organisation.objects.create(office=office, name="Legal Aid of Cambodia", kind=OrganisationKind.NGO)
    return client


def photo_with_gps(path: Path) -> Path:
    from PIL import Image

    image = Image.new("RGB", (320, 200), (40, 90, 160))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (11.0, 33.0, 25.0), "E", (104.0, 55.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def signed_form(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(300, 420)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def shoot(page: Any, screenshot_dir: Path, name: str) -> None:
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"records-life-{name}-km-360.png", full_page=True)


def test_consent_and_a_document_from_the_client_record_on_a_phone_in_khmer(
    page: Any, console: Console, screenshot_dir: Path, media: Path, tmp_path: Path, client_in_care: Any
) -> None:
    from django.utils import timezone

    from wholejourney.clients.models import Consent
    from wholejourney.documents.models import Document

    client = client_in_care
    page.set_viewport_size(PHONE)
    sign_in(page, "casemanager")
    page.locator("form.lang button[value=km]").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.goto(f"/clients/{client.pk}/")

    # Consent: from the record's parts, record a sharing consent with its signed form.
    page.locator(f"nav.record-parts a[href='/clients/{client.pk}/consent/']").click()
    expect(page.locator("details.add-document summary")).to_be_visible()
    page.locator("details.add-document summary").click()
    page.locator("select[name=kind]").select_option("sharing")
    page.locator("select[name=partner]").select_option(label="Legal Aid of Cambodia")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.locator("input[name=given_on]").fill(yesterday.isoformat())
    page.locator("select[name=how_given]").select_option("thumbprint")
    page.locator("input[name=signed_form]").set_input_files(signed_form(tmp_path / "consent.pdf"))
    shoot(page, screenshot_dir, "consent-form")
    page.locator("details.add-document button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("ul.consents li.card")).to_have_count(1)
    expect(page.locator("ul.consents")).to_contain_text("Legal Aid of Cambodia")
    shoot(page, screenshot_dir, "consent-in-force")
    consent = Consent.objects.get(client=client)
    assert (consent.kind, consent.how_given) == ("sharing", "thumbprint")
    assert Document.objects.get(client=client).consent == consent

    # A document: a photo of the identity card, whose GPS must not survive.
    page.locator(f"nav.record-parts a[href='/clients/{client.pk}/documents/']").click()
    page.locator("details.add-document summary").click()
    page.locator("input[name=file]").set_input_files(photo_with_gps(tmp_path / "id-card.jpg"))
    page.locator("select[name=kind]").select_option("identity")
    page.locator("input[name=dated]").fill("2019-05-02")
    page.locator("details.add-document button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    photo = Document.objects.get(client=client, kind="identity")
    preview = page.locator(f"img.preview[src='/documents/{photo.pk}/preview/']")
    expect(preview).to_be_visible()
    # The preview loads lazily: bring it into view and wait for the server-drawn image to arrive.
    preview.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    shoot(page, screenshot_dir, "documents")

    with page.expect_download() as downloading:
        page.locator(f"a[href='/documents/{photo.pk}/download/']").click()
    downloaded = Path(downloading.value.path()).read_bytes()
    from PIL import Image

    with Image.open(io.BytesIO(downloaded)) as image:
        assert not image.getexif() and image.size == (320, 200)
    assert console.csp_violations() == []
