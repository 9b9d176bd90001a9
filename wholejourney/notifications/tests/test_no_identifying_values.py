"""No email and no webhook post carries any identifying value of any client (sentinel values)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient

from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, ClosureReason, Urgency
from wholejourney.cases.tests.factories import make_referral
from wholejourney.clients import services as client_services
from wholejourney.conftest import Cast
from wholejourney.core import services as job_services
from wholejourney.exports import services as export_services
from wholejourney.notifications import delivery, services
from wholejourney.notifications.models import Outbox
from wholejourney.notifications.tests.helpers import give_emails, with_partner_organisation
from wholejourney.notifications.tests.webhook_server import webhook_receiver

GIVEN, FAMILY, ALIAS = "Qorvanthe", "Zyxmorrel", "Blimpquist"
PLACE, REASON = "Vrellingtonville", "Xanthoporous incident"
PHONE = "012 987 654"


@pytest.fixture(autouse=True)
def _mail_kept(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def every_event(cast: Cast, callbacks: Any) -> str:
    """Each kind of event about one sentinel client; returns the client's code."""
    with callbacks(execute=True):
        referral = make_referral(
            cast.partner,
            urgency=Urgency.EMERGENCY,
            person={"name": f"{GIVEN} {FAMILY}", "phone": PHONE, "village": PLACE},
            reason=REASON,
        )
    with callbacks(execute=True):
        case = case_services.referral_accept(
            actor=cast.director,
            referral=referral,
            opened_on=referral.referred_on,
            primary_abuse_type=AbuseType.HUMAN_TRAFFICKING,
            team=cast.team,
            case_manager=cast.case_manager,
            identity={
                "given_name_latin": GIVEN,
                "family_name_latin": FAMILY,
                "aliases": [ALIAS],
                "sex": "female",
                "birth_year": 2005,
                "phone_numbers": [PHONE],
            },
        )
    with callbacks(execute=True):
        case_services.closure_request(
            actor=cast.case_manager,
            case=case,
            closing_date=case.opened_on + datetime.timedelta(days=1),
            reason=ClosureReason.MOVED_AWAY,
            note=f"{GIVEN} moved to {PLACE}",
        )
    with callbacks(execute=True):
        client_services.break_glass(actor=cast.other_team_colleague, client=case.client, reason=f"{GIVEN} at hospital")
    with callbacks(execute=True):
        export_services.export_request(actor=cast.case_manager, kind="clients", format="xlsx", identifying=True)
    with callbacks(execute=True):
        job = job_services.job_create(actor=cast.case_manager, kind="import", office=cast.kh)
        job_services.job_finish(job_id=job.pk, message="done")
    return case.client.code


def assert_no_identifying_value(text: str, code: str) -> None:
    lowered = text.lower()
    for value in (GIVEN, FAMILY, ALIAS, PLACE, REASON, code, "987654", "987 654", "12987654"):
        assert value.lower() not in lowered, f"{value!r} leaked"


def test_no_email_and_no_webhook_post_carries_a_clients_identifying_value(
    cast: Cast, django_capture_on_commit_callbacks: Any, client: HttpClient
) -> None:
    with_partner_organisation(cast)
    give_emails(cast.case_manager, cast.colleague, cast.other_team_colleague, cast.director, cast.partner)
    with webhook_receiver() as (url, received):
        services.webhook_set(actor=cast.admin, office=cast.kh, url=url)

        code = every_event(cast, django_capture_on_commit_callbacks)
        delivery.deliver_due()

    assert len(mail.outbox) >= 6
    assert len(received.posts) >= 6
    assert not Outbox.objects.exclude(status=Outbox.Status.SENT).exists()
    for message in mail.outbox:
        assert_no_identifying_value(f"{message.subject}\n{message.body}\n{json.dumps(message.extra_headers)}", code)
    for headers, body in received.posts:
        assert_no_identifying_value(json.dumps(headers) + body.decode(), code)
    client.force_login(cast.case_manager)
    assert_no_identifying_value(client.get("/notifications/").content.decode(), code)


def test_webhook_is_signed_over_timestamp_and_body(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    with webhook_receiver() as (url, received):
        _hook, secret = services.webhook_set(actor=cast.admin, office=cast.kh, url=url)
        with django_capture_on_commit_callbacks(execute=True):
            make_referral(cast.colleague, urgency=Urgency.EMERGENCY)

    ((headers, body),) = received.posts
    timestamp = headers["x-wholejourney-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["x-wholejourney-signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "urgent_referral"
    assert payload["office"] == "KH"
    assert {person["username"] for person in payload["recipients"]} == {"cm", "otherteam", "director"}


def test_a_webhook_that_fails_is_retried(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    with webhook_receiver() as (url, received):
        services.webhook_set(actor=cast.admin, office=cast.kh, url=url)
        received.status = 503
        with django_capture_on_commit_callbacks(execute=True):
            make_referral(cast.colleague, urgency=Urgency.EMERGENCY)
        row = Outbox.objects.get(channel=Outbox.Channel.WEBHOOK)
        assert (row.status, row.attempts) == (Outbox.Status.PENDING, 1)

        received.status = 200
        Outbox.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
        delivery.deliver_due()

    row.refresh_from_db()
    assert row.status == Outbox.Status.SENT
    assert len(received.posts) == 2
    assert received.posts[0][1] == received.posts[1][1]  # the same event, the same body
