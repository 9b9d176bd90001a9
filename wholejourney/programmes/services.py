"""Recording programme work. Attendance arrives in batches (a paper sheet typed in or uploaded):
a batch is checked whole, every bad row reported, and written all or nothing; rows carry the
organisation's own references, so the same sheet recorded twice changes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission, in_caseload
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.models import Client, Sex
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation
from wholejourney.programmes.models import (
    Activity,
    ActivityKind,
    AgeBand,
    Attendance,
    Campaign,
    CommunityGroup,
    Donation,
    ExternalMeeting,
    GroupPlanAction,
    GroupStatusPeriod,
    HusbandWifeGroup,
    Participant,
    ParticipantGroup,
    PublicEvent,
)


def _require(actor: User, office: Office) -> None:
    if not has_permission(actor, Permission.RECORD_PREVENTION, obj=office):
        raise PermissionDenied


def _not_in_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


class BatchError(ValidationError):
    """Every problem of a batch, row by row; nothing of the batch was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.rows = list(errors)
        super().__init__([f"{_('Row')} {e.row}, {e.field}: {e.message}" for e in errors])


def activity_record(
    *,
    actor: User,
    office: Office,
    kind: str,
    held_on: datetime.date,
    topic: str = "",
    place: str = "",
    external_ref: str = "",
) -> Activity:
    """A training, meeting, workshop or event; found again by its reference if recorded before."""
    _require(actor, office)
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose what kind of activity it was.")})
    _not_in_future(held_on, "held_on")
    if external_ref:
        existing = Activity.objects.filter(office=office, external_ref=external_ref).first()
        if existing is not None:
            return existing
    activity = Activity(
        office=office,
        kind=kind,
        topic=topic,
        held_on=held_on,
        place=place,
        facilitator=actor,
        external_ref=external_ref,
    )
    with transaction.atomic():
        activity.full_clean()
        activity.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=activity, changed_fields=["activity"])
    return activity


def _score(value: Any, row: int, field: str, errors: list[RowError]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(RowError(row, field, _("Not a number.")))
        return None
    if not Decimal(0) <= score <= Decimal(100):
        errors.append(RowError(row, field, _("A score goes from 0 to 100.")))
    return score


def validate_attendance_rows(
    office: Office, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check every row; return the cleaned rows and every error (row numbers count from 1)."""
    errors: list[RowError] = []
    cleaned: list[dict[str, Any]] = []
    organisations = {o.name.casefold(): o for o in Organisation.objects.filter(office=office)}
    seen_refs: set[str] = set()
    for number, row in enumerate(rows, start=1):
        group = str(row.get("group") or "").strip()
        if group not in ParticipantGroup.values:
            errors.append(RowError(number, "group", _("Choose one of the participant groups.")))
        sex = str(row.get("sex") or Sex.UNKNOWN).strip().lower()
        if sex not in Sex.values:
            errors.append(RowError(number, "sex", _("Write female, male or unknown.")))
        age_band = str(row.get("age_band") or "").strip()
        if age_band not in AgeBand.values:
            errors.append(RowError(number, "age_band", _("Choose one of the age groups.")))
        ref = str(row.get("ref") or "").strip()[:64]
        if ref and ref in seen_refs:
            errors.append(RowError(number, "ref", _("This reference is already used on another row.")))
        seen_refs.add(ref)
        organisation = None
        org_name = str(row.get("organisation") or "").strip()
        if org_name:
            organisation = organisations.get(org_name.casefold())
            if organisation is None:
                errors.append(RowError(number, "organisation", _("No partner organisation has this name.")))
        name = str(row.get("name") or "").strip()
        if len(name) > 120:
            errors.append(RowError(number, "name", _("The name is too long (120 characters at most).")))
        cleaned.append(
            {
                "ref": ref,
                "name": name,
                "phone": str(row.get("phone") or "").strip()[:40],
                "sex": sex,
                "age_band": age_band,
                "group": group,
                "village": str(row.get("village") or "").strip()[:80],
                "commune": str(row.get("commune") or "").strip()[:80],
                "province": str(row.get("province") or "").strip()[:80],
                "organisation": organisation,
                "pre_test": _score(row.get("pre_test"), number, "pre_test", errors),
                "post_test": _score(row.get("post_test"), number, "post_test", errors),
            }
        )
    return cleaned, errors


def attendance_record(*, actor: User, activity: Activity, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Record who attended. All rows are checked first; if any is wrong, nothing is written and
    every error is reported. A row with a reference already known reuses that participant, and a
    participant already on the activity is not added twice: recording the same sheet twice
    changes nothing."""
    _require(actor, activity.office)
    cleaned, errors = validate_attendance_rows(activity.office, rows)
    if errors:
        raise BatchError(errors)
    office = activity.office
    with transaction.atomic():
        refs = [row["ref"] for row in cleaned if row["ref"]]
        known = {p.external_ref: p for p in Participant.objects.filter(office=office, external_ref__in=refs)}
        new = [
            Participant(
                office=office,
                external_ref=row["ref"],
                **{
                    k: row[k]
                    for k in (
                        "name",
                        "phone",
                        "sex",
                        "age_band",
                        "group",
                        "village",
                        "commune",
                        "province",
                        "organisation",
                    )
                },
            )
            for row in cleaned
            if not row["ref"] or row["ref"] not in known
        ]
        created = Participant.objects.bulk_create(new)
        by_row: list[Participant] = []
        fresh = iter(created)
        for row in cleaned:
            by_row.append(known[row["ref"]] if row["ref"] and row["ref"] in known else next(fresh))
        already = set(Attendance.objects.filter(activity=activity).values_list("participant_id", flat=True))
        attendances = [
            Attendance(activity=activity, participant=participant, pre_test=row["pre_test"], post_test=row["post_test"])
            for row, participant in zip(cleaned, by_row, strict=True)
            if participant.pk not in already
        ]
        Attendance.objects.bulk_create(attendances)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            target=activity,
            changed_fields=[f"attendance:+{len(attendances)}"],
        )
    return {"participants_created": len(created), "attendances_added": len(attendances), "rows": len(cleaned)}


def participant_link_client(*, actor: User, participant: Participant, client: Client) -> Participant:
    """Link an alumni participant to the client record they were, if the actor may see that client."""
    if not in_caseload(actor, client) or participant.office_id != client.office_id:
        raise PermissionDenied
    with transaction.atomic():
        participant.client = client
        participant.save(update_fields=["client"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=participant, changed_fields=["client"])
    return participant


def reflection_meeting_record(
    *, actor: User, office: Office, held_on: datetime.date, groups: Iterable[HusbandWifeGroup], place: str = ""
) -> Activity:
    _require(actor, office)
    groups = list(groups)
    if not groups:
        raise ValidationError({"groups": _("Choose the husband-wife groups that took part.")})
    if any(group.office_id != office.pk for group in groups):
        raise ValidationError({"groups": _("A group belongs to another office.")})
    with transaction.atomic():
        activity = activity_record(
            actor=actor, office=office, kind=ActivityKind.REFLECTION_MEETING, held_on=held_on, place=place
        )
        activity.hw_groups.add(*groups)
    return activity


def campaign_record(
    *,
    actor: User,
    office: Office,
    kind: str,
    held_on: datetime.date,
    topics: Sequence[str] = (),
    place: str = "",
    adults_female: int = 0,
    adults_male: int = 0,
    children_female: int = 0,
    children_male: int = 0,
) -> Campaign:
    _require(actor, office)
    campaign = Campaign(
        office=office, kind=kind, held_on=held_on, topics=list(topics), place=place,
        adults_female=adults_female, adults_male=adults_male, children_female=children_female, children_male=children_male,
    )  # fmt: skip
    campaign_check(campaign)
    with transaction.atomic():
        campaign.full_clean()
        campaign.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=campaign, changed_fields=["campaign"])
    return campaign


def campaign_check(campaign: Campaign) -> None:
    """The rules of a campaign, new or corrected (core.corrections)."""
    _not_in_future(campaign.held_on, "held_on")
    counts = (campaign.adults_female, campaign.adults_male, campaign.children_female, campaign.children_male)
    if any(count < 0 for count in counts):
        raise ValidationError(_("The number of people reached cannot be negative."))
    if sum(counts) == 0:
        raise ValidationError(_("Give the number of people the campaign reached."))


def held_check(record: Activity | ExternalMeeting) -> None:
    """The rule of an activity or meeting, new or corrected: held, not to come."""
    _not_in_future(record.held_on, "held_on")


def _simple_create(actor: User, record: Any) -> Any:
    with transaction.atomic():
        record.full_clean()
        record.save()
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, target=record, changed_fields=[record._meta.model_name]
        )
    return record


def external_meeting_record(
    *, actor: User, office: Office, kind: str, held_on: datetime.date, attended_by: Iterable[User] = (), notes: str = ""
) -> ExternalMeeting:
    _require(actor, office)
    _not_in_future(held_on, "held_on")
    with transaction.atomic():
        meeting = _simple_create(actor, ExternalMeeting(office=office, kind=kind, held_on=held_on, notes=notes))
        meeting.attended_by.add(*attended_by)
    return meeting


def donation_record(
    *,
    actor: User,
    office: Office,
    item: str,
    copies: int,
    recipient: Organisation,
    donated_on: datetime.date,
    description: str = "",
) -> Donation:
    _require(actor, office)
    donation = Donation(
        office=office, item=item, copies=copies, recipient=recipient, donated_on=donated_on, description=description
    )
    donation_check(donation)
    return _simple_create(actor, donation)


def donation_check(donation: Donation) -> None:
    """The rules of a donation, new or corrected."""
    _not_in_future(donation.donated_on, "donated_on")
    if donation.copies <= 0:
        raise ValidationError({"copies": _("Give the number of copies donated.")})
    if donation.recipient.office_id != donation.office_id:
        raise ValidationError({"recipient": _("The organisation belongs to another office.")})


def public_event_record(
    *, actor: User, office: Office, kind: str, name: str, held_on: datetime.date, reported_attendance: int
) -> PublicEvent:
    _require(actor, office)
    event = PublicEvent(office=office, kind=kind, name=name, held_on=held_on, reported_attendance=reported_attendance)
    public_event_check(event)
    return _simple_create(actor, event)


def public_event_check(event: PublicEvent) -> None:
    """The rules of a public event, new or corrected."""
    _not_in_future(event.held_on, "held_on")
    if event.reported_attendance < 0:
        raise ValidationError({"reported_attendance": _("Attendance cannot be negative.")})


def community_group_create(
    *, actor: User, office: Office, name: str, province: str, district: str = "", commune: str = "", village: str = ""
) -> CommunityGroup:
    _require(actor, office)
    return _simple_create(
        actor,
        CommunityGroup(
            office=office, name=name, province=province, district=district, commune=commune, village=village
        ),
    )


def community_group_set_status(
    *, actor: User, group: CommunityGroup, status: str, start: datetime.date
) -> GroupStatusPeriod:
    """A new status from `start`; the current one ends the day before."""
    _require(actor, group.office)
    _not_in_future(start, "start")
    with transaction.atomic():
        current = group.statuses.filter(end__isnull=True).first()
        if current is not None:
            if start <= current.start:
                raise ValidationError({"start": _("The new status must start after the current one.")})
            current.end = start - datetime.timedelta(days=1)
            current.save(update_fields=["end"])
        return _simple_create(actor, GroupStatusPeriod(group=group, status=status, start=start))


def plan_action_add(
    *, actor: User, group: CommunityGroup, year: int, topic: str, planned_on: datetime.date
) -> GroupPlanAction:
    _require(actor, group.office)
    if planned_on.year != year:
        raise ValidationError({"planned_on": _("The action must be planned within the plan's year.")})
    return _simple_create(actor, GroupPlanAction(group=group, year=year, topic=topic, planned_on=planned_on))


def plan_action_complete(*, actor: User, action: GroupPlanAction, completed_on: datetime.date) -> GroupPlanAction:
    _require(actor, action.group.office)
    _not_in_future(completed_on, "completed_on")
    with transaction.atomic():
        action.completed_on = completed_on
        action.save(update_fields=["completed_on"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=action, changed_fields=["completed_on"])
    return action
