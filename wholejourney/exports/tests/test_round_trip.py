"""The round trip: the demo's KH office exported as a workbook in the import format, imported into
an empty database, gives back its people and the report's figures.

Every figure whose records the import format carries comes back identical. The figures in
`NOT_IN_THE_FORMAT` count records the format has no sheet for yet (counseling sessions and
treatment plans, community groups and their plans, husband-wife groups, campaigns, network
meetings, donations, public events): they are listed here so that a sheet added to the format
shows up as a figure that must now match."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.roles import Role
from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import make_user
from wholejourney.exports.office import write_office_workbook
from wholejourney.imports import tasks as import_tasks
from wholejourney.imports.models import ImportRun
from wholejourney.reporting.registry import Period
from wholejourney.reporting.services import report_figures

NOT_IN_THE_FORMAT = {
    "counseling_sessions",
    "counseling_clients",
    "counseling_closure",
    "cbg_active",
    "cbg_plan_completion_pct",
    "husband_wife_groups",
    "awareness_campaigns",
    "awareness_reach",
    "education_campaigns",
    "education_campaign_reach",
    "community_members_reached",
    "provincial_network_meetings",
    "district_commune_meetings",
    "ngo_network_meetings",
    "books_donated",
    "mental_health_day_participants",
}


def _people() -> list[tuple[str, str, Any]]:
    return sorted(
        (c.given_name_latin or c.given_name_km or "", c.family_name_latin or c.family_name_km or "", c.date_of_birth)
        for c in Client.objects.filter(office__code="KH", erased_at__isnull=True).select_related("data_key")
    )


@pytest.mark.django_db
def test_office_workbook_imported_into_an_empty_database_gives_back_the_figures(
    demo_office: None, tmp_path: Path
) -> None:
    kh = Office.objects.get(code="KH")
    period = Period.year(2023)
    before = report_figures(period=period, office=kh)["metrics"]
    people = _people()
    office = {f: getattr(kh, f) for f in ("code", "name", "country", "time_zone", "languages", "currency")}
    teams = list(Team.objects.filter(office=kh).values_list("name", flat=True))
    usernames = list(User.objects.filter(office=kh).values_list("username", flat=True))
    workbook = tmp_path / "kh.xlsx"
    with workbook.open("wb") as out:
        counts = write_office_workbook(kh, out)
    assert counts["clients"] == len(people)

    # An empty installation: the office, its teams and accounts set up first, then the import.
    call_command("flush", interactive=False, verbosity=0)
    kh = Office.objects.create(**office)
    for name in teams:
        Team.objects.create(office=kh, name=name)
    for username in usernames:
        make_user(Role.CASE_MANAGER, office=kh, username=username)
    admin = make_user(Role.ADMINISTRATOR, global_=True, username="importer")
    run = import_tasks.import_path(actor=admin, office=kh, path=workbook)

    assert run.status == ImportRun.Status.SUCCEEDED, import_tasks.problems_shown(run)[:10]
    assert {sheet: c["created"] for sheet, c in run.counts.items()} == counts
    after = report_figures(period=period, office=kh)["metrics"]
    differ = {key for key in before if before[key]["value"] != after[key]["value"]}
    assert differ <= NOT_IN_THE_FORMAT, {key: (before[key]["value"], after[key]["value"]) for key in differ}
    assert len(before) - len(differ) >= 46
    assert _people() == people


@pytest.mark.django_db
def test_office_workbook_cells_are_text_never_formulas(demo_office: None) -> None:
    from openpyxl import load_workbook

    client = Client.objects.filter(office__code="KH").select_related("data_key").first()
    assert client is not None
    client.given_name_latin = '=HYPERLINK("http://evil.example")'
    client.save()
    out = io.BytesIO()

    write_office_workbook(Office.objects.get(code="KH"), out)

    sheet = load_workbook(io.BytesIO(out.getvalue()))["clients"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    column = header.index("prs_FirstName")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    written = next(cell for cell in cells if cell.value == client.given_name_latin)
    assert written.data_type == "s"
    assert written.quotePrefix
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
