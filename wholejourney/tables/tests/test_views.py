"""The table builder's pages with a handful of records: who may build, see, save and take away a
table, and that no drill-down shows a record to someone without access to it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care.tests.records import client_in_care, days_ago
from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType
from wholejourney.clients import services as client_services
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.tables.models import SavedTable

START, END = days_ago(700), days_ago(0)
PERIOD = f"date_from={START}&date_to={END}"
TABLE = f"measure=clients_supported&rows=sex&columns=abuse_type&{PERIOD}"


def vn_client(cast: Cast, name: str = "Lan") -> Any:
    director = make_user(Role.DIRECTOR, office=cast.vn, username="vn.director")
    found = client_services.client_create(
        actor=director,
        office=cast.vn,
        given_name_latin=name,
        family_name_latin="Test",
        sex="male",
        date_of_birth=datetime.date(1990, 1, 1),
    )
    case_services.case_open(
        actor=director, client=found, opened_on=days_ago(30), primary_abuse_type=AbuseType.OTHER_ABUSE
    )
    return found


@pytest.mark.parametrize("who", ["director", "me_officer"])
def test_builder_shows_the_table_and_its_chart(client: HttpClient, cast: Cast, who: str) -> None:
    client_in_care(cast)
    client_in_care(cast, name="Dara")
    client.force_login(getattr(cast, who))

    page = client.get(f"/tables/?{TABLE}").content.decode()

    assert '<table class="list stays built-table">' in page
    assert "Human trafficking, slavery or labour trafficking" in page
    assert '<svg class="stacked"' in page
    assert 'class="num total">2</td>' in page  # the female row, and the table's total


def test_builder_without_a_count_shows_the_form(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)

    page = client.get("/tables/").content.decode()

    assert 'name="measure"' in page and "built-table" not in page


@pytest.mark.parametrize("who", ["case_manager", "partner", "other_office", "admin"])
def test_table_pages_are_404_to_roles_without_reports(client: HttpClient, cast: Cast, who: str) -> None:
    patient, _case = client_in_care(cast)
    client.force_login(getattr(cast, who))

    for url in ("/tables/", f"/tables/?{TABLE}", f"/tables/cell/?{TABLE}&row=female", f"/tables/download/?{TABLE}"):
        assert client.get(url).status_code == 404


def test_another_offices_table_and_its_records_are_404(client: HttpClient, cast: Cast) -> None:
    lan = vn_client(cast)
    client.force_login(cast.me_officer)  # of KH

    assert client.get(f"/tables/?{TABLE}&offices=VN").status_code == 404
    assert client.get(f"/tables/cell/?{TABLE}&offices=VN&row=male").status_code == 404
    assert client.get(f"/tables/download/?{TABLE}&offices=VN").status_code == 404
    # Without offices, a user of an office counts their own office only.
    page = client.get(f"/tables/cell/?{TABLE}&row=male&column=other_abuse").content.decode()
    assert lan.code not in page and "0 records" in page


def test_a_global_user_counts_every_office(client: HttpClient, cast: Cast) -> None:
    client_in_care(cast)
    lan = vn_client(cast)
    client.force_login(make_user(Role.ME_OFFICER, global_=True, username="global.me"))

    page = client.get(f"/tables/?measure=clients_supported&rows=office&{PERIOD}").content.decode()
    cell = client.get(f"/tables/cell/?measure=clients_supported&rows=office&{PERIOD}&row=VN").content.decode()

    assert ">VN</th>" in page and ">KH</th>" in page
    assert lan.code in cell


def test_drilldown_of_a_cell_lists_codes_never_names_and_is_audited(client: HttpClient, cast: Cast) -> None:
    patient, _case = client_in_care(cast, name="Sokunthea")
    client.force_login(cast.me_officer)

    page = client.get(f"/tables/cell/?{TABLE}&row=female&column=human_trafficking").content.decode()
    other = client.get(f"/tables/cell/?{TABLE}&row=male&column=human_trafficking").content.decode()

    assert patient.code in page and "Sokunthea" not in page
    assert f'href="/clients/{patient.pk}/"' not in page  # an M&E officer cannot open the client's record
    assert patient.code not in other
    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="tables.cell")
    assert [event.object_id for event in events] == ["clients_supported"] * 2
    assert any({"sex:female", "abuse_type:human_trafficking"} <= set(event.changed_fields) for event in events)


def test_drilldown_links_a_director_to_the_clients_page(client: HttpClient, cast: Cast) -> None:
    patient, _case = client_in_care(cast)
    client.force_login(cast.director)

    page = client.get(f"/tables/cell/?{TABLE}&row=female&column=human_trafficking").content.decode()

    assert f'href="/clients/{patient.pk}/"' in page


def test_a_table_is_saved_rerun_for_another_period_and_kept_to_its_office(client: HttpClient, cast: Cast) -> None:
    client_in_care(cast, opened_days_ago=30)
    client.force_login(cast.me_officer)
    form = {"measure": "clients_supported", "rows": "sex", "columns": "age_band", "date_from": START,
            "date_to": END, "name": "Survivors by sex and age", "in_report": "on"}  # fmt: skip

    response = client.post("/tables/save/", form)

    saved = SavedTable.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tables/{saved.pk}/"
    assert saved.office == cast.kh and saved.in_report and saved.dimensions() == ["sex", "age_band"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="tables.savedtable").exists()
    client.force_login(cast.director)  # the office's other report user sees it
    page = client.get(f"/tables/{saved.pk}/").content.decode()
    assert "Survivors by sex and age" in page and 'class="num total">1</td>' in page
    earlier = client.get(f"/tables/{saved.pk}/?year={START.year - 3}").content.decode()
    assert 'class="num total">0</td>' in earlier
    client.force_login(make_user(Role.ME_OFFICER, office=cast.vn, username="vn.me"))
    assert client.get(f"/tables/{saved.pk}/").status_code == 404
    assert client.post(f"/tables/{saved.pk}/delete/").status_code == 404


def test_a_saved_table_is_renamed_and_deleted_with_audit(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)
    client.post("/tables/save/", {"measure": "new_cases", "rows": "month", "date_from": START, "date_to": END,
                                  "name": "Cases by month"})  # fmt: skip
    saved = SavedTable.objects.get()

    client.post(f"/tables/{saved.pk}/edit/", {"name": "New cases by month", "date_from": "2023-01-01",
                                              "date_to": "2023-12-31"})  # fmt: skip
    saved.refresh_from_db()
    response = client.post(f"/tables/{saved.pk}/delete/")

    assert saved.name == "New cases by month" and saved.period_start == datetime.date(2023, 1, 1)
    assert response.status_code == 302 and not SavedTable.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_type="tables.savedtable").exists()


def test_two_tables_of_an_office_cannot_share_a_name(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)
    form = {"measure": "new_cases", "rows": "month", "date_from": START, "date_to": END, "name": "Cases"}
    client.post("/tables/save/", form)

    page = client.post("/tables/save/", form).content.decode()

    assert SavedTable.objects.count() == 1 and "already has this name" in page


def test_a_split_the_count_does_not_have_is_a_form_error(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)

    page = client.get(f"/tables/?measure=counseling_sessions&rows=sex&{PERIOD}").content.decode()

    assert "cannot be split by" in page and "built-table" not in page


def test_download_of_the_external_edition_withholds_small_cells_and_is_audited(client: HttpClient, cast: Cast) -> None:
    client_in_care(cast)
    client.force_login(cast.me_officer)

    internal = client.get(f"/tables/download/?{TABLE}&format=csv").content.decode()
    external = client.get(f"/tables/download/?{TABLE}&format=csv&edition=external").content.decode()
    sheet = client.get(f"/tables/download/?{TABLE}&format=xlsx&edition=external")

    assert "Female,1,0,0,0,0,1" in internal.replace("\r", "")
    assert "Female,*,0,0,0,0,*" in external.replace("\r", "")
    assert "Total,*,0,0,0,0,*" in external.replace("\r", "")
    assert sheet.content[:2] == b"PK"
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="tables.table")
    assert exports.count() == 3 and any("edition:external" in e.changed_fields for e in exports)


def test_the_table_page_makes_as_many_queries_whatever_the_records(client: HttpClient, cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_in_care(cast)
    client.force_login(cast.me_officer)
    client.get(f"/tables/?{TABLE}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/tables/?{TABLE}")
    for n in range(5):
        client_in_care(cast, name=f"Client{n}", opened_days_ago=300 - n)
    with CaptureQueriesContext(connection) as more:
        page = client.get(f"/tables/?{TABLE}").content.decode()

    assert 'class="num total">6</td>' in page
    assert len(more.captured_queries) == len(few.captured_queries)
    # The table itself is one query: the one with GROUP BY.
    assert sum("GROUP BY" in query["sql"] for query in more.captured_queries) == 1
