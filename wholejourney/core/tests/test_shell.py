"""The page shell: navigation by role, language, security headers and error pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.conftest import Cast
from wholejourney.core.services import job_create
from wholejourney.core.tests.factories import PASSWORD, make_user

NAV = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')
HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def nav_links(response: Any) -> dict[str, str]:
    found = NAV.search(response.content.decode())
    assert found is not None, "the page has no main navigation"
    return {label: url for url, label in LINK.findall(found.group(1))}


def html_lang(response: Any) -> str:
    found = HTML_LANG.search(response.content.decode())
    assert found is not None
    return found.group(1)


# --- Navigation -------------------------------------------------------------------------------


ADMINISTRATION = {"Staff": "/manage/staff/", "Teams": "/manage/teams/", "Offices": "/manage/offices/"}


def administration_links(links: dict[str, str]) -> dict[str, str]:
    return {label: url for label, url in links.items() if label in ADMINISTRATION}


def test_shell_admin_sees_all_administration_links(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    links = nav_links(client.get("/"))

    assert administration_links(links) == ADMINISTRATION
    assert (links["Home"], links["My account"]) == ("/", "/accounts/me/")


def test_shell_director_sees_staff_and_teams_but_not_offices(client: Client, cast: Cast) -> None:
    client.force_login(cast.director)

    links = nav_links(client.get("/"))

    assert administration_links(links) == {"Staff": "/manage/staff/", "Teams": "/manage/teams/"}
    assert {"Home", "My account"} <= set(links)


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.COUNSELOR, Role.PARTNER_REFERRER, Role.ME_OFFICER])
def test_shell_other_roles_see_no_administration_links(client: Client, cast: Cast, role: Role) -> None:
    client.force_login(make_user(role, office=cast.kh, username=f"someone-{role.value}"))

    links = nav_links(client.get("/"))

    assert administration_links(links) == {}
    assert list(links)[0] == "Home"
    assert list(links)[-1] == "My account"


@pytest.mark.parametrize("role", list(Role))
def test_shell_every_link_a_role_sees_opens_for_it(client: Client, cast: Cast, role: Role) -> None:
    client.force_login(make_user(role, office=cast.kh, username=f"someone-{role.value}"))

    links = nav_links(client.get("/"))
    answers = {url: client.get(url).status_code for url in links.values()}

    assert answers == dict.fromkeys(links.values(), 200)


def test_shell_marks_the_current_section(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)

    page = client.get("/manage/teams/").content.decode()

    assert '<a href="/manage/teams/" aria-current="page">' in page
    assert '<a href="/" aria-current="page">' not in page


def test_shell_anonymous_sign_in_page_has_no_navigation(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()

    assert 'class="main-nav"' not in page
    assert "Sign out" not in page


def test_shell_shows_the_office_of_the_user(client: Client, cast: Cast) -> None:
    client.force_login(cast.other_office)

    page = client.get("/").content.decode()

    assert '<span class="office" title="Your office">Vietnam</span>' in page


# --- Security headers -------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in-page", "home"])
def test_shell_pages_carry_security_headers(client: Client, cast: Cast, signed_in: bool) -> None:
    if signed_in:
        client.force_login(cast.case_manager)

    response = client.get("/" if signed_in else "/accounts/login/")

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    # Either keeps case URLs from other sites; same-origin also lets forms pass Django's Origin check.
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_shell_csp_nonce_changes_with_every_page(client: Client, db: None) -> None:
    first = client.get("/accounts/login/")["Content-Security-Policy"]
    second = client.get("/accounts/login/")["Content-Security-Policy"]

    assert first != second


def test_shell_every_response_has_a_request_id(client: Client, db: None) -> None:
    first = client.get("/accounts/login/")
    second = client.get("/healthz/")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


# --- Language ---------------------------------------------------------------------------------


def test_shell_language_switch_to_khmer_is_saved_on_the_account(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    switched = client.post("/language/", {"language": "km", "next": "/accounts/me/"})
    page = client.get("/accounts/me/")

    assert switched["Location"] == "/accounts/me/"
    assert html_lang(page) == "km"
    assert page["Content-Language"] == "km"
    assert User.objects.get(pk=cast.case_manager.pk).language == "km"


def test_shell_language_of_the_account_follows_to_a_new_sign_in(client: Client, cast: Cast) -> None:
    before = Client()
    before.force_login(cast.case_manager)
    before.post("/language/", {"language": "km"})

    signed_in = client.post("/accounts/login/", {"username": "cm", "password": PASSWORD})
    page = client.get("/")

    assert signed_in.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "km"
    assert html_lang(page) == "km"
    assert page["Content-Language"] == "km"


def test_shell_language_of_the_account_beats_an_old_cookie(client: Client, cast: Cast) -> None:
    User.objects.filter(pk=cast.case_manager.pk).update(language="km")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.case_manager)

    page = client.get("/")

    assert html_lang(page) == "km"


def test_shell_anonymous_language_switch_sets_the_cookie(client: Client, db: None) -> None:
    switched = client.post("/language/", {"language": "km", "next": "/accounts/login/"})
    page = client.get("/accounts/login/")

    assert switched.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "km"
    assert switched["Location"] == "/accounts/login/"
    assert html_lang(page) == "km"
    assert '<button type="submit" name="language" value="km" lang="km" aria-pressed="true">' in page.content.decode()


def test_shell_language_switch_back_to_english(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    client.post("/language/", {"language": "km"})

    client.post("/language/", {"language": "en"})
    page = client.get("/")

    assert html_lang(page) == "en"
    assert User.objects.get(pk=cast.case_manager.pk).language == "en"


@pytest.mark.skipif(
    not (Path(django_settings.BASE_DIR) / "wholejourney/locale/km/LC_MESSAGES/django.mo").exists(),
    reason="the Khmer catalogue is not compiled",
)
def test_shell_khmer_page_is_translated(client: Client, db: None) -> None:
    english = client.get("/accounts/login/").content.decode()
    client.post("/language/", {"language": "km"})

    khmer = client.get("/accounts/login/").content.decode()

    assert "<h1>Sign in</h1>" in english
    assert "<h1>Sign in</h1>" not in khmer


@pytest.mark.parametrize("language", ["fr", "", "km; DROP TABLE", "x" * 500])
def test_shell_unknown_language_changes_nothing(client: Client, cast: Cast, language: str) -> None:
    client.force_login(cast.case_manager)

    response = client.post("/language/", {"language": language})

    assert response.status_code == 302
    assert User.objects.get(pk=cast.case_manager.pk).language == "en"
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_shell_language_switch_never_redirects_to_another_site(client: Client, db: None) -> None:
    response = client.post("/language/", {"language": "km", "next": "https://evil.example/"})

    assert response["Location"] == "/"


# --- Error pages ------------------------------------------------------------------------------


def test_shell_unknown_page_is_a_friendly_404(client: Client, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "There is nothing here, or you do not have access to it." in response.content.decode()


def test_shell_language_switch_without_csrf_shows_form_expired(db: None) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/language/", {"language": "km"})

    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


def test_shell_health_check_answers(client: Client, db: None) -> None:
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_shell_home_page_queries_do_not_grow_with_recent_work(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)
    client.get("/")
    with CaptureQueriesContext(connection) as without_jobs:
        client.get("/")
    for number in range(5):
        job_create(actor=cast.admin, kind="import", message=f"Import {number}")

    with CaptureQueriesContext(connection) as with_jobs:
        response = client.get("/")

    assert response.content.decode().count('<a href="/jobs/') == 5
    assert len(with_jobs) == len(without_jobs)
