"""The report's figures about care: counseling, legal support, education and economic
empowerment (definitions: ../shared/report-2023/metrics.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import (
    BUSINESS_COACHING,
    SCHOOL_LEVELS,
    SMALL_BUSINESS_SUPPORT,
    CounselingSession,
    EconomicService,
    EconomicServiceKind,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    SessionAttendance,
    Stipend,
    Training,
    TreatmentPlan,
)
from wholejourney.clients.models import Client, Sex
from wholejourney.core.models import Office
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric, run_periods, shared


def _of(model: type[Model], office: Office | None, case_path: str = "case") -> QuerySet[Any]:
    """The office's records: those made in its cases. A client transferred to another office
    (cases.transfers) counts in each office for the months the client was there."""
    records = model._default_manager.all()
    return records.filter(**{f"{case_path}__office": office}) if office else records


def _dated(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _overlapping(period: Period, start: str = "start", end: str = "end") -> Q:
    return Q(**{f"{start}__lte": period.end}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period.start}))


def _clients(records: QuerySet[Any], client_path: str = "client") -> MetricResult:
    """Distinct clients behind the records."""
    clients = _clients_of(records, client_path)
    return MetricResult(clients.count(), clients)


def _clients_of(records: QuerySet[Any], client_path: str = "client") -> QuerySet[Client]:
    return Client.objects.filter(pk__in=records.values(f"{client_path}__id")).order_by("code")


def _counted(
    key: str,
    period: Period,
    office: Office | None,
    records: QuerySet[Any],
    figures: Callable[[Period], dict[str, Count]],
    within: Callable[[Period], Q] | None = None,
) -> dict[str, int]:
    """Figures of one table counted in one pass over its records (`within` the span of the
    periods, if given), for every period the report computes (`run_periods`) and once per report
    (`shared`): a report of a year beside the year before reads the table once, not twice."""
    periods = run_periods(period)

    def count() -> dict[Period, dict[str, int]]:
        rows = records
        if within is not None:
            rows = rows.filter(within(Period(min(p.start for p in periods), max(p.end for p in periods))))
        counts = [figures(p) for p in periods]
        totals = rows.aggregate(**{f"{name}_{i}": n for i, of in enumerate(counts) for name, n in of.items()})
        return {p: {name: totals[f"{name}_{i}"] for name in counts[i]} for i, p in enumerate(periods)}

    return shared((key, periods, office.pk if office else None), count)[period]


def _distinct_clients(condition: Q) -> Count:
    return Count("client_id", distinct=True, filter=condition)


def _records(records: QuerySet[Any]) -> MetricResult:
    return MetricResult(records.count(), records)


# --- counseling ------------------------------------------------------------------------------


@metric(
    id="counseling_sessions",
    label=_("Counseling sessions delivered"),
    section=Sections.HEAL,
    definition=_(
        "Counseling sessions (individual, group or family; TF-CBT or other) dated in the period; a group session counts once."
    ),
)
def counseling_sessions(period: Period, office: Office | None) -> MetricResult:
    sessions = CounselingSession.objects.filter(_dated("held_on", period))
    return _records(sessions.filter(office=office) if office else sessions)


@metric(
    id="counseling_clients",
    label=_("Survivors supported by counseling"),
    section=Sections.HEAL,
    definition=_("Distinct clients who attended at least one counseling session in the period."),
)
def counseling_clients(period: Period, office: Office | None) -> MetricResult:
    attended = _of(SessionAttendance, office)
    counts = _counted(
        "counseling",
        period,
        office,
        attended,
        lambda p: {"clients": _distinct_clients(_dated("session__held_on", p))},
        lambda span: _dated("session__held_on", span),
    )
    return MetricResult(counts["clients"], _clients_of(attended.filter(_dated("session__held_on", period))))


@metric(
    id="counseling_closure",
    label=_("Survivors whose counseling reached closure"),
    section=Sections.HEAL,
    definition=_("Distinct clients whose counseling treatment plan was completed with its goals met in the period."),
)
def counseling_closure(period: Period, office: Office | None) -> MetricResult:
    plans = _of(TreatmentPlan, office).filter(
        _dated("ended_on", period), status=TreatmentPlan.Status.COMPLETED, goals_met=True
    )
    return _clients(plans)


# --- economic empowerment --------------------------------------------------------------------


def _economic(period: Period, office: Office | None, kinds: frozenset[str] | set[str]) -> QuerySet[EconomicService]:
    return _of(EconomicService, office).filter(_dated("provided_on", period), kind__in=kinds)


@metric(
    id="small_business_support",
    label=_("Survivors and families receiving small business support"),
    section=Sections.HEAL,
    definition=_("Distinct clients with a small-business grant, materials or follow-up support in the period."),
)
def small_business_support(period: Period, office: Office | None) -> MetricResult:
    return _economic_figure(period, office, "small_business_support")


# Each economic figure: the kinds of service it counts, and whether it counts clients (else records).
ECONOMIC_FIGURES: dict[str, tuple[frozenset[str], bool]] = {
    "small_business_support": (SMALL_BUSINESS_SUPPORT, True),
    "business_coaching_sessions": (BUSINESS_COACHING, False),
    "career_coaching": (frozenset({EconomicServiceKind.CAREER_COACHING}), True),
    "business_plans": (frozenset({EconomicServiceKind.BUSINESS_PLAN}), True),
    "career_advice": (frozenset({EconomicServiceKind.CAREER_ADVICE}), True),
}


def _economic_figure(period: Period, office: Office | None, figure: str) -> MetricResult:
    def figures(p: Period) -> dict[str, Count]:
        return {
            name: Count(
                "client_id" if clients else "pk", distinct=clients, filter=_dated("provided_on", p) & Q(kind__in=kinds)
            )
            for name, (kinds, clients) in ECONOMIC_FIGURES.items()
        }

    counts = _counted(
        "economic", period, office, _of(EconomicService, office), figures, lambda span: _dated("provided_on", span)
    )
    kinds, clients = ECONOMIC_FIGURES[figure]
    records = _economic(period, office, kinds)
    return MetricResult(counts[figure], _clients_of(records) if clients else records)


@metric(
    id="on_the_job_training",
    label=_("Survivors in on-the-job training with shop partners"),
    section=Sections.HEAL,
    definition=_("Distinct clients with an on-the-job training placement at a business partner during the period."),
)
def on_the_job_training(period: Period, office: Office | None) -> MetricResult:
    return _training_figure(period, office, "on_the_job_training")


@metric(
    id="survivors_employed",
    label=_("Survivors employed"),
    section=Sections.HEAL,
    definition=_("Distinct clients with employment during the period, in all and women."),
)
def survivors_employed(period: Period, office: Office | None) -> MetricResult:
    employed = Client.objects.filter(
        pk__in=_of(Employment, office).filter(_overlapping(period)).values("client_id")
    ).order_by("code")
    female = employed.filter(sex=Sex.FEMALE)
    counts = employed.aggregate(total=Count("pk"), female=Count("pk", filter=Q(sex=Sex.FEMALE)))
    return MetricResult(counts, parts={"total": employed, "female": female})


@metric(
    id="business_coaching_sessions",
    label=_("Business coaching and follow-up sessions"),
    section=Sections.EMPOWER,
    definition=_("Business coaching and business follow-up sessions dated in the period."),
)
def business_coaching_sessions(period: Period, office: Office | None) -> MetricResult:
    return _economic_figure(period, office, "business_coaching_sessions")


@metric(
    id="career_coaching",
    label=_("Survivors receiving career coaching"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients with a career coaching service in the period."),
)
def career_coaching(period: Period, office: Office | None) -> MetricResult:
    return _economic_figure(period, office, "career_coaching")


@metric(
    id="business_plans",
    label=_("Survivors supported with a business plan"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients with a business-plan service in the period."),
)
def business_plans(period: Period, office: Office | None) -> MetricResult:
    return _economic_figure(period, office, "business_plans")


@metric(
    id="career_advice",
    label=_("Survivors receiving career advice"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients with career advice (career pathway planning) in the period."),
)
def career_advice(period: Period, office: Office | None) -> MetricResult:
    return _economic_figure(period, office, "career_advice")


@metric(
    id="stipends",
    label=_("Survivors receiving a stipend during on-the-job training"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients paid a stipend, linked to an on-the-job training, in the period."),
)
def stipends(period: Period, office: Office | None) -> MetricResult:
    return _clients(_of(Stipend, office).filter(_dated("paid_on", period), training__kind=Training.Kind.ON_THE_JOB))


@metric(
    id="vocational_training",
    label=_("Survivors in vocational training"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients in vocational training (TVET) during the period."),
)
def vocational_training(period: Period, office: Office | None) -> MetricResult:
    return _training_figure(period, office, "vocational_training")


@metric(
    id="tvet_completed",
    label=_("Survivors who completed their training"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients whose vocational or on-the-job training was completed in the period."),
)
def tvet_completed(period: Period, office: Office | None) -> MetricResult:
    return _training_figure(period, office, "tvet_completed")


@metric(
    id="job_placements",
    label=_("Survivors placed in a job after vocational training"),
    section=Sections.EMPOWER,
    definition=_("Distinct clients placed in a job in the period after a vocational training."),
)
def job_placements(period: Period, office: Office | None) -> MetricResult:
    return _clients(
        _of(Employment, office).filter(_dated("start", period), after_training__kind=Training.Kind.VOCATIONAL)
    )


def _training_figure(period: Period, office: Office | None, figure: str) -> MetricResult:
    def conditions(p: Period) -> dict[str, Q]:
        return {
            "on_the_job_training": _overlapping(p) & Q(kind=Training.Kind.ON_THE_JOB),
            "vocational_training": _overlapping(p) & Q(kind=Training.Kind.VOCATIONAL),
            "tvet_completed": _dated("completed_on", p),
        }

    def figures(p: Period) -> dict[str, Count]:
        return {name: _distinct_clients(q) for name, q in conditions(p).items()}

    counts = _counted("trainings", period, office, _of(Training, office), figures)
    return MetricResult(counts[figure], _clients_of(_of(Training, office).filter(conditions(period)[figure])))


# --- education -------------------------------------------------------------------------------


@metric(
    id="education_support",
    label=_("Survivors (including children) receiving education support"),
    section=Sections.HEAL,
    definition=_("Distinct clients with an education support service in the period."),
)
def education_support(period: Period, office: Office | None) -> MetricResult:
    return _education_figure(period, office, "education_support")


def _education_figure(period: Period, office: Office | None, figure: str) -> MetricResult:
    conditions = {
        "education_support": Q(),
        "education_school_levels": Q(kind=EducationSupport.Kind.ENROLMENT, level__in=SCHOOL_LEVELS),
    }

    def figures(p: Period) -> dict[str, Count]:
        return {name: _distinct_clients(_dated("provided_on", p) & q) for name, q in conditions.items()}

    records = _of(EducationSupport, office)
    counts = _counted("education", period, office, records, figures, lambda span: _dated("provided_on", span))
    in_period = records.filter(_dated("provided_on", period), conditions[figure])
    return MetricResult(counts[figure], _clients_of(in_period))


@metric(
    id="education_school_levels",
    label=_("Survivors supported at a school level (primary to university)"),
    section=Sections.HEAL,
    definition=_(
        "Of those with education support, the clients enrolled at primary, lower or upper secondary or university level."
    ),
)
def education_school_levels(period: Period, office: Office | None) -> MetricResult:
    return _education_figure(period, office, "education_school_levels")


# --- legal and protection --------------------------------------------------------------------


@metric(
    id="legal_support",
    label=_("Survivors assisted with legal support"),
    section=Sections.HEAL,
    definition=_("Distinct clients with a legal or protection service in the period."),
)
def legal_support(period: Period, office: Office | None) -> MetricResult:
    return _clients(_of(LegalService, office).filter(_dated("provided_on", period)))


@metric(
    id="court_case_support",
    label=_("Survivors supported through court case processes"),
    section=Sections.HEAL,
    definition=_(
        "Distinct clients with a court case (criminal or civil) the organisation supported during the period."
    ),
)
def court_case_support(period: Period, office: Office | None) -> MetricResult:
    return _legal_case_figure(period, office, "court_case_support")


def _legal_case_figure(period: Period, office: Office | None, figure: str) -> MetricResult:
    def conditions(p: Period) -> dict[str, Q]:
        return {
            "court_case_support": _overlapping(p, "opened_on", "ended_on"),
            "legal_cases_ended": _dated("ended_on", p),
        }

    def figures(p: Period) -> dict[str, Count]:
        return {name: _distinct_clients(q) for name, q in conditions(p).items()}

    counts = _counted("legal_cases", period, office, _of(LegalCase, office), figures)
    return MetricResult(counts[figure], _clients_of(_of(LegalCase, office).filter(conditions(period)[figure])))


@metric(
    id="verdicts",
    label=_("Clients who received a verdict"),
    section=Sections.HEAL,
    definition=_("Distinct clients whose court case had a verdict dated in the period."),
)
def verdicts(period: Period, office: Office | None) -> MetricResult:
    milestones = _of(LegalMilestone, office, "legal_case__case").filter(
        _dated("happened_on", period), kind=LegalMilestone.Kind.VERDICT
    )
    return _clients(milestones, "legal_case__client")


@metric(
    id="legal_cases_ended",
    label=_("Clients who ended their legal cases after legal and protection support"),
    section=Sections.HEAL,
    definition=_(
        "Distinct clients whose legal case ended (verdict executed, withdrawn, settled or closed) in the period."
    ),
)
def legal_cases_ended(period: Period, office: Office | None) -> MetricResult:
    return _legal_case_figure(period, office, "legal_cases_ended")
