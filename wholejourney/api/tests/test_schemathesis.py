"""Schemathesis against the committed OpenAPI document, in-process through the WSGI application:
for every operation, generated requests (valid and invalid, aimed at real records of the office
and at ids that do not exist) never get a server error, every answer (the one error format
included) has a status, a content type and a body the document declares, and a request the
document calls valid is not refused by the operation's validation.

Examples are few per operation (six per strategy, derandomized: the same requests every run) so
the whole run stays under half a minute; the rules the API calls into have their own tests with
hypothesis (the clock, batches) and with the shared cast."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wholejourney.accounts.roles import Role
from wholejourney.api.models import ApiToken
from wholejourney.api.tests.factories import token_for
from wholejourney.cases.tests import factories as case_factories
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import UserFactory
from wholejourney.programmes import services as programme_services

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "openapi.json"
# The answer of the request's own validation (api.errors), in the tokens' owners' language (English).
REQUEST_REFUSED = "Some values are missing or not valid."


@schemathesis.check
def valid_request_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the document calls valid passes the operation's own validation (its schema): if
    not, the document does not say what the API checks (decimals' digits once did). A service may
    still refuse it for a rule of the records (a case closed before it opened): that 422 has the
    rule's own message."""
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and response.status_code == 422 and response.json()["error"]["message"] == REQUEST_REFUSED:
        fields = response.json()["error"]["fields"]
        raise AssertionError(f"The document calls this request valid; the API's validation refused {fields}")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    valid_request_passes_validation,
]
EXAMPLES = 6


@pytest.fixture
def office(cast: Cast) -> dict[str, Any]:
    """A KH office with one record of each kind, and tokens: a staff member holding every casework
    and programme role (so no operation is refused for the role alone) and a partner referrer."""
    staff = UserFactory(
        office=cast.kh,
        team=cast.team,
        username="everything",
        roles=[Role.DIRECTOR, Role.CASE_MANAGER, Role.COUNSELOR, Role.LEGAL_OFFICER, Role.ECONOMIC_OFFICER]
        + [Role.PREVENTION_OFFICER, Role.ME_OFFICER],
    )
    client = case_factories.make_client(cast.case_manager)
    case = case_factories.make_case(cast.case_manager, client, opened_on=datetime.date(2024, 1, 10))
    placement = case_factories.make_placement(cast.case_manager, case)
    referral = case_factories.make_referral(cast.case_manager)
    closure = case_factories.make_closure_request(cast.case_manager, case)
    activity = programme_services.activity_record(
        actor=UserFactory(office=cast.kh, roles=[Role.PREVENTION_OFFICER]),
        office=cast.kh,
        kind="prevention_training",
        held_on=datetime.date(2024, 2, 1),
    )
    organisation = case_factories.OrganisationFactory(office=cast.kh)
    cast.partner.partner_organisation = organisation
    cast.partner.save()
    return {
        "ids": {
            "client_id": client.pk,
            "case_id": case.pk,
            "placement_id": placement.pk,
            "referral_id": referral.pk,
            "request_id": closure.pk,
            "activity_id": activity.pk,
        },
        "staff": token_for(staff, ApiToken.Scope.WRITE)[1],
        "partner": token_for(cast.partner, ApiToken.Scope.WRITE)[1],
    }


def _operations() -> list[Any]:
    schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
    results: list[Any] = list(schema.get_all_operations())
    return [result.ok() for result in results]


def _fuzz(strategy: Any, app: Any, headers: dict[str, str]) -> None:
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.fixture
def _connection_kept_open() -> Any:
    """The app is called through WSGI, not Django's test client, so nothing stops the end of each
    request from closing the database connection inside the test's transaction (on PostgreSQL that
    breaks the next request); do what the test client does and keep it open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# The operations are fuzzed in shares, each a test of its own (every SHARES-th operation of the
# document), so that parallel workers split the half-minute run instead of one worker carrying it.
SHARES = 8


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.mark.django_db
@pytest.mark.usefixtures("_connection_kept_open")
@pytest.mark.parametrize("share", range(SHARES), ids=lambda share: f"share{share + 1}of{SHARES}")
def test_api_answers_every_generated_request_within_its_document(office: dict[str, Any], share: int) -> None:
    app = get_wsgi_application()
    failures: list[str] = []
    operations = _operations()
    assert len(operations) > 30
    for operation in operations[share::SHARES]:
        token = office["partner"] if operation.path.startswith("/api/v1/partner/") else office["staff"]
        headers = {"Authorization": f"Bearer {token}"}
        names = [p.name for p in operation.path_parameters]
        real = {name: office["ids"][name] for name in names if name in office["ids"]}
        strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
        if real:
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real))
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        for strategy in strategies:
            try:
                _fuzz(strategy, app, headers)
            # Schemathesis reports a response outside the document as a FailureGroup, a BaseExceptionGroup.
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 (collect every operation's failures)
                failures.append(f"{_label(operation)}: {exc}")
    assert failures == [], "\n\n".join(failures)
