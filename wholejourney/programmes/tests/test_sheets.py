"""Attendance from paper: the template, the reader, and the upload acceptance of the issue (a good
sheet; bad rows all reported and nothing recorded; the same sheet twice; not a workbook; too large;
too many rows; an import killed half way and run again)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import translation
from openpyxl import Workbook, load_workbook

from wholejourney.accounts.models import User
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.core.models import Job
from wholejourney.programmes import sheets
from wholejourney.programmes.models import Activity, Attendance, Participant
from wholejourney.programmes.tests.factories import ActivityFactory, prevention_officer

HEADER = [column.key for column in sheets.COLUMNS]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a folder of the test's own, never to the developer's var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def officer(cast: Cast) -> User:
    return prevention_officer(cast.kh)


@pytest.fixture
def activity(cast: Cast) -> Activity:
    return ActivityFactory(office=cast.kh)


def workbook_bytes(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = None) -> bytes:
    """A filled-in template: the app's own template with rows appended to its Attendance sheet."""
    workbook = load_workbook(io.BytesIO(sheets.attendance_template()))
    sheet = workbook["Attendance"]
    if header is not None:
        for index, value in enumerate(header, start=1):
            sheet.cell(row=1, column=index, value=value)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(ref: str, name: str = "Sok Dara", group: str = "teachers", **extra: Any) -> list[Any]:
    values = {"ref": ref, "name": name, "phone": "012 345 678", "sex": "female", "age_band": "25-59",
              "group": group, "village": "Prey Chhor", "province": "Battambang"} | extra  # fmt: skip
    return [values.get(key, "") for key in HEADER]


def read(data: bytes) -> list[sheets.SheetRow]:
    return sheets.read_attendance(io.BytesIO(data))


def upload(client: HttpClient, activity: Activity, data: bytes, capture: Any, name: str = "sheet.xlsx") -> Any:
    """Post the sheet, let the job run (its task is queued when the upload commits), open the job page."""
    with capture(execute=True):
        posted = client.post(f"/programmes/activities/{activity.pk}/upload/", {"sheet": _file(data, name)})
    assert posted.status_code == 302, page_text(posted)
    page = client.get(posted["Location"])
    page.redirect_chain = [(posted["Location"], 302)]
    return page


def _file(data: bytes, name: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the template ----------------------------------------------------------------------------


def test_template_headers_are_in_english_and_khmer_with_help_and_lists() -> None:
    workbook = load_workbook(io.BytesIO(sheets.attendance_template()))

    sheet = workbook["Attendance"]
    headers = [cell.value for cell in sheet[1]]
    help_text = " ".join(str(cell.value) for row in workbook["Help"].iter_rows() for cell in row if cell.value)
    validated = {str(validation.sqref).split(":")[0] for validation in sheet.data_validations.dataValidation}

    assert headers[1] == "Name / ឈ្មោះ"
    assert headers[5] == "Participant group / ក្រុមអ្នកចូលរួម"
    assert len(headers) == 12
    assert "Write one person per row" in help_text
    assert "សរសេរ" in help_text  # the Khmer help is there too
    assert "teachers / Teacher / គ្រូបង្រៀន" in help_text
    assert validated == {"D2", "E2", "F2"}  # sex, age group, participant group
    assert workbook["Lists"].sheet_state == "hidden"


def test_template_drop_downs_follow_the_language_of_who_downloads_it() -> None:
    with translation.override("km"):
        workbook = load_workbook(io.BytesIO(sheets.attendance_template()))

    labels = [cell.value for cell in workbook["Lists"]["C"][1:]]

    assert "គ្រូបង្រៀន" in labels
    assert "Teacher" not in labels


def test_template_read_back_empty_has_no_rows() -> None:
    assert read(sheets.attendance_template()) == []


# --- the reader ------------------------------------------------------------------------------


def test_reader_accepts_codes_and_english_and_khmer_labels() -> None:
    data = workbook_bytes(
        [
            person("A1", sex="female", age_band="18-24", group="teachers"),
            person("A2", sex="Male", age_band="25 to 59", group="Church leader"),
            person("A3", sex="ស្រី", age_band="៦០ ឆ្នាំឡើង", group="គ្រូបង្រៀន"),
            person("A4", sex="Female / ស្រី", age_band=34, group="NGO staff / បុគ្គលិកអង្គការ"),
        ]
    )

    rows = read(data)

    assert [(row.values["sex"], row.values["age_band"], row.values["group"]) for row in rows] == [
        ("female", "18-24", "teachers"),
        ("male", "25-59", "church_leaders"),
        ("female", "60+", "teachers"),
        ("female", "25-59", "ngo_staff"),
    ]


def test_reader_keeps_values_as_written() -> None:
    data = workbook_bytes([person("007", name="  ស៊ុន​ ស្រីពៅ ", phone="012345678", pre_test=42.5, post_test=80)])

    (row,) = read(data)

    assert row.number == 2
    assert row.values["ref"] == "007"
    assert row.values["phone"] == "012345678"  # the leading 0 stays
    # Trimmed at the ends; the zero-width space typed between Khmer words is gone (core.text).
    assert row.values["name"] == "ស៊ុន ស្រីពៅ"
    assert (row.values["pre_test"], row.values["post_test"]) == ("42.5", "80")


def test_reader_finds_columns_in_any_order_below_a_title_and_skips_empty_rows() -> None:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["Training in Prey Chhor, 3 March"])
    sheet.append([])
    sheet.append(["ក្រុមអ្នកចូលរួម", "Name", "sex", "Unknown column"])
    sheet.append(["Teacher", "Sok", "F", "ignored"])
    sheet.append([None, None, None])
    sheet.append(["youth_and_children_council", "Dara", "m", None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows = read(buffer.getvalue())

    assert [(row.number, row.values) for row in rows] == [
        (4, {"group": "teachers", "name": "Sok", "sex": "female"}),
        (6, {"group": "youth_and_children_council", "name": "Dara", "sex": "male"}),
    ]


def test_reader_passes_unknown_choices_on_for_the_service_to_report() -> None:
    (row,) = read(workbook_bytes([person("B1", sex="woman", age_band="old", group="boss")]))

    assert (row.values["sex"], row.values["age_band"], row.values["group"]) == ("woman", "old", "boss")


def test_reader_refuses_a_sheet_without_the_group_column() -> None:
    workbook = Workbook()
    workbook.worksheets[0].append(["Name", "Sex"])
    workbook.worksheets[0].append(["Sok", "female"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(sheets.SheetError, match="no column Participant group"):
        read(buffer.getvalue())


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n...",
        b"name,sex,group\nSok,female,teachers\n",  # a CSV
        b"PK\x03\x04 not really a zip",
        "docx",
        "xlsx cut in half",
    ],
)
def test_reader_refuses_what_is_not_an_xlsx_workbook(data: Any) -> None:
    if data == "docx":
        data = _docx()
    elif data == "xlsx cut in half":
        whole = workbook_bytes([person("A1")])
        data = whole[: len(whole) // 2]

    with pytest.raises(sheets.SheetError, match=r"not an Excel workbook \(\.xlsx\)"):
        read(data)


def test_reader_refuses_a_file_over_5_mb() -> None:
    with pytest.raises(sheets.SheetError, match="larger than 5 MB"):
        sheets.check_upload(b"PK\x03\x04", 5 * 1024 * 1024 + 1)


def test_reader_refuses_more_than_5000_rows() -> None:
    rows = [["teachers", f"P{n}"] for n in range(sheets.MAX_ROWS + 1)]

    with pytest.raises(sheets.SheetError, match="more than 5000 rows"):
        read(workbook_bytes(rows, header=["group", "ref"]))


def test_reader_accepts_exactly_5000_rows() -> None:
    rows = [["teachers", f"P{n}"] for n in range(sheets.MAX_ROWS)]

    assert len(read(workbook_bytes(rows, header=["group", "ref"]))) == sheets.MAX_ROWS


def test_row_reference_is_stable_and_differs_by_row_and_activity() -> None:
    values = {"name": "Sok", "group": "teachers"}

    first = sheets.row_reference(1, 2, values)

    assert first == sheets.row_reference(1, 2, dict(values))
    assert first != sheets.row_reference(1, 3, values)
    assert first != sheets.row_reference(2, 2, values)
    assert "Sok" not in first and len(first) <= 64


# --- the upload (acceptance) -----------------------------------------------------------------


@pytest.fixture
def signed_in(client: HttpClient, officer: User) -> HttpClient:
    client.force_login(officer)
    return client


def test_upload_good_sheet_records_everyone_and_keeps_no_file(
    signed_in: HttpClient, activity: Activity, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    OrganisationFactory(office=activity.office, name="Garden of Hope")
    data = workbook_bytes(
        [person("A1"), person("A2", name="", sex="Male", group="Church leader", organisation="garden of hope"),
         person("", name="Chan Thy", group="គ្រូបង្រៀន")]
    )  # fmt: skip

    response = upload(signed_in, activity, data, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    text = page_text(response)
    assert job.status == Job.Status.SUCCEEDED
    assert response.redirect_chain[-1][0] == f"/programmes/uploads/{job.pk}/"
    assert "Rows read 3" in text
    assert "Added to the attendance 3" in text
    assert "New participants 3" in text
    assert Attendance.objects.filter(activity=activity).count() == 3
    assert sorted(Participant.objects.values_list("group", flat=True)) == ["church_leaders", "teachers", "teachers"]
    assert Participant.objects.get(external_ref="A2").organisation is not None
    assert not list((media / "uploads").glob("*.xlsx*"))  # the sheet (names, phones) is not kept


def test_upload_keeps_the_sheet_encrypted_until_imported(
    signed_in: HttpClient, activity: Activity, media: Path, officer: User
) -> None:
    """Without the worker having run (no commit callbacks), the stored sheet is ciphertext."""
    data = workbook_bytes([person("A1", name="Very Secret Name")])

    signed_in.post(f"/programmes/activities/{activity.pk}/upload/", {"sheet": _file(data, "s.xlsx")})

    (stored,) = (media / "uploads").glob("*.xlsx.enc")
    assert stored.read_bytes().startswith(b"wj1:")
    assert b"PK\x03\x04" not in stored.read_bytes()
    assert Job.objects.get().status == Job.Status.QUEUED


def test_upload_with_bad_rows_lists_every_one_and_records_nothing(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    data = workbook_bytes(
        [
            person("A1"),
            person("A2", sex="woman"),  # row 3
            person("A3"),
            person("A4", group="boss", pre_test="lots"),  # row 5: two problems
            person("A1"),  # row 6: the reference of row 2 again
            person("A6", organisation="Nobody Known"),  # row 7
        ]
    )

    response = upload(signed_in, activity, data, django_capture_on_commit_callbacks)

    text = page_text(response)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "4 rows have problems: nothing was recorded." in text
    assert "3 Sex Write female, male or unknown." in text
    assert "5 Participant group Choose one of the participant groups." in text
    assert "5 Pre-test score Not a number." in text
    assert "6 Reference This reference is already used on another row." in text
    assert "7 Organisation No partner organisation has this name." in text
    assert Participant.objects.count() == 0
    assert Attendance.objects.count() == 0


def test_upload_bad_rows_are_explained_in_khmer_to_a_khmer_user(
    client: HttpClient, officer: User, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    officer.language = "km"
    officer.save(update_fields=["language"])
    client.force_login(officer)
    client.cookies["django_language"] = "km"

    response = upload(
        client, activity, workbook_bytes([person("A1", group="boss")]), django_capture_on_commit_callbacks
    )

    text = page_text(response)
    assert "ក្រុមអ្នកចូលរួម" in text  # the column, in Khmer
    assert "Choose one of the participant groups." not in text
    assert Participant.objects.count() == 0


def test_upload_same_sheet_twice_adds_no_one(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    # Two people with a reference, two without (the app makes theirs from the row).
    data = workbook_bytes([person("A1"), person("A2"), person("", name="Chan Thy"), person("", name="")])

    first = upload(signed_in, activity, data, django_capture_on_commit_callbacks)
    second = upload(signed_in, activity, data, django_capture_on_commit_callbacks)

    assert "Added to the attendance 4" in page_text(first)
    assert "Added to the attendance 0" in page_text(second)
    assert "nothing changed" in page_text(second)
    assert Participant.objects.count() == 4
    assert Attendance.objects.filter(activity=activity).count() == 4
    assert [job.status for job in Job.objects.order_by("pk")] == [Job.Status.SUCCEEDED] * 2


def test_upload_refuses_a_file_that_is_not_xlsx(signed_in: HttpClient, activity: Activity) -> None:
    response = signed_in.post(
        f"/programmes/activities/{activity.pk}/upload/", {"sheet": _file(b"%PDF-1.4 agreement", "sheet.xlsx")}
    )

    assert response.status_code == 200
    assert "This file is not an Excel workbook (.xlsx)." in page_text(response)
    assert Job.objects.count() == 0


def test_upload_refuses_a_file_over_5_mb(signed_in: HttpClient, activity: Activity) -> None:
    response = signed_in.post(
        f"/programmes/activities/{activity.pk}/upload/",
        {"sheet": _file(b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), "big.xlsx")},
    )

    assert "The file is larger than 5 MB." in page_text(response)
    assert Job.objects.count() == 0


def test_upload_of_a_damaged_workbook_fails_the_job_with_a_clear_message(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    whole = workbook_bytes([person("A1")])

    response = upload(signed_in, activity, whole[: len(whole) - 200], django_capture_on_commit_callbacks)

    assert Job.objects.get().status == Job.Status.FAILED
    assert "This file is not an Excel workbook (.xlsx)." in page_text(response)


def test_upload_killed_half_way_then_run_again_gives_exact_counts(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = workbook_bytes([person(f"K{n}") for n in range(7)] + [person("", name=f"No ref {n}") for n in range(3)])

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemError("worker killed")

    # attendance_record writes the participants, then the attendances: the run dies on the second batch.
    monkeypatch.setattr(Attendance.objects, "bulk_create", killed)
    first = upload(signed_in, activity, data, django_capture_on_commit_callbacks)
    after_kill = (Participant.objects.count(), Attendance.objects.count())
    monkeypatch.undo()
    again = upload(signed_in, activity, data, django_capture_on_commit_callbacks)

    assert "The import stopped before the end: nothing was recorded." in page_text(first)
    assert after_kill == (0, 0)  # the participants of the first batch went back with the rest
    assert [job.status for job in Job.objects.order_by("pk")] == [Job.Status.FAILED, Job.Status.SUCCEEDED]
    assert "Added to the attendance 10" in page_text(again)
    assert Participant.objects.count() == 10
    assert Attendance.objects.filter(activity=activity).count() == 10


def test_upload_errors_are_shown_in_the_language_of_the_reader(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    """Uploaded in English, read in Khmer: the bad rows are explained in Khmer."""
    english = upload(
        signed_in, activity, workbook_bytes([person("A1", sex="woman")]), django_capture_on_commit_callbacks
    )
    signed_in.post("/language/", {"language": "km", "next": "/"})

    khmer = page_text(signed_in.get(english.redirect_chain[-1][0]))

    assert "2 Sex Write female, male or unknown." in page_text(english)
    assert "សូមសរសេរ ស្រី ប្រុស ឬមិនដឹង។" in khmer
    assert "Write female, male or unknown." not in khmer


def test_upload_failed_shows_nothing_done(
    signed_in: HttpClient, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    upload(
        signed_in,
        activity,
        workbook_bytes([person("A1"), person("A2", group="boss")]),
        django_capture_on_commit_callbacks,
    )

    job = Job.objects.get()
    assert (job.status, job.done, job.total, job.percent) == (Job.Status.FAILED, 0, 2, 0)
