"""Option lists without code: an administrator of the whole organisation adds, renames, retires
and deletes options; an option added in English and Khmer is offered by the form and the import
template, and a record with it is counted in the report under its category."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.utils import translation
from openpyxl import load_workbook

from wholejourney.accounts.roles import Role
from wholejourney.api.models import ApiToken
from wholejourney.api.tests.conftest import Api
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.care.models import EconomicService, LegalService
from wholejourney.care.tests.records import client_in_care, days_ago, staff
from wholejourney.cases.models import Case, Placement, Referral
from wholejourney.cases.tests import factories as case_factories
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.imports import cells, tasks
from wholejourney.imports import format as fmt
from wholejourney.imports.models import ImportRun
from wholejourney.imports.template import EXAMPLES, template_workbook, write_workbook
from wholejourney.options import selectors, services
from wholejourney.options.models import Option
from wholejourney.options.selectors import LiveChoices
from wholejourney.partners.models import Organisation, OrganisationKind
from wholejourney.reporting.registry import Period, get_metric


@pytest.fixture(autouse=True)
def fresh_lists() -> Iterator[None]:
    """The import format's lists are read again in each test, and after it (its options are gone)."""
    LiveChoices.forget_all()
    yield
    LiveChoices.forget_all()


UNION = {"code": "womens_union", "label_en": "Women's union", "label_km": "សហភាពនារី", "category": "ngo"}


def add_union(cast: Cast) -> Option:
    return services.option_add(actor=cast.admin, list_id="partner_kind", **UNION)


def test_an_added_option_is_offered_in_english_and_khmer_after_the_built_in_ones(cast: Cast) -> None:
    add_union(cast)

    offered = selectors.choices("partner_kind")

    assert [code for code, _label in offered[: len(OrganisationKind.choices)]] == list(OrganisationKind.values)
    assert offered[-1][0] == "womens_union"
    with translation.override("en"):
        assert str(offered[-1][1]) == "Women's union"
    with translation.override("km"):
        assert str(offered[-1][1]) == "សហភាពនារី"
    assert selectors.resolve("partner_kind", "womens_union") == ("ngo", "womens_union")
    assert selectors.resolve("partner_kind", "police") == ("police", "")
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="options.option")
    assert event.actor_username == "admin"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "ngo"}, "code"),  # a built-in code
        ({"category": "no_such_category"}, "category"),
        ({"label_km": " "}, "label_km"),
    ],
)
def test_an_option_needs_a_new_code_a_category_and_both_names(cast: Cast, change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        services.option_add(actor=cast.admin, list_id="partner_kind", **{**UNION, **change})

    assert field in raised.value.message_dict


@pytest.mark.parametrize("who", ["director", "me_officer", "case_manager"])
def test_only_an_administrator_of_the_whole_organisation_changes_options(cast: Cast, who: str) -> None:
    office_admin = make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")

    for actor in (getattr(cast, who), office_admin):
        with pytest.raises(PermissionDenied):
            services.option_add(actor=actor, list_id="partner_kind", **UNION)


def test_an_option_in_use_is_retired_not_deleted_and_records_keep_it(client: HttpClient, cast: Cast) -> None:
    option = add_union(cast)
    client.force_login(cast.director)
    client.post("/partners/new/", {"name": "Union of Battambang", "kind": "womens_union", "is_active": "on"})
    union = Organisation.objects.get(name="Union of Battambang")

    with pytest.raises(ValidationError):
        services.option_delete(actor=cast.admin, option=option)
    services.option_retire(actor=cast.admin, option=option)

    assert Option.objects.filter(pk=option.pk).exists()
    assert "womens_union" not in dict(selectors.choices("partner_kind"))
    with pytest.raises(ValidationError):
        selectors.resolve("partner_kind", "womens_union")
    # The organisation keeps its option when it is edited for something else.
    page = client.get(f"/partners/{union.pk}/").content.decode()
    assert 'value="womens_union" selected' in page
    client.post(f"/partners/{union.pk}/", {"name": "Union of Battambang province", "kind": "womens_union"})
    union.refresh_from_db()
    assert (union.name, union.kind, union.kind_option) == ("Union of Battambang province", "ngo", "womens_union")


def test_an_unused_option_is_deleted_with_audit(cast: Cast) -> None:
    option = add_union(cast)

    services.option_rename(actor=cast.admin, option=option, label_en="Women's union (commune)", label_km="សហភាពនារីឃុំ")
    services.option_delete(actor=cast.admin, option=option)

    assert not Option.objects.exists()
    actions = list(AuditEvent.objects.filter(object_type="options.option").values_list("action", flat=True))
    assert sorted(actions) == sorted([AuditEvent.Action.CREATE, AuditEvent.Action.CHANGE, AuditEvent.Action.DELETE])


def test_a_partner_of_an_added_kind_is_counted_under_its_category_in_the_report(client: HttpClient, cast: Cast) -> None:
    add_union(cast)
    client.force_login(cast.director)
    page = client.get("/partners/new/").content.decode()
    assert '<option value="womens_union">Women&#x27;s union</option>' in page

    response = client.post("/partners/new/", {"name": "Union of Pursat", "kind": "womens_union", "is_active": "on"})
    union = Organisation.objects.get(name="Union of Pursat")
    client.post(f"/partners/{union.pk}/periods/", {"active_from": "2023-01-01"})

    assert response.status_code == 302
    assert (union.kind, union.kind_option) == ("ngo", "womens_union")
    assert get_metric("ngo_partners").compute(Period.year(2023), cast.kh).value == 1
    assert get_metric("government_partners").compute(Period.year(2023), cast.kh).value == 0


def test_the_partner_form_shows_added_kinds_in_khmer(client: HttpClient, cast: Cast) -> None:
    add_union(cast)
    cast.director.language = "km"
    cast.director.save(update_fields=["language"])
    client.force_login(cast.director)

    page = client.get("/partners/new/")

    assert "សហភាពនារី" in page.content.decode()


def test_the_import_template_and_an_import_accept_an_added_kind(cast: Cast) -> None:
    add_union(cast)
    column = next(sheet for sheet in fmt.SHEETS if sheet.name == "partners").by_name["org_Type"]

    buffer = BytesIO()
    template_workbook(buffer)
    book = load_workbook(BytesIO(buffer.getvalue()))
    text = " ".join(
        str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value
    )

    assert "womens_union / Women's union / សហភាពនារី" in text
    assert cells.choice_aliases(column).get(cells.normal_text("សហភាពនារី")) == "womens_union"
    assert cells.choice_aliases(column).get("womens_union") == "womens_union"


def test_the_option_pages_are_for_global_administrators_only(client: HttpClient, cast: Cast) -> None:
    option = add_union(cast)
    client.force_login(cast.admin)
    assert "Women&#x27;s union" in client.get("/options/partner_kind/").content.decode()
    response = client.post("/options/partner_kind/", {"code": "village_chief", "label_en": "Village chief",
                                                      "label_km": "មេភូមិ", "category": "provincial_authority"})  # fmt: skip
    assert response.status_code == 302 and Option.objects.filter(code="village_chief").exists()
    client.post(f"/options/partner_kind/{option.code}/rename/", {f"{option.code}-label_en": "Women's Union",
                                                                  f"{option.code}-label_km": "សហភាពនារី"})  # fmt: skip
    option.refresh_from_db()
    assert option.label_en == "Women's Union"

    for who in (cast.director, cast.me_officer, make_user(Role.ADMINISTRATOR, office=cast.kh, username="kh.admin")):
        client.force_login(who)
        assert client.get("/options/").status_code == 404
        assert client.get("/options/partner_kind/").status_code == 404
        assert client.post(f"/options/partner_kind/{option.code}/delete/").status_code == 404
    assert Option.objects.filter(pk=option.pk).exists()


def test_an_office_workbook_with_an_added_kind_imports_under_its_category(cast: Cast, tmp_path: Path) -> None:
    add_union(cast)
    rows = copy.deepcopy(EXAMPLES)
    rows["partners"][0]["org_Type"] = "សហភាពនារី"  # the Khmer label
    path = tmp_path / "office.xlsx"
    write_workbook(path, rows)

    run = tasks.import_path(actor=cast.admin, office=cast.kh, path=path)

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    imported = Organisation.objects.get(name=rows["partners"][0]["org_Name"])
    assert (imported.kind, imported.kind_option) == ("ngo", "womens_union")


# --- kinds of service: the form, the API and its schema, the report ------------------------------------------

SAVINGS = {"code": "savings_group", "label_en": "Savings group start-up", "label_km": "ការចាប់ផ្តើមក្រុមសន្សំ",
           "category": "business_grant"}  # fmt: skip


def test_an_added_kind_of_service_is_offered_by_the_form_and_counted_under_its_category(
    client: HttpClient, cast: Cast
) -> None:
    services.option_add(actor=cast.admin, list_id="economic_service_kind", **SAVINGS)
    patient, case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER, username="econ")
    client.force_login(officer)

    page = client.get(f"/clients/{patient.pk}/care/economic/new/").content.decode()
    response = client.post(
        f"/clients/{patient.pk}/care/economic/new/",
        {"kind": "savings_group", "provided_on": days_ago(10).strftime("%d/%m/%Y"), "amount": "100", "amount_usd": ""},
    )

    assert '<option value="savings_group">Savings group start-up</option>' in page
    assert response.status_code == 302, response.content.decode()[:2000]
    service = EconomicService.objects.get()
    assert (service.kind, service.kind_option) == ("business_grant", "savings_group")
    period = Period(days_ago(30), days_ago(0))
    assert get_metric("small_business_support").compute(period, cast.kh).value == 1


def test_the_api_documents_and_accepts_an_added_kind_of_legal_service(cast: Cast) -> None:
    services.option_add(
        actor=cast.admin, list_id="legal_service_kind", code="land_title", label_en="Land title obtained",
        label_km="បានទទួលប្លង់ដី", category="other",
    )  # fmt: skip
    patient, case = client_in_care(cast)
    lawyer = staff(cast, Role.LEGAL_OFFICER, username="lawyer")
    writer = Api(token_for(lawyer, ApiToken.Scope.WRITE)[1])

    schema = writer.get("/openapi.json").json()
    recorded = writer.post(
        f"/clients/{patient.pk}/legal-services", {"kind": "land_title", "provided_on": str(days_ago(5))}
    )
    refused = writer.post(
        f"/clients/{patient.pk}/legal-services", {"kind": "no_such_kind", "provided_on": str(days_ago(5))}
    )

    assert "land_title" in schema["components"]["schemas"]["LegalServiceIn"]["properties"]["kind"]["enum"]
    assert recorded.status_code == 201, recorded.content
    assert refused.status_code == 422 and list(refused.json()["error"]["fields"]) == ["kind"]
    assert LegalService.objects.get().kind_option == "land_title"
    assert get_metric("legal_support").compute(Period(days_ago(30), days_ago(0)), cast.kh).value == 1


def test_a_corrected_service_keeps_an_added_kind_beside_its_category_and_drops_it_with_another(cast: Cast) -> None:
    from wholejourney.care import services as care_services

    services.option_add(actor=cast.admin, list_id="economic_service_kind", **SAVINGS)
    patient, _case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER, username="econ")
    service = care_services.economic_service_record(
        actor=officer, client=patient, kind="career_advice", provided_on=days_ago(3)
    )

    service.kind = "savings_group"  # as the correction form sets it
    care_services.economic_service_check(service)
    assert (service.kind, service.kind_option) == ("business_grant", "savings_group")
    service.kind = "career_coaching"
    care_services.economic_service_check(service)
    assert (service.kind, service.kind_option) == ("career_coaching", "")


# --- kinds of placement -------------------------------------------------------------------------------------

TRANSIT = {"code": "transit_home", "label_en": "Transit home", "label_km": "ផ្ទះស្នាក់នៅបណ្តោះអាសន្ន",
           "category": "shelter"}  # fmt: skip


def test_a_client_placed_in_an_added_kind_of_placement_is_counted_under_its_category(
    client: HttpClient, cast: Cast
) -> None:
    services.option_add(actor=cast.admin, list_id="placement_kind", **TRANSIT)
    patient, case = client_in_care(cast)
    client.force_login(cast.case_manager)

    page = client.get(f"/clients/{patient.pk}/?tab=placements").content.decode()
    response = client.post(f"/cases/{case.pk}/placements/", {"kind": "transit_home", "start": days_ago(20).isoformat()})

    assert '<option value="transit_home">Transit home</option>' in page
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.kind, placement.kind_option) == ("shelter", "transit_home")
    assert get_metric("survivors_in_shelter").compute(Period(days_ago(30), days_ago(0)), cast.kh).value == 1


def test_the_api_documents_and_accepts_an_added_kind_of_placement(cast: Cast) -> None:
    services.option_add(actor=cast.admin, list_id="placement_kind", **TRANSIT)
    patient, case = client_in_care(cast)
    writer = Api(token_for(cast.case_manager, ApiToken.Scope.WRITE)[1])

    schema = writer.get("/openapi.json").json()
    placed = writer.post(f"/cases/{case.pk}/placements", {"kind": "transit_home", "start": str(days_ago(20))})

    assert "transit_home" in schema["components"]["schemas"]["PlacementIn"]["properties"]["kind"]["enum"]
    assert placed.status_code == 201, placed.content
    assert placed.json()["kind"] == "shelter"
    assert Placement.objects.get().kind_option == "transit_home"


# --- abuse types and referral sources ----------------------------------------------------------------------

ONLINE_SCAM = {"code": "scam_compound", "label_en": "Forced labour in a scam compound",
               "label_km": "ការបង្ខំឱ្យធ្វើការក្នុងមជ្ឈមណ្ឌលបោកប្រាស់", "category": "human_trafficking"}  # fmt: skip
HOTLINE = {"code": "hotline", "label_en": "Child helpline", "label_km": "ខ្សែទូរស័ព្ទជំនួយកុមារ", "category": "other"}


def test_an_added_abuse_type_and_referral_source_count_under_their_categories(client: HttpClient, cast: Cast) -> None:
    services.option_add(actor=cast.admin, list_id="abuse_type", **ONLINE_SCAM)
    services.option_add(actor=cast.admin, list_id="referral_source", **HOTLINE)
    writer = Api(token_for(cast.case_manager, ApiToken.Scope.WRITE)[1])
    opened = days_ago(40)

    schema = writer.get("/openapi.json").json()["components"]["schemas"]
    referred = writer.post(
        "/referrals", {"referred_on": str(opened), "source": "hotline", "person": {"name": "Someone"}}
    )
    client.force_login(cast.case_manager)
    form_page = client.get("/referrals/new/").content.decode()

    assert "hotline" in schema["ReferralIn"]["properties"]["source"]["enum"]
    assert "scam_compound" in schema["CaseOpenIn"]["properties"]["primary_abuse_type"]["enum"]
    assert referred.status_code == 201, referred.content
    referral = Referral.objects.get()
    assert (referral.source, referral.source_option) == ("other", "hotline")
    assert "Child helpline" in form_page
    patient = case_factories.make_client(cast.case_manager, given_name_latin="Dara", family_name_latin="Sok")
    case = writer.post(
        f"/clients/{patient.pk}/cases",
        {"opened_on": str(opened), "primary_abuse_type": "scam_compound", "trafficking_subtype": "labour"},
    )
    assert case.status_code == 201, case.content
    stored = Case.objects.get()
    assert (stored.primary_abuse_type, stored.primary_abuse_type_option) == ("human_trafficking", "scam_compound")
    assert stored.trafficking_subtype == "labour"  # the rule reads the category
    by_type = get_metric("survivors_by_abuse_type").compute(Period(days_ago(60), days_ago(0)), cast.kh).value
    assert isinstance(by_type, dict) and by_type["human_trafficking"] == 1
