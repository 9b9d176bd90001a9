"""Erasure's part of a client's record (core.client_record): for those who keep the record."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.client_record import RecordPart, register_part

register_part(
    RecordPart(
        "erasure",
        gettext_lazy("Erasure"),
        98,
        lambda client: reverse("erasure:client", kwargs={"pk": client.pk}),
        lambda user, client: has_permission(user, Permission.MANAGE_CASES, obj=client),
    )
)
