from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.accounts.selectors import users_visible_to
from wholejourney.core.models import Job, Office


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """A job is seen by whoever started it."""
    return Job.objects.filter(created_by=user)


def offices_visible_to(user: Any) -> QuerySet[Office]:
    if user.office_id is None:
        return Office.objects.all()
    return Office.objects.filter(pk=user.office_id)


def open_break_glass_count(user: Any) -> int:
    """Break-the-glass grants still open in the user's office: a director should know of each."""
    from wholejourney.clients.models import BreakGlassGrant  # clients builds on core

    grants = BreakGlassGrant.objects.filter(expires_at__gt=timezone.now())
    if user.office_id is not None:
        grants = grants.filter(client__office_id=user.office_id)
    return grants.count()


def home_summary(*, user: Any) -> dict[str, Any]:
    """What the home page shows a user: who they are here, and the work waiting for them."""
    summary: dict[str, Any] = {
        "roles": user.role_labels(),
        "team": user.team,
        "recent_jobs": list(jobs_visible_to(user)[:5]),
    }
    if has_permission(user, Permission.VIEW_AUDIT):
        summary["open_break_glass"] = open_break_glass_count(user)
    if has_permission(user, Permission.VIEW_STAFF):
        staff = users_visible_to(user)
        summary["staff_count"] = staff.filter(is_active=True).count()
        summary["office_count"] = offices_visible_to(user).count()
    return summary
