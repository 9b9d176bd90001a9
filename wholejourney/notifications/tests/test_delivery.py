"""Emails and webhook posts: who gets one, in which language, retried, and never sent twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from wholejourney.accounts.roles import Role
from wholejourney.cases.models import Urgency
from wholejourney.cases.tests.factories import make_referral
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.notifications import delivery, services
from wholejourney.notifications.models import Delivery, Kind, Notification, Outbox
from wholejourney.notifications.tests.helpers import give_emails, with_partner_organisation
from wholejourney.notifications.text import sentence


@pytest.fixture(autouse=True)
def _mail_kept(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WJ_SITE_URL = "https://wj.example.org"


def urgent_referral(cast: Cast, callbacks: Any) -> None:
    with_partner_organisation(cast)
    with callbacks(execute=True):
        make_referral(cast.partner, urgency=Urgency.EMERGENCY)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_urgent_referral_emails_the_duty_person_even_if_they_chose_the_app_only(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    give_emails(cast.case_manager, cast.colleague, cast.other_team_colleague, cast.director)
    services.duty_set(actor=cast.director, user=cast.case_manager, on_duty=True)
    for person in (cast.case_manager, cast.colleague):
        services.preference_set(actor=person, kind=Kind.URGENT_REFERRAL, delivery=Delivery.APP_ONLY)
    services.preference_set(actor=cast.director, kind=Kind.URGENT_REFERRAL, delivery=Delivery.DIGEST)

    urgent_referral(cast, django_capture_on_commit_callbacks)

    # The duty case manager whatever they chose; the other team's colleague by default; not the
    # colleague (app only) nor the director (digest).
    assert recipients() == ["cm@example.org", "otherteam@example.org"]
    assert Notification.objects.count() == 4  # everyone still sees it in the app


def test_email_is_in_the_recipients_language_with_a_sign_in_link(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    give_emails(cast.case_manager)
    cast.case_manager.language = "km"
    cast.case_manager.save()

    urgent_referral(cast, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    note = Notification.objects.get(recipient=cast.case_manager)
    with translation.override("km"):
        expected = sentence(Kind.URGENT_REFERRAL)
    assert expected in message.body
    assert f"https://wj.example.org/notifications/{note.pk}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_worker_killed_between_send_and_mark_never_sends_twice(
    cast: Cast, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued for the worker
    give_emails(cast.case_manager)
    urgent_referral(cast, django_capture_on_commit_callbacks)

    def killed(row: Outbox) -> None:
        raise SystemExit("the worker is killed after sending, before marking")

    monkeypatch.setattr(delivery, "mark_sent", killed)
    with pytest.raises(SystemExit):
        delivery.deliver_due()
    assert len(mail.outbox) == 1
    monkeypatch.undo()

    # The worker restarts: it sweeps, and is even asked for that very message again.
    delivery.deliver_due()
    (row,) = Outbox.objects.all()
    delivery.deliver(row.pk)
    Outbox.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=2))
    delivery.deliver_due()

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Outbox.Status.FAILED, "interrupted")


def test_a_refused_email_is_retried_later_with_back_off_then_given_up(
    cast: Cast, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_emails(cast.case_manager)
    attempts: list[int] = []

    def refused(self: Any, fail_silently: bool = False) -> int:
        attempts.append(1)
        raise ConnectionRefusedError("secret detail that must not be kept")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refused)
    urgent_referral(cast, django_capture_on_commit_callbacks)
    row = Outbox.objects.get(channel=Outbox.Channel.EMAIL)
    assert (row.status, row.attempts, row.last_error) == (Outbox.Status.PENDING, 1, "ConnectionRefusedError")
    assert row.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)

    delivery.deliver_due()  # not due yet
    assert len(attempts) == 1

    waits = []
    for _attempt in range(delivery.MAX_ATTEMPTS - 1):
        row.refresh_from_db()
        waits.append(row.next_attempt_at - timezone.now())
        Outbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        delivery.deliver_due()

    row.refresh_from_db()
    assert len(attempts) == delivery.MAX_ATTEMPTS
    assert row.status == Outbox.Status.FAILED
    assert waits == sorted(waits)  # each wait longer than the last
    assert "secret" not in row.last_error


def test_a_retry_after_a_failure_sends_once(
    cast: Cast, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_emails(cast.case_manager)
    original = mail.EmailMessage.send
    calls = iter([ConnectionResetError("network"), None])

    def flaky(self: Any, fail_silently: bool = False) -> int:
        problem = next(calls)
        if problem is not None:
            raise problem
        return original(self, fail_silently)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky)
    urgent_referral(cast, django_capture_on_commit_callbacks)
    Outbox.objects.update(next_attempt_at=timezone.now())

    delivery.deliver_due()
    delivery.deliver_due()

    assert len(mail.outbox) == 1
    assert Outbox.objects.get().status == Outbox.Status.SENT


def test_an_email_is_not_sent_once_its_record_left_the_recipients_access(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run
    give_emails(cast.case_manager)
    urgent_referral(cast, django_capture_on_commit_callbacks)
    cast.case_manager.office = cast.vn  # moved to another office before the worker ran
    cast.case_manager.team = None
    cast.case_manager.save()

    delivery.deliver_due()

    assert mail.outbox == []
    assert Outbox.objects.get().status == Outbox.Status.DROPPED


def test_daily_digest_sends_one_email_per_person_with_counts_only(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    give_emails(cast.case_manager, cast.colleague)
    for _n in range(3):
        make_referral(cast.director, urgency=Urgency.NORMAL)
    Notification.objects.filter(recipient=cast.colleague).update(read_at=timezone.now())  # read in the app

    with django_capture_on_commit_callbacks(execute=True):
        built = delivery.digest_build()

    assert built == 1
    (message,) = mail.outbox
    assert message.to == ["cm@example.org"]
    assert "3 × " + sentence(Kind.NEW_REFERRAL) in message.body
    assert delivery.digest_build() == 0  # nothing twice


def test_digest_build_queries_do_not_grow_with_the_staff(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    give_emails(cast.case_manager, cast.colleague, cast.other_team_colleague)
    make_referral(cast.director)
    with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as few:
        delivery.digest_build()
    for n in range(12):
        make_user(Role.CASE_MANAGER, office=cast.kh, username=f"more{n}", email=f"more{n}@example.org")
    make_referral(cast.director)
    with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as many:
        delivery.digest_build()

    assert Outbox.objects.filter(channel=Outbox.Channel.DIGEST).count() == 3 + 15  # intake staff, the director aside
    assert len(many.captured_queries) == len(few.captured_queries)
