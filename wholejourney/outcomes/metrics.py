"""Outcome figures: psychosocial improvement and the economic survey (from the report), and three
of our own from the stability clock: who became whole, how long runs took, what reset them."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When, Window
from django.db.models.functions import FirstValue, RowNumber
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.outcomes.clock import DOMAINS
from wholejourney.outcomes.models import Assessment, ClockRun, EconomicSurvey
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric, percent


def _in_office(queryset: QuerySet[Client], office: Office | None) -> QuerySet[Client]:
    return queryset.filter(office=office) if office else queryset


@metric(
    id="psychosocial_improved_pct",
    label=_("Share of counseled survivors who improved psychosocially"),
    section=Sections.HEAL,
    definition=_(
        "Of clients with a baseline assessment and a later assessment in the period, the share (%) whose latest "
        "personal well-being score in the period is better than at baseline."
    ),
)
def psychosocial_improved_pct(period: Period, office: Office | None) -> MetricResult:
    in_period = Q(assessed_on__gte=period.start, assessed_on__lte=period.end)
    baseline_first: list[Any] = [Case(When(kind=Assessment.Kind.BASELINE, then=0), default=1), "assessed_on", "pk"]
    latest_first: list[Any] = [Case(When(in_period, then=0), default=1), F("assessed_on").desc(), F("pk").desc()]

    def first(expression: Any, order: list[Any]) -> Window:
        return Window(FirstValue(expression), partition_by=[F("client_id")], order_by=order)

    # One pass over the baseline and in-period assessments of the office's clients: each client's
    # first baseline and latest assessment in the period, read off one row per client.
    per_client = (
        Assessment.objects.filter(Q(kind=Assessment.Kind.BASELINE) | in_period)
        .filter(**({"case__office": office} if office else {}))  # where it was made (cases.transfers)
        .annotate(
            row=Window(RowNumber(), partition_by=[F("client_id")], order_by=baseline_first),
            baseline_kind=first("kind", baseline_first),
            baseline_on=first("assessed_on", baseline_first),
            baseline_score=first("wellbeing_score", baseline_first),
            latest_in_period=first(Case(When(in_period, then=1), default=0), latest_first),
            latest_on=first("assessed_on", latest_first),
            latest_score=first("wellbeing_score", latest_first),
        )
    )
    assessed = per_client.filter(
        row=1, baseline_kind=Assessment.Kind.BASELINE, latest_in_period=1, latest_on__gt=F("baseline_on")
    )
    better = Q(latest_score__gt=F("baseline_score"))
    counts = assessed.aggregate(assessed=Count("pk"), improved=Count("pk", filter=better))
    improved = Client.objects.filter(pk__in=assessed.filter(better).values("client_id")).order_by("code")
    return MetricResult(percent(counts["improved"], counts["assessed"]), improved)


def _survey_share(period: Period, office: Office | None, question: str) -> MetricResult:
    answered = {"surveyed_on__gte": period.start, "surveyed_on__lte": period.end, f"{question}__isnull": False}
    surveys = EconomicSurvey.objects.filter(**answered)
    if office:
        surveys = surveys.filter(case__office=office)
    # A client surveyed twice in the period counts once, with their latest answer: the one no later
    # answer of theirs follows.
    later = EconomicSurvey.objects.filter(client=OuterRef("client"), **answered).filter(
        Q(surveyed_on__gt=OuterRef("surveyed_on")) | Q(surveyed_on=OuterRef("surveyed_on"), pk__gt=OuterRef("pk"))
    )
    answers = surveys.exclude(Exists(later))
    counts = answers.aggregate(answers=Count("pk"), yes=Count("pk", filter=Q(**{question: True})))
    return MetricResult(percent(counts["yes"], counts["answers"]), answers.filter(**{question: True}))


@metric(
    id="household_income_increase_pct",
    label=_("Survivors reporting an increase in household income"),
    section=Sections.HIGHLIGHTS,
    definition=_(
        "Of clients who answered the household-income question of the economic survey in the period, the share (%) reporting an increase."
    ),
)
def household_income_increase_pct(period: Period, office: Office | None) -> MetricResult:
    return _survey_share(period, office, "income_increased")


@metric(
    id="income_covers_needs_pct",
    label=_("Survivor families whose business or job income helps them afford food, health care and education"),
    section=Sections.HIGHLIGHTS,
    definition=_("Of clients who answered that survey question in the period, the share (%) answering yes."),
)
def income_covers_needs_pct(period: Period, office: Office | None) -> MetricResult:
    return _survey_share(period, office, "income_covers_needs")


def clock_runs_of(office: Office | None) -> QuerySet[ClockRun]:
    """The stored runs of the clocks of the office's clients (kept in step with their records)."""
    runs = ClockRun.objects.all()
    return runs.filter(client__office=office) if office else runs


def whole_in(period: Period, office: Office | None) -> QuerySet[ClockRun]:
    """The runs that made their client whole in the period: they reached their length on a day of
    it and nothing reset them up to and including that day."""
    return (
        clock_runs_of(office)
        .filter(whole_on__gte=period.start, whole_on__lte=period.end)
        .filter(Q(reset_on__isnull=True) | Q(reset_on__gt=F("whole_on")))
    )


@metric(
    id="clients_reached_wholeness",
    label=_("Clients who reached wholeness"),
    section=Sections.HEAL,
    definition=_(
        "Distinct clients whose stability clock completed a run (6 months stable in all four domains, 12 for a child) in the period."
    ),
)
def clients_reached_wholeness(period: Period, office: Office | None) -> MetricResult:
    clients = Client.objects.filter(pk__in=whole_in(period, office).values("client_id")).order_by("code")
    return MetricResult(clients.count(), clients)


@metric(
    id="median_run_days",
    label=_("Median length of a completed stability run (days)"),
    section=Sections.HEAL,
    definition=_(
        "The median number of days from the start of a run to wholeness, over the runs completed in the period."
    ),
)
def median_run_days(period: Period, office: Office | None) -> MetricResult:
    lengths = [(whole - start).days for start, whole in whole_in(period, office).values_list("started_on", "whole_on")]
    return MetricResult(round(statistics.median(lengths)) if lengths else None)


@metric(
    id="clock_resets_by_domain",
    label=_("Stability clock resets, by domain"),
    section=Sections.HEAL,
    definition=_(
        "Resets of running clocks in the period, by the domain that was not stable (a reset touching two domains counts for each)."
    ),
)
def clock_resets_by_domain(period: Period, office: Office | None) -> MetricResult:
    resets = clock_runs_of(office).filter(reset_on__gte=period.start, reset_on__lte=period.end)
    counts = resets.aggregate(
        **{domain: Count("pk", filter=Q(reset_reason__contains=f":{domain}")) for domain in DOMAINS}
    )
    return MetricResult({domain: counts[domain] for domain in DOMAINS})
