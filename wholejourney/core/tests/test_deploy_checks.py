"""Production refuses to start unsafe (core/checks.py): each unsafe setting fails `check --deploy`
with a message naming the setting and what to do; a safe configuration passes, and outside
production (the demo, development) nothing is refused.

The settings change in this process here; test_settings.py runs the real command line in a fresh
process for what needs one: the keyring beside the SQLite file, `serve` and the WSGI application.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from wholejourney.core import crypto
from wholejourney.core.checks import PRODUCTION_TAG

pytestmark = pytest.mark.every_engine  # one check asks PostgreSQL who owns the audit table


def write_keyring(path: Path) -> Path:
    crypto.write_keyring(crypto.Keyring.generate(), path)
    return path


@pytest.fixture
def production(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A safe production configuration: the keyring on storage of its own, away from var/."""
    settings.PRODUCTION = True
    settings.WJ_REQUIRE_MFA = True
    settings.ALLOWED_HOSTS = ["wj.example.org"]
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.delenv("WJ_KEYS", raising=False)
    monkeypatch.setenv("WJ_KEYS_FILE", str(write_keyring(tmp_path / "keys" / "keyring.json")))
    return settings


def deploy_check() -> str:
    """`check --deploy` (the production checks only, for speed): the refusal's text, or "" when it passes."""
    try:
        call_command("check", deploy=True, tags=[PRODUCTION_TAG])
    except SystemCheckError as exc:
        return str(exc)
    return ""


def test_deploy_checks_safe_production_passes(production: Any) -> None:
    assert deploy_check() == ""


def test_deploy_checks_safe_production_passes_every_check(production: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser tests' conftest allows Django's ORM in Playwright's event loop for the whole run;
    # a server never has it (and Django's own deploy check refuses it: async.E001).
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    # Every check Django and the apps register, as an administrator runs it.
    call_command("check", deploy=True)


def test_deploy_checks_mfa_off_is_refused(production: Any) -> None:
    production.WJ_REQUIRE_MFA = False

    refusal = deploy_check()

    assert "(wholejourney.E101) WJ_REQUIRE_MFA is off" in refusal
    assert "set it to true" in refusal


@pytest.mark.parametrize("hosts", [["*"], ["wj.example.org", "*"], ["*.example.org"]])
def test_deploy_checks_wildcard_allowed_hosts_is_refused(production: Any, hosts: list[str]) -> None:
    production.ALLOWED_HOSTS = hosts

    refusal = deploy_check()

    assert "(wholejourney.E103) ALLOWED_HOSTS accepts any host" in refusal
    assert "ALLOWED_HOSTS=wj.example.org" in refusal


@pytest.mark.parametrize("hosts", [[], [" "]])
def test_deploy_checks_empty_allowed_hosts_is_refused(production: Any, hosts: list[str]) -> None:
    production.ALLOWED_HOSTS = hosts

    assert "(wholejourney.E102) ALLOWED_HOSTS is empty" in deploy_check()


def test_deploy_checks_debug_on_is_refused(production: Any) -> None:
    production.DEBUG = True

    refusal = deploy_check()

    assert "(wholejourney.E104) DEBUG is on" in refusal
    assert "WJ_DEBUG" in refusal


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + secrets.token_urlsafe(64),  # what `startproject` writes
        "change-me",  # a placeholder copied from an example
        "x" * 80,  # long, but no secret
    ],
)
def test_deploy_checks_insecure_secret_key_is_refused(production: Any, key: str) -> None:
    production.SECRET_KEY = key

    refusal = deploy_check()

    assert "(wholejourney.E105) SECRET_KEY is a default or guessable value" in refusal
    assert "SECRET_KEY_FILE" in refusal


def test_deploy_checks_missing_keyring_is_refused(
    production: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WJ_KEYS_FILE", str(tmp_path / "elsewhere" / "keyring.json"))

    refusal = deploy_check()

    assert "(wholejourney.E106) The keyring cannot be loaded: No keyring at" in refusal
    assert str(tmp_path / "elsewhere" / "keyring.json") in refusal
    assert not (tmp_path / "elsewhere" / "keyring.json").exists()  # never made up in production


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"master": {"active": "k1", "keys": {', "is not JSON"),
        ('{"master": {"active": "k2", "keys": {}}, "index_key": ""}', "active master key is not among its keys"),
        (None, "cannot be read"),  # a folder where the file should be
    ],
)
def test_deploy_checks_unreadable_keyring_is_refused(
    production: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, says: str
) -> None:
    path = tmp_path / "broken" / "keyring.json"
    if content is None:
        path.mkdir(parents=True)
    else:
        path.parent.mkdir()
        path.write_text(content)
    monkeypatch.setenv("WJ_KEYS_FILE", str(path))

    refusal = deploy_check()

    assert "(wholejourney.E106) The keyring cannot be loaded" in refusal
    assert says in refusal


def test_deploy_checks_malformed_inline_keyring_is_refused(production: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WJ_KEYS", "{not json")

    assert "(wholejourney.E106) The keyring cannot be loaded: WJ_KEYS is not a JSON keyring" in deploy_check()


def test_deploy_checks_keyring_in_var_dir_is_refused(
    production: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = write_keyring(tmp_path / "var" / "keys" / "keyring.json")  # where development keeps it
    monkeypatch.setenv("WJ_KEYS_FILE", str(keyring))

    refusal = deploy_check()

    assert f"(wholejourney.E108) The keyring {keyring.resolve()} is in the var directory" in refusal
    assert "WJ_VAR_DIR" in refusal


def test_deploy_checks_say_nothing_outside_production(
    production: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's own defaults: no second factor, its keyring under var/ (here: none yet).
    production.PRODUCTION = False
    production.WJ_REQUIRE_MFA = False
    production.ALLOWED_HOSTS = ["*"]
    production.SECRET_KEY = "change-me"
    monkeypatch.setenv("WJ_KEYS_FILE", str(tmp_path / "var" / "keys" / "keyring.json"))

    assert deploy_check() == ""
