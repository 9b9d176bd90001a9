"""Programme records in the API: activities with their attendance (a batch checked whole, every bad
row reported, nothing written if any is wrong; rows keyed by the organisation's references, so
sending the same sheet twice changes nothing), campaigns and community groups, for the
programme staff of an office, through the programmes services.

Participants are listed by what the reports count (group, sex, age band, place), never by name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow, write_token
from wholejourney.api.errors import ApiError, responses
from wholejourney.api.pagination import cursor_page
from wholejourney.api.schemas import Day, PageParams, PathId, decimal_rules, inline_enum
from wholejourney.core.models import Office
from wholejourney.programmes import selectors, services
from wholejourney.programmes.models import Activity, ActivityKind, Campaign, TrainingTopic

CampaignKind = Annotated[Campaign.Kind, inline_enum(Campaign.Kind)]

router = Router(tags=["programmes"])


def _office_of(user: Any) -> Office:
    if user.office is None:
        raise ApiError(422, "invalid", _("Programme work is recorded in an office; a global account has none."))
    office: Office = user.office
    return office


# --- schemas ---------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    office: str
    kind: ActivityKind
    topic: TrainingTopic | None
    held_on: Day
    place: str
    external_ref: str
    attendance: int


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityIn(Schema):
    kind: ActivityKind
    held_on: Day
    topic: TrainingTopic | None = None
    place: str = Field("", max_length=120)
    external_ref: str = Field("", max_length=64, description="Your reference: the same one finds the same activity.")


class AttendanceRowIn(Schema):
    """One row of an attendance sheet, with the values the sheet has (codes of the app's lists)."""

    ref: str = Field("", max_length=64)
    name: str = Field("", max_length=500)
    phone: str = Field("", max_length=100)
    sex: str = Field("", max_length=20)
    age_band: str = Field("", max_length=20)
    group: str = Field("", max_length=64)
    village: str = Field("", max_length=200)
    commune: str = Field("", max_length=200)
    province: str = Field("", max_length=200)
    organisation: str = Field("", max_length=200, description="A partner organisation's name.")
    pre_test: Annotated[Decimal, *decimal_rules(digits=5, places=1, minimum=0, maximum=100)] | None = None
    post_test: Annotated[Decimal, *decimal_rules(digits=5, places=1, minimum=0, maximum=100)] | None = None


class AttendanceIn(Schema):
    rows: list[AttendanceRowIn] = Field(..., min_length=1, max_length=2000)


class AttendanceOut(Schema):
    rows: int
    participants_created: int
    attendances_added: int


class CampaignOut(Schema):
    id: int
    office: str
    kind: CampaignKind
    topics: list[str]
    held_on: Day
    place: str
    adults_female: int
    adults_male: int
    children_female: int
    children_male: int


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignIn(Schema):
    kind: CampaignKind
    held_on: Day
    topics: list[TrainingTopic] = Field(default_factory=list, max_length=10)
    place: str = Field("", max_length=120)
    adults_female: int = Field(0, ge=0, le=1_000_000)
    adults_male: int = Field(0, ge=0, le=1_000_000)
    children_female: int = Field(0, ge=0, le=1_000_000)
    children_male: int = Field(0, ge=0, le=1_000_000)


class CommunityGroupOut(Schema):
    id: int
    office: str
    name: str
    province: str
    district: str
    commune: str
    village: str


def _attendance(activity: Activity) -> int:
    counted = getattr(activity, "attendance_count", None)
    return counted if counted is not None else activity.attendances.count()


def activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "office": activity.office.code,
        "kind": activity.kind,
        "topic": activity.topic or None,
        "held_on": activity.held_on,
        "place": activity.place,
        "external_ref": activity.external_ref,
        "attendance": _attendance(activity),
    }


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "office": campaign.office.code,
        "kind": campaign.kind,
        "topics": [str(t) for t in campaign.topics or []],
        "held_on": campaign.held_on,
        "place": campaign.place,
        "adults_female": campaign.adults_female,
        "adults_male": campaign.adults_male,
        "children_female": campaign.children_female,
        "children_male": campaign.children_male,
    }


# --- operations ------------------------------------------------------------------------------


@router.get("/programmes/activities", response=responses(ActivityPage), url_name="activities_list")
@allow(Permission.RECORD_PREVENTION)
def activities_list(
    request: HttpRequest,
    page: PageParams = Query(...),  # noqa: B008
    kind: ActivityKind | None = None,
) -> dict[str, Any]:
    """Trainings, meetings, workshops and events of the office, newest first, with attendance."""
    activities = selectors.activities_visible_to(request.user).select_related("office")
    if kind:
        activities = activities.filter(kind=kind)
    rows, cursor = cursor_page(activities, key="held_on", cursor=page.cursor, limit=page.limit)
    return {"items": [activity_out(a) for a in rows], "next_cursor": cursor}


@router.get("/programmes/activities/{int:activity_id}", response=responses(ActivityOut), url_name="activity_detail")
@allow(Permission.RECORD_PREVENTION)
def activity_detail(request: HttpRequest, activity_id: PathId) -> dict[str, Any]:
    return activity_out(selectors.activity_get_for(user=request.user, pk=activity_id))


@router.post(
    "/programmes/activities", response=responses(ActivityOut, 201), auth=write_token, url_name="activity_record"
)
@allow(Permission.RECORD_PREVENTION)
def activity_record(request: HttpRequest, data: ActivityIn) -> Status[dict[str, Any]]:
    """Record an activity; with an `external_ref` already recorded, that activity is returned."""
    activity = services.activity_record(
        actor=request.user,  # type: ignore[arg-type]
        office=_office_of(request.user),
        kind=data.kind,
        held_on=data.held_on,
        topic=data.topic or "",
        place=data.place,
        external_ref=data.external_ref.strip(),
    )
    return Status(201, activity_out(selectors.activity_get_for(user=request.user, pk=activity.pk)))


@router.post(
    "/programmes/activities/{int:activity_id}/attendance",
    response=responses(AttendanceOut),
    auth=write_token,
    url_name="attendance_record",
)
@allow(Permission.RECORD_PREVENTION)
def attendance_record(request: HttpRequest, activity_id: PathId, data: AttendanceIn) -> dict[str, int]:
    """Who attended. Every bad row is reported (`fields` like `rows.3.sex`) and then nothing is written."""
    activity = selectors.activity_get_for(user=request.user, pk=activity_id)
    rows = [row.model_dump() for row in data.rows]
    return services.attendance_record(actor=request.user, activity=activity, rows=rows)  # type: ignore[arg-type]


@router.get("/programmes/campaigns", response=responses(CampaignPage), url_name="campaigns_list")
@allow(Permission.RECORD_PREVENTION)
def campaigns_list(request: HttpRequest, page: PageParams = Query(...)) -> dict[str, Any]:  # noqa: B008
    """Awareness and education campaigns of the office, newest first, with the people reached."""
    campaigns = selectors.campaigns_visible_to(request.user).select_related("office")
    rows, cursor = cursor_page(campaigns, key="held_on", cursor=page.cursor, limit=page.limit)
    return {"items": [campaign_out(c) for c in rows], "next_cursor": cursor}


@router.post(
    "/programmes/campaigns", response=responses(CampaignOut, 201), auth=write_token, url_name="campaign_record"
)
@allow(Permission.RECORD_PREVENTION)
def campaign_record(request: HttpRequest, data: CampaignIn) -> Status[dict[str, Any]]:
    campaign = services.campaign_record(
        actor=request.user,  # type: ignore[arg-type]
        office=_office_of(request.user),
        kind=data.kind,
        held_on=data.held_on,
        topics=[str(topic) for topic in data.topics],
        place=data.place,
        adults_female=data.adults_female,
        adults_male=data.adults_male,
        children_female=data.children_female,
        children_male=data.children_male,
    )
    return Status(201, campaign_out(campaign))


@router.get(
    "/programmes/community-groups", response=responses(list[CommunityGroupOut]), url_name="community_groups_list"
)
@allow(Permission.RECORD_PREVENTION)
def community_groups_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The office's community-based groups, by name."""
    groups = selectors.community_groups_visible_to(request.user).select_related("office")
    return [
        {
            "id": g.pk,
            "office": g.office.code,
            "name": g.name,
            "province": g.province,
            "district": g.district,
            "commune": g.commune,
            "village": g.village,
        }
        for g in groups
    ]
