"""`wholejourney demo` writes the demo in many short transactions (a long one slows PostgreSQL down
as it grows), yet leaves nothing behind when a step fails."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from django.core.management import call_command

from wholejourney.accounts.models import User
from wholejourney.audit.models import AuditEvent
from wholejourney.cases.models import Case
from wholejourney.clients.models import Client
from wholejourney.demo import CLIENTS_PER_TRANSACTION, office


@pytest.mark.django_db(transaction=True)
def test_a_demo_build_failing_after_its_first_commits_leaves_an_empty_database(monkeypatch: Any) -> None:
    whole_plan = office.plan_cambodia
    # Enough clients for more than one committed transaction, then the care step fails.
    monkeypatch.setattr(office, "plan_cambodia", lambda rng: whole_plan(rng)[: CLIENTS_PER_TRANSACTION + 5])
    registered: list[int] = []

    def care_fails(kh: Any, rng: random.Random) -> None:
        registered.append(Client.objects.count())
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(office, "build_care_2023", care_fails)

    with pytest.raises(RuntimeError, match="the disk is full"):
        call_command("demo", stdout=io.StringIO())

    assert registered == [CLIENTS_PER_TRANSACTION + 5]  # committed before the failure…
    assert not Client.objects.exists()  # …and gone after it
    assert not Case.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
