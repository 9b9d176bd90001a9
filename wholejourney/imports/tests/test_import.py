"""Importing an office workbook: the example imports whole, twice changes nothing, a later version
updates, every problem is reported and nothing is written, an import killed half way writes nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import translation

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care.models import CounselingSession, Visit
from wholejourney.cases.models import Case, Placement
from wholejourney.clients.models import Client, ClientLookup, Sex
from wholejourney.conftest import Cast
from wholejourney.core.tests.engines import postgresql_only
from wholejourney.core.tests.factories import make_user
from wholejourney.imports import load, tasks
from wholejourney.imports.load import MODELS
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.template import EXAMPLES, sheets_markdown, write_csv_folder, write_workbook
from wholejourney.outcomes.models import Assessment, ClockState
from wholejourney.programmes.models import CommunityGroup

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in MODELS.items()} | {
        "importedrow": ImportedRow.objects.count(),
        "lookups": ClientLookup.objects.count(),
    }


def _example() -> dict[str, list[dict[str, Any]]]:
    return copy.deepcopy(EXAMPLES)


def _import(cast: Cast, tmp_path: Path, rows: dict[str, list[dict[str, Any]]], name: str = "w.xlsx") -> ImportRun:
    path = tmp_path / name
    write_workbook(path, rows)
    return tasks.import_path(actor=cast.admin, office=cast.kh, path=path)


def test_import_example_creates_every_record_encrypted(cast: Cast, tmp_path: Path) -> None:
    run = _import(cast, tmp_path, _example())

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    assert {sheet: counts["created"] for sheet, counts in run.counts.items()} == {
        sheet: len(rows) for sheet, rows in EXAMPLES.items()
    }
    client = Client.objects.get(pk=ImportedRow.objects.get(sheet="clients", external_id="C001").object_id)
    assert (client.given_name_latin, client.family_name_km, client.birth_year) == ("Sreypov", "សុខ", 2004)
    assert client.code.startswith("KH-2022-")
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name_latin, phone_numbers FROM clients_client WHERE id = %s", [client.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("wj1:d:") for value in stored)
    assert "Sreypov" not in str(stored)
    case = Case.objects.get(client=client)
    assert (case.status, case.closure_reason, case.referral is not None) == ("closed", "goals_achieved", True)
    # The open family placement ends when the case closed; the shelter one when the client moved.
    assert list(Placement.objects.filter(client=client).order_by("start").values_list("kind", "end")) == [
        ("shelter", case.placements.get(kind="family").start),
        ("family", case.closed_on),
    ]
    assert list(Assessment.objects.filter(client=client).order_by("assessed_on").values_list("kind", flat=True)) == [
        "baseline",
        "reassessment",
    ]
    assert ClockState.objects.filter(client=client).exists()
    event = AuditEvent.objects.get(object_type="imports.importrun", object_id=str(run.pk))
    assert "clients:+3~0=0" in event.changed_fields


def test_import_same_workbook_twice_leaves_same_counts(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example())
    before = _counts()

    again = _import(cast, tmp_path, _example())

    assert _counts() == before
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())


def test_import_later_version_updates_changed_rows_and_adds_new(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example())
    before = _counts()
    later = _example()
    later["clients"][1]["prs_FirstName"] = "Thyda"
    later["clients"][2]["prs_MobilePhone"] = "011 222 333"
    later["visits"].append({"visit_ref": "V002", "case_ref": "K002", "mode": "phone", "visited_on": "2023-06-01"})

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.counts["clients"] == {"rows": 3, "created": 0, "updated": 2, "unchanged": 1}
    assert run.counts["visits"] == {"rows": 2, "created": 1, "updated": 0, "unchanged": 1}
    assert _counts() == before | {
        "visits": before["visits"] + 1,
        "importedrow": before["importedrow"] + 1,
        "lookups": before["lookups"] + 1,  # C003 is now found by a phone number too
    }
    client = Client.objects.get(pk=ImportedRow.objects.get(sheet="clients", external_id="C002").object_id)
    assert client.given_name_latin == "Thyda"
    assert ClientLookup.objects.filter(client=client).exists()


def test_later_version_updates_a_groups_leaders_and_a_sessions_attendees(cast: Cast, tmp_path: Path) -> None:
    _import(cast, tmp_path, _example())
    later = _example()
    later["community_groups"][0]["leaders"] = "PA001; PA002"
    later["counseling_attendance"][2]["note"] = "Joined late."
    later["counseling_attendance"].append({"attendance_ref": "CA004", "session_ref": "CS002", "case_ref": "K001"})

    run = _import(cast, tmp_path, later, "later.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    assert run.counts["community_groups"] == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0}
    assert run.counts["counseling_attendance"] == {"rows": 4, "created": 1, "updated": 1, "unchanged": 2}
    group = CommunityGroup.objects.get()
    assert sorted(group.leaders.values_list("external_ref", flat=True)) == ["PA001", "PA002"]
    session = CounselingSession.objects.get(format="group")
    assert session.attendances.count() == 3
    assert sorted(a.note for a in session.attendances.select_related("client__data_key")) == ["", "", "Joined late."]


def _scatter_errors(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[str, int, str]]:
    """50 bad cells across the sheets, each on its own row; the places they must be reported at."""
    expected = []
    for n in range(50):
        ref = f"X{n:03d}"
        kind = n % 5
        if kind == 0:
            rows["visits"].append({"visit_ref": ref, "case_ref": "K002", "mode": "flying", "visited_on": "2023-01-01"})
            expected.append(("visits", len(rows["visits"]) + 1, "mode"))
        elif kind == 1:
            rows["visits"].append({"visit_ref": ref, "case_ref": "NOPE", "mode": "home", "visited_on": "2023-01-01"})
            expected.append(("visits", len(rows["visits"]) + 1, "case_ref"))
        elif kind == 2:
            rows["clients"].append({"client_ref": ref, "prs_FirstName": "A", "prs_Birthdate": "31/02/2001"})
            expected.append(("clients", len(rows["clients"]) + 1, "prs_Birthdate"))
        elif kind == 3:
            rows["economic_services"].append(
                {
                    "service_ref": ref,
                    "case_ref": "K001",
                    "kind": "career_advice",
                    "provided_on": "2023-01-01",
                    "amount": "=A1*2",
                }
            )
            expected.append(("economic_services", len(rows["economic_services"]) + 1, "amount"))
        else:
            rows["partners"].append({"partner_ref": "P001", "org_Name": f"Duplicate {n}", "org_Type": "ngo"})
            expected.append(("partners", len(rows["partners"]) + 1, "partner_ref"))
    return expected


def test_import_with_50_scattered_errors_reports_all_and_writes_nothing(cast: Cast, tmp_path: Path) -> None:
    rows = _example()
    expected = _scatter_errors(rows)
    before = _counts()

    run = _import(cast, tmp_path, rows)

    assert run.status == ImportRun.Status.INVALID
    assert sorted((e["sheet"], e["row"], e["column"]) for e in run.errors) == sorted(expected)
    assert run.counts["problems"] == 50
    assert _counts() == before


def test_programme_and_counseling_rules_are_checked_like_the_services(cast: Cast, tmp_path: Path) -> None:
    rows = _example()
    rows["counseling_sessions"].append({"session_ref": "CS003", "held_on": "2023-05-01", "counselor": "nobody"})
    rows["counseling_attendance"].append({"attendance_ref": "CA004", "session_ref": "CS001", "case_ref": "K003"})
    rows["counseling_attendance"].append({"attendance_ref": "CA005", "session_ref": "CS002", "case_ref": "K002"})
    rows["treatment_plans"][1] |= {"spl_ActualEndDate": "2023-06-01", "goals_met": "yes"}
    rows["group_statuses"][0]["end"] = ""
    rows["group_plan_actions"][0]["year"] = "2022"
    rows["husband_wife_groups"][1]["label"] = "HW-001"
    rows["hw_group_attendance"].append({"hw_attendance_ref": "HA003", "activity_ref": "AC001", "hw_group_ref": "HW001"})
    rows["campaigns"][0] |= {"adults_female": "0", "adults_male": "", "children_female": "", "children_male": "0"}
    before = _counts()

    run = _import(cast, tmp_path, rows)

    assert run.status == ImportRun.Status.INVALID
    assert sorted((e["sheet"], e["row"], e["column"], e["code"]) for e in run.errors) == [
        ("campaigns", 2, "adults_female", "campaign_reach"),
        ("counseling_attendance", 5, "session_ref", "individual_session"),
        ("counseling_attendance", 6, "case_ref", "attendee_twice"),
        ("counseling_sessions", 4, "counselor", "unknown_user"),
        ("counseling_sessions", 4, "session_ref", "session_without_attendees"),
        ("group_plan_actions", 2, "planned_on", "plan_year"),
        ("group_statuses", 3, "start", "group_status_overlap"),
        ("husband_wife_groups", 3, "label", "duplicate_label"),
        ("hw_group_attendance", 4, "activity_ref", "not_reflection_meeting"),
        ("treatment_plans", 3, "goals_met", "goals_only_completed"),
        ("treatment_plans", 3, "status", "plan_active_ended"),
    ]
    assert _counts() == before


def test_import_format_docs_list_every_sheet_and_column() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "import-format.md"

    assert sheets_markdown() in docs.read_text(encoding="utf-8")


def test_problems_are_shown_in_the_readers_language(cast: Cast, tmp_path: Path) -> None:
    rows = _example()
    rows["visits"][0]["visited_on"] = "yesterday"
    run = _import(cast, tmp_path, rows)

    with translation.override("en"):
        english = tasks.problems_shown(run)[0]["message"]
    with translation.override("km"):
        khmer = tasks.problems_shown(run)[0]["message"]

    assert english.startswith("Not a date")
    assert khmer != english


def test_khmer_and_english_labels_are_accepted_for_codes(cast: Cast, tmp_path: Path) -> None:
    rows = _example()
    rows["visits"][0]["mode"] = "Home visit"
    with translation.override("km"):
        rows["clients"][0]["sex"] = str(Sex.FEMALE.label)

    run = _import(cast, tmp_path, rows)

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    assert Visit.objects.get().mode == "home"


def _bigger(clients: int) -> dict[str, list[dict[str, Any]]]:
    rows = _example()
    for n in range(clients):
        rows["clients"].append({"client_ref": f"G{n}", "prs_FirstName": f"Name{n}", "registered_on": "2022-01-01"})
        rows["cases"].append(
            {
                "case_ref": f"GK{n}",
                "client_ref": f"G{n}",
                "opened_on": "2022-01-02",
                "primary_abuse_type": "sexual_abuse",
            }
        )
        rows["visits"].append(
            {"visit_ref": f"GV{n}", "case_ref": f"GK{n}", "mode": "phone", "visited_on": "2022-03-01"}
        )
    return rows


class Killed(Exception):
    pass


@pytest.mark.parametrize("at", [0.1, 0.5, 0.9])
def test_import_killed_part_way_then_rerun_ends_with_exact_counts(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at: float
) -> None:
    rows = _bigger(40)
    monkeypatch.setattr(load, "BATCH", 7)
    before = _counts()

    def stop(done: int, total: int) -> None:
        if done >= total * at:
            raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(load, "checkpoint", stop)
        with pytest.raises(Killed):
            _import(cast, tmp_path, rows)
    assert _counts() == before
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED

    run = _import(cast, tmp_path, rows)

    assert run.status == ImportRun.Status.SUCCEEDED
    after = _counts()
    assert after["clients"] == before["clients"] + len(rows["clients"])
    assert after["visits"] == before["visits"] + len(rows["visits"])
    assert after["importedrow"] == sum(len(sheet_rows) for sheet_rows in rows.values())
    assert Client.objects.values("code").distinct().count() == Client.objects.count()


def test_csv_folder_imports_like_the_workbook(cast: Cast, tmp_path: Path) -> None:
    write_csv_folder(tmp_path / "csv", _example())

    run = tasks.import_path(actor=cast.admin, office=cast.kh, path=tmp_path / "csv")

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    assert run.counts["clients"]["created"] == 3


@postgresql_only("ids come from a second connection on PostgreSQL only")
def test_import_without_a_second_connection_takes_its_ids_on_its_own(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("sorry, too many clients already")

    monkeypatch.setattr(type(connections["default"]), "get_new_connection", refused)

    run = _import(cast, tmp_path, _example())

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    assert run.counts["clients"]["created"] == Client.objects.count() == 3


def test_import_needs_the_permission_for_the_office(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, _example())
    vn_admin = make_user(Role.ADMINISTRATOR, office=cast.vn, username="vn.admin")

    for user in (cast.director, cast.case_manager, vn_admin):
        with pytest.raises(PermissionDenied):
            tasks.import_path(actor=user, office=cast.kh, path=path)

    assert Client.objects.count() == 0
    assert not ImportRun.objects.exists()


def test_command_imports_and_reports_problems(cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    write_workbook(good, _example())
    rows = _example()
    rows["cases"][1]["primary_abuse_type"] = "robbery"
    write_workbook(bad, rows)

    with pytest.raises(CommandError, match="1 problems"):
        call_command("import", str(bad), office="KH", user="admin")
    assert "cases, row 3, primary_abuse_type: Not one of the accepted values" in capsys.readouterr().out
    call_command("import", str(good), office="KH", user="admin")

    out = capsys.readouterr()
    assert "clients" in out.out and "Imported into KH" in out.out
    assert "Recording" in out.err


def test_export_template_writes_a_workbook_that_imports(cast: Cast, tmp_path: Path) -> None:
    target = tmp_path / "template.xlsx"

    call_command("export_template", "-o", str(target))
    run = tasks.import_path(actor=cast.admin, office=cast.kh, path=target)

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)


def test_an_imported_client_like_one_already_recorded_is_counted_for_the_director(cast: Cast, tmp_path: Path) -> None:
    from wholejourney.clients import services as client_services

    before = _import(cast, tmp_path, {"clients": _example()["clients"]}, name="first.xlsx")
    client_services.client_create(
        actor=cast.director, office=cast.kh, family_name_latin="Sok", given_name_latin="Sreypeou",
        sex="female", birth_year=2004,
    )  # fmt: skip
    rows = _example()["clients"][:1]
    rows[0]["client_ref"] = "C900"

    again = _import(cast, tmp_path, {"clients": rows}, name="second.xlsx")

    assert before.counts["clients"].get("possible_duplicates", 0) == 0
    # Sok Sreypov (C001 of the first workbook, and Sok Sreypeou sounding the same) are two clients
    # already recorded; the new row is one client added that looks like them.
    assert again.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(again)
    assert again.counts["clients"]["possible_duplicates"] == 1
