"""The casework pages, walked with the test client: search and register, take a referral, open a
case, place and move the client, ask for closure and approve it, and the partner portal."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.cases.models import Case, CaseStatus, ClosureRequest, Placement, PlacementKind, Referral
from wholejourney.cases.tests import factories
from wholejourney.clients.models import Client
from wholejourney.clients.services import consent_record
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.tests.records import STABLE, answers

DAY = factories.DAY


def iso(day: datetime.date) -> str:
    return day.isoformat()


def page_text(response: Any) -> str:
    """The visible text of a page, tags removed, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def queries_for(client: HttpClient, url: str) -> int:
    """How many queries a page takes (after a first visit, which may also write the session)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def identity(**overrides: Any) -> dict[str, Any]:
    data = {
        "family_name_km": "",
        "given_name_km": "",
        "family_name_latin": "Chan",
        "given_name_latin": "Sophea",
        "aliases": "",
        "date_of_birth": "2008-05-04",
        "birth_year": "",
        "sex": "female",
        "phone_numbers": "012 345 678",
        "id_card_number": "",
        "village": "Prek Eng",
        "commune": "",
        "district": "Chbar Ampov",
        "province": "Phnom Penh",
    }
    data.update(overrides)
    return data


def case_fields(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data = {
        "opened_on": iso(DAY),
        "primary_abuse_type": "human_trafficking",
        "trafficking_subtype": "labour",
        "team": cast.team.pk,
        "case_manager": cast.case_manager.pk,
    }
    data.update(overrides)
    return data


# --- Search first, then register ---------------------------------------------------------------


def test_register_without_match_creates_the_client_and_opens_its_case_tab(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    searched = client.get("/clients/register/", {"q": "Chan Sophea"})
    response = client.post(
        "/clients/register/",
        identity(searched_kind="name", searched_q="Chan Sophea", team=cast.team.pk, case_manager=cast.case_manager.pk),
    )

    assert "No client matches" in page_text(searched)
    created = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{created.pk}/?tab=case"
    assert (created.family_name_latin, created.given_name_latin, created.date_of_birth) == (
        "Chan",
        "Sophea",
        datetime.date(2008, 5, 4),
    )
    assert created.phone_numbers == ["012 345 678"]
    assert created.address == {"village": "Prek Eng", "district": "Chbar Ampov", "province": "Phnom Penh"}
    assert (created.team, created.case_manager) == (cast.team, cast.case_manager)


def test_register_with_a_possible_match_needs_a_reason(client: HttpClient, cast: Cast) -> None:
    existing = factories.make_client(cast.colleague, family_name_latin="Chan", given_name_latin="Sophea")
    client.force_login(cast.case_manager)
    data = identity(
        searched_kind="name", searched_q="Chan Sophea", team=cast.team.pk, case_manager=cast.case_manager.pk
    )

    searched = client.get("/clients/register/", {"q": "Chan Sophea"})
    refused = client.post("/clients/register/", data)
    accepted = client.post("/clients/register/", {**data, "duplicate_reason": "Another girl, same name, other village"})

    assert f'href="/clients/{existing.pk}/"' in searched.content.decode()
    assert "Reason for registering despite a possible match" in page_text(searched)
    assert refused.status_code == 200
    assert "A possible match exists. Open that record instead, or say why you register someone new." in page_text(
        refused
    )
    assert accepted.status_code == 302
    assert Client.objects.count() == 2
    event = AuditEvent.objects.filter(object_type="clients.client", action=AuditEvent.Action.CREATE).latest("seq")
    assert "duplicate_reason" in event.changed_fields


def test_register_match_outside_caseload_offers_access_and_another_office_nothing(
    client: HttpClient, cast: Cast
) -> None:
    other_team = factories.make_client(cast.other_team_colleague, phone_numbers=["012 999 888"])
    elsewhere = factories.make_client(cast.other_office, phone_numbers=["012 999 888"])
    client.force_login(cast.case_manager)

    response = client.get("/clients/register/", {"q": "012999888"})

    text = page_text(response)
    assert "A record in your office outside your caseload matches." in text
    assert f"/clients/{other_team.pk}/break-glass/" in response.content.decode()
    assert "another office" not in text  # a client of another office does not exist for this user
    assert other_team.code not in text and elsewhere.code not in text
    assert "Sophea" not in text  # no name of a client the user may not open


def test_register_date_of_birth_in_the_future_is_refused(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post("/clients/register/", identity(date_of_birth=iso(tomorrow), team=cast.team.pk))

    assert "The date of birth cannot be in the future." in page_text(response)
    assert not Client.objects.exists()


def test_register_is_not_offered_to_a_counselor(client: HttpClient, cast: Cast) -> None:
    client.force_login(make_user(Role.COUNSELOR, office=cast.kh, team=cast.team, username="counselor"))

    assert client.get("/clients/register/").status_code == 404


# --- Referrals, cases, placements and closure: the journey ------------------------------------


def test_journey_referral_to_closure(client: HttpClient, cast: Cast) -> None:
    organisation = factories.OrganisationFactory(office=cast.kh, name="Provincial Department of Social Affairs")
    client.force_login(cast.case_manager)

    # A referral arrives by phone.
    added = client.post(
        "/referrals/new/",
        {
            "referred_on": iso(DAY),
            "source": "organisation",
            "organisation": organisation.pk,
            "urgency": "high",
            "person_name": "Sok Dara",
            "person_age": "15",
            "person_phone": "",
            "person_location": "Poipet",
            "reason": "Returned from a factory across the border",
        },
    )
    referral = Referral.objects.get()
    assert added["Location"] == f"/referrals/{referral.pk}/"
    detail = client.get(added["Location"])
    assert "Sok Dara" in page_text(detail) and "Poipet" in page_text(detail)

    # Accepted: the person is registered and a case opens.
    accepted = client.post(
        f"/referrals/{referral.pk}/accept/",
        {"client": "", **{f"new-{k}": v for k, v in identity(family_name_latin="Sok", given_name_latin="Dara").items()}}
        | case_fields(cast),
    )
    case = Case.objects.get()
    assert accepted["Location"] == f"/clients/{case.client_id}/?tab=case"
    assert (case.status, case.referral, case.trafficking_subtype) == (CaseStatus.OPEN, referral, "labour")
    assert Referral.objects.get().status == Referral.Status.ACCEPTED
    case_tab = page_text(client.get(accepted["Location"]))
    assert "Human trafficking, slavery or labour trafficking · Labour trafficking" in case_tab

    # Placed in the shelter, then moved home to the family in one form.
    client.post(f"/cases/{case.pk}/placements/", {"kind": "shelter", "start": iso(DAY)})
    moved_on = DAY + datetime.timedelta(days=90)
    moved = client.post(f"/cases/{case.pk}/placements/", {"kind": "family", "start": iso(moved_on)})
    assert moved["Location"] == f"/clients/{case.client_id}/?tab=placements"
    shelter, family = Placement.objects.order_by("start")
    assert (shelter.kind, shelter.end, family.kind, family.end) == ("shelter", moved_on, "family", None)
    assert "Reintegration" in page_text(client.get(moved["Location"]))

    # Closure: the reason is required, then the request waits for the director.
    closing = moved_on + datetime.timedelta(days=200)
    no_reason = client.post(f"/cases/{case.pk}/closure/", {"closing_date": iso(closing), "reason": "", "note": ""})
    assert no_reason.status_code == 200
    assert "Choose the reason for closing the case." in page_text(no_reason)
    assert not ClosureRequest.objects.exists()
    # "Goals achieved" only once the clock shows her whole: a stable assessment, six months before closing.
    too_soon = client.post(
        f"/cases/{case.pk}/closure/", {"closing_date": iso(closing), "reason": "goals_achieved", "note": ""}
    )
    assert "the clock had not started" in page_text(too_soon)
    assert not ClosureRequest.objects.exists()
    outcome_services.assessment_record(
        actor=cast.case_manager,
        client=case.client,
        assessed_on=DAY + datetime.timedelta(days=1),
        answers=answers(STABLE),
    )
    client.post(f"/cases/{case.pk}/closure/", {"closing_date": iso(closing), "reason": "goals_achieved", "note": ""})
    closure = ClosureRequest.objects.get()
    assert Case.objects.get().status == CaseStatus.OPEN

    # The director approves.
    client.force_login(cast.director)
    waiting = client.get("/cases/closures/")
    approved = client.post(f"/cases/closures/{closure.pk}/decide/", {"decision": "approve", "comment": ""})
    closed = Case.objects.get()
    assert case.client.code in page_text(waiting)
    assert approved["Location"] == "/cases/closures/"
    assert (closed.status, closed.closed_on, closed.closure_reason) == (CaseStatus.CLOSED, closing, "goals_achieved")
    assert Placement.objects.get(kind="family").end == closing
    assert "No closure is waiting for your approval." in page_text(client.get("/cases/closures/"))


def test_referral_accept_linking_a_found_client(client: HttpClient, cast: Cast) -> None:
    known = factories.make_client(cast.case_manager, family_name_latin="Sok", given_name_latin="Dara")
    referral = factories.make_referral(cast.case_manager, person={"name": "Sok Dara"})
    client.force_login(cast.case_manager)

    page = client.get(f"/referrals/{referral.pk}/")
    accepted = client.post(f"/referrals/{referral.pk}/accept/", {"client": known.pk} | case_fields(cast))

    # The referred name is searched at once, and the match is offered as the person.
    assert f'name="client" value="{known.pk}"' in page.content.decode()
    assert accepted.status_code == 302
    assert Case.objects.get().client == known
    assert Client.objects.count() == 1


def test_referral_accept_as_someone_new_despite_a_match_needs_a_reason(client: HttpClient, cast: Cast) -> None:
    factories.make_client(cast.case_manager, family_name_latin="Sok", given_name_latin="Dara")
    referral = factories.make_referral(cast.case_manager, person={"name": "Sok Dara"})
    client.force_login(cast.case_manager)
    new_person = {f"new-{k}": v for k, v in identity(family_name_latin="Sok", given_name_latin="Dara").items()}

    refused = client.post(f"/referrals/{referral.pk}/accept/", {"client": ""} | new_person | case_fields(cast))
    accepted = client.post(
        f"/referrals/{referral.pk}/accept/",
        {"client": "", "duplicate_reason": "A different Sok Dara, checked by phone"} | new_person | case_fields(cast),
    )

    assert "A possible match exists. Choose the client above" in page_text(refused)
    assert accepted.status_code == 302
    assert Client.objects.count() == 2


def test_referral_accepted_twice_says_so_and_opens_one_case(client: HttpClient, cast: Cast) -> None:
    known = factories.make_client(cast.case_manager)
    referral = factories.make_referral(cast.case_manager)
    client.force_login(cast.case_manager)
    data = {"client": known.pk} | case_fields(cast)

    first = client.post(f"/referrals/{referral.pk}/accept/", data)
    second = client.post(f"/referrals/{referral.pk}/accept/", data)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "This referral was already decided (Accepted)." in page_text(second)
    assert Case.objects.count() == 1


def test_referral_accept_in_the_future_leaves_nothing_half_saved(client: HttpClient, cast: Cast) -> None:
    referral = factories.make_referral(cast.case_manager)
    client.force_login(cast.case_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    new_person = {f"new-{k}": v for k, v in identity(family_name_latin="Keo", given_name_latin="Mony").items()}

    response = client.post(
        f"/referrals/{referral.pk}/accept/", {"client": ""} | new_person | case_fields(cast, opened_on=iso(tomorrow))
    )

    assert "The date cannot be in the future." in page_text(response)
    assert not Client.objects.exists()
    assert not Case.objects.exists()
    assert Referral.objects.get().status == Referral.Status.RECEIVED


def test_referral_decline_needs_a_reason(client: HttpClient, cast: Cast) -> None:
    referral = factories.make_referral(cast.case_manager)
    client.force_login(cast.case_manager)

    refused = client.post(f"/referrals/{referral.pk}/decline/", {"note": "  "})
    declined = client.post(f"/referrals/{referral.pk}/decline/", {"note": "Outside our area; referred to a partner"})

    assert "Say why the referral is declined." in page_text(refused)
    assert declined.status_code == 302
    assert Referral.objects.get().status == Referral.Status.DECLINED


def test_referral_list_filters_by_status_and_shows_no_names(client: HttpClient, cast: Cast) -> None:
    waiting = factories.make_referral(cast.case_manager, person={"name": "Keo Mony"})
    declined = factories.make_referral(cast.case_manager, person={"name": "Ros Kanha"})
    client.force_login(cast.case_manager)
    client.post(f"/referrals/{declined.pk}/decline/", {"note": "Duplicate"})

    everything = page_text(client.get("/referrals/"))
    only_waiting = client.get("/referrals/", {"status": "received"}).content.decode()

    assert "Keo Mony" not in everything and "Ros Kanha" not in everything
    assert f'href="/referrals/{waiting.pk}/"' in only_waiting
    assert f'href="/referrals/{declined.pk}/"' not in only_waiting


def test_referral_details_of_an_accepted_referral_follow_the_caseload(client: HttpClient, cast: Cast) -> None:
    referral = factories.make_referral(cast.case_manager, person={"name": "Keo Mony"})
    client.force_login(cast.case_manager)
    client.post(
        f"/referrals/{referral.pk}/accept/",
        {"client": ""}
        | {f"new-{k}": v for k, v in identity(family_name_latin="Keo", given_name_latin="Mony").items()}
        | case_fields(cast),
    )
    client.force_login(cast.other_team_colleague)

    page = page_text(client.get(f"/referrals/{referral.pk}/"))

    assert "Keo Mony" not in page
    assert "belong to a client outside your caseload" in page


def test_referral_list_query_count_does_not_grow(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    organisation = factories.OrganisationFactory(office=cast.kh)
    for _ in range(3):
        factories.make_referral(cast.case_manager, organisation=organisation)
    three = queries_for(client, "/referrals/")
    for _ in range(27):
        factories.make_referral(cast.case_manager, organisation=factories.OrganisationFactory(office=cast.kh))

    thirty = queries_for(client, "/referrals/")

    assert three == thirty


# --- Placements and closure: the rules' messages -----------------------------------------------


def test_placement_overlapping_an_existing_one_is_refused_with_a_clear_message(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)
    later = DAY + datetime.timedelta(days=30)
    client.post(f"/cases/{case.pk}/placements/", {"kind": "shelter", "start": iso(later)})

    response = client.post(f"/cases/{case.pk}/placements/", {"kind": "relatives", "start": iso(DAY)})

    assert response.status_code == 200
    assert "The client already has a placement from" in page_text(response)
    assert "that overlaps these dates" in page_text(response)
    assert Placement.objects.count() == 1


def test_placement_in_foster_care_needs_the_family(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    response = client.post(f"/cases/{case.pk}/placements/", {"kind": PlacementKind.FOSTER_CARE, "start": iso(DAY)})

    assert "Choose the foster family." in page_text(response)
    assert not Placement.objects.exists()


def test_closure_returned_needs_a_comment_and_is_shown_to_the_case_manager(client: HttpClient, cast: Cast) -> None:
    closure = factories.make_closure_request(cast.case_manager)
    client.force_login(cast.director)

    refused = client.post(f"/cases/closures/{closure.pk}/decide/", {"decision": "return", "comment": ""})
    returned = client.post(
        f"/cases/closures/{closure.pk}/decide/", {"decision": "return", "comment": "Do the last home visit first"}
    )
    client.force_login(cast.case_manager)
    case_tab = page_text(client.get(f"/clients/{closure.case.client_id}/?tab=case"))

    assert "Say why the request goes back" in page_text(refused)
    assert returned.status_code == 302
    assert ClosureRequest.objects.get().status == ClosureRequest.Status.RETURNED
    assert "Do the last home visit first" in case_tab
    assert "Request closure" in case_tab  # they can ask again


def test_closures_to_approve_lists_what_the_user_may_decide(client: HttpClient, cast: Cast) -> None:
    closure = factories.make_closure_request(cast.case_manager)

    client.force_login(cast.director)  # also the supervisor of the case's team
    director_page = page_text(client.get("/cases/closures/"))
    client.force_login(cast.other_team_colleague)
    colleague_page = page_text(client.get("/cases/closures/"))
    posted = client.post(f"/cases/closures/{closure.pk}/decide/", {"decision": "approve"})

    assert closure.case.client.code in director_page
    assert closure.case.client.code not in colleague_page
    assert posted.status_code == 404
    assert Case.objects.get().status == CaseStatus.OPEN


def test_case_reopen_needs_a_reason(client: HttpClient, cast: Cast) -> None:
    closure = factories.make_closure_request(cast.case_manager)
    client.force_login(cast.director)
    client.post(f"/cases/closures/{closure.pk}/decide/", {"decision": "approve"})
    client.force_login(cast.case_manager)
    case = closure.case
    later = iso(closure.closing_date + datetime.timedelta(days=10))

    refused = client.post(f"/cases/{case.pk}/reopen/", {"reopened_on": later, "reason": ""})
    reopened = client.post(f"/cases/{case.pk}/reopen/", {"reopened_on": later, "reason": "Back in danger"})

    assert refused.status_code == 200
    assert reopened.status_code == 302
    assert Case.objects.get().status == CaseStatus.OPEN


def test_case_transfer_to_another_team_leaves_the_caseload(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    response = client.post(
        f"/cases/{case.pk}/transfer/", {"team": cast.other_team.pk, "case_manager": cast.other_team_colleague.pk}
    )

    assert response["Location"] == "/clients/"
    assert (Case.objects.get().team, Client.objects.get().team) == (cast.other_team, cast.other_team)
    assert client.get(f"/clients/{case.client_id}/").status_code == 404


def test_outgoing_referral_sent_and_followed(client: HttpClient, cast: Cast) -> None:
    person = factories.make_client(cast.case_manager)
    partner = factories.OrganisationFactory(office=cast.kh, name="Legal aid")
    consent_record(actor=cast.case_manager, client=person, kind="sharing", partner=partner, given_on=DAY)
    client.force_login(cast.case_manager)

    sent = client.post(
        f"/clients/{person.pk}/referrals/send/",
        {"organisation": partner.pk, "referred_on": iso(DAY), "service_asked": "legal", "urgency": "normal"},
    )
    referral = Referral.objects.get()
    accepted = client.post(f"/referrals/{referral.pk}/status/", {"status": "accepted"})
    skipped = client.post(f"/referrals/{referral.pk}/status/", {"status": "declined"}, follow=True)

    assert sent["Location"] == f"/clients/{person.pk}/?tab=referrals"
    assert accepted.status_code == 302
    assert Referral.objects.get().status == Referral.Status.ACCEPTED
    assert "cannot change to that" in page_text(skipped)


# --- The client page --------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["overview", "case", "referrals", "placements", "history"])
def test_client_page_tabs_open_without_javascript(client: HttpClient, cast: Cast, tab: str) -> None:
    case = factories.make_case(cast.case_manager)
    factories.make_placement(cast.case_manager, case)
    client.force_login(cast.director)

    response = client.get(f"/clients/{case.client_id}/", {"tab": tab})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    current = re.search(r'<a href="/clients/\d+/(?:\?tab=(\w+))?"[^>]*aria-current="page"', response.content.decode())
    assert current is not None and (current.group(1) or "overview") == tab


def test_client_page_tab_with_htmx_is_only_the_panel(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    response = client.get(
        f"/clients/{case.client_id}/", {"tab": "case"}, headers={"HX-Request": "true", "HX-Target": "tab-panel"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tab-panel">')
    assert "Request closure" in body


def test_client_page_access_history_is_for_directors_only(client: HttpClient, cast: Cast) -> None:
    person = factories.make_client(cast.case_manager)
    client.force_login(cast.case_manager)

    page = client.get(f"/clients/{person.pk}/", {"tab": "history"})

    assert f'hx-get="/clients/{person.pk}/?tab=history"' not in page.content.decode()
    assert "Access history" not in page_text(page)


# --- My caseload ------------------------------------------------------------------------------


def test_caseload_shows_status_placement_and_next_task(client: HttpClient, cast: Cast) -> None:
    placed = factories.make_placement(cast.case_manager).case
    waiting = factories.make_closure_request(cast.case_manager).case
    client.force_login(cast.case_manager)

    page = client.get("/clients/").content.decode()
    rows = {
        m.group(1): re.sub(r"<[^>]+>", " ", m.group(0))
        for m in re.finditer(r"<li>\s*<p class=\"who\"><a[^>]*>([A-Z]{2}-\d{4}-\d{4}) ·.*?</li>", page, re.S)
    }

    assert "Residential shelter (Home of Love)" in rows[placed.client.code]
    assert "Closure awaiting approval" in rows[waiting.client.code]


def test_caseload_query_count_does_not_grow_with_the_caseload(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    for _ in range(3):
        factories.make_closure_request(cast.case_manager, factories.make_placement(cast.case_manager).case)
    three = queries_for(client, "/clients/")
    for _ in range(27):
        factories.make_placement(cast.case_manager)

    thirty = queries_for(client, "/clients/")

    assert three == thirty


# --- The partner portal -----------------------------------------------------------------------


@pytest.fixture
def partner(cast: Cast) -> Any:
    organisation = factories.OrganisationFactory(office=cast.kh, name="Commune Committee of Prek Eng")
    cast.partner.partner_organisation = organisation
    cast.partner.save(update_fields=["partner_organisation"])
    return cast.partner


def test_portal_partner_submits_and_sees_only_its_organisation_referrals(
    client: HttpClient, cast: Cast, partner: Any
) -> None:
    other = factories.make_referral(cast.case_manager, person={"name": "Ros Kanha"})
    client.force_login(partner)

    submitted = client.post(
        "/portal/referrals/",
        {
            "person_name": "Sok Dara",
            "person_age": "14",
            "person_phone": "012 111 222",
            "person_location": "Prek Eng",
            "reason": "Left alone after her mother was arrested",
            "urgency": "emergency",
            "referred_on": iso(timezone.localdate()),
        },
    )
    mine = Referral.objects.get(organisation=partner.partner_organisation)
    page = client.get("/portal/referrals/")
    body, text = page.content.decode(), page_text(page)

    assert submitted["Location"] == "/portal/referrals/"
    assert (mine.office, mine.status, mine.urgency, mine.person["name"]) == (
        cast.kh,
        "received",
        "emergency",
        "Sok Dara",
    )
    assert f'<td data-label="No.">{mine.pk}</td>' in body
    assert "Received" in text
    assert f'<td data-label="No.">{other.pk}</td>' not in body
    assert "Sok Dara" not in text and "Ros Kanha" not in text


def test_portal_status_follows_the_decision_and_never_shows_the_client(
    client: HttpClient, cast: Cast, partner: Any
) -> None:
    referral = factories.make_referral(partner)
    staff = HttpClient()
    staff.force_login(cast.case_manager)
    staff.post(
        f"/referrals/{referral.pk}/accept/",
        {"client": ""}
        | {f"new-{k}": v for k, v in identity(family_name_latin="Sok", given_name_latin="Dara").items()}
        | case_fields(cast),
    )
    accepted = Client.objects.get()
    client.force_login(partner)

    page = client.get("/portal/referrals/")
    body, text = page.content.decode(), page_text(page)

    assert "Accepted" in text
    assert accepted.code not in text
    assert "Sok" not in text and "Dara" not in text
    assert "/clients/" not in body
    assert client.get(f"/clients/{accepted.pk}/").status_code == 404
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_portal_partner_without_an_organisation_is_told(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.partner)

    response = client.get("/portal/referrals/")
    posted = client.post("/portal/referrals/", {"person_name": "Someone", "referred_on": iso(DAY), "urgency": "normal"})

    assert "Your account is not linked to an organisation yet" in page_text(response)
    assert posted.status_code == 200
    assert not Referral.objects.exists()


def test_portal_is_not_for_staff(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    assert client.get("/portal/referrals/").status_code == 404


# --- In Khmer ---------------------------------------------------------------------------------


def test_casework_pages_render_in_khmer(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    factories.make_placement(cast.case_manager, case)
    factories.make_closure_request(cast.case_manager, case)
    referral = factories.make_referral(cast.case_manager)
    cast.director.language = "km"
    cast.director.save(update_fields=["language"])
    client.force_login(cast.director)
    urls = [
        "/clients/",
        "/clients/register/?kind=name&q=Chan+Sophea",
        "/referrals/",
        "/referrals/new/",
        f"/referrals/{referral.pk}/",
        "/cases/closures/",
        "/partners/",
        *[
            f"/clients/{case.client_id}/?tab={tab}"
            for tab in ("overview", "case", "referrals", "placements", "history")
        ],
    ]

    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 200)
    assert all('<html lang="km">' in r.content.decode() for r in answers.values())
    # Dates show day/month/year in Khmer too.
    assert (
        f'name="opened_on" value="{timezone.localdate():%d/%m/%Y}"'
        in answers[f"/referrals/{referral.pk}/"].content.decode()
    )


def test_closure_pages_show_the_clock_open_services_and_override_to_both_sides(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(
        cast.case_manager, factories.make_client(cast.case_manager, date_of_birth=DAY.replace(year=1995))
    )
    outcome_services.assessment_record(
        actor=cast.case_manager,
        client=case.client,
        assessed_on=DAY + datetime.timedelta(days=1),
        answers=answers(STABLE),
    )
    legal = make_user(Role.LEGAL_OFFICER, office=cast.kh, team=cast.team)
    care_services.legal_case_open(
        actor=legal, client=case.client, kind="criminal", opened_on=DAY + datetime.timedelta(days=2)
    )
    client.force_login(cast.case_manager)
    request_form = page_text(client.get(f"/clients/{case.client_id}/?tab=case"))
    closing = DAY + datetime.timedelta(days=60)
    client.post(
        f"/cases/{case.pk}/closure/",
        {
            "closing_date": iso(closing),
            "reason": "goals_achieved",
            "note": "",
            "clock_override": "on",
            "clock_override_reason": "She moved to her aunt abroad; no more assessments.",
        },
    )

    client.force_login(cast.director)
    to_approve = page_text(client.get("/cases/closures/"))
    on_client_page = page_text(client.get(f"/clients/{case.client_id}/?tab=case"))

    assert "Whole since 02/09/2024" in request_form  # today, as the form's closing date
    for page in (to_approve, on_client_page):
        assert "Stability clock on 30/04/2024" in page
        assert "Running since 02/03/2024, needing 6 months: whole on 02/09/2024 if nothing resets it" in page
        assert "Legal cases not ended: 1" in page
        assert "She moved to her aunt abroad; no more assessments." in page


def test_caseload_filters_by_stage_clock_and_due_work_and_orders(client: HttpClient, cast: Cast) -> None:
    from wholejourney.care import services as care_services
    from wholejourney.care.tests.records import days_ago

    placed = factories.make_placement(cast.case_manager).case
    closed_soon = factories.make_closure_request(cast.case_manager).case
    visit_due = factories.make_case(cast.case_manager).client
    care_services.visit_record(
        actor=cast.case_manager, client=visit_due, mode="home", visited_on=days_ago(20), next_visit_on=days_ago(1)
    )
    no_case = factories.make_client(cast.case_manager)
    client.force_login(cast.case_manager)

    def listed(**query: str) -> list[str]:
        html = client.get("/clients/", query).content.decode().split('<ul class="caseload">', 1)[-1]
        return re.findall(r'<p class="who"><a href="/clients/\d+/">([A-Z]{2}-\d{4}-\d{4}) ·', html)

    assert set(listed(stage="none")) == {no_case.code}
    assert set(listed(stage="open")) == {placed.client.code, closed_soon.client.code, visit_due.code}
    assert set(listed(placement="shelter")) == {placed.client.code}
    assert listed(attention="visits") == [visit_due.code]
    assert listed(clock="whole") == []
    assert listed(sort="code") == sorted(listed())
    assert len(listed(stage="no-such-stage")) == 4  # a stale link shows everyone
    page = client.get("/clients/", {"attention": "visits"}).content.decode()
    assert "overdue since" in page  # each client's most urgent due work (here the baseline assessment)
