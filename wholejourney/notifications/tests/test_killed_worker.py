"""A real worker process killed (SIGKILL) between sending an email and marking it sent, then a new
worker started: the recipient gets the email once."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.db import connection

from wholejourney.cases.models import Urgency
from wholejourney.cases.tests.factories import make_referral
from wholejourney.conftest import Cast
from wholejourney.notifications.models import Outbox
from wholejourney.notifications.tests.helpers import give_emails
from wholejourney.notifications.tests.smtp_server import Inbox

KILLED_AFTER_SENDING = """
import os, signal, django
django.setup()
from wholejourney.notifications import delivery
delivery.mark_sent = lambda row: os.kill(os.getpid(), signal.SIGKILL)
delivery.deliver_due()
"""
RESTARTED = """
import django
django.setup()
from wholejourney.notifications import delivery
delivery.deliver_due()
"""


def database_url() -> str:
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user, host, port = database["USER"], database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def worker(script: str, settings: Any) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wholejourney.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        "WJ_LOG_LEVEL": "ERROR",
    }
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)


def test_a_worker_killed_between_send_and_mark_then_restarted_sends_no_duplicate(
    cast: Cast,
    smtp: Inbox,
    settings: Any,
    transactional_db: None,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued for the worker
    give_emails(cast.case_manager)
    make_referral(cast.colleague, urgency=Urgency.EMERGENCY)

    killed = worker(KILLED_AFTER_SENDING, settings)
    assert killed.returncode == -9, killed.stderr
    assert len(smtp.messages) == 1
    assert Outbox.objects.get().status == Outbox.Status.SENDING

    restarted = worker(RESTARTED, settings)
    assert restarted.returncode == 0, restarted.stderr

    assert len(smtp.messages) == 1
    assert Outbox.objects.get().status == Outbox.Status.SENDING  # left for an operator, never sent again
