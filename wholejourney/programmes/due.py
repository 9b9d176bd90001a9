"""Prevention's due work (core.due): community-group plan actions planned for this week or
overdue and not done yet."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.core.due import DueCount, DueItem, DueKind, counted, register
from wholejourney.programmes.models import GroupPlanAction
from wholejourney.programmes.selectors import community_groups_visible_to


def _runs_groups(user: Any) -> bool:
    return Permission.RECORD_PREVENTION in permissions_of(user)


def plan_actions(user: Any, today: datetime.date, limit: int) -> DueCount:
    actions = (
        GroupPlanAction.objects.filter(
            group__in=community_groups_visible_to(user).values("pk"),
            completed_on__isnull=True,
            planned_on__lte=today + datetime.timedelta(days=7),
        )
        .select_related("group")
        .order_by("planned_on", "pk")
    )
    return counted(
        actions,
        limit,
        lambda action: DueItem(
            kind="plan_actions",
            when=action.planned_on,
            subject=action.group.name,
            detail=gettext("Plan action: %(topic)s") % {"topic": action.get_topic_display()},
            url=reverse("programmes:group_detail", kwargs={"pk": action.group_id}) + f"?year={action.year}",
        ),
    )


register(DueKind("plan_actions", gettext_lazy("Community-group plan actions"), 45, _runs_groups, plan_actions))
