"""Exports' due work (core.due): identifying exports waiting for the director's approval."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.due import DueCount, DueItem, DueKind, counted, person_name, register
from wholejourney.exports.selectors import exports_to_approve


def _approves_exports(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_EXPORTS)


def exports(user: Any, today: datetime.date, limit: int) -> DueCount:
    return counted(
        exports_to_approve(user),
        limit,
        lambda export: DueItem(
            kind="exports",
            when=export.requested_at.date(),
            subject=person_name(export.requester),
            detail=gettext("Export of identifying records to approve"),
            url=reverse("exports:approvals"),
            waiting=True,
            person_id=export.requester_id,
            person=person_name(export.requester),
        ),
    )


register(DueKind("exports", gettext_lazy("Exports to approve"), 22, _approves_exports, exports))
