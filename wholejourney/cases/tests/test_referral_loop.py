"""Outgoing referrals that close the loop (issue 21): the partner sees what the consent covers and
nothing else, accepts or declines, reports what it provided; the case manager sees each step on
the client's timeline and a decline or an overdue answer on their tasks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.utils import timezone

from wholejourney.accounts.roles import Role
from wholejourney.cases import selectors, services
from wholejourney.cases.due import outgoing_to_follow
from wholejourney.cases.models import Referral
from wholejourney.cases.tests.factories import OrganisationFactory, make_case, make_client
from wholejourney.clients import services as client_services
from wholejourney.clients.models import ConsentKind
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user

SENTINEL = "Sentinelsreymom"


def _browser(user: Any) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def sent(cast: Cast) -> tuple[Referral, Any, Any]:
    """A referral from the KH case manager to a partner organisation with an account, with the
    client's sharing consent; and a partner user of that organisation and one of another."""
    client = make_client(cast.case_manager, given_name_latin=SENTINEL, address={"province": "Battambang"})
    make_case(cast.case_manager, client=client, opened_on=timezone.localdate() - datetime.timedelta(days=60))
    partner_org = OrganisationFactory(office=cast.kh, name="Friends Shelter")
    client_services.consent_record(
        actor=cast.case_manager,
        client=client,
        kind=ConsentKind.SHARING,
        partner=partner_org,
        given_on=timezone.localdate() - datetime.timedelta(days=30),
        how_given="signed",
    )
    referral = services.referral_send(
        actor=cast.case_manager,
        client=client,
        organisation=partner_org,
        referred_on=timezone.localdate() - datetime.timedelta(days=1),
        reason=f"{SENTINEL} needs a safe place",
        service_asked="shelter",
        urgency="high",
    )
    ours = make_user(Role.PARTNER_REFERRER, office=cast.kh, username="friends", partner_organisation=partner_org)
    other_org = OrganisationFactory(office=cast.kh, name="Other NGO")
    theirs = make_user(Role.PARTNER_REFERRER, office=cast.kh, username="other.ngo", partner_organisation=other_org)
    return referral, ours, theirs


def test_the_partner_sees_only_the_consented_facts_and_never_the_name(sent: tuple[Referral, Any, Any]) -> None:
    referral, partner, _other = sent

    portal = _browser(partner).get("/portal/referrals/").content.decode()
    page = _browser(partner).get(f"/portal/referrals/sent/{referral.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert f"R-KH-{referral.pk:05d}" in portal and f"R-KH-{referral.pk:05d}" in body
    for shown in ("Shelter", "Battambang", "Female", "High"):
        assert shown in body
    assert SENTINEL not in body and SENTINEL not in portal
    assert referral.client is not None
    assert referral.client.code not in body and "needs a safe place" not in body


def test_another_partner_office_staff_and_m_e_get_404_on_the_partner_pages(
    cast: Cast, sent: tuple[Referral, Any, Any]
) -> None:
    referral, _partner, other_partner = sent
    for user in (other_partner, cast.case_manager, cast.me_officer, cast.other_office):
        browser = _browser(user)
        assert browser.get(f"/portal/referrals/sent/{referral.pk}/").status_code == 404
        assert browser.post(f"/portal/referrals/sent/{referral.pk}/answer/", {"decision": "accept"}).status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    assert not selectors.referrals_sent_to_partner(other_partner).exists()


def test_accept_then_report_closes_the_loop_on_the_timeline(cast: Cast, sent: tuple[Referral, Any, Any]) -> None:
    referral, partner, _other = sent
    browser = _browser(partner)

    assert browser.post(f"/portal/referrals/sent/{referral.pk}/answer/", {"decision": "accept"}).status_code == 302
    reported = browser.post(
        f"/portal/referrals/sent/{referral.pk}/outcome/", {"outcome": "provided", "note": "Two weeks in the shelter"}
    )

    assert reported.status_code == 302
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.status, referral.outcome, referral.answered_by) == ("completed", "provided", partner)
    timeline = _browser(cast.case_manager).get(f"/clients/{referral.client_id}/timeline/").content.decode()
    assert "Referred to Friends Shelter" in timeline and "Two weeks in the shelter" in timeline
    assert "Service provided" in timeline


def test_a_decline_needs_a_reason_and_returns_to_the_case_managers_tasks(
    cast: Cast, sent: tuple[Referral, Any, Any]
) -> None:
    referral, partner, _other = sent
    with pytest.raises(ValidationError):
        services.referral_answer(actor=partner, referral=referral, accept=False, note=" ")

    services.referral_answer(actor=partner, referral=referral, accept=False, note="No bed free this month")

    due = list(outgoing_to_follow(cast.case_manager, timezone.localdate()))
    assert [r.pk for r in due] == [referral.pk]
    tasks = _browser(cast.case_manager).get("/tasks/").content.decode()
    assert "declined the referral" in tasks
    # A new referral of the client takes it off the tasks.
    services.referral_send(
        actor=cast.case_manager,
        client=referral.client,
        organisation=referral.organisation,
        referred_on=timezone.localdate(),
        service_asked="shelter",
        consent_override_reason="",
    )
    assert not outgoing_to_follow(cast.case_manager, timezone.localdate()).filter(pk=referral.pk).exists()


def test_an_unanswered_referral_past_its_due_date_is_on_the_tasks(cast: Cast, sent: tuple[Referral, Any, Any]) -> None:
    referral, _partner, _other = sent
    Referral.objects.filter(pk=referral.pk).update(answer_due_on=timezone.localdate() - datetime.timedelta(days=1))

    assert list(outgoing_to_follow(cast.case_manager, timezone.localdate())) == [referral]
    assert not outgoing_to_follow(cast.other_team_colleague, timezone.localdate()).exists()


def test_a_partner_cannot_answer_twice_nor_report_before_accepting(sent: tuple[Referral, Any, Any]) -> None:
    referral, partner, other = sent
    with pytest.raises(ValidationError):
        services.referral_report_outcome(actor=partner, referral=referral, outcome="provided")
    with pytest.raises(PermissionDenied):
        services.referral_answer(actor=other, referral=referral, accept=True)
    services.referral_answer(actor=partner, referral=referral, accept=True)
    with pytest.raises(ValidationError):
        services.referral_answer(actor=partner, referral=referral, accept=False, note="changed my mind")


def test_the_referral_letter_is_a_pdf_without_the_name_and_its_printing_is_audited(
    cast: Cast, sent: tuple[Referral, Any, Any]
) -> None:
    from wholejourney.audit.models import AuditEvent

    referral, _partner, _other = sent
    response = _browser(cast.case_manager).get(f"/referrals/{referral.pk}/letter.pdf?lang=km")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    assert SENTINEL.encode() not in response.content
    assert AuditEvent.objects.filter(action="print", object_id=str(referral.pk)).exists()
    assert _browser(cast.other_office).get(f"/referrals/{referral.pk}/letter.pdf").status_code == 404


def test_a_partner_system_answers_and_reports_through_the_api_with_a_partner_token(
    cast: Cast, sent: tuple[Referral, Any, Any]
) -> None:
    from wholejourney.api.models import ApiToken
    from wholejourney.api.tests.conftest import Api
    from wholejourney.api.tests.factories import token_for

    referral, partner, other = sent
    api = Api(token_for(partner, ApiToken.Scope.WRITE)[1])
    outsider = Api(token_for(other, ApiToken.Scope.WRITE)[1])

    listed = api.get("/partner/referrals/sent-to-us")
    refused = outsider.send("POST", f"/partner/referrals/sent-to-us/{referral.pk}/answer", {"accept": True})
    accepted = api.send("POST", f"/partner/referrals/sent-to-us/{referral.pk}/answer", {"accept": True})
    reported = api.send(
        "POST", f"/partner/referrals/sent-to-us/{referral.pk}/outcome", {"outcome": "partly", "note": "One week"}
    )

    assert listed.status_code == 200
    [row] = listed.json()["items"]
    assert (row["code"], row["province"], row["sex"]) == (f"R-KH-{referral.pk:05d}", "Battambang", "Female")
    assert SENTINEL not in listed.content.decode()
    assert outsider.get("/partner/referrals/sent-to-us").json()["items"] == []
    assert refused.status_code == 404
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert reported.status_code == 200 and reported.json()["outcome"] == "partly"
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.COMPLETED


def test_the_referring_case_manager_is_told_of_the_answer(cast: Cast, sent: tuple[Referral, Any, Any]) -> None:
    from wholejourney.notifications.models import Notification

    referral, partner, _other = sent
    services.referral_answer(actor=partner, referral=referral, accept=True)

    told = Notification.objects.filter(kind="referral_answered")
    assert set(told.values_list("recipient__username", flat=True)) == {"cm"}
