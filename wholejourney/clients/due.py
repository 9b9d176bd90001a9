"""The client records' due work (core.due): records in the caseload missing what the programme needs
(sex, a birth date or an estimated year)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.clients.models import Client, Sex
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.due import client_kind, register, works_a_caseload

NO_SEX = Q(sex=Sex.UNKNOWN)
NO_AGE = Q(birth_year__isnull=True)


def _keeps_records(user: Any) -> bool:
    return works_a_caseload(user, Permission.MANAGE_CASES)


def incomplete_records(user: Any, today: datetime.date) -> QuerySet[Client]:
    return (
        clients_visible_to(user)
        .filter(NO_SEX | NO_AGE, erased_at__isnull=True)
        .select_related("data_key", "case_manager")
        .order_by("registered_at", "pk")
    )


def _missing(client: Client) -> str:
    gaps = ((gettext("sex"), client.sex == Sex.UNKNOWN), (gettext("age"), client.birth_year is None))
    return gettext("Record incomplete: %(missing)s") % {"missing": ", ".join(label for label, gap in gaps if gap)}


register(
    client_kind(
        "data_quality",
        gettext_lazy("Records to complete"),
        70,
        _keeps_records,
        incomplete_records,
        when=lambda client: None,
        detail=_missing,
        url=lambda client: reverse("clients:detail", kwargs={"pk": client.pk}),
        client_path="",
        notice=True,
    )
)
