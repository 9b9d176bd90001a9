"""Reads of programme work, scoped to the user's office (every office for a global account).

A record of another office is a 404, the same as one that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.models import Job
from wholejourney.core.selectors import jobs_visible_to
from wholejourney.partners.models import Organisation
from wholejourney.programmes.models import (
    Activity,
    Attendance,
    Campaign,
    CommunityGroup,
    Donation,
    ExternalMeeting,
    GroupPlanAction,
    GroupStatusPeriod,
    HusbandWifeGroup,
    Participant,
    PublicEvent,
)

ATTENDANCE_IMPORT = "attendance_import"


def _in_office(queryset: QuerySet[Any], user: Any, path: str = "office_id") -> QuerySet[Any]:
    if user.office_id is None:
        return queryset
    return queryset.filter(**{path: user.office_id})


def may_see_names(user: Any) -> bool:
    """Names and phones of participants: the prevention staff of the participants' own office only
    (a global account sees the lists without them)."""
    return user.office_id is not None and has_permission(user, Permission.RECORD_PREVENTION)


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    """The office's trainings, meetings, workshops and events, newest first, with attendance counts."""
    return (
        _in_office(Activity.objects.all(), user)
        .annotate(attendance_count=Count("attendances"))
        .order_by("-held_on", "-pk")
    )


def activity_get_for(*, user: Any, pk: int) -> Activity:
    activity = _in_office(Activity.objects.select_related("office", "facilitator"), user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def attendances_of(activity: Activity) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(activity=activity)
        .select_related("participant", "participant__organisation")
        .order_by("pk")
    )


def participants_visible_to(user: Any) -> QuerySet[Participant]:
    return (
        _in_office(Participant.objects.select_related("organisation"), user)
        .annotate(activity_count=Count("attendances"))
        .order_by("-pk")
    )


def community_groups_visible_to(user: Any) -> QuerySet[CommunityGroup]:
    """The groups with their current status (the open status period, if any)."""
    current = GroupStatusPeriod.objects.filter(group=OuterRef("pk"), end__isnull=True).order_by("-start")
    return (
        _in_office(CommunityGroup.objects.all(), user)
        .annotate(
            current_status=Subquery(current.values("status")[:1]),
            active_since=Subquery(current.values("start")[:1]),
        )
        .order_by("name", "pk")
    )


def community_group_get_for(*, user: Any, pk: int) -> CommunityGroup:
    group = (
        _in_office(CommunityGroup.objects.select_related("office"), user)
        .prefetch_related(Prefetch("statuses", queryset=GroupStatusPeriod.objects.order_by("-start")))
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    return group


def plan_actions_of(group: CommunityGroup, year: int) -> QuerySet[GroupPlanAction]:
    return group.plan_actions.filter(year=year).order_by("planned_on", "pk")


def plan_years_of(group: CommunityGroup) -> list[int]:
    return sorted(set(group.plan_actions.values_list("year", flat=True)), reverse=True)


def plan_action_get_for(*, user: Any, pk: int) -> GroupPlanAction:
    action = (
        _in_office(GroupPlanAction.objects.select_related("group", "group__office"), user, "group__office_id")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return action


def husband_wife_groups_for(user: Any, *, village: str = "") -> QuerySet[HusbandWifeGroup]:
    groups = _in_office(HusbandWifeGroup.objects.all(), user).order_by("label")
    return groups.filter(village=village) if village else groups


def husband_wife_villages(user: Any) -> list[str]:
    groups = _in_office(HusbandWifeGroup.objects.exclude(village=""), user)
    return sorted(set(groups.values_list("village", flat=True)))


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    return _in_office(Campaign.objects.all(), user).order_by("-held_on", "-pk")


def external_meetings_visible_to(user: Any) -> QuerySet[ExternalMeeting]:
    return (
        _in_office(ExternalMeeting.objects.all(), user)
        .prefetch_related(Prefetch("attended_by", queryset=User.objects.order_by("first_name", "last_name")))
        .order_by("-held_on", "-pk")
    )


def donations_visible_to(user: Any) -> QuerySet[Donation]:
    return _in_office(Donation.objects.select_related("recipient"), user).order_by("-donated_on", "-pk")


def public_events_visible_to(user: Any) -> QuerySet[PublicEvent]:
    return _in_office(PublicEvent.objects.all(), user).order_by("-held_on", "-pk")


def office_staff(user: Any) -> QuerySet[User]:
    """Colleagues who may be named as having gone to a meeting: the active staff of the office."""
    return User.objects.filter(office_id=user.office_id, is_active=True).order_by("first_name", "last_name", "pk")


def partner_organisations(user: Any) -> QuerySet[Organisation]:
    return _in_office(Organisation.objects.all(), user).order_by("name")


def upload_job_get_for(*, user: Any, pk: int) -> Job:
    """An attendance upload is seen by whoever uploaded it (as every background job)."""
    job = jobs_visible_to(user).filter(pk=pk, kind=ATTENDANCE_IMPORT).first()
    if job is None:
        raise Http404
    return job
