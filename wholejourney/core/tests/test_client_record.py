"""The client page is the hub of a client's record: every part is one click away from every page of
the record, through one shared header (core.client_record, filled by each app's client_tabs.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.roles import Role
from wholejourney.cases.tests import factories
from wholejourney.conftest import Cast
from wholejourney.core import client_record
from wholejourney.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def header_links(html: str) -> dict[str, str]:
    """The header's links by label, and which one is the current page."""
    nav = re.search(r'<nav class="tabs record-parts".*?</nav>', html, re.S)
    assert nav is not None, "the page has no client header"
    links = {
        re.sub(r"<[^>]+>", "", label).strip(): href
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav.group(0), re.S)
    }
    current = re.search(r'<a href="([^"]+)"[^>]*aria-current="page"', nav.group(0))
    links["(current)"] = current.group(1).replace("&amp;", "&") if current else ""
    return {label: href.replace("&amp;", "&") for label, href in links.items()}


def test_every_app_contributes_its_parts_of_the_record() -> None:
    assert client_record.registered_part_keys() >= {
        "overview", "case", "timeline", "care-casework", "care-counseling", "care-legal", "care-education",
        "care-economic", "outcomes", "placements", "referrals", "history",
    }  # fmt: skip


def test_case_manager_reaches_every_part_of_the_record_from_the_client_page(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    links = header_links(client.get(f"/clients/{case.client_id}/").content.decode())

    pk = case.client_id
    assert links["Timeline"] == f"/clients/{pk}/timeline/"
    assert links["Care plans and visits"] == f"/clients/{pk}/timeline/?area=casework"
    assert links["Counseling"] == f"/clients/{pk}/timeline/?area=counseling"
    assert links["Legal"] == f"/clients/{pk}/timeline/?area=legal"
    assert links["Education"] == f"/clients/{pk}/timeline/?area=education"
    assert links["Economic empowerment"] == f"/clients/{pk}/timeline/?area=economic"
    assert links["Outcomes and clock"] == f"/clients/{pk}/outcomes/"
    assert links["Placements"] == f"/clients/{pk}/?tab=placements"
    assert links["Referrals"] == f"/clients/{pk}/?tab=referrals"
    assert links["(current)"] == f"/clients/{pk}/"


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/clients/{pk}/timeline/", "/clients/{pk}/timeline/"),
        ("/clients/{pk}/timeline/?area=legal", "/clients/{pk}/timeline/?area=legal"),
        ("/clients/{pk}/outcomes/", "/clients/{pk}/outcomes/"),
        ("/clients/{pk}/care/care-plan/new/", "/clients/{pk}/timeline/?area=casework"),
    ],
)
def test_every_page_of_the_record_has_the_same_header_and_marks_itself(
    client: HttpClient, cast: Cast, path: str, current: str
) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    links = header_links(client.get(path.format(pk=case.client_id)).content.decode())

    assert links["Overview"] == f"/clients/{case.client_id}/"
    assert links["Outcomes and clock"] == f"/clients/{case.client_id}/outcomes/"
    assert links["(current)"] == current.format(pk=case.client_id)


def test_the_legal_officer_sees_the_legal_part_and_never_counseling(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    legal = make_user(Role.LEGAL_OFFICER, office=cast.kh, team=cast.team)
    client.force_login(legal)

    links = header_links(client.get(f"/clients/{case.client_id}/").content.decode())

    assert "Legal" in links and "Timeline" in links
    assert "Counseling" not in links and "Economic empowerment" not in links
    assert "Access history" not in links


def test_the_header_says_the_case_and_the_clock(client: HttpClient, cast: Cast) -> None:
    case = factories.make_case(cast.case_manager)
    client.force_login(cast.case_manager)

    html = client.get(f"/clients/{case.client_id}/timeline/").content.decode()

    facts = re.search(r'<dl class="client-facts">.*?</dl>', html, re.S)
    assert facts is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", facts.group(0)))
    assert "Case Open since" in text
    assert "Stability clock Not started" in text


def test_timeline_of_one_kind_shows_only_that_kind(client: HttpClient, cast: Cast) -> None:
    from wholejourney.care import services as care_services
    from wholejourney.care.models import LegalCase
    from wholejourney.care.tests.records import client_in_care, days_ago, session_for, staff

    person, _case = client_in_care(cast)
    care_services.legal_case_open(
        actor=staff(cast, Role.LEGAL_OFFICER), client=person, kind=LegalCase.Kind.CRIMINAL, opened_on=days_ago(30)
    )
    session_for(staff(cast, Role.COUNSELOR), person, days=5)
    client.force_login(cast.case_manager)

    everything = client.get(f"/clients/{person.pk}/timeline/").content.decode()
    legal_only = client.get(f"/clients/{person.pk}/timeline/?area=legal").content.decode()

    assert "legal case opened" in everything and "Counseling session" in everything
    assert "legal case opened" in legal_only and "Counseling session" not in legal_only
    assert "Timeline: Legal" in legal_only
