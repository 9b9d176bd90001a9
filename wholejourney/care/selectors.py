"""Reads of care records, always scoped to the user: a record of a client outside the caseload,
or of an area the user's roles do not open, is a 404 like one that does not exist."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import can_read_counseling_notes, has_permission
from wholejourney.accounts.roles import CASEWORK_ROLES, Permission
from wholejourney.care.models import (
    CarePlan,
    CarePlanReview,
    CounselingSession,
    EconomicService,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    SessionAttendance,
    Stipend,
    Training,
    TreatmentPlan,
    Visit,
)
from wholejourney.care.permissions import Area, areas_of
from wholejourney.cases.models import Case, CaseStatus, Referral
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation

TIMELINE_PAGE_SIZE = 25


def clients_in_care(user: Any) -> QuerySet[Client]:
    """The clients in the user's caseload who have a case that is not closed."""
    open_case = Case.objects.filter(client=OuterRef("pk")).exclude(status=CaseStatus.CLOSED)
    return clients_visible_to(user).filter(Exists(open_case))


def clients_by_codes(user: Any, codes: list[str]) -> dict[str, Client]:
    """The clients in the user's caseload with these codes, by code."""
    return {client.code: client for client in clients_visible_to(user).filter(code__in=codes)}


def recent_attendees(user: Any, limit: int = 10) -> list[Client]:
    """The clients the user counselled most recently (still in their caseload and in care)."""
    last_seen = (
        SessionAttendance.objects.filter(client=OuterRef("pk"), session__counselor=user)
        .order_by("-session__held_on")
        .values("session__held_on")[:1]
    )
    return list(
        clients_in_care(user)
        .annotate(last_seen=models.Subquery(last_seen))
        .filter(last_seen__isnull=False)
        .order_by("-last_seen", "code")[:limit]
    )


# --- single records --------------------------------------------------------------------------


def _in_area(user: Any, area: Area) -> None:
    if area not in areas_of(user):
        raise Http404


def session_get_for(*, user: Any, pk: int) -> tuple[CounselingSession, list[SessionAttendance]]:
    """A counseling session and those of its attendees the user may see; 404 when none."""
    _in_area(user, Area.COUNSELING)
    session = CounselingSession.objects.select_related("counselor", "office").filter(pk=pk).first()
    if session is None:
        raise Http404
    attendances = list(
        SessionAttendance.objects.filter(session=session, client__in=clients_visible_to(user))
        .select_related("client", "client__data_key", "client__team")
        .order_by("client__code")
    )
    if not attendances:
        raise Http404
    return session, attendances


def _client_record(user: Any, model: type[models.Model], area: Area, pk: int, *related: str) -> Any:
    _in_area(user, area)
    record = (
        model._default_manager.select_related("client", "client__data_key", "client__team", "client__office", "case")
        .select_related(*related)
        .filter(pk=pk, client__in=clients_visible_to(user))
        .first()
    )
    if record is None:
        raise Http404
    return record


def legal_case_get_for(*, user: Any, pk: int) -> LegalCase:
    legal_case: LegalCase = _client_record(user, LegalCase, Area.LEGAL, pk)
    return legal_case


def training_get_for(*, user: Any, pk: int) -> Training:
    training: Training = _client_record(user, Training, Area.ECONOMIC, pk, "organisation")
    return training


def treatment_plan_get_for(*, user: Any, pk: int) -> TreatmentPlan:
    plan: TreatmentPlan = _client_record(user, TreatmentPlan, Area.COUNSELING, pk, "counselor")
    return plan


def care_plan_get_for(*, user: Any, pk: int) -> CarePlan:
    plan: CarePlan = _client_record(
        user, CarePlan, Area.CASEWORK, pk, "drafted_by", "approved_by", "case__team", "client__team__supervisor"
    )
    return plan


def milestones_of(legal_case: LegalCase) -> list[LegalMilestone]:
    milestones = list(legal_case.milestones.all())
    for milestone in milestones:
        milestone.legal_case = legal_case  # their notes decrypt under the client's key, already loaded
    return milestones


def stipends_of(training: Training) -> QuerySet[Stipend]:
    return training.stipends.order_by("paid_on")


def goals_of(plan: CarePlan) -> list[Any]:
    goals = list(plan.goals.select_related("responsible").order_by("domain", "pk"))
    for goal in goals:
        goal.plan = plan
    return goals


def reviews_of(plan: CarePlan) -> list[CarePlanReview]:
    reviews = list(plan.reviews.select_related("reviewed_by").order_by("-reviewed_on"))
    for review in reviews:
        review.plan = plan
    return reviews


def organisations_of(office: Office) -> QuerySet[Organisation]:
    return Organisation.objects.filter(office=office, is_active=True).order_by("name")


def staff_of(office: Office) -> QuerySet[User]:
    """Who may be responsible for a care-plan goal of a client of this office: its active
    case-working staff (the same rule as `care_plan_draft`)."""
    return (
        User.objects.filter(office=office, is_active=True, roles__role__in=CASEWORK_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def trainings_of(client: Client) -> QuerySet[Training]:
    return Training.objects.filter(client=client).order_by("-start")


def may_approve_plan(user: Any, plan: CarePlan) -> bool:
    """The same rule as `care_plan_approve`: the office's director, or the supervisor of the case's team."""
    case = plan.case
    supervises = case.team_id is not None and case.team is not None and case.team.supervisor_id == user.pk
    return supervises or has_permission(user, Permission.APPROVE_CLOSURE, obj=case)


# --- open services, for the closure pages --------------------------------------------------------


@dataclass(frozen=True)
class OpenService:
    label: str
    count: int


def open_services_of(case_ids: list[int]) -> dict[int, list[OpenService]]:
    """What is still going on in each case (by case id): care plans, legal cases not ended,
    counseling treatment plans in progress, trainings in progress, court dates to come. Only the
    kinds with something open, with their counts; one query per kind whatever the number of cases,
    for the closure list. Counts only: nothing identifying."""
    today = timezone.localdate()
    kinds: list[tuple[str, QuerySet[Any], str]] = [
        (_("Care plans"), CarePlan.objects.filter(case_id__in=case_ids), "case_id"),
        (_("Legal cases not ended"), LegalCase.objects.filter(case_id__in=case_ids, ended_on__isnull=True), "case_id"),
        (
            _("Counseling treatment plans in progress"),
            TreatmentPlan.objects.filter(case_id__in=case_ids, status=TreatmentPlan.Status.ACTIVE),
            "case_id",
        ),
        (
            _("Trainings in progress"),
            Training.objects.filter(case_id__in=case_ids, completed_on__isnull=True).filter(
                Q(end__isnull=True) | Q(end__gte=today)
            ),
            "case_id",
        ),
        (
            _("Court dates to come"),
            LegalMilestone.objects.filter(legal_case__case_id__in=case_ids, happened_on__gt=today),
            "legal_case__case_id",
        ),
    ]
    found: dict[int, list[OpenService]] = {case_id: [] for case_id in case_ids}
    for label, queryset, key in kinds:
        counts = queryset.order_by().values(key).annotate(n=models.Count("pk")).values_list(key, "n")
        for case_id, count in counts:
            found[case_id].append(OpenService(str(label), count))
    return found


# --- the client timeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineKind:
    key: str
    model: type[models.Model]
    day: str
    client: str
    area: Area
    related: tuple[str, ...] = ()
    only: Q | None = None  # the model's records of this kind (a referral we sent, not one we received)


TIMELINE_KINDS: tuple[TimelineKind, ...] = (
    TimelineKind("session", SessionAttendance, "session__held_on", "client", Area.COUNSELING, ("session__counselor",)),
    TimelineKind("treatment", TreatmentPlan, "started_on", "client", Area.COUNSELING, ("counselor",)),
    TimelineKind("legal_service", LegalService, "provided_on", "client", Area.LEGAL, ("recorded_by",)),
    TimelineKind("legal_case", LegalCase, "opened_on", "client", Area.LEGAL),
    TimelineKind("milestone", LegalMilestone, "happened_on", "legal_case__client", Area.LEGAL, ("legal_case",)),
    TimelineKind("education", EducationSupport, "provided_on", "client", Area.EDUCATION, ("recorded_by",)),
    TimelineKind("economic", EconomicService, "provided_on", "client", Area.ECONOMIC, ("recorded_by",)),
    TimelineKind("training", Training, "start", "client", Area.ECONOMIC, ("organisation",)),
    TimelineKind("stipend", Stipend, "paid_on", "client", Area.ECONOMIC, ("training",)),
    TimelineKind("employment", Employment, "start", "client", Area.ECONOMIC, ("employer",)),
    TimelineKind("visit", Visit, "visited_on", "client", Area.CASEWORK, ("recorded_by",)),
    TimelineKind("care_plan", CarePlan, "drafted_on", "client", Area.CASEWORK, ("drafted_by",)),
    TimelineKind("review", CarePlanReview, "reviewed_on", "plan__client", Area.CASEWORK, ("plan", "reviewed_by")),
    TimelineKind(
        "referral_out",
        Referral,
        "referred_on",
        "client",
        Area.CASEWORK,
        ("organisation",),
        Q(direction=Referral.Direction.OUTGOING),
    ),
)


@dataclass
class TimelineEntry:
    day: datetime.date
    kind: str
    record: Any

    @property
    def position(self) -> str:
        return TimelinePosition(self.day, self.kind, self.record.pk).token()


@dataclass(frozen=True)
class TimelinePosition:
    """A place in the timeline's order (newest day first, then kind, then newest record): where a
    page ends, so the next page starts just after it (keyset pagination, no OFFSET)."""

    day: datetime.date
    kind: str
    pk: int

    def token(self) -> str:
        return f"{self.day.isoformat()}.{self.kind}.{self.pk}"

    @classmethod
    def parse(cls, token: str | None) -> TimelinePosition | None:
        """The position a link names, or None for anything else (the first page is shown)."""
        try:
            day, kind, pk = (token or "").split(".")
            return cls(datetime.date.fromisoformat(day), kind, int(pk))
        except ValueError:
            return None


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    notes_readable: bool
    areas: frozenset[Area] = field(default_factory=frozenset)
    newer: str | None = None  # the position to start the page of newer entries from, if any
    older: str | None = None  # the position to start the page of older entries from, if any


def _attach_client(kind: TimelineKind, record: Any, client: Client) -> None:
    """Give each record the client already loaded (with its data key), so decrypting a note does
    not query the key again."""
    owner = record
    for step in kind.client.split("__")[:-1]:
        owner = getattr(owner, step)
    setattr(owner, kind.client.split("__")[-1], client)


def _beyond(kind: TimelineKind, position: TimelinePosition, *, older: bool) -> Q:
    """Records of `kind` on the far side of `position` in the order (day desc, kind, id desc):
    the older ones, or the newer ones."""
    op = "lt" if older else "gt"
    if kind.key == position.kind:
        return Q(**{f"{kind.day}__{op}": position.day}) | Q(**{kind.day: position.day, f"pk__{op}": position.pk})
    # On the position's day, the kinds after it in the order are older, those before it newer.
    same_day = kind.key > position.kind if older else kind.key < position.kind
    return Q(**{f"{kind.day}__{op}{'e' if same_day else ''}": position.day})


def _every(model: type[models.Model]) -> models.QuerySet[Any]:
    """The model's records, voided ones included."""
    return model._base_manager.all()


def timeline_rows(
    kinds: list[TimelineKind],
    client: Client,
    *,
    limit: int,
    older_than: TimelinePosition | None = None,
    newer_than: TimelinePosition | None = None,
    with_voided: bool = False,
) -> list[dict[str, Any]]:
    """Up to `limit` (t_day, t_kind, t_id) rows of the client's records of these kinds, newest
    first (or, with `newer_than`, the `limit` just newer than it, oldest first).

    One UNION ALL over the kinds. On PostgreSQL each kind gives only its first `limit` rows in the
    order, read backwards from its (client, day) index where it has one: a page costs the same for
    a client with 10 records as with 10,000, on the first page or the hundredth."""
    descending = newer_than is None
    sign = "-" if descending else ""
    per_kind_limit = connection.features.supports_slicing_ordering_in_compound
    parts = []
    for kind in kinds:
        # The page shows voided records too, struck through (core.corrections); lists leave them out.
        records = (_every(kind.model) if with_voided else kind.model._default_manager).filter(**{kind.client: client})
        if kind.only is not None:
            records = records.filter(kind.only)
        if older_than is not None or newer_than is not None:
            position = older_than or newer_than
            assert position is not None  # noqa: S101 (for mypy)
            records = records.filter(_beyond(kind, position, older=descending))
        part = records.values(t_day=F(kind.day), t_kind=Value(kind.key, output_field=CharField()), t_id=F("pk"))
        if per_kind_limit:
            part = part.order_by(f"{sign}t_day", f"{sign}t_id")[:limit]
        else:
            part = part.order_by()
        parts.append(part)
    if not parts:
        return []
    union = parts[0].union(*parts[1:], all=True)
    kind_order = "t_kind" if descending else "-t_kind"
    return list(union.order_by(f"{sign}t_day", kind_order, f"{sign}t_id")[:limit])


def timeline_records(
    kinds: list[TimelineKind], rows: list[dict[str, Any]], client: Client | None = None
) -> dict[tuple[str, int], Any]:
    """The records the rows name, by (kind, id): one query per kind among them."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row["t_kind"]].append(row["t_id"])
    loaded: dict[tuple[str, int], Any] = {}
    for kind in kinds:
        if not wanted.get(kind.key):
            continue
        records = _every(kind.model).select_related(*kind.related).filter(pk__in=wanted[kind.key])
        for record in records:
            if client is not None:
                _attach_client(kind, record, client)
            loaded[(kind.key, record.pk)] = record
    return loaded


def client_timeline(
    *, user: Any, client: Client, older: str | None = None, newer: str | None = None, area: Area | None = None
) -> Timeline:
    """Every care record about `client` that the user's roles may see, newest first, 25 a page:
    the newest, those just older than the position `older`, or just newer than `newer`; with `area`,
    only the records of that kind of care (counseling, legal, …).

    One query finds the page (see `timeline_rows`); then one query per kind on the page loads its
    records: the same queries for 5 records or 5,000, on any page."""
    areas = areas_of(user)
    kinds = [kind for kind in TIMELINE_KINDS if kind.area in areas and (area is None or kind.area == area)]
    older_than = TimelinePosition.parse(older)
    newer_than = None if older_than else TimelinePosition.parse(newer)
    rows = timeline_rows(
        kinds, client, limit=TIMELINE_PAGE_SIZE + 1, older_than=older_than, newer_than=newer_than, with_voided=True
    )
    more = len(rows) > TIMELINE_PAGE_SIZE
    rows = rows[:TIMELINE_PAGE_SIZE]
    if newer_than is not None:
        rows.reverse()
    loaded = timeline_records(kinds, rows, client)
    entries = [
        TimelineEntry(day=row["t_day"], kind=row["t_kind"], record=loaded[(row["t_kind"], row["t_id"])])
        for row in rows
        if (row["t_kind"], row["t_id"]) in loaded
    ]
    has_newer = more if newer_than is not None else older_than is not None
    has_older = more if newer_than is None else True
    return Timeline(
        entries=entries,
        notes_readable=Area.COUNSELING in areas and can_read_counseling_notes(user, client),
        areas=areas,
        newer=entries[0].position if entries and has_newer else None,
        older=entries[-1].position if entries and has_older else None,
    )
