"""Erasing clients of the demo leaves its 2023 report as it was: the figures of a past year do not move."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from wholejourney.accounts.models import User
from wholejourney.cases.models import Case
from wholejourney.clients.models import Client
from wholejourney.erasure import services


def report_2023() -> dict[str, Any]:
    out = StringIO()
    call_command("report", "--year", "2023", "--office", "KH", "--format", "json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_approved_erasures_leave_the_2023_report_unchanged(demo_office: str, settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    before = report_2023()
    manager, director = User.objects.get(username="casemanager"), User.objects.get(username="director")
    # Clients served in 2023: with a case closed that year, and with one still open.
    served = Case.objects.filter(office__code="KH", opened_on__lte=datetime.date(2023, 12, 31)).exclude(
        closed_on__lt=datetime.date(2023, 1, 1)
    )
    ids = list(served.filter(closed_on__year=2023).values_list("client_id", flat=True)[:3])
    ids += list(served.filter(closed_on__isnull=True).values_list("client_id", flat=True)[:2])
    assert len(set(ids)) == 5

    for client in Client.objects.filter(pk__in=ids).select_related("data_key"):
        request = services.erasure_request(actor=manager, client=client, reason="The client asked to be forgotten.")
        services.erasure_decide(actor=director, request=request, approve=True)

    assert Client.objects.filter(pk__in=ids, erased_at__isnull=False).count() == 5
    assert report_2023() == before
