"""What a table can count (measures) and what it can split them by (dimensions).

A measure is a countable thing of the report: its records are built by the same functions the
registry's metrics use (`<app>/metrics.py`), so a table and the report agree where they overlap
(`tests/test_agreement.py` checks every overlap on the demo). A measure names the registry figure
it agrees with, and for each dimension it supports, how one of its records finds its value: a
column, or an expression the database computes (an age band from the year of birth, a client's
latest case in the period). Every record has exactly one value per dimension, so the cells of a
table add up to its total.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as When_
from django.db.models import CharField, F, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncQuarter
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wholejourney.care import metrics as care_metrics
from wholejourney.care.models import (
    CounselingSession,
    EconomicService,
    EconomicServiceKind,
    LegalService,
    LegalServiceKind,
    SessionAttendance,
)
from wholejourney.cases import metrics as case_metrics
from wholejourney.cases.models import (
    AbuseType,
    Case,
    CaseStatus,
    ClosureReason,
    Placement,
    PlacementKind,
    ReferralSource,
)
from wholejourney.clients.models import Client, Sex
from wholejourney.core.models import Office
from wholejourney.partners.models import OrganisationKind
from wholejourney.programmes import metrics as programme_metrics
from wholejourney.programmes.models import Activity, ActivityKind, AgeBand, Participant, ParticipantGroup
from wholejourney.reporting.registry import Period

NOT_KNOWN = ""


@dataclass(frozen=True)
class Scope:
    """Where a table looks: its period and offices (None: all offices)."""

    period: Period
    offices: tuple[Office, ...] | None

    def office_filter(self, path: str) -> Q:
        return Q() if self.offices is None else Q(**{f"{path}__in": [office.pk for office in self.offices]})


# How a record of a measure finds its value of a dimension: a column path, or an expression.
Path = Callable[[Scope], Any]


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str | Promise
    # The values in their order with their labels, when the list is fixed; else values found are sorted.
    choices: Callable[[Scope], list[tuple[str, str]]] | None = None
    labels: dict[str, str | Promise] = field(default_factory=dict)

    def label_of(self, key: str, scope: Scope) -> str:
        if self.id == "month":
            return _month_label(key)
        if self.id == "quarter":
            return _quarter_label(key)
        labels: dict[str, Any] = dict(self.choices(scope)) if self.choices else dict(self.labels)
        if key in labels:
            return str(labels[key])
        return key or gettext("Not known")


def _choices(pairs: Sequence[tuple[str, Any]], not_known: bool = True) -> Callable[[Scope], list[tuple[str, str]]]:
    def choose(scope: Scope) -> list[tuple[str, str]]:
        found = [(str(key), str(label)) for key, label in pairs if key != NOT_KNOWN]
        return [*found, (NOT_KNOWN, gettext("Not known"))] if not_known else found

    return choose


def _months(scope: Scope) -> list[tuple[str, str]]:
    return [(f"{year}-{month:02d}", _month_label(f"{year}-{month:02d}")) for year, month in scope.period.months()]


def _quarters(scope: Scope) -> list[tuple[str, str]]:
    keys = dict.fromkeys(f"{year}-Q{(month + 2) // 3}" for year, month in scope.period.months())
    return [(key, _quarter_label(key)) for key in keys]


def _month_label(key: str) -> str:
    import datetime

    try:
        year, month = key.split("-")
        return formats.date_format(datetime.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
    except ValueError:
        return key


def _quarter_label(key: str) -> str:
    year, _sep, quarter = key.partition("-Q")
    return gettext("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}


SERVICE_KIND_LABELS: dict[str, str | Promise] = {
    **dict(LegalServiceKind.choices),
    **dict(EconomicServiceKind.choices),
}


DIMENSIONS: dict[str, Dimension] = {
    dimension.id: dimension
    for dimension in (
        Dimension("sex", _("Sex"), _choices(Sex.choices, not_known=False)),
        Dimension("age_band", _("Age band at the period's start"), _choices(AgeBand.choices)),
        Dimension("abuse_type", _("Primary abuse type"), _choices(AbuseType.choices)),
        Dimension("referral_source", _("Referral source"), _choices(ReferralSource.choices)),
        Dimension("partner_kind", _("Kind of referring partner"), _choices(OrganisationKind.choices)),
        Dimension("placement_kind", _("Placement"), _choices(PlacementKind.choices)),
        Dimension("service_kind", _("Kind of service"), None, SERVICE_KIND_LABELS),
        Dimension("activity_kind", _("Kind of activity"), _choices(ActivityKind.choices, not_known=False)),
        Dimension("participant_group", _("Participant group"), _choices(ParticipantGroup.choices, not_known=False)),
        Dimension("province", _("Province"), None),
        Dimension("office", _("Office"), None),
        Dimension("month", _("Month"), _months),
        Dimension("quarter", _("Quarter"), _quarters),
    )
}


# --- how records find their dimension values ------------------------------------------------------


def column(path: str) -> Path:
    return lambda scope: Coalesce(Cast(F(path), CharField()), Value(NOT_KNOWN))


def office_code(path: str) -> Path:
    return lambda scope: F(f"{path}__code")


def age_band(birth_year: str) -> Path:
    """The age band of the age reached in the period's first year (only the year of birth is
    readable in bulk: the date of birth is encrypted)."""

    def expression(scope: Scope) -> Any:
        year = scope.period.start.year
        bands = [(12, AgeBand.UNDER_12), (18, AgeBand.TEEN), (25, AgeBand.YOUNG_ADULT), (60, AgeBand.ADULT)]
        return When_(
            When(**{f"{birth_year}__isnull": True}, then=Value(NOT_KNOWN)),
            *[When(**{f"{birth_year}__gt": year - age}, then=Value(band.value)) for age, band in bands],
            default=Value(AgeBand.OLDER.value),
            output_field=CharField(),
        )

    return expression


def month_of(date_field: str) -> Path:
    return lambda scope: TruncMonth(date_field)


def quarter_of(date_field: str) -> Path:
    return lambda scope: TruncQuarter(date_field)


def latest_case(client: str, value: str) -> Path:
    """A value of the client's latest case active in the period (in the table's offices): the case
    `survivors_by_abuse_type` counts each survivor under."""

    def expression(scope: Scope) -> Any:
        cases = (
            Case.objects.filter(client_id=OuterRef(client))
            .filter(case_metrics.active_in(scope.period), scope.office_filter("office"))
            .order_by("-opened_on", "-pk")
            .values(value)[:1]
        )
        return Coalesce(Subquery(cases, output_field=CharField()), Value(NOT_KNOWN))

    return expression


def latest_placement(client: str) -> Path:
    """The kind of the client's latest placement overlapping the period."""

    def expression(scope: Scope) -> Any:
        placements = (
            Placement.objects.filter(client_id=OuterRef(client), start__lte=scope.period.end)
            .filter(Q(end__isnull=True) | Q(end__gt=scope.period.start))
            .order_by("-start", "-pk")
            .values("kind")[:1]
        )
        return Coalesce(Subquery(placements, output_field=CharField()), Value(NOT_KNOWN))

    return expression


def _client_dimensions(client: str) -> dict[str, Path]:
    """The dimensions of a measure that counts clients; `client` is the path to the client's id."""
    prefix = "" if client == "pk" else client.removesuffix("_id").removesuffix("__id") + "__"
    return {
        "sex": column(f"{prefix}sex"),
        "age_band": age_band(f"{prefix}birth_year"),
        "abuse_type": latest_case(client, "primary_abuse_type"),
        "referral_source": latest_case(client, "referral__source"),
        "placement_kind": latest_placement(client),
        "office": office_code(f"{prefix}office"),
    }


def _dated_dimensions(date_field: str) -> dict[str, Path]:
    return {"month": month_of(date_field), "quarter": quarter_of(date_field)}


# --- measures ---------------------------------------------------------------------------------------


Records = Callable[[Period, Office | None], QuerySet[Any]]


@dataclass(frozen=True)
class Measure:
    id: str
    label: str | Promise
    model: type[Model]
    records: Records
    # The registry's figure this measure is (its table's total is that figure), if any.
    metric_id: str | None
    dimensions: dict[str, Path] = field(default_factory=dict)
    # Registry figures that are one cell of this measure's table: (figure, dimension, value).
    cells_of: tuple[tuple[str, str, str], ...] = ()

    def supports(self, dimension: str) -> bool:
        return dimension in self.dimensions

    def records_in(self, scope: Scope) -> QuerySet[Any]:
        """The records the table counts: one office's, all offices', or several offices' (each
        office's records as the registry defines them, combined in the one query)."""
        if scope.offices is None:
            return self.records(scope.period, None)
        if len(scope.offices) == 1:
            return self.records(scope.period, scope.offices[0])
        any_office = Q()
        for office in scope.offices:
            any_office |= Q(pk__in=self.records(scope.period, office).order_by().values("pk"))
        return self.model._default_manager.filter(any_office)


def _new_cases(period: Period, office: Office | None) -> QuerySet[Case]:
    # The cases opened in the period: what the registry's referral shares divide by.
    return case_metrics.cases_in(office).filter(opened_on__gte=period.start, opened_on__lte=period.end)


def _cases_closed(period: Period, office: Office | None) -> QuerySet[Case]:
    return case_metrics.cases_in(office).filter(
        status=CaseStatus.CLOSED, closed_on__gte=period.start, closed_on__lte=period.end
    )


def _clients_closed(period: Period, office: Office | None) -> QuerySet[Client]:
    closed = _cases_closed(period, office).filter(closure_reason=ClosureReason.GOALS_ACHIEVED)
    return Client.objects.filter(pk__in=closed.values("client_id"))


def _reintegrated(period: Period, office: Office | None) -> QuerySet[Client]:
    return Client.objects.filter(pk__in=case_metrics.reintegrations(period, office).values("client_id"))


def _in_placement(kind: str) -> Records:
    def records(period: Period, office: Office | None) -> QuerySet[Client]:
        placements = case_metrics.placements_overlapping(period, office, kind)
        return Client.objects.filter(pk__in=placements.values("client_id"))

    return records


def _sessions(period: Period, office: Office | None) -> QuerySet[CounselingSession]:
    sessions = CounselingSession.objects.filter(held_on__gte=period.start, held_on__lte=period.end)
    return sessions.filter(office=office) if office else sessions


def _counseling_clients(period: Period, office: Office | None) -> QuerySet[Client]:
    attended = care_metrics._of(SessionAttendance, office).filter(care_metrics._dated("session__held_on", period))
    return care_metrics._clients_of(attended)


def _dated_records(model: type[Model], date_field: str) -> Records:
    def records(period: Period, office: Office | None) -> QuerySet[Any]:
        return care_metrics._of(model, office).filter(care_metrics._dated(date_field, period))

    return records


def _legal_support(period: Period, office: Office | None) -> QuerySet[Client]:
    return care_metrics._clients_of(_dated_records(LegalService, "provided_on")(period, office))


def _trained(period: Period, office: Office | None) -> QuerySet[Participant]:
    return programme_metrics.attendees(period, office, ActivityKind.PREVENTION_TRAINING)


def _activities(period: Period, office: Office | None) -> QuerySet[Activity]:
    activities = Activity.objects.filter(held_on__gte=period.start, held_on__lte=period.end)
    return activities.filter(office=office) if office else activities


def _clients_measure(id: str, label: str | Promise, records: Records, metric_id: str | None, **extra: Any) -> Measure:
    return Measure(id, label, Client, records, metric_id, _client_dimensions("pk"), **extra)


MEASURES: dict[str, Measure] = {
    measure.id: measure
    for measure in (
        _clients_measure(
            "clients_supported",
            _("Clients supported"),
            case_metrics.supported_clients,
            "survivors_supported",
            cells_of=tuple(("survivors_by_abuse_type", "abuse_type", kind.value) for kind in AbuseType),
        ),
        Measure(
            "new_cases",
            _("New cases"),
            Case,
            _new_cases,
            None,
            {
                **_client_dimensions("client_id"),
                "abuse_type": column("primary_abuse_type"),
                "referral_source": column("referral__source"),
                "partner_kind": column("referral__organisation__kind"),
                "office": office_code("office"),
                **_dated_dimensions("opened_on"),
            },
        ),
        _clients_measure(
            "closures", _("Clients whose case closed with its goals achieved"), _clients_closed, "survivors_closed"
        ),
        _clients_measure("reintegrations", _("Clients reintegrated"), _reintegrated, "survivors_reintegrated"),
        _clients_measure(
            "in_shelter", _("Clients in the shelter"), _in_placement(PlacementKind.SHELTER), "survivors_in_shelter"
        ),
        _clients_measure(
            "in_foster_care",
            _("Clients in foster care"),
            _in_placement(PlacementKind.FOSTER_CARE),
            "survivors_in_foster_care",
        ),
        Measure(
            "counseling_sessions",
            _("Counseling sessions"),
            CounselingSession,
            _sessions,
            "counseling_sessions",
            {"office": office_code("office"), **_dated_dimensions("held_on")},
        ),
        _clients_measure("counseling_clients", _("Clients counseled"), _counseling_clients, "counseling_clients"),
        Measure(
            "legal_services",
            _("Legal and protection services"),
            LegalService,
            _dated_records(LegalService, "provided_on"),
            None,
            {
                **_client_dimensions("client_id"),
                "service_kind": column("kind"),
                **_dated_dimensions("provided_on"),
            },
        ),
        _clients_measure("legal_clients", _("Clients assisted with legal support"), _legal_support, "legal_support"),
        Measure(
            "economic_services",
            _("Economic-empowerment services"),
            EconomicService,
            _dated_records(EconomicService, "provided_on"),
            None,
            {
                **_client_dimensions("client_id"),
                "service_kind": column("kind"),
                **_dated_dimensions("provided_on"),
            },
        ),
        Measure(
            "prevention_participants",
            _("People trained in prevention"),
            Participant,
            _trained,
            "prevention_trained",
            {
                "sex": column("sex"),
                "age_band": column("age_band"),
                "participant_group": column("group"),
                "province": column("province"),
                "office": office_code("office"),
            },
            cells_of=tuple(
                ("prevention_trained_by_group", "participant_group", group.value) for group in ParticipantGroup
            ),
        ),
        Measure(
            "activities",
            _("Activities held"),
            Activity,
            _activities,
            None,
            {"activity_kind": column("kind"), "office": office_code("office"), **_dated_dimensions("held_on")},
            cells_of=(
                ("prevention_training_sessions", "activity_kind", ActivityKind.PREVENTION_TRAINING.value),
                ("reflection_meetings", "activity_kind", ActivityKind.REFLECTION_MEETING.value),
                ("tic_pfa_trainings", "activity_kind", ActivityKind.TIC_PFA_TRAINING.value),
            ),
        ),
    )
}


def get_measure(measure_id: str) -> Measure:
    return MEASURES[measure_id]
