"""The report's figures about survivors, their cases, placements and referrals
(definitions: ../shared/report-2023/metrics.yaml)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from wholejourney.cases.models import (
    CARE_PLACEMENTS,
    HOME_PLACEMENTS,
    AbuseType,
    Case,
    CaseStatus,
    ClosureReason,
    Placement,
    PlacementKind,
)
from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.partners.models import GOVERNMENT_KINDS, OrganisationKind
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric, percent, shared


def cases_in(office: Office | None) -> QuerySet[Case]:
    return Case.objects.filter(office=office) if office else Case.objects.all()


def active_in(period: Period) -> Q:
    """A case is active in the period when it was open on at least one day of it."""
    return Q(opened_on__lte=period.end) & (Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))


def placements_overlapping(period: Period, office: Office | None, kind: str) -> QuerySet[Placement]:
    placements = Placement.objects.filter(kind=kind, start__lte=period.end).filter(
        Q(end__isnull=True) | Q(end__gt=period.start)
    )
    return placements.filter(case__office=office) if office else placements


def _clients(ids: QuerySet[Any]) -> QuerySet[Client]:
    return Client.objects.filter(pk__in=ids).order_by("code")


def supported_clients(period: Period, office: Office | None) -> QuerySet[Client]:
    return _clients(cases_in(office).filter(active_in(period)).values("client_id"))


def supported_count(period: Period, office: Office | None) -> int:
    """How many clients were supported in the period, counted once per report (`shared`)."""
    return shared(("supported", period, office.pk if office else None), supported_clients(period, office).count)


@metric(
    id="survivors_supported",
    label=_("Survivors who received comprehensive support services"),
    section=Sections.HEAL,
    definition=_("Distinct clients whose case was active in the period."),
)
def survivors_supported(period: Period, office: Office | None) -> MetricResult:
    return MetricResult(supported_count(period, office), supported_clients(period, office))


@metric(
    id="survivors_by_abuse_type",
    label=_("Survivors supported, by the primary abuse type of their case"),
    section=Sections.HEAL,
    definition=_(
        "Survivors supported, each counted once under the primary abuse type of their latest case active in "
        "the period, so the parts add up to the survivors supported."
    ),
)
def survivors_by_abuse_type(period: Period, office: Office | None) -> MetricResult:
    active = cases_in(office).filter(active_in(period))
    newer = active.filter(client_id=OuterRef("client_id")).filter(
        Q(opened_on__gt=OuterRef("opened_on")) | Q(opened_on=OuterRef("opened_on"), pk__gt=OuterRef("pk"))
    )
    # Each supported client's latest active case: the one no newer active case of theirs follows.
    latest = active.exclude(Exists(newer))
    rows = latest.order_by().values("primary_abuse_type").annotate(n=Count("client_id", distinct=True))
    counts = {row["primary_abuse_type"]: row["n"] for row in rows}
    supported = supported_clients(period, office)
    parts = {
        kind.value: supported.filter(pk__in=latest.filter(primary_abuse_type=kind.value).values("client_id"))
        for kind in AbuseType
    }
    return MetricResult({kind.value: counts.get(kind.value, 0) for kind in AbuseType}, parts=parts)


@metric(
    id="survivors_in_shelter",
    label=_("Survivors staying in the Home of Love (residential shelter)"),
    section=Sections.HEAL,
    definition=_("Distinct clients with a shelter placement overlapping the period."),
)
def survivors_in_shelter(period: Period, office: Office | None) -> MetricResult:
    clients = _clients(placements_overlapping(period, office, PlacementKind.SHELTER).values("client_id"))
    return MetricResult(clients.count(), clients)


@metric(
    id="survivors_in_foster_care",
    label=_("Survivors in foster care"),
    section=Sections.HEAL,
    definition=_("Distinct clients with a foster-care placement overlapping the period."),
)
def survivors_in_foster_care(period: Period, office: Office | None) -> MetricResult:
    clients = _clients(placements_overlapping(period, office, PlacementKind.FOSTER_CARE).values("client_id"))
    return MetricResult(clients.count(), clients)


def reintegrations(period: Period, office: Office | None) -> QuerySet[Placement]:
    """Moves into family, relatives, community or independent living straight from the shelter,
    foster care or another organisation's shelter, dated (by the move) in the period. "Straight from"
    means the earlier placement ended the day the new one started: after a gap (a closed case, a
    later case finding the client at home) nobody saw a move out of care."""
    previous_kind = Subquery(
        Placement.objects.filter(client_id=OuterRef("client_id"), start__lt=OuterRef("start"), end=OuterRef("start"))
        .order_by("-start")
        .values("kind")[:1]
    )
    moves = Placement.objects.filter(kind__in=HOME_PLACEMENTS, start__gte=period.start, start__lte=period.end).annotate(
        previous_kind=previous_kind
    )
    if office:
        moves = moves.filter(case__office=office)
    return moves.filter(previous_kind__in=CARE_PLACEMENTS)


@metric(
    id="survivors_reintegrated",
    label=_("Survivors reintegrating into their communities"),
    section=Sections.HIGHLIGHTS,
    definition=_(
        "Distinct clients with a reintegration (a move from the shelter, foster care or another organisation's "
        "shelter to family, relatives, community or independent living) dated in the period."
    ),
)
def survivors_reintegrated(period: Period, office: Office | None) -> MetricResult:
    clients = _clients(reintegrations(period, office).values("client_id"))
    return MetricResult(clients.count(), clients)


@metric(
    id="survivors_closed",
    label=_("Survivors achieving closure following the organisation's services"),
    section=Sections.HIGHLIGHTS,
    definition=_(
        "Distinct clients whose case was closed in the period with the reason goals achieved (wholeness reached)."
    ),
)
def survivors_closed(period: Period, office: Office | None) -> MetricResult:
    closed = cases_in(office).filter(
        status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.GOALS_ACHIEVED,
        closed_on__gte=period.start,
        closed_on__lte=period.end,
    )
    clients = _clients(closed.values("client_id"))
    return MetricResult(clients.count(), clients)


def _referral_share(period: Period, office: Office | None, kinds: frozenset[str]) -> MetricResult:
    opened = cases_in(office).filter(opened_on__gte=period.start, opened_on__lte=period.end)
    by_kind = Q(referral__organisation__kind__in=kinds)
    counts = opened.aggregate(opened=Count("pk"), referred=Count("pk", filter=by_kind))
    return MetricResult(percent(counts["referred"], counts["opened"]), opened.filter(by_kind))


@metric(
    id="ngo_referral_share_pct",
    label=_("Share of cases referred by NGO partners"),
    section=Sections.CAPACITY,
    definition=_(
        "Of the cases opened in the period, the share (%) whose referral source is an NGO or civil-society organisation."
    ),
)
def ngo_referral_share_pct(period: Period, office: Office | None) -> MetricResult:
    return _referral_share(period, office, frozenset({OrganisationKind.NGO}))


@metric(
    id="government_referral_share_pct",
    label=_("Share of cases referred by government"),
    section=Sections.CAPACITY,
    definition=_("Of the cases opened in the period, the share (%) whose referral source is a government body."),
)
def government_referral_share_pct(period: Period, office: Office | None) -> MetricResult:
    return _referral_share(period, office, GOVERNMENT_KINDS)
