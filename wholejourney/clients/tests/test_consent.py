"""Consent, asked and obeyed: recorded and withdrawn from the client's page, checked before a
referral goes to a partner; a director's override is audited and shown on the record."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from wholejourney.api.models import ApiToken
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.cases import services as case_services
from wholejourney.cases.models import Referral
from wholejourney.cases.tests.factories import DAY, OrganisationFactory, make_client
from wholejourney.clients import services
from wholejourney.clients.models import Consent, ConsentKind, ConsentOverride
from wholejourney.conftest import Cast
from wholejourney.documents.models import Document, DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }


def signed_in(user: Any) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


def send(actor: Any, client: Any, partner: Any, **kwargs: Any) -> Referral:
    return case_services.referral_send(actor=actor, client=client, organisation=partner, referred_on=DAY, **kwargs)


def test_referral_without_sharing_consent_is_refused_with_a_clear_message(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Legal aid")
    services.consent_record(actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY)
    other = OrganisationFactory(office=cast.kh, name="Other NGO")
    services.consent_record(
        actor=cast.case_manager, client=client, kind=ConsentKind.SHARING, partner=other, given_on=DAY
    )

    with pytest.raises(ValidationError) as refused:
        send(cast.case_manager, client, partner)

    message = refused.value.message_dict["organisation"][0]
    assert "has not agreed to share information with Legal aid" in message and client.code in message
    assert not Referral.objects.exists()


def test_case_manager_cannot_override_consent(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh)
    with pytest.raises(ValidationError) as refused:
        send(cast.case_manager, client, partner, consent_override_reason="The court asked for the file today.")
    assert "Only the director" in str(refused.value)
    assert not Referral.objects.exists() and not ConsentOverride.objects.exists()


def test_director_override_with_a_reason_is_audited_and_shown_on_the_record(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Child protection unit")
    with pytest.raises(ValidationError):
        send(cast.director, client, partner, consent_override_reason="too short")

    referral = send(cast.director, client, partner, consent_override_reason="The child is in danger at home.")

    override = ConsentOverride.objects.get()
    assert referral.status == Referral.Status.SENT
    assert (override.client, override.partner, override.decided_by) == (client, partner, cast.director)
    assert override.reason == "The child is in danger at home."
    assert AuditEvent.objects.filter(
        actor_username="director",
        object_type="clients.client",
        object_id=str(client.pk),
        changed_fields=["consent_override"],
    ).exists()
    page = signed_in(cast.case_manager).get(reverse("clients:consent", kwargs={"pk": client.pk}))
    assert "The child is in danger at home." in page.content.decode()
    assert "Child protection unit" in page.content.decode()


def test_withdrawal_stops_the_next_referral(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh)
    consent = services.consent_record(
        actor=cast.case_manager, client=client, kind=ConsentKind.SHARING, partner=partner, given_on=DAY
    )
    send(cast.case_manager, client, partner)

    services.consent_withdraw(actor=cast.case_manager, consent=consent)

    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (timezone.localdate(), cast.case_manager)
    with pytest.raises(ValidationError, match="has not agreed"):
        send(cast.case_manager, client, partner)
    assert Referral.objects.count() == 1


def test_referral_page_refuses_without_consent_and_says_why(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Legal aid")
    browser = signed_in(cast.case_manager)
    response = browser.post(
        reverse("cases:referral_send", kwargs={"pk": client.pk}),
        {"organisation": partner.pk, "referred_on": DAY.isoformat(), "service_asked": "other", "urgency": "normal"},
    )
    assert response.status_code in (200, 400)
    assert "has not agreed to share information with Legal aid" in response.content.decode()
    assert not Referral.objects.exists()


def test_referral_api_refuses_without_consent(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Legal aid")
    answer = HttpClient().post(
        f"/api/v1/clients/{client.pk}/referrals",
        {"organisation_id": partner.pk, "referred_on": DAY.isoformat()},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(cast.case_manager, ApiToken.Scope.WRITE)[1]}",
    )
    assert answer.status_code == 422
    assert "has not agreed" in answer.json()["error"]["message"]


def test_child_consent_needs_the_guardian(cast: Cast) -> None:
    child = make_client(cast.case_manager, date_of_birth=datetime.date(2015, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.consent_record(actor=cast.case_manager, client=child, kind=ConsentKind.SERVICES, given_on=DAY)
    assert "guardian_name" in refused.value.message_dict

    consent = services.consent_record(
        actor=cast.case_manager,
        client=child,
        kind=ConsentKind.SERVICES,
        given_on=DAY,
        how_given="thumbprint",
        guardian_name="Chan Srey Mom",
        guardian_relation="mother",
    )
    assert (consent.guardian_name, consent.guardian_relation) == ("Chan Srey Mom", "mother")


def test_consent_recorded_from_the_page_with_its_signed_form(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Legal aid")
    form = SimpleUploadedFile("consent.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    browser = signed_in(cast.case_manager)
    url = reverse("clients:consent", kwargs={"pk": client.pk})
    response = browser.post(
        url,
        {
            "kind": "sharing",
            "partner": partner.pk,
            "given_on": DAY.isoformat(),
            "how_given": "signed",
            "signed_form": form,
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.kind, consent.partner, consent.how_given, consent.recorded_by) == (
        "sharing",
        partner,
        "signed",
        cast.case_manager,
    )
    document = Document.objects.get()
    assert (document.kind, document.consent, document.client) == (DocumentKind.CONSENT, consent, client)
    page = browser.get(url).content.decode()
    assert "Consent in force" in page and "Legal aid" in page
    assert reverse("documents:download", kwargs={"pk": document.pk}) in page


def test_consent_refused_with_its_form_keeps_nothing(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    program = SimpleUploadedFile("consent.pdf", b"MZ" + bytes(64), content_type="application/pdf")
    response = signed_in(cast.case_manager).post(
        reverse("clients:consent", kwargs={"pk": client.pk}),
        {"kind": "services", "given_on": DAY.isoformat(), "how_given": "signed", "signed_form": program},
    )
    assert response.status_code == 400
    assert "Only PDF, JPEG, PNG and Word" in response.content.decode()
    assert not Consent.objects.exists() and not Document.objects.exists()


def test_withdraw_from_the_page(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    consent = services.consent_record(actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY)
    browser = signed_in(cast.colleague)
    response = browser.post(reverse("clients:consent_withdraw", kwargs={"pk": consent.pk}), {"withdrawn_on": ""})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate() and consent.withdrawn_by == cast.colleague
    page = browser.get(reverse("clients:consent", kwargs={"pk": client.pk})).content.decode()
    assert "No consent in force" in page and "Withdrawn" in page


@pytest.mark.parametrize("who", ["other_office", "partner", "me_officer"])
def test_consent_pages_are_404_outside_the_caseload(cast: Cast, who: str) -> None:
    client = make_client(cast.case_manager)
    consent = services.consent_record(actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY)
    browser = signed_in(getattr(cast, who))
    assert browser.get(reverse("clients:consent", kwargs={"pk": client.pk})).status_code == 404
    assert browser.post(reverse("clients:consent_withdraw", kwargs={"pk": consent.pk})).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_consent_through_the_api_recorded_listed_and_withdrawn(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh)
    http = HttpClient()
    writer = {"HTTP_AUTHORIZATION": f"Bearer {token_for(cast.case_manager, ApiToken.Scope.WRITE)[1]}"}
    body = {"kind": "sharing", "partner_id": partner.pk, "given_on": DAY.isoformat(), "how_given": "signed"}

    recorded = http.post(f"/api/v1/clients/{client.pk}/consents", body, content_type="application/json", **writer)

    assert recorded.status_code == 201, recorded.content
    consent = recorded.json()
    assert (consent["kind"], consent["partner_id"], consent["in_force"]) == ("sharing", partner.pk, True)
    send(cast.case_manager, client, partner)
    listed = http.get(f"/api/v1/clients/{client.pk}/consents", **writer).json()
    assert [c["id"] for c in listed] == [consent["id"]]
    withdrawn = http.post(f"/api/v1/consents/{consent['id']}/withdraw", {}, content_type="application/json", **writer)
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    assert withdrawn.json()["withdrawn_by"] == "cm"
    with pytest.raises(ValidationError, match="has not agreed"):
        send(cast.case_manager, client, partner)
    outsider = {"HTTP_AUTHORIZATION": f"Bearer {token_for(cast.other_office, ApiToken.Scope.WRITE)[1]}"}
    assert http.get(f"/api/v1/clients/{client.pk}/consents", **outsider).status_code == 404
    assert (
        http.post(
            f"/api/v1/consents/{consent['id']}/withdraw", {}, content_type="application/json", **outsider
        ).status_code
        == 404
    )


def test_child_consent_through_the_api_needs_the_guardian(cast: Cast) -> None:
    child = make_client(cast.case_manager, date_of_birth=datetime.date(2015, 3, 1))
    writer = {"HTTP_AUTHORIZATION": f"Bearer {token_for(cast.case_manager, ApiToken.Scope.WRITE)[1]}"}
    body = {"kind": "services", "given_on": DAY.isoformat(), "how_given": "spoken"}
    refused = HttpClient().post(f"/api/v1/clients/{child.pk}/consents", body, content_type="application/json", **writer)
    assert refused.status_code == 422 and "guardian_name" in refused.json()["error"]["fields"]


def test_every_page_of_the_record_says_what_consent_allows_and_the_overrides(cast: Cast) -> None:
    import re

    client = make_client(cast.case_manager)
    partner = OrganisationFactory(office=cast.kh, name="Legal aid")
    other = OrganisationFactory(office=cast.kh, name="Police unit")
    services.consent_record(actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY)
    services.consent_record(
        actor=cast.case_manager, client=client, kind=ConsentKind.SHARING, partner=partner, given_on=DAY
    )
    send(cast.director, client, other, consent_override_reason="A court order asks for the file.")

    html = signed_in(cast.case_manager).get(reverse("documents:list", kwargs={"pk": client.pk})).content.decode()

    facts = re.search(r'<dl class="client-facts">.*?</dl>', html, re.S)
    assert facts is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", facts.group(0)))
    assert "Consent services, sharing with Legal aid · 1 time shared without consent" in text
