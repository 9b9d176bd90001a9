"""Outcome figures: psychosocial improvement and the economic survey (from the report), and three
of our own from the stability clock: who became whole, how long runs took, what reset them."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.outcomes.clock import DOMAINS, Clock
from wholejourney.outcomes.models import Assessment, CrisisEvent, EconomicSurvey, Instrument
from wholejourney.outcomes.services import clock_from
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric, percent, shared


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
    baseline = Assessment.objects.filter(client=OuterRef("pk"), kind=Assessment.Kind.BASELINE).order_by(
        "assessed_on", "pk"
    )
    latest = Assessment.objects.filter(
        client=OuterRef("pk"), assessed_on__gte=period.start, assessed_on__lte=period.end
    ).order_by("-assessed_on", "-pk")
    clients = _in_office(Client.objects.all(), office).annotate(
        baseline_on=Subquery(baseline.values("assessed_on")[:1]),
        baseline_score=Subquery(baseline.values("wellbeing_score")[:1]),
        latest_on=Subquery(latest.values("assessed_on")[:1]),
        latest_score=Subquery(latest.values("wellbeing_score")[:1]),
    )
    assessed = clients.filter(baseline_on__isnull=False, latest_on__gt=F("baseline_on"))
    improved = assessed.filter(latest_score__gt=F("baseline_score"))
    return MetricResult(percent(improved.count(), assessed.count()), improved.order_by("code"))


def _survey_share(period: Period, office: Office | None, question: str) -> MetricResult:
    surveys = EconomicSurvey.objects.filter(
        surveyed_on__gte=period.start, surveyed_on__lte=period.end, **{f"{question}__isnull": False}
    )
    if office:
        surveys = surveys.filter(client__office=office)
    # A client surveyed twice in the period counts once, with their latest answer.
    latest = surveys.filter(client=OuterRef("client")).order_by("-surveyed_on", "-pk").values("pk")[:1]
    answers = surveys.filter(pk=Subquery(latest))
    yes = answers.filter(**{question: True})
    return MetricResult(percent(yes.count(), answers.count()), yes)


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


def clocks(period: Period, office: Office | None) -> list[tuple[Client, Clock]]:
    """Every assessed client's clock as of the period's end, computed once per report (three
    metrics and a chart use it) from three queries whatever the number of clients."""
    return shared(("clocks", period, office.pk if office else None), lambda: _compute_clocks(period, office))


def _compute_clocks(period: Period, office: Office | None) -> list[tuple[Client, Clock]]:
    clients = list(
        _in_office(Client.objects.filter(pk__in=Assessment.objects.values("client_id")), office)
        .select_related("data_key")
        .order_by("code")
    )
    ids = [client.pk for client in clients]
    instruments = {instrument.pk: instrument for instrument in Instrument.objects.all()}
    assessments: dict[int, list[Assessment]] = defaultdict(list)
    scores = [f"{domain}_score" for domain in DOMAINS]
    for assessment in Assessment.objects.filter(client_id__in=ids).only(
        "client_id", "instrument_id", "assessed_on", *scores
    ):
        assessment.instrument = instruments[assessment.instrument_id]
        assessments[assessment.client_id].append(assessment)
    crises: dict[int, list[CrisisEvent]] = defaultdict(list)
    for crisis in CrisisEvent.objects.filter(client_id__in=ids).only("client_id", "occurred_on", "domains"):
        crises[crisis.client_id].append(crisis)
    return [
        (client, clock_from(client, assessments[client.pk], crises[client.pk], as_of=period.end)) for client in clients
    ]


@metric(
    id="clients_reached_wholeness",
    label=_("Clients who reached wholeness"),
    section=Sections.HEAL,
    definition=_(
        "Distinct clients whose stability clock completed a run (6 months stable in all four domains, 12 for a child) in the period."
    ),
)
def clients_reached_wholeness(period: Period, office: Office | None) -> MetricResult:
    whole = [
        c.pk for c, clock in clocks(period, office) if any(period.start <= d <= period.end for d in clock.whole_dates)
    ]
    clients = Client.objects.filter(pk__in=whole).order_by("code")
    return MetricResult(len(whole), clients)


@metric(
    id="median_run_days",
    label=_("Median length of a completed stability run (days)"),
    section=Sections.HEAL,
    definition=_(
        "The median number of days from the start of a run to wholeness, over the runs completed in the period."
    ),
)
def median_run_days(period: Period, office: Office | None) -> MetricResult:
    lengths = []
    for _client, clock in clocks(period, office):
        starts = [e.day for e in clock.events if e.kind == "start"]
        for whole in clock.whole_dates:
            if period.start <= whole <= period.end:
                lengths.append((whole - max(d for d in starts if d < whole)).days)
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
    counts: Counter[str] = Counter()
    for _client, clock in clocks(period, office):
        for event in clock.events:
            if event.kind == "reset" and period.start <= event.day <= period.end:
                counts.update({reason.split(":", 1)[1] for reason in event.reasons})
    return MetricResult({domain: counts.get(domain, 0) for domain in DOMAINS})
