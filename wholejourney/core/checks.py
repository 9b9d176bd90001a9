"""Production refuses to start unsafe.

Django system checks, tagged `production` and run by `wholejourney check --deploy`, by
`wholejourney serve` before it starts anything, and by the WSGI application as it loads
(`refuse_unsafe_production`), so a server started any of these ways stops with the list of what to
fix. Outside `WJ_ENV=production` they say nothing: the demo turns two-factor sign-in off and keeps
its keyring under var/, as it should. The messages are for administrators, in English, like
Django's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from wholejourney.core import crypto

PRODUCTION_TAG = "production"

# Django's own thresholds for a key it calls insecure (security.W009), plus its generated placeholder.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
SECRET_KEY_INSECURE_PREFIX = "django-insecure-"  # noqa: S105  (a prefix to refuse, not a secret)

_KEYRING_HINT = (
    "Restore the keyring from its backup and give its path as WJ_KEYS_FILE (or its JSON as WJ_KEYS): a new "
    "keyring cannot decrypt what is already stored (docs/security.md, 'Where the keys live')."
)


def _in_production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


@checks.register(checks.Tags.security, PRODUCTION_TAG, deploy=True)
def check_two_factor(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _in_production() or settings.WJ_REQUIRE_MFA:
        return []
    return [
        checks.Error(
            "WJ_REQUIRE_MFA is off: a stolen or coerced password alone would open survivors' records.",
            hint="Remove WJ_REQUIRE_MFA from the environment or set it to true (only the demo turns it off).",
            id="wholejourney.E101",
        )
    ]


@checks.register(checks.Tags.security, PRODUCTION_TAG, deploy=True)
def check_allowed_hosts(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _in_production():
        return []
    hint = "Set ALLOWED_HOSTS to the site's own host names, comma-separated, e.g. ALLOWED_HOSTS=wj.example.org."
    hosts = [host.strip() for host in settings.ALLOWED_HOSTS if host.strip()]
    if not hosts:
        return [
            checks.Error("ALLOWED_HOSTS is empty: no request would be answered.", hint=hint, id="wholejourney.E102")
        ]
    wildcards = [host for host in hosts if "*" in host]
    if wildcards:
        return [
            checks.Error(
                f"ALLOWED_HOSTS accepts any host ({', '.join(wildcards)}): a forged Host header would put "
                "another site's name into links and redirects the app makes.",
                hint=hint,
                id="wholejourney.E103",
            )
        ]
    return []


@checks.register(checks.Tags.security, PRODUCTION_TAG, deploy=True)
def check_debug(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _in_production() or not settings.DEBUG:
        return []
    return [
        checks.Error(
            "DEBUG is on: an error page would show the request, its local variables and settings, client data included.",
            hint="Remove WJ_DEBUG from the environment; production settings never turn DEBUG on.",
            id="wholejourney.E104",
        )
    ]


def secret_key_is_insecure(key: str) -> bool:
    return (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    )


@checks.register(checks.Tags.security, PRODUCTION_TAG, deploy=True)
def check_secret_key(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _in_production() or not secret_key_is_insecure(str(settings.SECRET_KEY)):
        return []
    return [
        checks.Error(
            f"SECRET_KEY is a default or guessable value (shorter than {SECRET_KEY_MIN_LENGTH} characters, fewer "
            f"than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters, or Django's "
            f"'{SECRET_KEY_INSECURE_PREFIX}' placeholder): sessions and password-reset links could be forged.",
            hint="Write a random key (python -c 'import secrets; print(secrets.token_urlsafe(64))') to a file only "
            "the app can read, and give its path as SECRET_KEY_FILE.",
            id="wholejourney.E105",
        )
    ]


def _sqlite_folder() -> Path | None:
    """The folder of the SQLite database file; None for PostgreSQL or an in-memory database."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if database["ENGINE"] != "django.db.backends.sqlite3" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name).resolve().parent


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@checks.register(checks.Tags.security, PRODUCTION_TAG, deploy=True)
def check_keyring(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _in_production():
        return []
    errors: list[checks.CheckMessage] = []
    try:
        crypto.read_keyring()
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(f"The keyring cannot be loaded: {exc}", hint=_KEYRING_HINT, id="wholejourney.E106"))
    path = crypto.keyring_path()
    if path is None:  # inline in WJ_KEYS: not on the database's disk
        return errors
    path = path.resolve()
    # A copy of either folder (a backup, a stolen disk) would hold the data and its keys together.
    database_folder = _sqlite_folder()
    if database_folder is not None and _inside(path, database_folder):
        errors.append(
            checks.Error(
                f"The keyring {path} is in the database's folder {database_folder}: a copy of that folder "
                "would carry the identifying data and the keys that decrypt it.",
                hint=f"Move the keyring to other storage, outside {database_folder}, and point WJ_KEYS_FILE at it.",
                id="wholejourney.E107",
            )
        )
    var_dir = Path(settings.VAR_DIR).resolve()
    if _inside(path, var_dir):
        errors.append(
            checks.Error(
                f"The keyring {path} is in the var directory {var_dir} (WJ_VAR_DIR), with the uploaded files "
                "and the database's neighbours: a copy of it would carry the keys too.",
                hint=f"Move the keyring to other storage, outside {var_dir}, and point WJ_KEYS_FILE at it.",
                id="wholejourney.E108",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_audit_table_owner(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The app's database role should own no table: an owner (or a superuser) can drop the audit table's
    guards and rewrite it. Not a production-tag check, so starting the server asks the database nothing."""
    if not _in_production() or connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_userbyid(c.relowner) = current_user OR r.rolsuper FROM pg_class c, pg_roles r "
                "WHERE c.relname = 'audit_auditevent' AND c.relkind = 'r' AND r.rolname = current_user"
            )
            row = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 (no database to ask must not stop the other checks)
        return [
            checks.Warning(
                f"Could not ask the database who owns the audit table: {exc}",
                hint="Run `wholejourney check --deploy` again where the database can be reached.",
                id="wholejourney.W111",
            )
        ]
    if row is None or not row[0]:
        return []
    return [
        checks.Warning(
            f"The app connects to PostgreSQL as {connection.settings_dict.get('USER') or 'a role'} that owns the "
            "audit table (or is a superuser): it can drop the table's guards and rewrite or empty the trail, "
            "which only the signed checkpoints would then reveal.",
            hint="Run migrations as the owner and let the app connect as a role that owns no table "
            "(docs/security.md, 'A database role that owns nothing').",
            id="wholejourney.W110",
        )
    ]


def refuse_unsafe_production() -> None:
    """In production, raise ImproperlyConfigured naming every unsafe setting and what to do about it
    (the production checks above); elsewhere, nothing."""
    if not _in_production():
        return
    found = checks.run_checks(include_deployment_checks=True, tags=[PRODUCTION_TAG])
    problems = sorted((message for message in found if message.is_serious()), key=lambda message: str(message.id))
    if problems:
        lines = [f"- ({message.id}) {message.msg}\n  {message.hint}" for message in problems]
        raise ImproperlyConfigured(
            "Whole Journey will not start with WJ_ENV=production until these are fixed:\n" + "\n".join(lines)
        )
