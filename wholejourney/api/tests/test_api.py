"""The API with the shared cast: who reads what, tokens and their scopes, the audit trail, the
one error format, cursors, and the committed OpenAPI document."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import get_resolver
from django.utils import timezone

from wholejourney.accounts.roles import Role
from wholejourney.api.models import ApiToken
from wholejourney.api.router import api, openapi_document
from wholejourney.api.services import token_revoke
from wholejourney.api.tests.conftest import Api
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.care.models import EconomicService
from wholejourney.cases.models import Referral
from wholejourney.cases.tests import factories as case_factories
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.clients.tests.test_access import new_client
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MakeApi = Callable[..., Api]
MISSING = 987654


@pytest.fixture
def dara(cast: Cast) -> Client:
    """A KH client of Team A, in the cast's case manager's caseload, with an open case."""
    client = case_factories.make_client(cast.case_manager, given_name_latin="Dara", family_name_latin="Sok")
    case_factories.make_case(cast.case_manager, client)
    return client


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    error: dict[str, Any] = body["error"]
    return error


# --- tokens ----------------------------------------------------------------------------------


def test_api_without_token_is_401_in_the_error_format(cast: Cast) -> None:
    response = Api(None).get("/clients")

    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_unknown_is_401(cast: Cast) -> None:
    response = Api("wj_not-a-real-token").get("/clients")

    assert response.status_code == 401


def test_token_revoked_is_refused(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager)
    assert Api(secret).get("/clients").status_code == 200

    token_revoke(actor=cast.case_manager, token=token)

    assert Api(secret).get("/clients").status_code == 401


def test_token_expired_is_refused(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager, days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )

    assert Api(secret).get("/clients").status_code == 401


def test_token_of_deactivated_user_is_refused(cast: Cast) -> None:
    _token, secret = token_for(cast.case_manager)
    cast.case_manager.is_active = False
    cast.case_manager.save()

    assert Api(secret).get("/clients").status_code == 401


def test_token_is_stored_hashed(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager)

    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.prefix == secret[:10]


def test_read_token_cannot_write(cast: Cast, api_as: MakeApi) -> None:
    body = {"family_name_latin": "Chan", "given_name_latin": "Sopheap", "sex": "female", "birth_year": 1990}

    read, write = api_as(cast.case_manager), api_as(cast.case_manager, write=True)
    refused, created = read.post("/clients", body), write.post("/clients", body)

    assert refused.status_code == 403
    assert _error(refused)["code"] == "insufficient_scope"
    assert created.status_code == 201, created.content
    assert Client.objects.filter(code=created.json()["code"]).count() == 1


def test_token_last_used_is_recorded(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager)

    Api(secret).get("/clients")

    token.refresh_from_db()
    assert token.last_used_at is not None


# --- who reads what --------------------------------------------------------------------------


def test_client_of_another_office_is_404_like_a_missing_one(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    vn = api_as(cast.other_office)

    other, missing = vn.get(f"/clients/{dara.pk}"), vn.get(f"/clients/{MISSING}")

    assert other.status_code == missing.status_code == 404
    assert _error(other) == _error(missing)
    assert "Sok" not in other.content.decode()


def test_client_outside_the_caseload_is_404(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    response = api_as(cast.other_team_colleague).get(f"/clients/{dara.pk}")

    assert response.status_code == 404


def test_caseload_lists_codes_of_own_clients_only(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    vn_client = client_services.client_create(
        actor=cast.other_office,
        office=cast.vn,
        case_manager=cast.other_office,
        given_name_latin="Lan",
        sex="female",
        birth_year=1990,
    )

    mine = api_as(cast.case_manager).get("/clients").json()["items"]
    theirs = api_as(cast.other_office).get("/clients").json()["items"]

    assert [c["code"] for c in mine] == [dara.code]
    assert [c["code"] for c in theirs] == [vn_client.code]
    assert "Dara" not in json.dumps(mine)  # a list carries no names
    assert mine[0]["case_status"] == "open"


def test_client_read_writes_a_view_event(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    before = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_type="clients.client", object_id=str(dara.pk)
    ).count()

    response = api_as(cast.case_manager).get(f"/clients/{dara.pk}")

    assert response.status_code == 200
    assert response.json()["given_name_latin"] == "Dara"
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_type="clients.client", object_id=str(dara.pk)
    )
    assert events.count() == before + 1
    assert events.latest("seq").actor_username == cast.case_manager.username


def test_each_client_sub_resource_read_is_audited(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    reader = api_as(cast.case_manager)

    for part in ("cases", "placements", "referrals", "services", "assessments", "clock"):
        assert reader.get(f"/clients/{dara.pk}/{part}").status_code == 200, part

    fields = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_type="clients.client", object_id=str(dara.pk)
    ).values_list("changed_fields", flat=True)
    assert {f[0] for f in fields} >= {f"api:{p}" for p in ("cases", "placements", "referrals", "services", "clock")}


def test_me_officer_reads_report_figures_only(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    me = api_as(cast.me_officer)

    figures = me.get("/reports/figures", year=2024)

    assert figures.status_code == 200
    assert figures.json()["office"] == "KH"
    for path in ("/clients", f"/clients/{dara.pk}", "/referrals", "/partner/referrals", "/programmes/activities"):
        response = me.get(path)
        assert response.status_code in (403, 404), path
        assert _error(response)["code"] in ("forbidden", "not_found")


def test_report_figures_of_another_office_are_404(cast: Cast, api_as: MakeApi) -> None:
    assert api_as(cast.me_officer).get("/reports/figures", year=2024, office="VN").status_code == 404


def test_partner_sees_only_their_referral_statuses(cast: Cast, api_as: MakeApi) -> None:
    organisation = case_factories.OrganisationFactory(office=cast.kh)
    cast.partner.partner_organisation = organisation
    cast.partner.save()
    mine = case_factories.make_referral(cast.partner)
    case_factories.make_referral(cast.case_manager)  # another organisation's
    partner = api_as(cast.partner)

    listed = partner.get("/partner/referrals")

    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [r["id"] for r in items] == [mine.pk]
    assert set(items[0]) == {"id", "referred_on", "urgency", "status", "created_at"}
    assert partner.get("/referrals").status_code == 403
    assert partner.get(f"/referrals/{mine.pk}").status_code == 403
    assert partner.get("/clients").status_code == 403


def test_get_operations_are_404_to_another_office(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    """Every object read of the API answers another office's staff as if the object did not exist."""
    case = dara.cases.get()
    placement = case_factories.make_placement(cast.case_manager, case)
    referral = case_factories.make_referral(cast.case_manager)
    ids = {"client_id": dara.pk, "case_id": case.pk, "placement_id": placement.pk, "referral_id": referral.pk}
    outsider = api_as(cast.other_office)
    director = api_as(cast.director)  # sees the whole office: proves each path reaches a real object
    schema = api.get_openapi_schema(path_prefix="")
    checked = []
    for path, operations in schema["paths"].items():
        names = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if "get" not in operations or not names or not set(names) <= set(ids):
            continue
        real = path.format(**{n: ids[n] for n in names})
        missing = path.format(**dict.fromkeys(names, MISSING))
        assert director.get(real).status_code == 200, real
        got, got_missing = outsider.get(real), outsider.get(missing)
        assert got.status_code == got_missing.status_code == 404, real
        checked.append(path)
    assert len(checked) >= 9


def test_write_to_another_offices_client_is_404(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    visit = {"mode": "home", "visited_on": timezone.localdate().isoformat()}
    case_body = {"opened_on": timezone.localdate().isoformat(), "primary_abuse_type": "sexual_abuse"}
    outsider = api_as(cast.other_office, write=True)

    assert outsider.post(f"/clients/{dara.pk}/visits", visit).status_code == 404
    assert outsider.post(f"/clients/{dara.pk}/cases", case_body).status_code == 404
    assert outsider.send("PATCH", f"/clients/{dara.pk}", {"given_name_latin": "X"}).status_code == 404
    dara.refresh_from_db()
    assert dara.given_name_latin == "Dara"


# --- the same rules and messages as the pages ------------------------------------------------


def test_service_rule_is_the_pages_message_in_the_error_format(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = api_as(cast.case_manager, write=True).post(
        f"/clients/{dara.pk}/visits", {"mode": "home", "visited_on": tomorrow}
    )

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"visited_on": ["The date cannot be in the future."]}
    assert error["message"] == "The date cannot be in the future."


def test_service_message_in_the_token_owners_language(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    cast.case_manager.language = "km"
    cast.case_manager.save()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = api_as(cast.case_manager, write=True).post(
        f"/clients/{dara.pk}/visits", {"mode": "home", "visited_on": tomorrow}
    )

    message = _error(response)["fields"]["visited_on"][0]
    assert message != "The date cannot be in the future."
    assert any("\u1780" <= ch <= "\u17ff" for ch in message)


def test_malformed_body_is_422_with_fields(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    response = api_as(cast.case_manager, write=True).post(f"/clients/{dara.pk}/visits", {"mode": "by-pigeon"})

    error = _error(response)
    assert response.status_code == 422
    assert set(error["fields"]) == {"mode", "visited_on"}


def test_registration_asks_for_a_reason_when_a_match_exists(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    writer = api_as(cast.case_manager, write=True)
    body = {"family_name_latin": "Sok", "given_name_latin": "Dara", "sex": "female", "birth_year": 1990}

    refused = writer.post("/clients", body)
    accepted = writer.post("/clients", body | {"duplicate_reason": "A different person: met her mother."})

    assert refused.status_code == 422
    assert "duplicate_reason" in _error(refused)["fields"]
    assert accepted.status_code == 201
    created = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE, object_type="clients.client", object_id=str(accepted.json()["id"])
    )
    assert "duplicate_reason" in created.changed_fields


def test_case_placement_and_closure_through_the_api(cast: Cast, api_as: MakeApi) -> None:
    writer = api_as(cast.case_manager, write=True)
    client = case_factories.make_client(cast.case_manager)
    opened = (timezone.localdate() - datetime.timedelta(days=60)).isoformat()

    case = writer.post(f"/clients/{client.pk}/cases", {"opened_on": opened, "primary_abuse_type": "sexual_abuse"})
    again = writer.post(f"/clients/{client.pk}/cases", {"opened_on": opened, "primary_abuse_type": "sexual_abuse"})
    placed = writer.post(f"/cases/{case.json()['id']}/placements", {"kind": "shelter", "start": opened})
    closure = writer.post(
        f"/cases/{case.json()['id']}/closure-requests",
        {"closing_date": timezone.localdate().isoformat(), "reason": "moved_away"},
    )

    assert case.status_code == 201
    assert again.status_code == 422
    assert _error(again)["message"] == "This client already has an open case."
    assert placed.status_code == 201 and placed.json()["kind"] == "shelter"
    assert closure.status_code == 201 and closure.json()["status"] == "pending"
    decided = api_as(cast.director, write=True).post(
        f"/closure-requests/{closure.json()['id']}/decision", {"approve": True}
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "closed"


def test_unknown_choice_id_is_a_field_error(cast: Cast, api_as: MakeApi) -> None:
    vn_team_id = cast.other_team.pk + 1000
    response = api_as(cast.case_manager, write=True).post(
        "/clients", {"given_name_latin": "Nary", "team_id": vn_team_id}
    )

    assert response.status_code == 422
    assert "team_id" in _error(response)["fields"]


# --- cursors ---------------------------------------------------------------------------------


def test_cursor_walks_every_client_once(cast: Cast, api_as: MakeApi) -> None:
    created = {case_factories.make_client(cast.case_manager, given_name_latin=f"N{i}").code for i in range(7)}
    reader = api_as(cast.case_manager)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = reader.get("/clients", **params).json()
        seen += [c["code"] for c in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break

    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))
    assert pages == 3


def test_forged_cursor_is_422(cast: Cast, api_as: MakeApi) -> None:
    response = api_as(cast.case_manager).get("/clients", cursor="WyJkIiwiMjAyNC0wMS0wMSIsMSwiIl0")

    assert response.status_code == 422
    assert "cursor" in _error(response)["fields"]


def test_services_cursor_pages_through_every_kind(cast: Cast, api_as: MakeApi, dara: Client) -> None:
    from wholejourney.care import services as care_services

    case = dara.cases.get()
    days = [case.opened_on + datetime.timedelta(days=d) for d in (1, 1, 2, 3)]
    for day in days:
        care_services.visit_record(actor=cast.case_manager, client=dara, mode="phone", visited_on=day)
        care_services.education_support_record(
            actor=cast.case_manager, client=dara, level="primary", kind="fees", provided_on=day
        )
    reader = api_as(cast.case_manager)

    seen, cursor = [], None
    while True:
        page = reader.get(f"/clients/{dara.pk}/services", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [(s["kind"], s["id"], s["date"]) for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 8
    assert [s[2] for s in seen] == sorted((s[2] for s in seen), reverse=True)
    assert all("note" not in json.dumps(s) for s in seen)


# --- the document ----------------------------------------------------------------------------


def test_openapi_document_is_committed() -> None:
    committed = (Path(settings.BASE_DIR) / "docs" / "openapi.json").read_text(encoding="utf-8")

    assert committed == openapi_document(), "the API changed: run `wholejourney openapi` and commit docs/openapi.json"


def test_openapi_document_is_served_to_token_holders_only(cast: Cast) -> None:
    _token, secret = token_for(cast.me_officer)

    anonymous, served = Api(None).get("/openapi.json"), Api(secret).get("/openapi.json")

    assert anonymous.status_code == 401
    assert served.status_code == 200
    assert served.json()["info"]["title"] == "Whole Journey API"


def test_every_operation_declares_its_permission() -> None:
    undeclared = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                func = operation.view_func
                while hasattr(func, "__wrapped__"):
                    func = func.__wrapped__
                if not getattr(func, "wj_permission", None):
                    undeclared.append(f"{operation.methods} {path}")
    assert undeclared == []


def test_write_operations_need_a_write_token() -> None:
    readable_writes = [
        f"{method} {path}"
        for path, operations in api.get_openapi_schema(path_prefix="")["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "patch", "put", "delete") and "write" not in json.dumps(operation.get("security", []))
    ]
    write_auth = {
        op.auth_callbacks[0].write
        for bound in api._get_bound_routers()
        for view in bound.path_operations.values()
        for op in view.operations
        if set(op.methods) & {"POST", "PATCH", "PUT", "DELETE"}
    }
    assert write_auth == {True}, readable_writes


def test_api_urls_are_labelled_for_the_url_walk() -> None:
    resolver = get_resolver()
    api_patterns: Any = next(p for p in resolver.url_patterns if str(p.pattern) == "api/v1/")
    assert all(hasattr(p.callback, "wj_permission") for p in api_patterns.url_patterns)


# --- cost ------------------------------------------------------------------------------------


def _queries(reader: Api, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert reader.get(path).status_code == 200
    return len(captured)


def test_lists_cost_the_same_queries_for_few_or_many_rows(cast: Cast, api_as: MakeApi) -> None:
    from wholejourney.care import services as care_services

    reader = api_as(cast.case_manager)
    client = case_factories.make_client(cast.case_manager)
    case = case_factories.make_case(cast.case_manager, client, opened_on=datetime.date(2024, 1, 1))
    care_services.visit_record(actor=cast.case_manager, client=client, mode="phone", visited_on=case.opened_on)
    care_services.education_support_record(
        actor=cast.case_manager, client=client, level="primary", kind="fees", provided_on=case.opened_on
    )
    reader.get("/clients")  # the token's first use of the minute is recorded: one write, not per row
    few = {p: _queries(reader, p) for p in ("/clients", f"/clients/{client.pk}/services")}

    for i in range(6):
        other = case_factories.make_client(cast.case_manager, given_name_latin=f"More{i}")
        case_factories.make_case(cast.case_manager, other, opened_on=datetime.date(2024, 1, 1))
        care_services.visit_record(
            actor=cast.case_manager, client=client, mode="home", visited_on=case.opened_on + datetime.timedelta(days=i)
        )
        care_services.education_support_record(
            actor=cast.case_manager, client=client, level="primary", kind="fees", provided_on=case.opened_on
        )
    many = {p: _queries(reader, p) for p in few}

    assert many == few


def test_unknown_address_and_method_answer_in_the_error_format(cast: Cast, api_as: MakeApi) -> None:
    reader = api_as(cast.case_manager)

    unknown, not_a_number = reader.get("/no-such-thing"), reader.get("/clients/abc")
    wrong_method = reader.send("DELETE", "/clients")

    assert unknown.status_code == not_a_number.status_code == 404
    assert _error(unknown)["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert _error(wrong_method)["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"]


def test_registration_through_the_api_follows_the_programmes_rules(cast: Cast, api_as: MakeApi) -> None:
    writer = api_as(cast.case_manager, write=True)

    refused = writer.post("/clients", {"given_name_latin": "Sopheap", "phone_numbers": ["abc"]})
    accepted = writer.post(
        "/clients",
        {"given_name_latin": "Sopheap", "sex": "female", "birth_year": 2001, "phone_numbers": ["០១២ ៣៤៥ ៦៧៨"]},
    )

    assert refused.status_code == 422
    assert set(_error(refused)["fields"]) == {"sex", "date_of_birth", "phone_numbers"}
    assert accepted.status_code == 201, accepted.content
    assert Client.objects.get(code=accepted.json()["code"]).phone_numbers == ["012 345 678"]


@pytest.mark.parametrize("day", [0, 1700000000, "0", "23/11/2024", True])
def test_a_date_is_written_year_month_day_never_a_number(cast: Cast, api_as: MakeApi, day: Any) -> None:
    """`"referred_on": 0` was recorded as 1 January 1970: a number is seconds since 1970 to the parser."""
    writer = api_as(cast.case_manager, write=True)

    response = writer.post("/referrals", {"referred_on": day, "source": "self", "person": {"name": "Someone"}})

    assert response.status_code == 422
    body = response.json()["error"]
    assert body["fields"]["referred_on"] == ["Write the date as year-month-day, for example 2024-11-23."]
    assert not Referral.objects.exists()
    assert (
        writer.post(
            "/referrals", {"referred_on": "2024-11-23", "source": "self", "person": {"name": "Someone"}}
        ).status_code
        == 201
    )


# --- decimal numbers -------------------------------------------------------------------------


def test_a_json_number_of_money_is_read_as_the_decimal_it_stands_for(cast: Cast, dara: Client) -> None:
    """0.35 travels in JSON as the binary fraction 0.35000000000000003; a third decimal place is
    refused on its field, as the page's form refuses it."""
    officer = UserFactory(office=cast.kh, team=cast.team, roles=[Role.CASE_MANAGER, Role.ECONOMIC_OFFICER])
    writer = Api(token_for(officer, ApiToken.Scope.WRITE)[1])
    service = {"kind": "business_plan", "provided_on": str(dara.cases.get().opened_on)}

    recorded = writer.post(f"/clients/{dara.pk}/economic-services", {**service, "amount": 35 * 0.01})
    refused = writer.post(f"/clients/{dara.pk}/economic-services", {**service, "amount_usd": "12.345"})

    assert recorded.status_code == 201
    assert str(EconomicService.objects.get().amount) == "0.35"
    assert refused.status_code == 422 and list(_error(refused)["fields"]) == ["amount_usd"]


def test_a_text_with_a_nul_character_is_refused_on_its_field_as_the_pages_refuse_it(
    cast: Cast, api_as: MakeApi, dara: Client
) -> None:
    """PostgreSQL cannot store one (a DataError without the field's name), SQLite would store it."""
    writer = api_as(cast.case_manager, write=True)

    response = writer.send("PATCH", f"/clients/{dara.pk}", {"family_name_latin": "So\x00k"})
    searched = writer.get("/clients/search", q="So\x00k")

    assert response.status_code == searched.status_code == 422
    assert _error(response)["fields"] == {"family_name_latin": ["Null characters are not allowed."]}
    assert _error(searched)["fields"] == {"q": ["Null characters are not allowed."]}
    dara.refresh_from_db()
    assert dara.family_name_latin == "Sok"


# --- corrections: versions in ETag and If-Match (core.corrections.api) ---------------------------


def test_an_identity_change_needs_the_version_read_428_without_it_412_over_a_newer_one(
    cast: Cast, api_as: MakeApi
) -> None:
    dara = new_client(cast, team=cast.team, case_manager=cast.case_manager, given_name_latin="Dara")
    writer = api_as(cast.case_manager, write=True)
    etag = writer.get(f"/clients/{dara.pk}")["ETag"]
    assert etag == '"1"'

    missing = writer.send("PATCH", f"/clients/{dara.pk}", {"given_name_latin": "Dary"})
    saved = writer.send("PATCH", f"/clients/{dara.pk}", {"given_name_latin": "Dary"}, if_match=etag)
    stale = writer.send("PATCH", f"/clients/{dara.pk}", {"given_name_latin": "Darya"}, if_match=etag)

    assert missing.status_code == 428
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale_version"
    assert Client.objects.get(pk=dara.pk).given_name_latin == "Dary"


def test_any_record_is_corrected_and_voided_through_the_api_with_its_version(cast: Cast, api_as: MakeApi) -> None:
    from wholejourney.care import services as care_services
    from wholejourney.care.models import Visit
    from wholejourney.care.tests.records import client_in_care, days_ago

    client, _case = client_in_care(cast)
    visit = care_services.visit_record(
        actor=cast.case_manager, client=client, mode="home", visited_on=days_ago(4), note="First words"
    )
    writer = api_as(cast.case_manager, write=True)
    read = writer.get(f"/records/visit/{visit.pk}")
    assert read.status_code == 200 and read.json()["fields"]["note"] == "First words"

    bad = writer.send(
        "PATCH", f"/records/visit/{visit.pk}", {"fields": {"next_visit_on": days_ago(9).isoformat()}}, if_match='"1"'
    )
    edited = writer.send("PATCH", f"/records/visit/{visit.pk}", {"fields": {"note": "Better words"}}, if_match='"1"')
    no_version = writer.send("POST", f"/records/visit/{visit.pk}/void", {"reason": "Wrong client"})
    stale = writer.send("POST", f"/records/visit/{visit.pk}/void", {"reason": "Wrong client"}, if_match='"1"')
    voided = writer.send("POST", f"/records/visit/{visit.pk}/void", {"reason": "Wrong client"}, if_match='"2"')

    assert bad.status_code == 422 and "next_visit_on" in bad.json()["error"]["fields"]
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert (no_version.status_code, stale.status_code, voided.status_code) == (428, 412, 200)
    assert not Visit.objects.filter(pk=visit.pk).exists()
    outsider = api_as(cast.other_office, write=True)
    assert outsider.get(f"/records/visit/{visit.pk}").status_code == 404
    assert api_as(cast.me_officer).get(f"/records/visit/{visit.pk}").status_code == 404
