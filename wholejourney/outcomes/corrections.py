"""The outcome records people can correct (core.corrections). A corrected or voided assessment or
crisis recomputes the client's stability clock in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.care.models import Domain
from wholejourney.core.corrections.registry import CorrectableKind, register
from wholejourney.core.dates import shown
from wholejourney.outcomes import forms as outcome_forms
from wholejourney.outcomes.models import Assessment, CrisisEvent, EconomicSurvey
from wholejourney.outcomes.services import clock_refresh

# Who records outcomes (outcomes.services._may_record): the client's case manager, counselors and
# the office's director.
OUTCOME_RECORDERS = (Permission.MANAGE_CASES, Permission.RECORD_COUNSELING)


def _outcomes_page(record: Any) -> str:
    return reverse("outcomes:client", kwargs={"pk": record.client_id})


def _refresh_clock(record: Any) -> None:
    clock_refresh(record.client)


def _within_case(record: Any, day_field: str, form_field: str = "date") -> None:
    day, case = getattr(record, day_field), record.case
    if case.closed_on is not None and day > case.closed_on or day < case.opened_on:
        raise ValidationError(
            {form_field: _("This is outside the case (opened %(date)s).") % {"date": shown(case.opened_on)}}
        )


def _renamed(date_field: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    changes = dict(cleaned)
    if "date" in changes:
        changes[date_field] = changes.pop("date")
    return changes


def _crisis_check(crisis: CrisisEvent) -> None:
    crisis.domains = sorted(set(crisis.domains))
    if not crisis.domains or not set(crisis.domains) <= set(Domain.values):
        raise ValidationError({"domains": _("Choose the domain or domains the crisis touched.")})
    if not str(crisis.what_happened).strip():
        raise ValidationError({"what_happened": _("Say what happened.")})
    _within_case(crisis, "occurred_on")


register(
    CorrectableKind(
        key="crisis",
        model=CrisisEvent,
        label=gettext_lazy("crisis"),
        fields=("occurred_on", "domains", "severity", "what_happened", "response"),
        form=lambda record, data: outcome_forms.CrisisForm(data),
        permissions=OUTCOME_RECORDERS,
        shown_at=_outcomes_page,
        check=_crisis_check,
        after=_refresh_clock,
        identifying=("what_happened", "response"),
        to_form=lambda record: {
            "date": record.occurred_on,
            "domains": record.domains,
            "severity": record.severity,
            "what_happened": record.what_happened,
            "response": record.response,
        },
        from_form=lambda record, cleaned: _renamed("occurred_on", cleaned),
    )
)


class _AssessmentDateForm(outcome_forms.SurveyForm):
    """An assessment's answers are corrected by voiding it and assessing again; its date here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("income_increased", "income_covers_needs"):
            del self.fields[name]
        self.fields["date"].label = _("Date of the assessment")


register(
    CorrectableKind(
        key="assessment",
        model=Assessment,
        label=gettext_lazy("assessment"),
        fields=("assessed_on",),
        form=lambda record, data: _AssessmentDateForm(data),
        permissions=OUTCOME_RECORDERS,
        shown_at=_outcomes_page,
        check=lambda record: _within_case(record, "assessed_on"),
        after=_refresh_clock,
        to_form=lambda record: {"date": record.assessed_on},
        from_form=lambda record, cleaned: _renamed("assessed_on", cleaned),
    )
)


def _answer_text(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]


def _survey_changes(record: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
    changes = _renamed("surveyed_on", cleaned)
    for name in ("income_increased", "income_covers_needs"):
        if name in changes:
            changes[name] = outcome_forms.SurveyForm.answer(changes[name])
    return changes


register(
    CorrectableKind(
        key="survey",
        model=EconomicSurvey,
        label=gettext_lazy("economic survey"),
        fields=("surveyed_on", "income_increased", "income_covers_needs"),
        form=lambda record, data: outcome_forms.SurveyForm(data),
        permissions=(Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES),
        shown_at=_outcomes_page,
        check=lambda record: _within_case(record, "surveyed_on"),
        to_form=lambda record: {
            "date": record.surveyed_on,
            "income_increased": _answer_text(record.income_increased),
            "income_covers_needs": _answer_text(record.income_covers_needs),
        },
        from_form=_survey_changes,
    )
)
