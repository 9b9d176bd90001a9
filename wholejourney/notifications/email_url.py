"""EMAIL_URL: the mail server as one URL, read by settings (standard library only).

smtp://user:password@host:25         plain SMTP (a relay on the same host or network)
smtp+tls://user:password@host:587    SMTP with STARTTLS
smtp+ssl://user:password@host:465    SMTP over TLS
console:                             print to the console (the development default)
locmem:                              keep in memory (tests)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def parse(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings for the URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ValueError(f"EMAIL_URL: unknown scheme {scheme!r} (use {', '.join(sorted(BACKENDS))})")
    found: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme.startswith("smtp"):
        found.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if scheme == "smtp+ssl" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "smtp+tls",
            EMAIL_USE_SSL=scheme == "smtp+ssl",
            EMAIL_TIMEOUT=20,
        )
    return found
