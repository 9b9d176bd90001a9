"""The partners pages: the office's list for staff, adding and editing for the director."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import OrganisationFactory, PartnershipPeriodFactory
from wholejourney.conftest import Cast
from wholejourney.partners.models import Organisation, PartnershipPeriod


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_partners_list_shows_the_office_organisations_with_kind_and_periods(client: HttpClient, cast: Cast) -> None:
    ours = OrganisationFactory(office=cast.kh, name="Ministry of Social Affairs", kind="government_ministry")
    PartnershipPeriodFactory(
        organisation=ours, active_from=datetime.date(2019, 1, 1), active_to=datetime.date(2021, 6, 30)
    )
    OrganisationFactory(office=cast.vn, name="Hanoi Shelter")
    client.force_login(cast.case_manager)

    text = page_text(client.get("/partners/"))

    assert "Ministry of Social Affairs" in text
    assert "Government ministry or department" in text
    assert "01/01/2019 – 30/06/2021" in text
    assert "Hanoi Shelter" not in text
    assert "Add a partner" not in text  # a case manager reads the list, the director keeps it


def test_partners_list_filters_by_kind(client: HttpClient, cast: Cast) -> None:
    OrganisationFactory(office=cast.kh, name="Wat Phnom Church", kind="church")
    OrganisationFactory(office=cast.kh, name="Garment Factory", kind="private")
    client.force_login(cast.case_manager)

    text = page_text(client.get("/partners/", {"kind": "church"}))

    assert "Wat Phnom Church" in text
    assert "Garment Factory" not in text


def test_partners_list_query_count_does_not_grow(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)
    for _ in range(3):
        PartnershipPeriodFactory(organisation__office=cast.kh)
    client.get("/partners/")
    with CaptureQueriesContext(connection) as three:
        client.get("/partners/")
    for _ in range(27):
        PartnershipPeriodFactory(organisation__office=cast.kh)

    with CaptureQueriesContext(connection) as thirty:
        client.get("/partners/")

    assert len(three.captured_queries) == len(thirty.captured_queries)


def test_partners_director_adds_and_edits_an_organisation(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)

    created = client.post(
        "/partners/new/", {"name": "Legal Aid Cambodia", "kind": "ngo", "province": "Phnom Penh", "is_active": "on"}
    )
    organisation = Organisation.objects.get()
    edited = client.post(
        f"/partners/{organisation.pk}/", {"name": "Legal Aid of Cambodia", "kind": "ngo", "province": "Takeo"}
    )

    assert created["Location"] == f"/partners/{organisation.pk}/"
    assert edited.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.office, organisation.name, organisation.province, organisation.is_active) == (
        cast.kh,
        "Legal Aid of Cambodia",
        "Takeo",
        False,
    )
    actions = list(
        AuditEvent.objects.filter(object_type="partners.organisation").order_by("seq").values_list("action", flat=True)
    )
    assert actions == [AuditEvent.Action.CREATE, AuditEvent.Action.CHANGE]


def test_partners_same_name_twice_in_an_office_is_refused(client: HttpClient, cast: Cast) -> None:
    OrganisationFactory(office=cast.kh, name="Legal Aid Cambodia")
    client.force_login(cast.director)

    response = client.post("/partners/new/", {"name": "Legal Aid Cambodia", "kind": "ngo"})

    assert response.status_code == 200
    assert "already exists" in page_text(response)
    assert Organisation.objects.count() == 1


def test_partners_periods_added_ended_and_never_overlapping(client: HttpClient, cast: Cast) -> None:
    organisation = OrganisationFactory(office=cast.kh)
    client.force_login(cast.director)

    added = client.post(f"/partners/{organisation.pk}/periods/", {"active_from": "2022-01-01", "active_to": ""})
    overlapping = client.post(f"/partners/{organisation.pk}/periods/", {"active_from": "2023-01-01"})
    period = PartnershipPeriod.objects.get()
    ended = client.post(f"/partners/periods/{period.pk}/end/", {"active_to": "2023-12-31"})
    backwards = client.post(
        f"/partners/{organisation.pk}/periods/", {"active_from": "2025-01-01", "active_to": "2024-01-01"}
    )

    assert added.status_code == 302
    assert "The organisation is already a partner from 2022-01-01 to now" in page_text(overlapping)
    assert ended.status_code == 302
    assert PartnershipPeriod.objects.get().active_to == datetime.date(2023, 12, 31)
    assert "The partnership cannot end before it starts." in page_text(backwards)
    assert PartnershipPeriod.objects.count() == 1


def test_partners_add_and_edit_are_the_director_s(client: HttpClient, cast: Cast) -> None:
    organisation = OrganisationFactory(office=cast.kh)
    client.force_login(cast.case_manager)

    assert client.get("/partners/new/").status_code == 404
    assert client.post(f"/partners/{organisation.pk}/", {"name": "Renamed", "kind": "ngo"}).status_code == 404
    assert Organisation.objects.get().name == organisation.name


def test_partners_of_another_office_do_not_exist_for_a_director(client: HttpClient, cast: Cast) -> None:
    from wholejourney.accounts.roles import Role
    from wholejourney.core.tests.factories import make_user

    elsewhere = OrganisationFactory(office=cast.vn)
    client.force_login(make_user(Role.DIRECTOR, office=cast.vn, username="vn.director"))
    vn_page = client.get(f"/partners/{elsewhere.pk}/")
    client.force_login(cast.director)

    assert vn_page.status_code == 200
    assert client.get(f"/partners/{elsewhere.pk}/").status_code == 404


def test_a_partner_saved_over_a_newer_version_shows_the_conflict_and_saves_when_resent(cast: Cast) -> None:
    from django.test import Client as HttpClient

    from wholejourney.cases.tests.factories import OrganisationFactory
    from wholejourney.partners.models import Organisation

    organisation = OrganisationFactory(office=cast.kh, name="Friends", province="Kandal")
    url = f"/partners/{organisation.pk}/"
    browser = HttpClient()
    browser.force_login(cast.director)
    data = {"name": "Friends", "kind": organisation.kind, "province": "Kampot", "is_active": "on", "version": "1"}

    first = browser.post(url, {**data, "name": "Friends International", "province": "Kandal"})
    stale = browser.post(url, data)

    assert first.status_code == 302
    assert stale.status_code == 200
    assert "Someone saved this partner while you were editing it" in stale.content.decode()
    assert 'name="version" value="2"' in stale.content.decode()
    assert Organisation.objects.get(pk=organisation.pk).province == "Kandal"
    again = browser.post(url, {**data, "version": "2"})
    assert again.status_code == 302
    saved = Organisation.objects.get(pk=organisation.pk)
    assert (saved.name, saved.province, saved.version) == ("Friends", "Kampot", 3)  # re-applied as sent
