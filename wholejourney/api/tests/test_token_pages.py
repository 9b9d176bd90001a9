"""The API tokens page: make a token (its secret shown once), see it, revoke it."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from wholejourney.api.models import ApiToken, hash_token
from wholejourney.api.tests.conftest import Api
from wholejourney.api.tests.factories import token_for
from wholejourney.audit.models import AuditEvent
from wholejourney.conftest import Cast

pytestmark = pytest.mark.django_db
PAGE = "/account/tokens/"


def _browser(user: object) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)  # type: ignore[arg-type]
    return browser


def test_token_secret_is_shown_once_and_works(cast: Cast) -> None:
    browser = _browser(cast.case_manager)

    made = browser.post(PAGE, {"name": "Office tablet", "scope": "write", "days": "30"})
    again = browser.get(PAGE)

    secret = re.search(r"wj_[A-Za-z0-9_-]{40,}", made.content.decode())
    assert secret is not None
    token = ApiToken.objects.get(user=cast.case_manager)
    assert token.token_hash == hash_token(secret.group(0))
    assert token.scope == "write"
    assert secret.group(0) not in again.content.decode()
    assert "Office tablet" in again.content.decode()
    assert Api(secret.group(0)).get("/clients").status_code == 200
    assert AuditEvent.objects.filter(action="create", object_type="api.apitoken", object_id=str(token.pk)).exists()


def test_token_form_refuses_too_long_a_life(cast: Cast) -> None:
    response = _browser(cast.case_manager).post(PAGE, {"name": "Forever", "scope": "read", "days": "4000"})

    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager)

    response = _browser(cast.case_manager).post(reverse("api:token_revoke", kwargs={"pk": token.pk}))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Api(secret).get("/clients").status_code == 401
    assert AuditEvent.objects.filter(action="change", object_type="api.apitoken", object_id=str(token.pk)).exists()


def test_nobody_revokes_another_users_token(cast: Cast) -> None:
    token, secret = token_for(cast.case_manager)

    response = _browser(cast.director).post(reverse("api:token_revoke", kwargs={"pk": token.pk}))

    assert response.status_code == 404
    assert Api(secret).get("/clients").status_code == 200


def test_page_lists_only_own_tokens(cast: Cast) -> None:
    services_token, _secret = token_for(cast.director)

    page = _browser(cast.case_manager).get(PAGE)

    assert services_token.prefix not in page.content.decode()
