"""`wholejourney notifications send|digest|webhook`."""

from __future__ import annotations

import io
from typing import Any

from django.core import mail
from django.core.management import call_command

from wholejourney.cases.tests.factories import make_referral
from wholejourney.conftest import Cast
from wholejourney.notifications.models import OfficeWebhook
from wholejourney.notifications.tests.helpers import give_emails


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("notifications", *args, stdout=out)
    return out.getvalue()


def test_digest_command_sends_the_days_digests(cast: Cast, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    give_emails(cast.case_manager)
    make_referral(cast.colleague)

    assert "digests queued 1; sent 1" in run("digest")
    assert [message.to for message in mail.outbox] == [["cm@example.org"]]


def test_webhook_command_prints_a_new_secret_once(cast: Cast) -> None:
    out = run("webhook", "--office", "kh", "--url", "https://gateway.example.org/wj", "--user", "admin")

    hook = OfficeWebhook.objects.get(office=cast.kh)
    assert hook.secret in out and hook.url == "https://gateway.example.org/wj"
