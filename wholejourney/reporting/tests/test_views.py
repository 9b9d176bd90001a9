"""The report pages with a handful of records: who may see them, what a drill-down shows and
audits, files made in the background and their audited downloads, the data-quality check."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.care.models import LegalService
from wholejourney.care.tests.records import client_in_care, days_ago, staff
from wholejourney.cases.models import Case
from wholejourney.conftest import Cast
from wholejourney.core.models import Job
from wholejourney.core.tests.factories import make_user
from wholejourney.reporting.models import ReportFile
from wholejourney.reporting.registry import Period

PERIOD = Period(days_ago(700), days_ago(0))
QUERY = f"office=KH&date_from={PERIOD.start}&date_to={PERIOD.end}"


@pytest.fixture
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.mark.parametrize("who", ["director", "me_officer"])
def test_report_page_shows_every_section_to_director_and_me(client: HttpClient, cast: Cast, who: str) -> None:
    client_in_care(cast)
    client.force_login(getattr(cast, who))

    page = client.get(f"/reports/?{QUERY}").content.decode()

    for heading in ("Highlights", "Heal", "Prevent", "Increase capacity", "Promote awareness", "Empower and equip"):
        assert f">{heading}</h2>" in page
    assert "Survivors who received comprehensive support services" in page
    assert "<details><summary>How it is counted</summary>" in page
    assert '<svg class="columns"' in page and '<svg class="stacked"' in page


@pytest.mark.parametrize("who", ["case_manager", "partner", "other_office", "admin"])
def test_report_pages_are_404_to_roles_without_reports(client: HttpClient, cast: Cast, who: str) -> None:
    client.force_login(getattr(cast, who))

    for url in ("/reports/", "/reports/figures/survivors_supported/", "/reports/files/", "/reports/quality/"):
        assert client.get(url).status_code == 404


def test_another_offices_report_is_404_and_all_offices_only_for_global_users(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)
    assert client.get("/reports/?office=VN").status_code == 404
    assert client.get("/reports/?office=all").status_code == 404

    client.force_login(make_user(Role.ME_OFFICER, global_=True, username="global.me"))
    assert client.get("/reports/?office=VN").status_code == 200
    assert "All offices" in client.get("/reports/?office=all").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: HttpClient) -> None:
    response = client.get("/reports/")

    assert response.status_code == 302 and "/login" in response["Location"]


def test_drilldown_lists_codes_never_names_and_is_audited(client: HttpClient, cast: Cast) -> None:
    patient, _case = client_in_care(cast, name="Sokunthea")
    client.force_login(cast.me_officer)

    page = client.get(f"/reports/figures/survivors_supported/?{QUERY}").content.decode()

    assert patient.code in page
    assert "Sokunthea" not in page
    assert f'href="/clients/{patient.pk}/"' not in page  # an M&E officer cannot open the client's record
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type="reporting.figure")
    assert event.object_id == "survivors_supported" and event.actor_username == "me"


def test_drilldown_links_a_director_to_the_clients_page(client: HttpClient, cast: Cast) -> None:
    patient, _case = client_in_care(cast)
    client.force_login(cast.director)

    page = client.get(f"/reports/figures/survivors_supported/?{QUERY}").content.decode()

    assert f'href="/clients/{patient.pk}/"' in page


def test_drilldown_of_a_part_lists_only_that_part(client: HttpClient, cast: Cast) -> None:
    trafficked, _case = client_in_care(cast)  # human trafficking
    client.force_login(cast.director)

    page = client.get(f"/reports/figures/survivors_by_abuse_type/?{QUERY}&part=sexual_abuse").content.decode()

    assert trafficked.code not in page
    assert "0 records" in page


def test_unknown_figure_is_404(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)

    assert client.get("/reports/figures/no_such_figure/").status_code == 404


def test_report_file_is_made_in_the_background_and_its_download_audited(
    client: HttpClient, cast: Cast, media: Path, django_capture_on_commit_callbacks: object
) -> None:
    client_in_care(cast)
    client.force_login(cast.director)
    form = {"format": "xlsx", "edition": "external", "language": "en", "office": "KH",
            "date_from": PERIOD.start, "date_to": PERIOD.end}  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post("/reports/files/", form)

    made = ReportFile.objects.get()
    assert response.status_code == 302
    assert made.job.status == Job.Status.SUCCEEDED and made.size > 0
    assert (media / made.path).read_bytes()[:2] == b"PK"
    download = client.get(f"/reports/files/{made.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert export.object_type == "reporting.reportfile" and export.object_id == str(made.pk)
    assert "edition:external" in export.changed_fields


def test_a_report_file_is_404_to_another_office(client: HttpClient, cast: Cast, media: Path) -> None:
    client.force_login(cast.director)
    client.post("/reports/files/", {"format": "json", "edition": "internal", "language": "en", "office": "KH",
                                    "date_from": PERIOD.start, "date_to": PERIOD.end})  # fmt: skip
    made = ReportFile.objects.get()
    client.force_login(make_user(Role.DIRECTOR, office=cast.vn, username="vn.director"))

    assert client.get(f"/reports/files/{made.pk}/download/").status_code == 404


def test_json_download_is_an_audited_export(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)

    response = client.get(f"/reports/report.json?{QUERY}")

    assert response.json()["metrics"]["survivors_supported"]["value"] == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="reporting.report").count() == 1


def test_quality_check_lists_cases_without_abuse_type_and_services_outside_their_case(
    client: HttpClient, cast: Cast
) -> None:
    patient, case = client_in_care(cast, opened_days_ago=100)
    Case.objects.filter(pk=case.pk).update(primary_abuse_type="")
    service = care_services.legal_service_record(
        actor=staff(cast, Role.LEGAL_OFFICER), client=patient, kind="advice", provided_on=days_ago(50)
    )
    # A date moved by hand, past the service's own check: what the report would count wrongly.
    LegalService.objects.filter(pk=service.pk).update(provided_on=days_ago(150))
    client.force_login(cast.director)

    page = client.get(f"/reports/quality/?{QUERY}").content.decode()

    assert page.count(patient.code) == 2
    assert f"legal service #{service.pk}" in page
    assert f'href="/clients/{patient.pk}/"' in page


def test_report_page_in_khmer(client: HttpClient, cast: Cast) -> None:
    cast.director.language = "km"
    cast.director.save(update_fields=["language"])
    client.force_login(cast.director)

    page = client.get(f"/reports/?{QUERY}").content.decode()

    assert 'lang="km"' in page
    assert "ចំណុចលេចធ្លោ" in page  # Highlights


def test_report_page_queries_do_not_grow_with_records(
    client: HttpClient, cast: Cast, django_assert_max_num_queries: object
) -> None:
    client.force_login(cast.director)
    client.get(f"/reports/?{QUERY}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/reports/?{QUERY}")
    for n in range(6):
        client_in_care(cast, name=f"Client{n}", opened_days_ago=300 - n)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/reports/?{QUERY}")

    assert len(more.captured_queries) == len(few.captured_queries)


def test_period_shapes() -> None:
    assert Period.year(2023).previous() == Period.year(2022)
    assert Period.quarter(2023, 1).previous() == Period.quarter(2022, 4)
    assert Period(datetime.date(2023, 2, 1), datetime.date(2023, 3, 31)).previous() == Period(
        datetime.date(2022, 12, 1), datetime.date(2023, 1, 31)
    )
    days = Period(datetime.date(2023, 1, 5), datetime.date(2023, 1, 14))
    assert days.previous() == Period(datetime.date(2022, 12, 26), datetime.date(2023, 1, 4))
    assert Period.year(2023).label() == "2023" and Period.quarter(2023, 2).label() == "Q2 2023"


def test_director_sets_the_threshold_and_the_external_edition_follows_it(client: HttpClient, cast: Cast) -> None:
    from wholejourney.reporting import assembly

    for n in range(3):
        client_in_care(cast, name=f"Client{n}")
    client.force_login(cast.director)

    response = client.post("/reports/settings/", {"disclosure_threshold": "3"})

    assert response.status_code == 302
    assert assembly.threshold_for(cast.kh) == 3
    external = assembly.build_report(period=PERIOD, office=cast.kh, edition="external")
    assert not external.figures["survivors_supported"].suppressed  # 3 is not below 3
    client.post("/reports/settings/", {"disclosure_threshold": "4"})
    external = assembly.build_report(period=PERIOD, office=cast.kh, edition="external")
    assert external.figures["survivors_supported"].suppressed
    assert AuditEvent.objects.filter(object_type="reporting.officereportsettings").count() == 2


def test_me_officer_cannot_change_the_threshold(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)

    assert client.post("/reports/settings/", {"disclosure_threshold": "1"}).status_code == 404


def test_a_quarter_is_compared_with_the_quarter_before(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)

    page = client.get("/reports/?office=KH&year=2023&quarter=2").content.decode()

    assert "Report: Cambodia, Q2 2023" in page
    assert ">Q1 2023</th>" in page


def test_a_period_that_ends_before_it_starts_is_explained(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)

    page = client.get("/reports/?office=KH&date_from=2023-05-01&date_to=2023-01-01").content.decode()

    assert "The period ends before it starts." in page


def test_a_share_of_fewer_people_than_the_threshold_is_withheld(cast: Cast) -> None:
    from wholejourney.reporting import assembly

    client_in_care(cast, opened_days_ago=30)  # one case opened in the period, not referred by government

    internal = assembly.build_report(period=PERIOD, office=cast.kh)
    external = assembly.build_report(period=PERIOD, office=cast.kh, edition="external")

    assert internal.figures["government_referral_share_pct"].value == 0.0
    assert internal.figures["government_referral_share_pct"].denominator == 1
    assert external.figures["government_referral_share_pct"].suppressed
    assert assembly.report_json(external)["metrics"]["government_referral_share_pct"]["value"] is None


def test_the_files_page_warns_of_data_quality_problems_before_a_report_is_made(client: HttpClient, cast: Cast) -> None:
    _patient, case = client_in_care(cast, opened_days_ago=100)
    Case.objects.filter(pk=case.pk).update(primary_abuse_type="")
    client.force_login(cast.director)

    page = client.get(f"/reports/files/?{QUERY}").content.decode()

    assert "Cases without an abuse type: 1" in page
    assert f"/reports/quality/?{QUERY}" in page.replace("&amp;", "&")
