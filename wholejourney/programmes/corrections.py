"""Programme records people can correct (core.corrections): an activity (voiding it voids its
attendance, so its participants leave the report's figures with it) and one person's attendance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.core.corrections.registry import CorrectableKind, register
from wholejourney.programmes.forms import ActivityForm
from wholejourney.programmes.models import Activity, ActivityKind, Attendance


def _activity_page(record: Any) -> str:
    return reverse("programmes:activity_detail", kwargs={"pk": getattr(record, "activity_id", None) or record.pk})


def _activity_check(activity: Activity) -> None:
    if activity.kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose what kind of activity it was.")})
    if activity.held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date cannot be in the future.")})


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
