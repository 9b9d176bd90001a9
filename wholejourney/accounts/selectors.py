"""Reads of accounts and teams, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from wholejourney.accounts.models import Team, User, UserRole
from wholejourney.core.models import Office


def users_visible_to(user: Any) -> QuerySet[User]:
    """Staff of the user's office; every account for a global user."""
    users = User.objects.select_related("office", "team").prefetch_related(
        Prefetch("roles", queryset=UserRole.objects.order_by("role"))
    )
    if user.office_id is not None:
        users = users.filter(office_id=user.office_id)
    return users


def user_get_for(*, user: Any, pk: int) -> User:
    return get_object_or_404(users_visible_to(user), pk=pk)


def teams_visible_to(user: Any) -> QuerySet[Team]:
    teams = Team.objects.select_related("office", "supervisor")
    if user.office_id is not None:
        teams = teams.filter(office_id=user.office_id)
    return teams


def team_get_for(*, user: Any, pk: int) -> Team:
    return get_object_or_404(teams_visible_to(user), pk=pk)


def office_get_for(*, user: Any, pk: int) -> Office:
    offices = Office.objects.all() if user.office_id is None else Office.objects.filter(pk=user.office_id)
    return get_object_or_404(offices, pk=pk)
