"""Programme records people can correct (core.corrections): an activity (voiding it voids its
attendance, so its participants leave the report's figures with it) and one person's attendance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Permission
from wholejourney.core.corrections.registry import CorrectableKind, register
from wholejourney.partners.models import Organisation
from wholejourney.programmes import forms as programme_forms
from wholejourney.programmes import services
from wholejourney.programmes.forms import ActivityForm
from wholejourney.programmes.models import (
    Activity,
    ActivityKind,
    Attendance,
    Campaign,
    Donation,
    ExternalMeeting,
    PublicEvent,
)


def _activity_page(record: Any) -> str:
    return reverse("programmes:activity_detail", kwargs={"pk": getattr(record, "activity_id", None) or record.pk})


def _activity_check(activity: Activity) -> None:
    if activity.kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose what kind of activity it was.")})
    services.held_check(activity)


register(
    CorrectableKind(
        key="activity",
        model=Activity,
        label=gettext_lazy("activity"),
        fields=("kind", "topic", "held_on", "place"),
        form=lambda record, data: ActivityForm(data),
        permissions=(Permission.RECORD_PREVENTION,),
        shown_at=_activity_page,
        client=lambda activity: None,
        case=lambda activity: None,
        author_id=lambda activity: activity.facilitator_id,
        office_id=lambda activity: activity.office_id,
        check=_activity_check,
        dependents=lambda activity: list(Attendance.all_records.filter(activity=activity)),
    )
)


class AttendanceScoresForm(forms.Form):
    pre_test = forms.DecimalField(label=_("Pre-test score"), required=False, min_value=0, max_value=100)
    post_test = forms.DecimalField(label=_("Post-test score"), required=False, min_value=0, max_value=100)


register(
    CorrectableKind(
        key="attendance",
        model=Attendance,
        label=gettext_lazy("attendance"),
        fields=("pre_test", "post_test"),
        form=lambda record, data: AttendanceScoresForm(data),
        permissions=(Permission.RECORD_PREVENTION,),
        shown_at=_activity_page,
        client=lambda attendance: None,
        case=lambda attendance: None,
        author_id=lambda attendance: attendance.activity.facilitator_id,
        office_id=lambda attendance: attendance.activity.office_id,
        entered_with=lambda attendance: attendance.activity,
    )
)


# --- campaigns, external meetings, donations, public events ---------------------------------


def _list_page(name: str) -> Callable[[Any], str]:
    return lambda record: reverse(f"programmes:{name}_list")


def _office_record(
    key: str,
    model: type[Any],
    label: Any,
    fields: tuple[str, ...],
    form: Callable[[Any, Any], forms.BaseForm],
    list_name: str,
    check: Callable[[Any], None],
) -> CorrectableKind:
    """A programme record of the office, entered with one form (programmes.views.records)."""
    return register(
        CorrectableKind(
            key=key,
            model=model,
            label=label,
            fields=fields,
            form=form,
            permissions=(Permission.RECORD_PREVENTION,),
            shown_at=_list_page(list_name),
            client=lambda record: None,
            case=lambda record: None,
            author_id=lambda record: None,  # who entered it, from the audit trail
            office_id=lambda record: record.office_id,
            check=check,
        )
    )


_office_record(
    "campaign",
    Campaign,
    gettext_lazy("campaign"),
    ("kind", "held_on", "place", "topics", "adults_female", "adults_male", "children_female", "children_male"),
    lambda record, data: programme_forms.CampaignForm(data),
    "campaign",
    services.campaign_check,
)
_office_record(
    "external_meeting",
    ExternalMeeting,
    gettext_lazy("external meeting"),
    ("kind", "held_on", "notes"),
    lambda record, data: programme_forms.ExternalMeetingForm(
        data, staff=User.objects.filter(office_id=record.office_id, is_active=True)
    ),
    "meeting",
    services.held_check,
)
_office_record(
    "donation",
    Donation,
    gettext_lazy("donation"),
    ("item", "description", "copies", "recipient", "donated_on"),
    lambda record, data: programme_forms.DonationForm(
        data, organisations=Organisation.objects.filter(office_id=record.office_id)
    ),
    "donation",
    services.donation_check,
)
_office_record(
    "public_event",
    PublicEvent,
    gettext_lazy("public event"),
    ("kind", "name", "held_on", "reported_attendance"),
    lambda record, data: programme_forms.PublicEventForm(data),
    "event",
    services.public_event_check,
)
