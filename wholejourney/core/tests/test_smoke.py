from __future__ import annotations

from django.test import Client


def test_anonymous_home_redirects_to_login_form(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"])
    assert b'name="password"' in page.content
