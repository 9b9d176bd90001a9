"""End to end through a real SMTP server on 127.0.0.1 (aiosmtpd): a partner's urgent referral,
submitted on the portal, reaches the office's duty case manager by email, in Khmer, with a link
that asks for sign-in, sent by the task worker (never by the request)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import translation

from wholejourney.cases.models import Referral, Urgency
from wholejourney.conftest import Cast
from wholejourney.notifications import services
from wholejourney.notifications.models import Kind, Notification
from wholejourney.notifications.tests.helpers import give_emails, with_partner_organisation
from wholejourney.notifications.tests.smtp_server import Inbox
from wholejourney.notifications.text import sentence


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
