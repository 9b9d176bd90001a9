"""Erasure's due work (core.due), for the director: requests to decide, and the clients the office's
retention rule says may now be erased (listed every day from the records; nothing is erased
without a request and its approval)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.due import DueCount, DueItem, DueKind, client_label, counted, person_name, register
from wholejourney.erasure.selectors import due_for_erasure, requests_to_decide


def _director(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE) and user.office_id is not None


def to_decide(user: Any, today: datetime.date, limit: int) -> DueCount:
    return counted(
        requests_to_decide(user),
        limit,
        lambda request: DueItem(
            kind="erasure_requests",
            when=request.requested_at.date(),
            subject=client_label(request.client),
            detail=gettext("Erasure to approve"),
            url=reverse("erasure:decisions"),
            waiting=True,
            person_id=request.requested_by_id,
            person=person_name(request.requested_by),
        ),
    )


def retention_due(user: Any, today: datetime.date, limit: int) -> DueCount:
    return counted(
        due_for_erasure(user.office, today).select_related("data_key"),
        limit,
        lambda client: DueItem(
            kind="retention_due",
            when=client.ended_on,
            subject=client.code,
            detail=gettext("Kept longer than the retention rule: ask for its erasure, or keep it"),
            url=reverse("erasure:retention"),
            notice=True,
        ),
    )


register(DueKind("erasure_requests", gettext_lazy("Erasures to approve"), 25, _director, to_decide))
register(DueKind("retention_due", gettext_lazy("Due for erasure"), 96, _director, retention_due))
