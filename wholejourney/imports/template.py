"""The example workbook (`wholejourney export-template`) and the writers tests and the benchmark
use to make workbooks: every sheet with its column names, a few example rows that import as they
are, and a help sheet in English and Khmer."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from wholejourney.imports import format as fmt
from wholejourney.outcomes.instruments import ITEMS

Rows = Mapping[str, Iterable[Mapping[str, Any]]]

ANSWERS_STABLE = {f"q_{code}": 3 for _domain, code, _en, _km in ITEMS}
ANSWERS_LOW = {f"q_{code}": 2 for _domain, code, _en, _km in ITEMS}

# A small office that imports as it is: two partners, three clients, their cases and some care.
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "partners": [
        {"partner_ref": "P001", "org_Name": "Provincial Department of Social Affairs", "org_Type": "provincial_authority", "org_ShippingState": "Battambang"},
        {"partner_ref": "P002", "org_Name": "Sunrise Garment Factory", "org_Type": "Private employer or business", "org_ShippingState": "Phnom Penh", "is_active": "yes"},
        {"partner_ref": "P003", "org_Name": "Safe Haven Shelter", "org_Type": "ngo", "org_ShippingState": "Siem Reap"},
    ],
    "partnerships": [
        {"partnership_ref": "PP001", "partner_ref": "P001", "active_from": "2020-01-01"},
        {"partnership_ref": "PP002", "partner_ref": "P002", "active_from": "2021-06-01", "active_to": "2023-05-31"},
    ],
    "agreements": [
        {"agreement_ref": "AG001", "partner_ref": "P002", "kind": "employment_partner", "signed_on": "2021-05-20", "start": "2021-06-01", "end": "2023-05-31", "signatory": "Ms Dara Kim"},
    ],
    "clients": [
        {"client_ref": "C001", "prs_FirstName": "Sreypov", "prs_SecondName": "Sok", "given_name_km": "ស្រីពៅ", "family_name_km": "សុខ", "prs_Birthdate": "2004-03-15", "sex": "female", "prs_Gender": "Feminine", "prs_Citizenship": "KH", "prs_PrimaryLanguage": "km", "prs_MobilePhone": "012 345 678", "address_village": "Prey Chhor", "prs_MailingState": "Kampong Cham", "registered_on": "2022-02-01"},
        {"client_ref": "C002", "prs_FirstName": "Thida", "prs_SecondName": "Chan", "aliases": "Da; Ning", "birth_year": "1999", "birth_year_estimated": "yes", "sex": "ស្រី", "prs_Citizenship": "KH", "registered_on": "15/06/2022"},
        {"client_ref": "C003", "given_name_km": "វិសាល", "family_name_km": "កែវ", "prs_Birthdate": "2010-09-01", "sex": "male", "prs_IdentityNumber": "010203040", "registered_on": "2023-01-10"},
    ],
    "referrals": [
        {"referral_ref": "R001", "source": "organisation", "cas_ReferringOrganisation": "P001", "cas_IncomingReferralDate": "2022-01-25", "urgency": "high", "cas_IncomingReferralDetails": "Returned from abroad, needs shelter.", "person_name": "Sreypov", "status": "accepted", "client_ref": "C001"},
        {"referral_ref": "R002", "direction": "outgoing", "cas_ReferringOrganisation": "P003", "cas_IncomingReferralDate": "2023-03-01", "status": "completed", "client_ref": "C002"},
    ],
    "cases": [
        {"case_ref": "K001", "client_ref": "C001", "opened_on": "2022-02-01", "referral_ref": "R001", "primary_abuse_type": "human_trafficking", "trafficking_subtype": "labour", "vic_TypeOfExploitation": "ForcedLabour", "countries": "TH", "summary": "Recruited for factory work abroad.", "cas_Status": "closed", "closed_on": "2023-11-30", "closure_reason": "goals_achieved"},
        {"case_ref": "K002", "client_ref": "C002", "opened_on": "2022-06-15", "primary_abuse_type": "domestic_violence", "cas_Status": "open"},
        {"case_ref": "K003", "client_ref": "C003", "opened_on": "2023-01-10", "primary_abuse_type": "sexual_abuse"},
    ],
    "foster_families": [
        {"foster_family_ref": "F001", "name": "Family Heng", "phone": "097 111 222", "approved_on": "2019-04-01"},
    ],
    "placements": [
        {"placement_ref": "PL001", "case_ref": "K001", "kind": "shelter", "start": "2022-02-01"},
        {"placement_ref": "PL002", "case_ref": "K001", "kind": "family", "start": "2022-10-01"},
        {"placement_ref": "PL003", "case_ref": "K003", "kind": "foster_care", "start": "2023-01-10", "foster_family_ref": "F001"},
    ],
    "legal_services": [
        {"service_ref": "LS001", "case_ref": "K001", "kind": "id_card", "provided_on": "2022-05-03"},
    ],
    "legal_cases": [
        {"legal_case_ref": "LC001", "case_ref": "K001", "kind": "criminal", "court": "Battambang Provincial Court", "accused_role": "broker", "opened_on": "2022-03-01", "ended_on": "2023-02-01", "end": "verdict_executed"},
    ],
    "legal_milestones": [
        {"milestone_ref": "LM001", "legal_case_ref": "LC001", "kind": "complaint", "happened_on": "2022-03-01"},
        {"milestone_ref": "LM002", "legal_case_ref": "LC001", "kind": "verdict", "happened_on": "2023-01-15", "outcome": "convicted"},
    ],
    "education": [
        {"support_ref": "ED001", "case_ref": "K003", "level": "lower_secondary", "kind": "fees", "provided_on": "2023-02-01", "school_year": "2022-2023"},
    ],
    "economic_services": [
        {"service_ref": "EC001", "case_ref": "K001", "kind": "career_advice", "provided_on": "2022-04-01"},
        {"service_ref": "EC002", "case_ref": "K001", "kind": "business_grant", "provided_on": "2023-03-01", "amount": "400000", "amount_usd": "100"},
    ],
    "trainings": [
        {"training_ref": "TR001", "case_ref": "K001", "kind": "on_the_job", "partner_ref": "P002", "trade": "Sewing", "start": "2022-06-01", "end": "2022-11-30", "completed_on": "2022-11-30"},
    ],
    "stipends": [
        {"stipend_ref": "ST001", "training_ref": "TR001", "paid_on": "2022-07-01", "amount": "200000", "amount_usd": "50"},
    ],
    "employment": [
        {"employment_ref": "EM001", "case_ref": "K001", "partner_ref": "P002", "work": "Machine operator", "start": "2022-12-01", "training_ref": "TR001"},
    ],
    "visits": [
        {"visit_ref": "V001", "case_ref": "K002", "mode": "home", "visited_on": "2023-04-02", "next_visit_on": "2023-05-02", "note": "Calm at home."},
    ],
    "counseling_sessions": [
        {"session_ref": "CS001", "held_on": "2023-03-01", "format": "individual", "modality": "tf_cbt", "duration_minutes": "60"},
        {"session_ref": "CS002", "held_on": "2023-04-10", "format": "group", "duration_minutes": "90", "group_note": "Worked on relaxation together."},
    ],
    "counseling_attendance": [
        {"attendance_ref": "CA001", "session_ref": "CS001", "case_ref": "K002", "note": "Talked about sleep."},
        {"attendance_ref": "CA002", "session_ref": "CS002", "case_ref": "K002"},
        {"attendance_ref": "CA003", "session_ref": "CS002", "case_ref": "K003"},
    ],
    "treatment_plans": [
        {"plan_ref": "TP001", "case_ref": "K002", "started_on": "2022-07-01", "components": "psychoeducation; relaxation; narrative", "components_done": "psychoeducation; relaxation; narrative", "status": "completed", "spl_ActualEndDate": "2023-09-30", "goals_met": "yes"},
        {"plan_ref": "TP002", "case_ref": "K003", "started_on": "2023-02-01", "components": "psychoeducation; relaxation"},
    ],
    "assessments": [
        {"assessment_ref": "AS001", "case_ref": "K001", "assessed_on": "2022-02-10", **ANSWERS_LOW},
        {"assessment_ref": "AS002", "case_ref": "K001", "assessed_on": "2023-01-10", **ANSWERS_STABLE},
        {"assessment_ref": "AS003", "case_ref": "K002", "assessed_on": "2022-07-01", **ANSWERS_STABLE},
    ],
    "crises": [
        {"crisis_ref": "CR001", "case_ref": "K002", "occurred_on": "2023-02-14", "domains": "protection; wellbeing", "severity": "severe", "what_happened": "Threatened by a relative.", "response": "Safety plan."},
    ],
    "surveys": [
        {"survey_ref": "SV001", "case_ref": "K001", "surveyed_on": "2023-10-01", "income_increased": "yes", "income_covers_needs": "no"},
    ],
    "participants": [
        {"participant_ref": "PA001", "name": "Chenda", "sex": "female", "age_band": "25-59", "province": "Takeo", "group": "teachers"},
        {"participant_ref": "PA002", "sex": "male", "age_band": "18-24", "group": "youth_and_children_council"},
    ],
    "activities": [
        {"activity_ref": "AC001", "kind": "prevention_training", "topic": "safe_migration", "held_on": "2023-05-10", "place": "Takeo"},
        {"activity_ref": "AC002", "kind": "reflection_meeting", "held_on": "2023-06-12", "place": "Prey Chhor"},
    ],
    "attendance": [
        {"attendance_ref": "AT001", "activity_ref": "AC001", "participant_ref": "PA001", "pre_test": "40", "post_test": "80"},
        {"attendance_ref": "AT002", "activity_ref": "AC001", "participant_ref": "PA002"},
    ],
    "community_groups": [
        {"group_ref": "CG001", "name": "Prey Chhor community group", "province": "Kampong Cham", "village": "Prey Chhor", "leaders": "PA001"},
    ],
    "group_statuses": [
        {"status_ref": "GS001", "group_ref": "CG001", "status": "active", "start": "2021-03-01", "end": "2023-06-30"},
        {"status_ref": "GS002", "group_ref": "CG001", "status": "inactive", "start": "2023-07-01"},
    ],
    "group_plan_actions": [
        {"action_ref": "GA001", "group_ref": "CG001", "year": "2023", "topic": "safe_migration", "planned_on": "2023-03-15", "completed_on": "2023-03-20"},
        {"action_ref": "GA002", "group_ref": "CG001", "topic": "child_protection", "planned_on": "2023-05-01"},
    ],
    "husband_wife_groups": [
        {"hw_group_ref": "HW001", "label": "HW-001", "village": "Prey Chhor"},
        {"hw_group_ref": "HW002", "label": "HW-002", "village": "Prey Chhor"},
    ],
    "hw_group_attendance": [
        {"hw_attendance_ref": "HA001", "activity_ref": "AC002", "hw_group_ref": "HW001"},
        {"hw_attendance_ref": "HA002", "activity_ref": "AC002", "hw_group_ref": "HW002"},
    ],
    "campaigns": [
        {"campaign_ref": "CP001", "kind": "awareness", "topics": "human_trafficking; safe_migration", "held_on": "2023-08-01", "place": "Takeo", "adults_female": "40", "adults_male": "25", "children_female": "10", "children_male": "12"},
    ],
    "external_meetings": [
        {"meeting_ref": "EM001", "kind": "provincial_network", "held_on": "2023-02-20", "notes": "Quarterly network meeting."},
    ],
    "donations": [
        {"donation_ref": "DN001", "item": "books", "description": "Story books", "copies": "50", "partner_ref": "P003", "donated_on": "2023-09-01"},
    ],
    "public_events": [
        {"event_ref": "PE001", "kind": "mental_health_day", "name": "World Mental Health Day 2023", "held_on": "2023-10-10", "reported_attendance": "300"},
    ],
}  # fmt: skip


def _in(language: str, text: Any) -> str:
    with translation.override(language):
        return str(text)


def write_workbook(target: Path | IO[bytes] | Any, rows: Rows, *, with_help: bool = False) -> None:
    """Write sheets of rows (dicts by column name) as an XLSX workbook, streaming (write-only mode)."""
    workbook = Workbook(write_only=True)
    try:
        _write_sheets(workbook, rows, with_help=with_help)
    except BaseException:
        _discard(workbook)
        raise
    workbook.save(target)


def _write_sheets(workbook: Workbook, rows: Rows, *, with_help: bool) -> None:
    if with_help:
        _help_sheet(workbook)
    bold = Font(bold=True)
    for name, sheet_rows in rows.items():
        sheet = fmt.SHEET_BY_NAME.get(name)
        worksheet = workbook.create_sheet(name)
        columns = [column.name for column in sheet.columns] if sheet else _columns_of(sheet_rows)
        if sheet and isinstance(sheet_rows, list):  # a generator is written as it comes, in the format's columns
            extra = [key for row in sheet_rows for key in row if key not in columns]
            columns += list(dict.fromkeys(extra))
        header = []
        for column in columns:
            cell = WriteOnlyCell(worksheet, value=column)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in sheet_rows:
            worksheet.append([row.get(column) for column in columns])


def _discard(workbook: Workbook) -> None:
    """A workbook that failed half way: end each sheet's stream and remove its temporary file now.
    (Left to the garbage collector, the streams end on files already closed, and say so as errors
    nobody can catch.)"""
    for worksheet in workbook.worksheets:
        writer = getattr(worksheet, "_writer", None)
        if writer is None:
            continue
        for stream in (getattr(worksheet, "_rows", None), writer):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
        with contextlib.suppress(Exception):
            writer.cleanup()


def _columns_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def write_csv_folder(folder: Path, rows: Rows) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sheet_rows in rows.items():
        sheet = fmt.SHEET_BY_NAME.get(name)
        columns = [column.name for column in sheet.columns] if sheet else _columns_of(sheet_rows)
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in sheet_rows:
                writer.writerow(["" if row.get(column) is None else row.get(column) for column in columns])


def _help_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("help")
    bold, title = Font(bold=True), Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(*values: Any, font: Font | None = None) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = wrap
            if font is not None:
                cell.font = font
            cells.append(cell)
        sheet.append(cells)

    intro = (
        "Whole Journey import workbook. One sheet per kind of record; keep the sheet and column names. "
        "Rows refer to each other by your own ids (client_ref, case_ref, …). Every sheet is optional; "
        "the whole workbook is checked before anything is recorded. Importing the same workbook again "
        "changes nothing; a later version updates the rows that changed and adds the new ones."
    )
    intro_km = (
        "សៀវភៅបញ្ជីនាំចូលរបស់ Whole Journey។ សន្លឹកមួយសម្រាប់កំណត់ត្រាប្រភេទនីមួយៗ; សូមរក្សាឈ្មោះសន្លឹក "
        "និងឈ្មោះជួរឈរ។ ជួរដេកយោងគ្នាដោយលេខសម្គាល់ផ្ទាល់ខ្លួនរបស់អ្នក (client_ref, case_ref, …)។ "
        "សៀវភៅទាំងមូលត្រូវបានពិនិត្យមុនពេលកត់ត្រាអ្វីទាំងអស់។ ការនាំចូលសៀវភៅដដែលម្តងទៀត មិនផ្លាស់ប្តូរអ្វីទេ។"
    )
    line("Whole Journey — import format / ទម្រង់នាំចូល", font=title)
    line(intro)
    line(intro_km)
    line()
    line("sheet", "column", "required", "what to write", "ត្រូវសរសេរអ្វី", "accepted values", font=bold)
    for data_sheet in fmt.SHEETS:
        line(data_sheet.name, "", "", _in("en", data_sheet.help), _in("km", data_sheet.help), font=bold)
        for column in data_sheet.columns:
            accepted = "; ".join(
                " / ".join(dict.fromkeys([code, _in("en", label), _in("km", label)]))
                for code, label in column.choices
                if code
            )
            line(
                "",
                column.name,
                "yes / បាទ" if column.required else "",
                _in("en", column.help),
                _in("km", column.help),
                accepted or None,
            )


def template_workbook(target: Path | IO[bytes] | Any) -> None:
    """The example workbook: the help sheet, then every sheet with its columns and example rows."""
    write_workbook(target, {sheet.name: EXAMPLES.get(sheet.name, []) for sheet in fmt.SHEETS}, with_help=True)


_KIND_NAMES = {
    fmt.REF: "id",
    fmt.DATE: "date",
    fmt.INT: "whole number",
    fmt.DECIMAL: "number",
    fmt.BOOL: "yes/no",
    fmt.CHOICE: "code",
    fmt.MULTI: "codes, `;`-separated",
}


def _column_type(column: fmt.Column) -> str:
    if column.kind == fmt.LINK:
        text = f"id of a row of `{column.links_to}`"
    elif column.kind == fmt.TEXT:
        text = f"text (≤ {column.max_length})"
    elif column.kind == fmt.LIST:
        text = f"list, `;`-separated (≤ {column.max_length})"
    else:
        text = _KIND_NAMES[column.kind]
    return f"{text}, **encrypted**" if column.identifying else text


def sheets_markdown() -> str:
    """The sheets and their columns as docs/import-format.md lists them (a test keeps the two equal)."""
    parts = []
    with translation.override("en"):
        for sheet in fmt.SHEETS:
            lines = [
                f"### `{sheet.name}` — {sheet.title}",
                "",
                f"{sheet.help} Key: `{sheet.key}`.",
                "",
                "| column | type | required | what to write | accepted values |",
                "|---|---|:-:|---|---|",
            ]
            for column in sheet.columns:
                accepted = ", ".join(f"`{code}`" for code, _label in column.choices if code)
                required = "yes" if column.required else ""
                lines.append(f"| `{column.name}` | {_column_type(column)} | {required} | {column.help} | {accepted} |")
            parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
