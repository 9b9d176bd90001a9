"""An import of history does not flood anyone: its past referrals, cases and closures notify
nobody; only the person who ran it hears that it finished."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse

from wholejourney.cases.models import Referral
from wholejourney.conftest import Cast
from wholejourney.imports.template import EXAMPLES, write_workbook
from wholejourney.notifications.models import Kind, Notification


def test_an_imported_office_history_notifies_only_the_importer_that_it_finished(
    client: HttpClient, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    workbook = io.BytesIO()
    write_workbook(workbook, EXAMPLES)
    workbook.seek(0)
    workbook.name = "office.xlsx"
    client.force_login(cast.admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:upload"), {"office": cast.kh.pk, "workbook": workbook})

    assert Referral.objects.exists()  # the history holds referrals…
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("admin", Kind.JOB_FINISHED)]
