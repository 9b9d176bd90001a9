"""A later version of an office workbook: what it implies is written as a user's action would write
it (a stay ended by the next one, stays ended by a case's closing), whether or not the row's own
values changed; a stay that would overlap another is a listed problem, and nothing is written."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest

from wholejourney.audit.models import AuditEvent
from wholejourney.cases import services as case_services
from wholejourney.cases.metrics import survivors_in_foster_care, survivors_in_shelter
from wholejourney.cases.models import Case, Placement
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.imports import load, records, tasks
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.template import EXAMPLES, write_workbook
from wholejourney.reporting.registry import Period

pytestmark = pytest.mark.django_db

Rows = dict[str, list[dict[str, Any]]]


def _example() -> Rows:
    return copy.deepcopy(EXAMPLES)


def _import(cast: Cast, tmp_path: Path, rows: Rows, name: str) -> ImportRun:
    path = tmp_path / name
    write_workbook(path, rows)
    return tasks.import_path(actor=cast.admin, office=cast.kh, path=path)


def _imported(sheet: str, ref: str) -> int:
    return ImportedRow.objects.get(sheet=sheet, external_id=ref).object_id


def _stays() -> list[tuple[int, str, datetime.date, datetime.date | None]]:
    return list(Placement.objects.order_by("client_id", "start").values_list("client_id", "kind", "start", "end"))


def _assert_again_changes_nothing(cast: Cast, tmp_path: Path, rows: Rows) -> None:
    stays = _stays()

    again = _import(cast, tmp_path, rows, "again.xlsx")

    assert again.status == ImportRun.Status.SUCCEEDED, again.errors
    assert all(counts["created"] == 0 and counts["updated"] == 0 for counts in again.counts.values())
    assert _stays() == stays


def test_later_version_adding_a_stay_after_an_open_stay_ends_the_open_one(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    later = _example()
    later["placements"].append({"placement_ref": "PL004", "case_ref": "K003", "kind": "family", "start": "2024-02-01"})

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    foster = Placement.objects.get(pk=_imported("placements", "PL003"))
    assert foster.end == datetime.date(2024, 2, 1)
    assert Placement.objects.get(pk=_imported("placements", "PL004")).end is None
    # The import's audit event counts the stays it ended (as a move's event covers the stay it ends).
    event = AuditEvent.objects.get(object_type="imports.importrun", object_id=str(run.pk))
    assert "stays_ended=1" in event.changed_fields
    _assert_again_changes_nothing(cast, tmp_path, later)


def test_later_version_closing_cases_ends_their_shelter_and_foster_stays(cast: Cast, tmp_path: Path) -> None:
    first = _example()
    first["placements"].append({"placement_ref": "PL004", "case_ref": "K002", "kind": "shelter", "start": "2022-06-15"})
    _import(cast, tmp_path, first, "first.xlsx")
    later = copy.deepcopy(first)
    for case in later["cases"][1:]:  # K002 (in the shelter) and K003 (in foster care)
        case |= {"cas_Status": "closed", "closed_on": "2024-03-31", "closure_reason": "moved_away"}
    year_after = Period.year(2025)
    assert survivors_in_shelter(year_after, cast.kh).value == 1
    assert survivors_in_foster_care(year_after, cast.kh).value == 1

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    assert run.counts["placements"]["updated"] == 0  # the rows did not change; what they imply did
    event = AuditEvent.objects.get(object_type="imports.importrun", object_id=str(run.pk))
    assert "stays_ended=2" in event.changed_fields
    closing = datetime.date(2024, 3, 31)
    for ref in ("PL003", "PL004"):
        assert Placement.objects.get(pk=_imported("placements", ref)).end == closing
    assert Case.objects.get(pk=_imported("cases", "K002")).closed_on == closing
    assert survivors_in_shelter(year_after, cast.kh).value == 0
    assert survivors_in_foster_care(year_after, cast.kh).value == 0
    assert survivors_in_foster_care(Period.year(2024), cast.kh).value == 1
    _assert_again_changes_nothing(cast, tmp_path, later)


def test_later_version_closing_a_case_without_its_placements_sheet_ends_its_stays(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    later = {"clients": _example()["clients"], "cases": _example()["cases"]}
    later["cases"][2] |= {"cas_Status": "closed", "closed_on": "2024-03-31", "closure_reason": "transferred"}

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    assert Placement.objects.get(pk=_imported("placements", "PL003")).end == datetime.date(2024, 3, 31)
    _assert_again_changes_nothing(cast, tmp_path, later)


def _stay_recorded_in_the_app(cast: Cast) -> Placement:
    """Between two imports, a director records in the app that the foster child spent a summer with
    relatives (which ends the foster stay, as a move does)."""
    case = Case.objects.get(pk=_imported("cases", "K003"))
    return case_services.placement_add(
        actor=cast.director,
        case=case,
        kind="relatives",
        start=datetime.date(2023, 6, 1),
        end=datetime.date(2023, 9, 1),
    )


def test_later_version_whose_stay_overlaps_a_recorded_one_is_a_listed_problem(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    _stay_recorded_in_the_app(cast)
    later = _example()
    later["placements"].append({"placement_ref": "PL004", "case_ref": "K003", "kind": "family", "start": "2023-08-01"})
    stays = _stays()

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.INVALID
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in run.errors] == [
        ("placements", 5, "start", "placement_overlaps_recorded")
    ]
    assert "2023" in tasks.problems_shown(run)[0]["message"]
    assert _stays() == stays
    assert not ImportedRow.objects.filter(external_id="PL004").exists()


def _import_racing_a_colleague(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, after_the_stays_were_read: bool = False
) -> ImportRun:
    """A later version written while a colleague records an overlapping stay in the app: after the
    check; or even after the write read the client's stays (the race it cannot see coming)."""
    _import(cast, tmp_path, _example(), "first.xlsx")
    later = _example()
    later["placements"].append({"placement_ref": "PL004", "case_ref": "K003", "kind": "family", "start": "2023-08-01"})
    write = load.load

    def colleague_records_a_stay_first(**kwargs: Any) -> Any:
        _stay_recorded_in_the_app(cast)
        return write(**kwargs)

    monkeypatch.setattr(load, "load", colleague_records_a_stay_first)
    if after_the_stays_were_read:
        monkeypatch.setitem(records.PREPARE, "placements", lambda loader, sheet: None)
    return _import(cast, tmp_path, later, "later.xlsx")


def test_stay_recorded_between_the_check_and_the_write_is_a_listed_problem(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _import_racing_a_colleague(cast, tmp_path, monkeypatch)

    assert run.status == ImportRun.Status.INVALID
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in run.errors] == [
        ("placements", 5, "start", "placement_overlaps_recorded")
    ]
    # The colleague's stay stays (it was not the import's); the import wrote nothing.
    assert Placement.objects.filter(kind="relatives").count() == 1
    assert not ImportedRow.objects.filter(external_id="PL004").exists()


def test_write_the_database_refuses_is_a_listed_problem_on_its_row(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _import_racing_a_colleague(cast, tmp_path, monkeypatch, after_the_stays_were_read=True)

    assert run.status == ImportRun.Status.INVALID
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in run.errors] == [
        ("placements", 5, "start", "placement_overlaps_recorded")
    ]
    assert not ImportedRow.objects.filter(external_id="PL004").exists()


def test_write_refused_for_a_reason_not_found_again_is_still_a_listed_problem(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(records.REFUSED, "placements", lambda loader, sheet, rows: None)

    run = _import_racing_a_colleague(cast, tmp_path, monkeypatch, after_the_stays_were_read=True)

    assert run.status == ImportRun.Status.INVALID
    assert [(e["sheet"], e["code"]) for e in run.errors] == [("placements", "changed_meanwhile")]
    assert "Import the workbook again" in tasks.problems_shown(run)[0]["message"]
    assert not ImportedRow.objects.filter(external_id="PL004").exists()


def _open_stay_recorded_in_the_app(cast: Cast, start: datetime.date) -> Placement:
    case = Case.objects.get(pk=_imported("cases", "K002"))
    return case_services.placement_add(actor=cast.director, case=case, kind="relatives", start=start)


def test_later_version_adding_a_stay_ends_an_open_stay_recorded_in_the_app(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    with_relatives = _open_stay_recorded_in_the_app(cast, datetime.date(2023, 5, 1))
    later = _example()
    later["placements"].append({"placement_ref": "PL004", "case_ref": "K002", "kind": "shelter", "start": "2024-01-15"})

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    with_relatives.refresh_from_db()
    assert with_relatives.end == datetime.date(2024, 1, 15)
    _assert_again_changes_nothing(cast, tmp_path, later)


def test_later_version_closing_a_case_before_a_stay_recorded_in_the_app_is_a_listed_problem(
    cast: Cast, tmp_path: Path
) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    _open_stay_recorded_in_the_app(cast, datetime.date(2024, 5, 1))
    later = _example()
    later["cases"][1] |= {"cas_Status": "closed", "closed_on": "2024-03-31", "closure_reason": "moved_away"}
    stays = _stays()

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.INVALID
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in run.errors] == [
        ("cases", 3, "closed_on", "stay_after_closing")
    ]
    assert _stays() == stays
    assert Case.objects.get(pk=_imported("cases", "K002")).closed_on is None


@pytest.mark.parametrize("new_row_first", [False, True])
def test_later_version_moving_an_open_stays_start_and_adding_the_next_stay_imports(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_row_first: bool
) -> None:
    _import(cast, tmp_path, _example(), "first.xlsx")
    later = _example()
    later["placements"][2]["start"] = "2023-02-01"  # PL003, open: the foster stay began later
    added = {"placement_ref": "PL004", "case_ref": "K003", "kind": "family", "start": "2024-02-01"}
    if new_row_first:  # and written in a batch before the moved stay's
        later["placements"].insert(0, added)
        monkeypatch.setattr(load, "BATCH", 1)
    else:
        later["placements"].append(added)

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    foster = Placement.objects.get(pk=_imported("placements", "PL003"))
    assert (foster.start, foster.end) == (datetime.date(2023, 2, 1), datetime.date(2024, 2, 1))
    _assert_again_changes_nothing(cast, tmp_path, later)


def test_later_version_closing_a_case_and_opening_the_next_puts_the_client_in_the_new_caseload(
    cast: Cast, tmp_path: Path
) -> None:
    first = _example()
    first["cases"][1]["team"] = cast.other_team.name
    _import(cast, tmp_path, first, "first.xlsx")
    later = copy.deepcopy(first)
    later["cases"][1] |= {"cas_Status": "closed", "closed_on": "2024-03-31", "closure_reason": "moved_away"}
    later["cases"].append(
        {
            "case_ref": "K004",
            "client_ref": "C002",
            "opened_on": "2024-04-01",
            "primary_abuse_type": "domestic_violence",
            "team": cast.team.name,
        }
    )

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    assert Client.objects.get(pk=_imported("clients", "C002")).team == cast.team
