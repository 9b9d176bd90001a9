"""Every URL declares who may use it, and no one outside an office can reach its objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from wholejourney.accounts.permissions import PUBLIC
from wholejourney.accounts.roles import Role
from wholejourney.api.tests import factories as api_factories
from wholejourney.care.tests import records as care_records
from wholejourney.cases.tests import factories as case_factories
from wholejourney.clients import services as client_services
from wholejourney.conftest import Cast
from wholejourney.core import services as core_services
from wholejourney.core.tests.factories import TeamFactory, make_user
from wholejourney.documents.tests import factories as document_factories
from wholejourney.exports.tests import factories as export_factories
from wholejourney.notifications.tests import factories as notification_factories
from wholejourney.outcomes.tests import records as outcome_records
from wholejourney.programmes.tests import factories as programme_factories
from wholejourney.reporting.tests import records as reporting_records
from wholejourney.tables.tests import factories as table_factories


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern


ALL_URLS = list(_walk(get_resolver().url_patterns))


def test_every_view_declares_its_permission() -> None:
    undeclared = [name for name, pattern in ALL_URLS if not hasattr(pattern.callback, "wj_permission")]
    assert undeclared == [], f"views without @requires(...) or @public: {undeclared}"


def test_public_views_are_only_the_sign_in_pages() -> None:
    public = sorted(name for name, pattern in ALL_URLS if getattr(pattern.callback, "wj_permission", None) == PUBLIC)
    # field:status answers only whether a phone's pack (named by its random token) is still valid.
    assert public == ["accounts:login", "accounts:logout", "core:healthz", "core:set_language", "field:status"]


def _client_in_kh(cast: Cast) -> Any:
    return client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=cast.team,
        given_name_latin="Outsidercheck",
        sex="female",
        birth_year=1990,
    )


# For each URL that takes an object id: how to make such an object in Cambodia (the cast's KH office).
# clients:break_glass is reachable by a KH user outside the caseload (that is its point), never
# by another office's staff or a partner.
OBJECT_IN_KH: dict[str, Callable[[Cast], Any]] = {
    "reporting:narrative_detail": reporting_records.kh_narrative,
    "reporting:narrative_publish": reporting_records.kh_narrative,
    "reporting:story_new": reporting_records.kh_narrative,
    "reporting:story_edit": reporting_records.kh_story,
    "reporting:story_delete": reporting_records.kh_story,
    "reporting:file_download": reporting_records.kh_report_file,
    "accounts:user_edit": lambda cast: cast.case_manager,
    "accounts:user_reset_password": lambda cast: cast.case_manager,
    "accounts:user_reset_mfa": lambda cast: cast.case_manager,
    "accounts:team_edit": lambda cast: cast.team,
    "accounts:office_edit": lambda cast: cast.kh,
    "clients:detail": _client_in_kh,
    "clients:break_glass": _client_in_kh,
    "care:session_detail": care_records.kh_session,
    "care:timeline": care_records.kh_client,
    "care:legal_service_new": care_records.kh_client,
    "care:legal_case_new": care_records.kh_client,
    "care:education_new": care_records.kh_client,
    "care:economic_new": care_records.kh_client,
    "care:training_new": care_records.kh_client,
    "care:employment_new": care_records.kh_client,
    "care:visit_new": care_records.kh_client,
    "care:treatment_plan_new": care_records.kh_client,
    "care:care_plan_new": care_records.kh_client,
    "care:legal_case_detail": care_records.kh_legal_case,
    "care:training_detail": care_records.kh_training,
    "care:treatment_plan_detail": care_records.kh_treatment_plan,
    "care:care_plan_detail": care_records.kh_care_plan,
    "outcomes:client": outcome_records.kh_client,
    "outcomes:assess": outcome_records.kh_client,
    "outcomes:crisis": outcome_records.kh_client,
    "outcomes:survey": outcome_records.kh_client,
    "outcomes:flag_resolve": outcome_records.kh_flag,
    "core:job_status": lambda cast: core_services.job_create(actor=cast.director, kind="test", office=cast.kh),
    "imports:status": lambda cast: core_services.job_create(actor=cast.admin, kind="office_import", office=cast.kh),
    "cases:referral_detail": lambda cast: case_factories.make_referral(cast.case_manager),
    "cases:referral_accept": lambda cast: case_factories.make_referral(cast.case_manager),
    "cases:referral_decline": lambda cast: case_factories.make_referral(cast.case_manager),
    "cases:referral_status": lambda cast: case_factories.make_outgoing_referral(cast.case_manager),
    "cases:referral_letter": lambda cast: case_factories.make_outgoing_referral(cast.case_manager),
    "cases:transfer_request": lambda cast: case_factories.make_client(cast.case_manager),
    "cases:transfer_decide": lambda cast: _kh_transfer(cast),
    "cases:partner_referral": lambda cast: case_factories.make_outgoing_referral(cast.case_manager),
    "cases:partner_referral_answer": lambda cast: case_factories.make_outgoing_referral(cast.case_manager),
    "cases:partner_referral_outcome": lambda cast: case_factories.make_outgoing_referral(cast.case_manager),
    "cases:referral_send": lambda cast: case_factories.make_client(cast.case_manager),
    "cases:case_open": lambda cast: case_factories.make_client(cast.case_manager),
    "cases:case_transfer": lambda cast: case_factories.make_case(cast.case_manager),
    "cases:closure_request": lambda cast: case_factories.make_case(cast.case_manager),
    "cases:case_reopen": lambda cast: case_factories.make_case(cast.case_manager),
    "cases:closure_decide": lambda cast: case_factories.make_closure_request(cast.case_manager),
    "cases:placement_add": lambda cast: case_factories.make_case(cast.case_manager),
    "cases:placement_end": lambda cast: case_factories.make_placement(cast.case_manager),
    "partners:organisation_edit": lambda cast: case_factories.OrganisationFactory(office=cast.kh),
    "partners:period_add": lambda cast: case_factories.OrganisationFactory(office=cast.kh),
    "partners:period_end": lambda cast: case_factories.PartnershipPeriodFactory(organisation__office=cast.kh),
    "programmes:activity_detail": programme_factories.kh_activity,
    "programmes:attendance_add": programme_factories.kh_activity,
    "programmes:attendance_upload": programme_factories.kh_activity,
    "programmes:upload_status": programme_factories.kh_upload_job,
    "programmes:group_detail": programme_factories.kh_group,
    "programmes:group_status": programme_factories.kh_group,
    "programmes:plan_action_add": programme_factories.kh_group,
    "programmes:plan_action_complete": programme_factories.kh_plan_action,
    "partnerships:detail": programme_factories.kh_organisation,
    "partnerships:agreement_new": programme_factories.kh_organisation,
    "partnerships:contact_new": programme_factories.kh_organisation,
    "partnerships:agreement_document": programme_factories.kh_agreement,
    "api:token_revoke": api_factories.kh_token,
    "exports:detail": export_factories.kh_export,
    "exports:download": export_factories.kh_export,
    "exports:decide": export_factories.kh_export,
    "notifications:open": notification_factories.kh_notification,
    "documents:list": lambda cast: case_factories.make_client(cast.case_manager),
    "clients:consent": lambda cast: case_factories.make_client(cast.case_manager),
    "clients:consent_withdraw": document_factories.kh_consent,
    "erasure:client": lambda cast: case_factories.make_client(cast.case_manager),
    "erasure:decide": document_factories.kh_erasure_request,
    "documents:download": document_factories.kh_document,
    "documents:preview": document_factories.kh_document,
    "documents:delete": document_factories.kh_document,
    "tables:saved": table_factories.kh_saved_table,
    "tables:saved_edit": table_factories.kh_saved_table,
    "tables:saved_delete": table_factories.kh_saved_table,
    # Corrections of any kind of record (core.corrections): a visit stands for them all, the
    # kind being part of the address (URL_KWARGS).
    "core:record_edit": lambda cast: _kh_visit(cast),
    "core:record_void": lambda cast: _kh_visit(cast),
    "core:record_restore": lambda cast: _kh_visit(cast),
    "core:record_history": lambda cast: _kh_visit(cast),
}
URL_KWARGS = {name: {"kind": "visit"} for name in OBJECT_IN_KH if name.startswith("core:record_")}


def _kh_transfer(cast: Cast) -> Any:
    """A transfer from KH to a third office (so neither side is VN, whose users are the outsiders)."""
    from wholejourney.cases.transfers import transfer_request
    from wholejourney.core.tests.factories import OfficeFactory

    client = case_factories.make_case(cast.case_manager).client
    return transfer_request(actor=cast.case_manager, client=client, to_office=OfficeFactory(code="TH"), reason="Moved")


def _kh_visit(cast: Cast) -> Any:
    from wholejourney.care.services import visit_record
    from wholejourney.care.tests.records import client_in_care, days_ago

    client, _case = client_in_care(cast)
    return visit_record(actor=cast.case_manager, client=client, mode="home", visited_on=days_ago(1))


def test_every_object_url_has_an_outsider_check() -> None:
    with_ids = sorted(name for name, pattern in ALL_URLS if "<int:pk>" in str(pattern.pattern))
    assert with_ids == sorted(OBJECT_IN_KH), "add the new object URL to OBJECT_IN_KH"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(OBJECT_IN_KH))
@pytest.mark.parametrize("outsider", ["other_office_admin", "other_office", "partner"])
def test_object_urls_are_404_to_outsiders(client: Client, cast: Cast, url_name: str, outsider: str) -> None:
    if outsider == "other_office_admin":
        user = make_user(Role.ADMINISTRATOR, office=cast.vn, username="vn.admin", team=TeamFactory(office=cast.vn))
    else:
        user = getattr(cast, outsider)
    target = OBJECT_IN_KH[url_name](cast)
    client.force_login(user)
    extra = URL_KWARGS.get(url_name, {})
    url = reverse(url_name, kwargs={"pk": target.pk, **extra})
    missing_url = reverse(url_name, kwargs={"pk": 987654, **extra})

    got, posted, got_missing = client.get(url), client.post(url), client.get(missing_url)

    assert posted.status_code == 404
    # A POST-only view answers GET with 405 before looking anything up: the same for any id.
    assert got.status_code in (404, 405)
    assert got.status_code == got_missing.status_code
