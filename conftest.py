"""Settings every test shares: fast password hashing, a clean language, the browser test marker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from wholejourney.core import crypto


@pytest.fixture(autouse=True, scope="session")
def _test_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never touch the developer's var/keys: they get a keyring of their own."""
    path = tmp_path_factory.mktemp("keys") / "keyring.json"
    previous = os.environ.get("WJ_KEYS_FILE")
    os.environ["WJ_KEYS_FILE"] = str(path)
    crypto.reset_keyring_cache()
    yield path
    if previous is None:
        os.environ.pop("WJ_KEYS_FILE", None)
    else:
        os.environ["WJ_KEYS_FILE"] = previous
    crypto.reset_keyring_cache()


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """A request in Khmer leaves Khmer active in this thread; the next test starts in English."""
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _fast_tests(settings: pytest.FixtureRequest) -> None:
    # Argon2 is the production hasher (asserted in accounts tests); tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.WJ_REQUIRE_MFA = False  # type: ignore[attr-defined]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On SQLite, test in a database file, as the app runs, not in Django's shared in-memory database.

    With an in-memory database the browser tests' live server shares the test thread's one
    connection among all its request threads: two requests at once (a page and its favicon, an htmx
    poll) then interleave their transactions on that connection, and once in CI a form post stalled
    for the full lock timeout. A file gives every request its own connection, WAL and
    `BEGIN IMMEDIATE` queueing, exactly as in production.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
