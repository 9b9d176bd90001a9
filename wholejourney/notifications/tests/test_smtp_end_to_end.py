"""End to end through a real SMTP server on 127.0.0.1 (aiosmtpd): a partner's urgent referral,
submitted on the portal, reaches the office's duty case manager by email, in Khmer, with a link
that asks for sign-in, sent by the task worker (never by the request)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import translation

from wholejourney.cases.models import Referral, Urgency
from wholejourney.conftest import Cast
from wholejourney.notifications import services
from wholejourney.notifications.email_url import parse
from wholejourney.notifications.models import Kind, Notification
from wholejourney.notifications.tests.helpers import give_emails, with_partner_organisation
from wholejourney.notifications.text import sentence


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in parse(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, name, value)
    try:
        yield inbox
    finally:
        controller.stop()


def test_partners_urgent_referral_reaches_the_duty_case_manager_by_email_in_khmer(
    cast: Cast, smtp: Inbox, settings: Any, client: HttpClient, transactional_db: None
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WJ_SITE_URL = "https://wholejourney.example.org"
    with_partner_organisation(cast)
    give_emails(cast.case_manager)
    cast.case_manager.language = "km"
    cast.case_manager.save()
    services.duty_set(actor=cast.director, user=cast.case_manager, on_duty=True)
    services.preference_set(actor=cast.case_manager, kind=Kind.URGENT_REFERRAL, delivery="app_only")
    client.force_login(cast.partner)

    started = time.monotonic()
    response = client.post(
        "/portal/referrals/",
        {
            "person_name": "Sentinel Person",
            "person_phone": "012 987 654",
            "reason": "Needs a safe place tonight",
            "urgency": Urgency.EMERGENCY,
            "referred_on": "01/03/2024",
        },
    )
    assert response.status_code == 302
    assert Referral.objects.count() == 1
    assert smtp.messages == []  # nothing sent from inside the request
    while not smtp.messages and time.monotonic() - started < 10:
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        time.sleep(0.1)

    assert time.monotonic() - started < 10
    ((to, message),) = smtp.messages
    assert to == ["cm@example.org"]
    body = message.get_content()
    note = Notification.objects.get(recipient=cast.case_manager)
    with translation.override("km"):
        assert sentence(Kind.URGENT_REFERRAL) in body
    assert "ចូលប្រើ" in body  # "Sign in", in Khmer
    assert "បន្ទាន់" in str(message["Subject"])  # "Urgent"
    assert f"https://wholejourney.example.org/notifications/{note.pk}/" in body
    assert "Sentinel" not in body and "987" not in body

    # The link asks for sign-in, then opens the referral.
    client.logout()
    link = f"/notifications/{note.pk}/"
    assert client.get(link)["Location"].startswith("/accounts/login/")
    client.force_login(cast.case_manager)
    assert client.get(link)["Location"] == f"/referrals/{note.target_id}/"
