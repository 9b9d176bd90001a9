"""Settings, read from the environment (12-factor).

`WJ_ENV=production` turns on the production profile; anything else is the embedded
development/demo profile that needs no server at all (SQLite under `var/`).
Every secret may also be given as `<NAME>_FILE`, the path of a file holding it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wholejourney.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("WJ_VAR_DIR") or BASE_DIR / "var")

WJ_ENV = env("WJ_ENV") or "development"
PRODUCTION = WJ_ENV == "production"
DEBUG = env_bool("WJ_DEBUG", default=False) and not PRODUCTION


def _secret_key() -> str:
    """Production must be given its key; the embedded default generates one into var/ once."""
    key = env("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required when WJ_ENV=production.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "wholejourney.core",
    "wholejourney.accounts",
    "wholejourney.audit",
    "wholejourney.clients",
    "wholejourney.partners",
    "wholejourney.cases",
    "wholejourney.care",
    "wholejourney.outcomes",
    "wholejourney.programmes",
    "wholejourney.reporting",
    "wholejourney.tables",
    "wholejourney.options",
    "wholejourney.imports",
    "wholejourney.api",
    "wholejourney.exports",
    "wholejourney.notifications",
    "wholejourney.documents",
    "wholejourney.erasure",
    "wholejourney.field",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "wholejourney.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "wholejourney.core.csrf.SameOriginFetchMetadataMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wholejourney.accounts.middleware.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "wholejourney.accounts.middleware.TwoFactorRequiredMiddleware",
    "wholejourney.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "wholejourney.core.middleware.NoStoreMiddleware",
    # Last, so a locked-out sign-in is answered by our own page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wholejourney.urls"
WSGI_APPLICATION = "wholejourney.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wholejourney.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'wholejourney.sqlite3'}"
_default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("WJ_DB_CONN_MAX_AGE", default=0))
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    if _default_db["NAME"] != ":memory:":
        Path(_default_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _default_db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # instead of failing half way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif _default_db["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the app's queries last milliseconds to a second or two, where compiling
    # them costs more than it saves (benchmarks/README.md, the national report).
    _default_db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout is keyed on the pair (username, IP): a stranger elsewhere cannot lock a user out,
# and failures during a lockout do not extend it, so no one can keep a user out past the cool-off.
AXES_FAILURE_LIMIT = env_int("WJ_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WJ_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "wholejourney.accounts.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "token", "code"]

# The audit trail's signed checkpoints (docs/security.md, "Audit trail"): one directory per database.
# Production puts it where the database's user cannot write (another machine's share, another user's folder).
WJ_AUDIT_CHECKPOINT_DIR = Path(env("WJ_AUDIT_CHECKPOINT_DIR") or VAR_DIR / "audit-checkpoints")
# audit_record writes a checkpoint after every this many rows (0: only `audit checkpoint` and `audit verify`).
WJ_AUDIT_CHECKPOINT_EVERY = env_int("WJ_AUDIT_CHECKPOINT_EVERY", default=1000)
# How long after entering a record its author (or the client's case manager) may still correct it;
# after that, the office's director (core.corrections).
WJ_CORRECTION_DAYS = env_int("WJ_CORRECTION_DAYS", default=30)
# How many days a phone keeps a field pack before it must be prepared again (wholejourney.field).
WJ_FIELD_PACK_DAYS = env_int("WJ_FIELD_PACK_DAYS", default=7)

WJ_REQUIRE_MFA = env_bool("WJ_REQUIRE_MFA", default=True)
OTP_TOTP_ISSUER = env("WJ_OTP_ISSUER") or "Whole Journey"

# Sessions: 30 minutes of inactivity, 12 hours at most (accounts.middleware.SessionLimitsMiddleware).
WJ_SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("WJ_SESSION_IDLE_MINUTES", default=30))
WJ_SESSION_ABSOLUTE_LIMIT = timedelta(hours=env_int("WJ_SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(WJ_SESSION_ABSOLUTE_LIMIT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "wholejourney.core.errors.csrf_failure"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("km", _("Khmer"))]
LOCALE_PATHS = [BASE_DIR / "wholejourney" / "locale"]
FORMAT_MODULE_PATH = ["wholejourney.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True
# Off: with it on, every integer a template prints is grouped, record ids included, so a form's
# value="{{ client.pk }}" became "450,337" once a database passed 999 rows (a checkbox that posts
# nothing, a link to the wrong record). Figures that need grouping format it themselves
# (reporting's `figure` filter: number_format(..., force_grouping=True)).
USE_THOUSAND_SEPARATOR = False

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production WhiteNoise serves straight from the apps, so no collectstatic step is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Documents on clients' records (wholejourney.documents) ------------------------------------
# The largest file a document may be (bytes); files are kept in memory while checked and encrypted.
WJ_DOCUMENT_MAX_BYTES = env_int("WJ_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

# --- Background work --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Security headers -------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The field app (wholejourney.field): its service worker and web manifest.
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    },
}
# No page sends a Referer anywhere, so no URL (they can name clients and cases) leaks. Forms then
# post with `Origin: null`; core.csrf accepts that only with `Sec-Fetch-Site: same-origin`.
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("WJ_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("WJ_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("WJ_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is required when WJ_ENV=production.")

# --- Mail: notifications (wholejourney.notifications) are emailed by the task worker ------------
# EMAIL_URL (smtp://, smtp+tls://, smtp+ssl://, console:, locmem:) or WJ_EMAIL_BACKEND with Django's
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS; the console by default.
EMAIL_BACKEND = env("WJ_EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=20)
if env("EMAIL_URL"):
    from wholejourney.notifications.email_url import parse as _parse_email_url

    globals().update(_parse_email_url(env("EMAIL_URL") or ""))
DEFAULT_FROM_EMAIL = env("WJ_FROM_EMAIL") or "wholejourney@localhost"
# Where links in emails and webhook posts lead (the address staff sign in at).
WJ_SITE_URL = env("WJ_SITE_URL") or "http://localhost:8000"
# How often a page asks for the header's count of unread notifications.
WJ_NOTIFICATION_POLL_SECONDS = env_int("WJ_NOTIFICATION_POLL_SECONDS", default=30)

# --- Logging: never request bodies or query strings (they may carry identifying values) ------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Django attaches the whole request (query string, form fields) to its records about one; every
    # handler keeps only the method, path and request id (a search's query may be a client's name).
    "filters": {"no_request_details": {"()": "wholejourney.core.log_filters.NoRequestDetails"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_request_details"]}
    },
    "root": {"handlers": ["console"], "level": env("WJ_LOG_LEVEL") or "INFO"},
    "loggers": {
        # Replaces Django's default handlers for its loggers (a debug console and the admin e-mail,
        # which would send the request with its query string): everything goes through ours.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # 4xx answers are not worth a line each (and "Not Found" would name every probed URL).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The development server logs each request line, query string included.
        "django.server": {"handlers": [], "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
