"""The round trip: the demo's KH office exported as a workbook in the import format, imported into
an empty database, gives back its people and the whole report: `wholejourney report --year 2023
--office KH --format json` prints the same document, every figure, its previous year and its
denominators. The suite runs on SQLite, and on PostgreSQL when DATABASE_URL names one."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.roles import Role
from wholejourney.cases.tests.factories import make_client
from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import OfficeFactory, TeamFactory, make_user
from wholejourney.exports.office import write_office_workbook
from wholejourney.imports import tasks as import_tasks
from wholejourney.imports.models import ImportRun


def _people() -> list[tuple[str, str, Any]]:
    return sorted(
        (c.given_name_latin or c.given_name_km or "", c.family_name_latin or c.family_name_km or "", c.date_of_birth)
        for c in Client.objects.filter(office__code="KH", erased_at__isnull=True).select_related("data_key")
    )


def _report() -> dict[str, Any]:
    out = io.StringIO()
    call_command("report", year=2023, office="KH", format="json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_office_workbook_imported_into_an_empty_database_gives_back_the_report(
    demo_office: None, tmp_path: Path
) -> None:
    kh = Office.objects.get(code="KH")
    before = _report()
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
    after = _report()
    differ = {
        key: (before["metrics"][key], after["metrics"].get(key))
        for key in before["metrics"]
        if before["metrics"][key] != after["metrics"].get(key)
    }
    assert not differ, differ
    assert after == before
    assert len(before["metrics"]) >= 62
    assert _people() == people


@pytest.mark.django_db
def test_office_workbook_cells_are_text_never_formulas() -> None:
    """A name typed as a formula is written as text (on an office of one client: the demo's workbook
    takes seconds to write and proves nothing more here)."""
    from openpyxl import load_workbook

    case_manager = make_user(Role.CASE_MANAGER, office=OfficeFactory(code="KH"), team=TeamFactory())
    client = make_client(case_manager, given_name_latin='=HYPERLINK("http://evil.example")', family_name_latin="@Sok")
    out = io.BytesIO()

    write_office_workbook(client.office, out)

    sheet = load_workbook(io.BytesIO(out.getvalue()))["clients"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 1
    for column, typed in (("prs_FirstName", client.given_name_latin), ("prs_SecondName", client.family_name_latin)):
        written = rows[0][header.index(column)]
        assert written.value == typed
        assert written.data_type == "s"
        assert written.quotePrefix
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
