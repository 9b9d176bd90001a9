"""The outbox's claim and the mail settings' URL."""

from __future__ import annotations

import pytest

from wholejourney.conftest import Cast
from wholejourney.notifications import delivery
from wholejourney.notifications.email_url import parse
from wholejourney.notifications.models import Outbox


def test_only_one_of_two_workers_claims_a_message(cast: Cast) -> None:
    row = Outbox.objects.create(channel=Outbox.Channel.EMAIL, recipient=cast.case_manager, event_key="email:1")

    first, second = delivery.claim(row.pk), delivery.claim(row.pk)

    assert first is not None and second is None
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.SENDING, 1)


def test_email_url_gives_djangos_mail_settings() -> None:
    assert parse("smtp+tls://wj%40example.org:p%40ss@mail.example.org:587") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "wj@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 20,
    }
    assert parse("console:") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    with pytest.raises(ValueError, match="unknown scheme"):
        parse("smtps://mail.example.org")
