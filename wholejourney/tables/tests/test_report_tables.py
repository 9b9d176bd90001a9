"""Saved tables in a report edition: beside the figures, for the report's period and office, in
HTML, PDF (its HTML), spreadsheet and JSON, and through disclosure control in the external edition."""

from __future__ import annotations

import json
from io import BytesIO

from django.test import Client as HttpClient
from openpyxl import load_workbook

from wholejourney.care.tests.records import client_in_care, days_ago
from wholejourney.conftest import Cast
from wholejourney.reporting.registry import Period
from wholejourney.reporting.services import render_report
from wholejourney.tables import services

PERIOD = Period(days_ago(700), days_ago(0))
QUERY = f"office=KH&date_from={PERIOD.start}&date_to={PERIOD.end}"


def _save(cast: Cast, name: str, *, in_report: bool = True) -> None:
    services.saved_table_save(
        actor=cast.me_officer, name=name, measure="clients_supported", rows="sex", columns="abuse_type",
        offices=["KH"], period=Period.year(2023), in_report=in_report,
    )  # fmt: skip


def test_the_report_shows_saved_tables_for_its_own_period(client: HttpClient, cast: Cast) -> None:
    client_in_care(cast)
    client_in_care(cast, name="Dara")
    _save(cast, "Survivors by sex and abuse type")
    _save(cast, "Left out", in_report=False)
    client.force_login(cast.director)

    page = client.get(f"/reports/?{QUERY}").content.decode()

    assert 'id="section-tables"' in page and "Survivors by sex and abuse type" in page
    assert "Left out" not in page
    table = page[page.index('id="section-tables"') :]
    assert '<td class="num">2</td>' in table  # the two clients of the report's period, not 2023's


def test_the_external_edition_withholds_small_cells_of_saved_tables(cast: Cast) -> None:
    client_in_care(cast)
    _save(cast, "Survivors by sex and abuse type")

    html = render_report(period=PERIOD, office=cast.kh, edition="external", format="html").decode()
    document = json.loads(render_report(period=PERIOD, office=cast.kh, edition="external", format="json"))

    section = html[html.index('<section class="page tables">') :]
    assert "Survivors by sex and abuse type" in section and '<td class="num">*</td>' in section
    assert '<td class="num">1</td>' not in section
    assert document["tables"][0]["rows"][0][:2] == ["Female", None]


def test_the_spreadsheet_has_a_sheet_of_saved_tables(cast: Cast) -> None:
    client_in_care(cast)
    _save(cast, "Survivors by sex and abuse type")

    book = load_workbook(BytesIO(render_report(period=PERIOD, office=cast.kh, edition="internal", format="xlsx")))

    sheet = book["Tables"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Survivors by sex and abuse type"
    assert ["Female", 1, 0, 0, 0, 0, 1] in values


def test_another_offices_report_does_not_show_the_table(cast: Cast) -> None:
    _save(cast, "Survivors by sex and abuse type")

    html = render_report(period=PERIOD, office=cast.vn, edition="internal", format="html").decode()

    assert "Survivors by sex and abuse type" not in html
