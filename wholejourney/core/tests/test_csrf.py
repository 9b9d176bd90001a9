"""Forms post under `Referrer-Policy: no-referrer` as browsers really send them."""

from __future__ import annotations

import pytest
from django.test import Client

from wholejourney.accounts.roles import Role
from wholejourney.core.tests.factories import PASSWORD, make_user


def _login_post(client: Client, **headers: str) -> int:
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "cm", "password": PASSWORD, "csrfmiddlewaretoken": token},
        secure=True,
        headers=headers,
    )
    return response.status_code


@pytest.fixture
def browser_client(db: None, settings: object) -> Client:
    make_user(Role.CASE_MANAGER, username="cm")
    return Client(enforce_csrf_checks=True)


def test_csrf_accepts_null_origin_from_our_own_page(browser_client: Client) -> None:
    assert _login_post(browser_client, origin="null", sec_fetch_site="same-origin") == 302


def test_csrf_refuses_null_origin_from_another_site(browser_client: Client) -> None:
    assert _login_post(browser_client, origin="null", sec_fetch_site="cross-site") == 403


def test_csrf_refuses_null_origin_without_fetch_metadata(browser_client: Client) -> None:
    assert _login_post(browser_client, origin="null") == 403


def test_csrf_refuses_a_foreign_origin_even_claiming_same_origin(browser_client: Client) -> None:
    assert _login_post(browser_client, origin="https://evil.example", sec_fetch_site="same-origin") == 403


def test_csrf_still_requires_the_token(browser_client: Client) -> None:
    browser_client.get("/accounts/login/")
    response = browser_client.post(
        "/accounts/login/",
        {"username": "cm", "password": PASSWORD},
        secure=True,
        headers={"origin": "null", "sec_fetch_site": "same-origin"},
    )
    assert response.status_code == 403
