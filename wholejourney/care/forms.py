"""The shapes of the care pages' forms. Rules (dates within the case, amounts, partners) are the
services'; these forms only turn what a phone sends into values.

Staff type on phones, often with a Khmer keyboard: dates, minutes and amounts accept Khmer digits
(០១២៣៤៥៦៧៨៩), and dates are day-first (23/11/2024, 23-11-2024, 23112024) or ISO (2024-11-23)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.models import User
from wholejourney.care.models import (
    CarePlanGoal,
    CarePlanReview,
    Domain,
    EconomicService,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    Modality,
    SessionFormat,
    Stipend,
    TfCbtComponent,
    Training,
    Visit,
)
from wholejourney.clients.models import Client
from wholejourney.core.forms import DayField, ascii_digits
from wholejourney.options.selectors import choices as option_choices
from wholejourney.partners.models import Organisation


def _number_text(value: Any) -> Any:
    if isinstance(value, str):
        value = ascii_digits(value).strip().replace(" ", "")
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", value):  # 400,000 or 1,250.50
            value = value.replace(",", "")
    return value


class MinutesField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 600)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_number_text(value))


class AmountField(forms.DecimalField):
    """An amount of money. Negative amounts are the service's to refuse, with its message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 12}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        return super().to_python(_number_text(value))


def field_of(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field for a model field, labelled as the model labels it; dates as `DayField`."""
    field = cast(models.Field, model._meta.get_field(name))  # type: ignore[type-arg]
    if isinstance(field, models.DateField):
        kwargs.setdefault("label", capfirst(field.verbose_name))
        kwargs.setdefault("required", not field.blank)
        return DayField(**kwargs)
    return cast(forms.Field, field.formfield(**kwargs))


def _textarea(model: type[models.Model], name: str, rows: int = 3) -> forms.Field:
    return field_of(model, name, widget=forms.Textarea(attrs={"rows": rows}))


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


# --- counseling ------------------------------------------------------------------------------


class ClientChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.display_name}"


class SessionForm(forms.Form):
    """One counseling session, for one client or a group; each attendee's notes are extra fields
    `note_<client id>` the view reads for the attendees chosen."""

    held_on = DayField(label=_("Date"), happened=True)
    format = forms.ChoiceField(
        label=_("Session"), choices=SessionFormat.choices, initial=SessionFormat.INDIVIDUAL, widget=forms.RadioSelect
    )
    modality = forms.ChoiceField(label=_("Approach"), choices=Modality.choices, initial=Modality.TF_CBT)
    duration_minutes = MinutesField(label=_("Minutes"), initial=60)
    attendees = ClientChoiceField(label=_("Who attended"), queryset=Client.objects.none())
    group_note = forms.CharField(
        label=_("Notes on the group"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only counselors of these clients and their supervisor can read the notes."),
    )

    def __init__(self, *args: Any, candidates: models.QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = candidates  # type: ignore[attr-defined]


class SessionDayForm(forms.Form):
    held_on = DayField(label=_("Date of the sessions"), happened=True)


class SessionRowForm(forms.Form):
    """One row of a day's sessions: client codes (several for a group), how, how long, notes."""

    clients = forms.CharField(
        label=_("Client codes"),
        max_length=400,
        widget=forms.TextInput(attrs={"list": "recent-clients", "autocomplete": "off", "size": 16}),
    )
    format = forms.ChoiceField(label=_("Session"), choices=SessionFormat.choices, initial=SessionFormat.INDIVIDUAL)
    modality = forms.ChoiceField(label=_("Approach"), choices=Modality.choices, initial=Modality.TF_CBT)
    duration_minutes = MinutesField(label=_("Minutes"), initial=60)
    note = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def codes(self) -> list[str]:
        """The codes typed, upper-cased, in order, once each."""
        raw = re.split(r"[\s,;]+", ascii_digits(self.cleaned_data.get("clients", "")))
        return list(dict.fromkeys(code.upper() for code in raw if code))


SessionRowFormSet = forms.formset_factory(SessionRowForm, extra=6, max_num=30, absolute_max=30)


class TreatmentPlanForm(forms.Form):
    started_on = DayField(label=_("Started on"), happened=True)
    components = forms.MultipleChoiceField(
        label=_("TF-CBT components planned"),
        choices=TfCbtComponent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class TreatmentPlanEndForm(forms.Form):
    COMPLETED_MET, COMPLETED, DISCONTINUED = "completed_met", "completed", "discontinued"
    ended_on = DayField(label=_("Ended on"), happened=True)
    outcome = forms.ChoiceField(
        label=_("How it ended"),
        widget=forms.RadioSelect,
        choices=[
            (COMPLETED_MET, _("Completed, goals met")),
            (COMPLETED, _("Completed, goals not met")),
            (DISCONTINUED, _("Discontinued")),
        ],
    )


# --- legal -----------------------------------------------------------------------------------


def _kinds(list_id: str) -> Callable[[], list[tuple[str, Any]]]:
    """The kinds a form offers, read when it is shown: the built-in ones, then those
    administrators added (wholejourney.options)."""
    return lambda: [("", "---------"), *option_choices(list_id)]


class LegalServiceForm(forms.Form):
    kind = forms.ChoiceField(
        label=capfirst(LegalService._meta.get_field("kind").verbose_name), choices=_kinds("legal_service_kind")
    )
    provided_on = field_of(LegalService, "provided_on", happened=True)
    note = _textarea(LegalService, "note")


class LegalCaseForm(forms.Form):
    kind = field_of(LegalCase, "kind")
    opened_on = field_of(LegalCase, "opened_on", happened=True)
    court = field_of(LegalCase, "court")
    case_number = field_of(LegalCase, "case_number")
    accused_role = field_of(LegalCase, "accused_role")
    accused_name = field_of(LegalCase, "accused_name")


class LegalMilestoneForm(forms.Form):
    kind = field_of(LegalMilestone, "kind")
    happened_on = field_of(LegalMilestone, "happened_on", happened=True)
    outcome = field_of(LegalMilestone, "outcome", help_text=_("For a verdict."))
    note = _textarea(LegalMilestone, "note", rows=2)


class LegalCaseEndForm(forms.Form):
    # No answer preselected: ending a court case the wrong way would be easy to miss and skew the verdicts.
    end = forms.ChoiceField(label=_("How it ended"), choices=[("", "—"), *LegalCase.End.choices])
    ended_on = field_of(LegalCase, "ended_on", required=True, happened=True)


# --- education and economic empowerment ------------------------------------------------------


class EducationForm(forms.Form):
    level = field_of(EducationSupport, "level")
    kind = field_of(EducationSupport, "kind")
    provided_on = field_of(EducationSupport, "provided_on", happened=True)
    school_year = field_of(EducationSupport, "school_year")
    outcome = field_of(EducationSupport, "outcome")


class _AmountsForm(forms.Form):
    """Amounts in the office's currency, with the same amount in US dollars beside it."""

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}
        if currency == "USD":
            del self.fields["amount_usd"]


class EconomicServiceForm(_AmountsForm):
    kind = forms.ChoiceField(
        label=capfirst(EconomicService._meta.get_field("kind").verbose_name), choices=_kinds("economic_service_kind")
    )
    provided_on = field_of(EconomicService, "provided_on", happened=True)
    amount = AmountField(required=False, help_text=_("For a grant or materials."))
    amount_usd = AmountField(label=_("Amount in USD"), required=False)
    note = _textarea(EconomicService, "note")


class StipendForm(_AmountsForm):
    paid_on = field_of(Stipend, "paid_on", happened=True)
    amount = AmountField()
    amount_usd = AmountField(label=_("Amount in USD"))


class TrainingForm(forms.Form):
    kind = field_of(Training, "kind")
    organisation = forms.ModelChoiceField(
        label=_("Where"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("On-the-job training takes place at a business partner."),
    )
    trade = field_of(Training, "trade")
    start = field_of(Training, "start", happened=True)
    end = field_of(Training, "end")

    def __init__(self, *args: Any, organisations: models.QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class TrainingCompleteForm(forms.Form):
    completed_on = field_of(Training, "completed_on", required=True, happened=True)


class EmploymentForm(forms.Form):
    work = field_of(Employment, "work")
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Organisation.objects.none(), required=False)
    employer_name = field_of(Employment, "employer_name")
    start = field_of(Employment, "start", happened=True)
    end = field_of(Employment, "end")
    after_training = forms.ModelChoiceField(
        label=_("Job placement after training"), queryset=Training.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        organisations: models.QuerySet[Organisation],
        trainings: models.QuerySet[Training],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["after_training"].queryset = trainings  # type: ignore[attr-defined]
        self.fields["after_training"].label_from_instance = _training_label  # type: ignore[attr-defined]


def _training_label(training: Training) -> str:
    return f"{training.get_kind_display()} · {training.trade or '—'} · {training.start:%d/%m/%Y}"


# --- follow-up and care plans ----------------------------------------------------------------


class VisitForm(forms.Form):
    mode = field_of(Visit, "mode")
    visited_on = field_of(Visit, "visited_on", happened=True)
    next_visit_on = field_of(Visit, "next_visit_on")
    note = _textarea(Visit, "note")


class CarePlanForm(forms.Form):
    drafted_on = DayField(label=_("Drafted on"), happened=True)
    next_review_on = DayField(label=_("First review on"))


class GoalForm(forms.Form):
    """The goal in one domain; the view makes one per domain, prefixed by the domain."""

    goal = _textarea(CarePlanGoal, "goal", rows=2)
    interventions = _textarea(CarePlanGoal, "interventions", rows=2)
    responsible = StaffChoiceField(label=_("Responsible"), queryset=User.objects.none(), required=False)
    target_date = field_of(CarePlanGoal, "target_date")

    def __init__(self, *args: Any, domain: str, staff: models.QuerySet[User], **kwargs: Any) -> None:
        kwargs["prefix"] = domain
        super().__init__(*args, **kwargs)
        self.domain = Domain(domain)
        self.fields["responsible"].queryset = staff  # type: ignore[attr-defined]


class CarePlanApproveForm(forms.Form):
    approved_on = DayField(label=_("Approved on"), happened=True)


class CarePlanReviewForm(forms.Form):
    reviewed_on = field_of(CarePlanReview, "reviewed_on", happened=True)
    note = _textarea(CarePlanReview, "note")
    next_review_on = field_of(CarePlanReview, "next_review_on")
