"""Settings from the environment: the production profile starts only when safe, and says why when not.

Each case runs the real command line in a fresh process, because settings are read once at start.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from wholejourney.core import crypto

BIN = Path(sys.executable).parent
COMMAND = str(BIN / "wholejourney")


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "LANG": "C.UTF-8", **env}
    return subprocess.run(args, env=clean, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    setup = "import django; django.setup(); from django.conf import settings; "
    return run([sys.executable, "-c", setup + code], {"DJANGO_SETTINGS_MODULE": "wholejourney.settings", **env}, cwd)


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """Safe production settings: the keyring apart from the database and the var directory."""
    keyring = tmp_path / "keys" / "keyring.json"
    crypto.write_keyring(crypto.Keyring.generate(), keyring)
    return {
        "WJ_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'x.sqlite3'}",
        "WJ_VAR_DIR": str(tmp_path / "var"),
        "WJ_KEYS_FILE": str(keyring),
    }


def test_settings_production_passes_deploy_check(production: dict[str, str], tmp_path: Path) -> None:
    result = run([COMMAND, "check", "--deploy", "--fail-level", "WARNING"], production, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_production_without_secret_key_refuses_to_start(production: dict[str, str], tmp_path: Path) -> None:
    del production["SECRET_KEY"]

    result = run([COMMAND, "check"], production, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required when WJ_ENV=production." in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_settings_production_without_allowed_hosts_refuses_to_start(production: dict[str, str], tmp_path: Path) -> None:
    del production["ALLOWED_HOSTS"]

    result = run([COMMAND, "check"], production, tmp_path)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required when WJ_ENV=production." in result.stderr


def test_settings_production_keyring_beside_the_database_is_refused(production: dict[str, str], tmp_path: Path) -> None:
    keyring = tmp_path / "db" / "keyring.json"
    crypto.write_keyring(crypto.Keyring.generate(), keyring)
    production["WJ_KEYS_FILE"] = str(keyring)

    result = run([COMMAND, "check", "--deploy"], production, tmp_path)

    assert result.returncode != 0
    assert f"(wholejourney.E107) The keyring {keyring.resolve()} is in the database's folder" in result.stderr


def test_settings_production_serve_refuses_to_start_unsafe(production: dict[str, str], tmp_path: Path) -> None:
    production["WJ_REQUIRE_MFA"] = "false"
    production["ALLOWED_HOSTS"] = "*"

    # An address nothing can listen on: if the checks let it through, the server stops at once.
    result = run([COMMAND, "serve", "--host", "256.0.0.1", "--no-worker"], production, tmp_path)

    assert result.returncode != 0
    assert "will not start with WJ_ENV=production" in result.stderr
    assert "(wholejourney.E101) WJ_REQUIRE_MFA is off" in result.stderr
    assert "(wholejourney.E103) ALLOWED_HOSTS accepts any host" in result.stderr
    assert "Whole Journey on http" not in result.stdout  # nothing was started


def test_settings_production_wsgi_application_refuses_to_load_unsafe(
    production: dict[str, str], tmp_path: Path
) -> None:
    # What a gunicorn started by hand, without `serve`, does.
    production["WJ_REQUIRE_MFA"] = "false"

    result = run([sys.executable, "-c", "import wholejourney.wsgi"], production, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "(wholejourney.E101) WJ_REQUIRE_MFA is off" in result.stderr


def test_settings_production_wsgi_application_loads_when_safe(production: dict[str, str], tmp_path: Path) -> None:
    result = run([sys.executable, "-c", "import wholejourney.wsgi"], production, tmp_path)

    assert result.returncode == 0, result.stderr


def test_settings_secret_key_file_is_read(production: dict[str, str], tmp_path: Path) -> None:
    key = secrets.token_urlsafe(64)
    key_file = tmp_path / "key.txt"
    key_file.write_text(key + "\n")
    del production["SECRET_KEY"]
    production["SECRET_KEY_FILE"] = str(key_file)

    result = python("print(settings.SECRET_KEY)", production, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key


def test_settings_unreadable_secret_key_file_names_the_file(production: dict[str, str], tmp_path: Path) -> None:
    del production["SECRET_KEY"]
    production["SECRET_KEY_FILE"] = str(tmp_path / "missing.txt")

    result = run([COMMAND, "check"], production, tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY_FILE points to" in result.stderr
    assert "missing.txt" in result.stderr


def test_settings_bad_boolean_is_refused_clearly(production: dict[str, str], tmp_path: Path) -> None:
    production["WJ_SSL_REDIRECT"] = "maybe"

    result = run([COMMAND, "check"], production, tmp_path)

    assert result.returncode != 0
    assert "WJ_SSL_REDIRECT must be true or false, not 'maybe'." in result.stderr


def test_settings_production_hashes_passwords_with_argon2(production: dict[str, str], tmp_path: Path) -> None:
    code = (
        "from django.contrib.auth.hashers import make_password; "
        "print(settings.PASSWORD_HASHERS[0]); print(make_password('a-long-enough-password').split('$')[0])"
    )

    result = python(code, production, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.auth.hashers.Argon2PasswordHasher", "argon2"]


def test_settings_production_cookies_are_secure(production: dict[str, str], tmp_path: Path) -> None:
    code = (
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
        "settings.SESSION_COOKIE_NAME, settings.DEBUG)"
    )

    result = python(code, production, tmp_path)

    assert result.stdout.split() == ["True", "True", "True", "__Host-sessionid", "False"]


def test_settings_debug_is_never_on_in_production(production: dict[str, str], tmp_path: Path) -> None:
    production["WJ_DEBUG"] = "true"

    result = python("print(settings.DEBUG)", production, tmp_path)

    assert result.stdout.strip() == "False"


def test_settings_sqlite_runs_in_wal_mode(production: dict[str, str], tmp_path: Path) -> None:
    code = (
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0]); "
        "cursor.execute('PRAGMA foreign_keys'); print(cursor.fetchone()[0])"
    )

    result = python(code, production, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]


def test_settings_development_makes_its_own_secret_key_once(tmp_path: Path) -> None:
    env = {"WJ_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}"}

    first = python("print(settings.SECRET_KEY)", env, tmp_path)
    second = python("print(settings.SECRET_KEY)", env, tmp_path)

    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip()) >= 50
    assert first.stdout == second.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
