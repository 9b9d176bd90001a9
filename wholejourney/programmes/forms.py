"""The shapes of the prevention officer's forms; the rules are in programmes.services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.models import User
from wholejourney.clients.models import Sex
from wholejourney.core.forms import DayField, no_future_dates
from wholejourney.partners.models import Organisation
from wholejourney.programmes import sheets
from wholejourney.programmes.models import (
    ActivityKind,
    AgeBand,
    Campaign,
    Donation,
    ExternalMeeting,
    GroupStatusPeriod,
    HusbandWifeGroup,
    ParticipantGroup,
    PlanTopic,
    PublicEvent,
    TrainingTopic,
)


class CampaignTopic(models.TextChoices):
    """What campaigns are about (stored as codes in Campaign.topics)."""

    HUMAN_TRAFFICKING = "human_trafficking", _("Human trafficking")
    SAFE_MIGRATION = "safe_migration", _("Safe migration")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    GBV = "gbv", _("Gender-based violence")
    CHILD_RIGHTS = "child_rights", _("Child rights")
    FOOD_SECURITY = "food_security", _("Food security")
    POSITIVE_PARENTING = "positive_parenting", _("Positive parenting")
    OTHER = "other", _("Other")


def _date(label: Any, **kwargs: Any) -> DayField:
    return DayField(label=label, **kwargs)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *[(code, label) for code, label in choices if code]]


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ActivityKind.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class ParticipantFilterForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Participant group"), required=False, choices=[("", _("All groups")), *ParticipantGroup.choices]
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was it?"), choices=ActivityKind.choices)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=_blank(TrainingTopic.choices))
    held_on = _date(_("Date"))
    place = forms.CharField(label=_("Place"), required=False, max_length=120)
    external_ref = forms.CharField(
        label=_("Reference on the paper sheet"),
        required=False,
        max_length=64,
        help_text=_("Optional. An activity with a reference already recorded is not recorded twice."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "held_on")


class AttendanceRowForm(forms.Form):
    """One person on a paper sheet, typed in."""

    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=_blank(Sex.choices))
    age_band = forms.ChoiceField(label=_("Age group"), required=False, choices=_blank(AgeBand.choices))
    group = forms.ChoiceField(label=_("Participant group"), required=False, choices=_blank(ParticipantGroup.choices))
    village = forms.CharField(label=_("Village"), required=False, max_length=80)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    ref = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=64,
        help_text=_("Optional: the person's code, the same on every sheet."),
    )
    pre_test = forms.DecimalField(label=_("Pre-test score"), required=False, min_value=0, max_value=100)
    post_test = forms.DecimalField(label=_("Post-test score"), required=False, min_value=0, max_value=100)

    def __init__(self, *args: Any, organisations: list[str], with_tests: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "—"), *[(name, name) for name in organisations]]  # type: ignore[attr-defined]
        if not with_tests:
            del self.fields["pre_test"], self.fields["post_test"]

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(name) not in (None, "") for name in ("name", "phone", "group", "ref", "age_band"))


class BaseAttendanceFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def typed(self) -> list[dict[str, Any]]:
        """Every row as typed, unchecked: to show the rows again ("More rows", a pasted list)."""
        return [{name: form[name].value() for name in form.fields} for form in self.forms]

    def rows(self) -> list[tuple[int, AttendanceRowForm]]:
        """The filled-in rows, numbered from 1 as they appear on the page."""
        return [
            (number, form)
            for number, form in enumerate(self.forms, start=1)
            if isinstance(form, AttendanceRowForm) and form.is_valid() and not form.is_blank()
        ]

    def clean(self) -> None:
        if not any(form.errors for form in self.forms) and not self.rows():
            raise forms.ValidationError(_("Fill in at least one row."))


def attendance_formset(
    data: Any,
    *,
    rows: int,
    max_rows: int,
    organisations: list[str],
    with_tests: bool,
    typed: list[dict[str, Any]] | None = None,
) -> BaseAttendanceFormSet:
    """The rows of the attendance: `typed` rows shown again as they were, then `rows` empty ones."""
    formset_class = forms.formset_factory(
        AttendanceRowForm, formset=BaseAttendanceFormSet, extra=rows, max_num=max_rows, absolute_max=max_rows
    )
    formset = formset_class(
        data,
        prefix="row",
        initial=typed or None,
        form_kwargs={"organisations": organisations, "with_tests": with_tests},
    )
    assert isinstance(formset, BaseAttendanceFormSet)  # noqa: S101 - formset_factory made it from that class
    return formset


def _is_blank_row(row: dict[str, Any]) -> bool:
    return all(value in (None, "") for value in row.values())


class PasteForm(forms.Form):
    """A list of people pasted from a phone's notes or a spreadsheet, one a line: the name first,
    then, if known, the sex and the age (in years, or the age group) after commas or tabs."""

    names = forms.CharField(
        label=_("Paste names, one a line"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The sex and the age may follow the name, after commas: Sok Dara, F, 34"),
        error_messages={"required": _("Paste at least one name.")},
    )
    group = forms.ChoiceField(
        label=_("Participant group of everyone on the list"),
        required=False,
        choices=_blank(ParticipantGroup.choices),
        help_text=_("Optional: a row can still be changed after."),
    )

    def __init__(self, *args: Any, room: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "paste")
        super().__init__(*args, **kwargs)
        self.room = room

    def clean_names(self) -> list[dict[str, str]]:
        people: list[dict[str, str]] = []
        problems: list[forms.ValidationError] = []
        for number, line in enumerate(self.cleaned_data["names"].splitlines(), start=1):
            name, *details = (part.strip() for part in re.split(r"[,;\t]", line))
            if not name and not any(details):
                continue
            person = {"name": name}
            for detail in filter(None, details):
                for key in ("sex", "age_band"):
                    code = sheets.choice_code(key, detail)
                    if key not in person and code is not None:
                        person[key] = code
                        break
                else:
                    problems.append(
                        forms.ValidationError(
                            _("Line %(number)s: “%(value)s” is not a sex or an age."),
                            params={"number": number, "value": detail},
                        )
                    )
            people.append(person)
        if problems:
            raise forms.ValidationError(problems)
        if len(people) > self.room:
            raise forms.ValidationError(
                _("The list has %(count)s people and only %(room)s more rows fit; upload the sheet instead."),
                params={"count": len(people), "room": self.room},
            )
        return people

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("group"):
            cleaned["names"] = [{**person, "group": cleaned["group"]} for person in cleaned.get("names", [])]
        return cleaned


def rows_with_people(rows: list[dict[str, Any]], people: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The typed rows with the pasted people in the empty ones, in order, and the rest after them."""
    waiting = iter(people)
    filled = [(next(waiting, None) or row) if _is_blank_row(row) else row for row in rows]
    return [row for row in filled if not _is_blank_row(row)] + list(waiting)


def rows_filled(rows: list[dict[str, Any]]) -> int:
    return sum(not _is_blank_row(row) for row in rows)


class UploadForm(forms.Form):
    sheet = forms.FileField(
        label=_("Attendance sheet (.xlsx)"),
        help_text=_("The template filled in; at most %(size)s MB and %(rows)s rows.")
        % {"size": sheets.MAX_BYTES // 2**20, "rows": sheets.MAX_ROWS},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_sheet(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["sheet"]
        size = upload.size or 0
        head = upload.read(4) if size <= sheets.MAX_BYTES else b""
        try:
            sheets.check_upload(head, size)
        except sheets.SheetError as exc:
            raise forms.ValidationError(str(exc)) from exc
        upload.seek(0)
        return upload.read()


class ReflectionMeetingForm(forms.Form):
    held_on = _date(_("Date"))
    place = forms.CharField(label=_("Place"), required=False, max_length=120)
    groups = forms.ModelMultipleChoiceField(
        label=_("Husband-wife groups that took part"),
        queryset=HusbandWifeGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, groups: QuerySet[HusbandWifeGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = groups  # type: ignore[attr-defined]
        self.fields["groups"].label_from_instance = (  # type: ignore[attr-defined]
            lambda group: f"{group.label} · {group.village}" if group.village else group.label
        )
        no_future_dates(self, "held_on")


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Campaign.Kind.choices, widget=forms.RadioSelect)
    held_on = _date(_("Date"))
    place = forms.CharField(label=_("Place"), required=False, max_length=120)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, choices=CampaignTopic.choices, widget=forms.CheckboxSelectMultiple
    )
    adults_female = forms.IntegerField(label=_("Women reached"), min_value=0, initial=0)
    adults_male = forms.IntegerField(label=_("Men reached"), min_value=0, initial=0)
    children_female = forms.IntegerField(label=_("Girls reached"), min_value=0, initial=0)
    children_male = forms.IntegerField(label=_("Boys reached"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "held_on")
        for name in ("adults_female", "adults_male", "children_female", "children_male"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class ExternalMeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExternalMeeting.Kind.choices)
    held_on = _date(_("Date"))
    attended_by = forms.ModelMultipleChoiceField(
        label=_("Who went"), required=False, queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended_by"].queryset = staff  # type: ignore[attr-defined]
        self.fields["attended_by"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.get_full_name() or user.get_username()
        )
        no_future_dates(self, "held_on")


class DonationForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=Donation.Item.choices)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    copies = forms.IntegerField(label=_("Copies"), min_value=1)
    recipient = forms.ModelChoiceField(label=_("Given to"), queryset=Organisation.objects.none())
    donated_on = _date(_("Date"))

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = organisations  # type: ignore[attr-defined]
        no_future_dates(self, "donated_on")


class PublicEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PublicEvent.Kind.choices)
    name = forms.CharField(label=_("Name of the event"), max_length=200)
    held_on = _date(_("Date"))
    reported_attendance = forms.IntegerField(label=_("People who attended (reported)"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "held_on")


class CommunityGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    province = forms.CharField(label=_("Province"), max_length=80)
    district = forms.CharField(label=_("District"), required=False, max_length=80)
    commune = forms.CharField(label=_("Commune"), required=False, max_length=80)
    village = forms.CharField(label=_("Village"), required=False, max_length=80)
    active_since = _date(_("Active since"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "active_since")


class GroupStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=GroupStatusPeriod.Status.choices)
    start = _date(_("From"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "start")


class PlanActionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=PlanTopic.choices)
    planned_on = _date(_("Planned for"))


class PlanCompleteForm(forms.Form):
    completed_on = _date(_("Completed on"), initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        no_future_dates(self, "completed_on")
