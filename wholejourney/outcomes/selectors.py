"""Reads of outcomes, always scoped to the user: one client's clock, scores and crises, and the
dashboards' figures over a caseload, an office or a team.

The dashboards read the stored clock state (`ClockState`, kept in step by the services), so a
country's counts are one aggregate query whatever the number of clients (benchmarks/clock.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from wholejourney.accounts.models import Team
from wholejourney.accounts.permissions import OFFICE_WIDE_ROLES, caseload_filter, permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.care.models import Domain
from wholejourney.cases.models import Case, CaseStatus
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.outcomes import charts
from wholejourney.outcomes.clock import CHILD_MAX_AGE, Clock, add_months, age_on
from wholejourney.outcomes.models import Assessment, ClockFlag, ClockRun, ClockState, CrisisEvent, EconomicSurvey
from wholejourney.outcomes.permissions import may_read_crisis_text, may_supervise_clock
from wholejourney.outcomes.services import REASSESS_EVERY_DAYS, clock_for, clock_from, current_instrument

# With no assessment yet, the baseline is due this many days after the case opened.
BASELINE_DUE_DAYS = 30
RUNNING_SHOWN = 20
LIST_SHOWN = 20
REASON_KINDS = ("crisis", "assessment")


def reason_label(reason: str) -> str:
    """'crisis:protection' → 'Crisis in Protection'; 'assessment:social' → 'Social … not stable'."""
    kind, _sep, domain = reason.partition(":")
    name = Domain(domain).label if domain in Domain.values else domain
    if kind == "crisis":
        return _("Crisis in %(domain)s") % {"domain": name}
    return _("%(domain)s assessed as not stable") % {"domain": name}


def reasons_label(reasons: str) -> str:
    """The stored reason of a reset ("a,b") in words."""
    return "; ".join(reason_label(reason) for reason in reasons.split(",") if reason)


# --- the clock on a day, for other apps (closure) -------------------------------------------------


@dataclass(frozen=True)
class ClockOn:
    """Where a client's stability clock stood on a day: the run then in progress, if any."""

    day: datetime.date
    run_started_on: datetime.date | None = None
    required_months: int | None = None
    whole_on: datetime.date | None = None  # when that run completes (or completed)

    @property
    def state(self) -> str:
        if self.run_started_on is None:
            return "not_started"
        return "whole" if self.whole_on is not None and self.whole_on <= self.day else "running"

    @property
    def is_whole(self) -> bool:
        return self.state == "whole"


def clock_on(client: Client, day: datetime.date) -> ClockOn:
    """The client's clock on `day`, computed from their assessments and crises up to that day.
    The closure rule reads this: it is right even while stored clock states wait to be refreshed
    (a bulk write inside `clocks_refreshed_at_end`)."""
    clock = clock_for(client, as_of=day)
    if clock.run_started_on is None:
        return ClockOn(day)
    return ClockOn(day, clock.run_started_on, clock.required_months, clock.whole_on)


def clocks_on(days: dict[int, datetime.date]) -> dict[int, ClockOn]:
    """The clocks of many clients (client id → day), from the stored runs in one query: for a
    page that lists many closures. A run is in progress on a day if it started by then and no
    reset came on or before it."""
    found = {client_id: ClockOn(day) for client_id, day in days.items()}
    for run in ClockRun.objects.filter(client_id__in=list(days)).order_by("started_on"):
        day = days[run.client_id]
        if run.started_on <= day and (run.reset_on is None or run.reset_on > day):
            found[run.client_id] = ClockOn(day, run.started_on, run.required_months, run.whole_on)
    return found


# --- one client --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    day: datetime.date
    kind: str  # start | reset | whole
    detail: str


@dataclass
class ClientOutcomes:
    clock: Clock
    today: datetime.date
    history: list[HistoryEntry]  # newest first
    required_why: str
    unstable_now: list[str]  # the domains that keep a clock from starting (labels)
    assessments: list[Assessment]  # newest first
    crises: list[CrisisEvent]  # newest first
    surveys: list[EconomicSurvey]  # newest first
    crisis_text_readable: bool
    may_supervise: bool
    flags: list[ClockFlag]
    next_due: datetime.date | None
    in_care: bool  # a case open or in follow-up
    chart: SafeString
    chart_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.next_due < self.today

    @property
    def days_left(self) -> int:
        return max(0, self.clock.days_required - self.clock.days_elapsed)

    @property
    def progress_pct(self) -> int:
        if not self.clock.days_required:
            return 0
        return round(100 * self.clock.days_elapsed / self.clock.days_required)


def _required_why(clock: Clock, client: Client) -> str:
    if clock.run_started_on is None:
        return ""
    age = age_on(clock.run_started_on, client.date_of_birth, client.birth_year)
    if age is None:
        return _("12 months: the client's age is not known, so the longer rule for children applies.")
    if age <= CHILD_MAX_AGE:
        age_now = age_on(clock.as_of, client.date_of_birth, client.birth_year)
        if age_now is not None and age_now > CHILD_MAX_AGE:
            return _(
                "12 months: the client was %(age)s when this run started, a child of 14 or under; the run keeps "
                "the children's rule after the 15th birthday."
            ) % {"age": age}
        return _("12 months: the client was %(age)s when this run started, a child of 14 or under.") % {"age": age}
    return _("6 months: the client was %(age)s, an adult, when this run started.") % {"age": age}


def _history(clock: Clock) -> list[HistoryEntry]:
    entries = []
    for event in clock.events:
        if event.kind == "start":
            detail = _("All four domains stable; %(months)s months needed.") % {"months": event.required_months}
        elif event.kind == "reset":
            detail = "; ".join(reason_label(reason) for reason in event.reasons)
        else:
            detail = _("Stable in every domain for the whole run.")
        entries.append(HistoryEntry(event.day, event.kind, detail))
    return entries[::-1]


def _runs(clock: Clock) -> list[tuple[datetime.date, datetime.date]]:
    """The clock's runs as (start, end): a run ends at its reset, or at wholeness, or today."""
    runs, started = [], None
    for event in clock.events:
        if event.kind == "start":
            started = event.day
        elif event.kind in ("reset", "whole") and started is not None:
            runs.append((started, event.day))
            started = None
    if started is not None:
        runs.append((started, min(clock.as_of, clock.whole_on or clock.as_of)))
    return runs


def _unstable_now(assessments: list[Assessment], crises: list[CrisisEvent]) -> list[str]:
    """The domains that keep the clock from starting: not stable at the latest assessment (every
    assessment covers all four; of two the same day the worse counts), or hit by a crisis since."""
    if not assessments:
        return [str(label) for label in Domain.labels]
    last_day = max(a.assessed_on for a in assessments)
    unstable = set()
    for assessment in assessments:
        if assessment.assessed_on == last_day:
            unstable |= set(Domain.values) - assessment.stable_domains()
    for crisis in crises:
        if crisis.occurred_on >= last_day:
            unstable |= set(crisis.domains)
    return [str(Domain(domain).label) for domain in Domain.values if domain in unstable]


def client_outcomes(*, user: Any, client: Client) -> ClientOutcomes:
    """Everything the client's outcomes page shows, for a client already fetched through
    `clients.selectors.client_get_for` (so within the user's caseload)."""
    today = timezone.localdate()
    assessments = list(Assessment.objects.filter(client=client).select_related("instrument", "recorded_by"))
    crises = list(CrisisEvent.objects.filter(client=client).select_related("recorded_by"))
    for record in (*assessments, *crises):
        record.client = client  # decrypt with the key already loaded
    for crisis in crises:
        crisis.domain_labels = [str(Domain(d).label) for d in Domain.values if d in crisis.domains]  # type: ignore[attr-defined]
    clock = clock_from(client, assessments, crises, as_of=today)
    surveys = list(EconomicSurvey.objects.filter(client=client).order_by("-surveyed_on", "-pk"))
    supervise = may_supervise_clock(user, client)
    flags = (
        list(ClockFlag.objects.filter(client=client, resolved_at__isnull=True).select_related("crisis"))
        if supervise
        else []
    )
    latest = max((a.assessed_on for a in assessments), default=None)
    open_case = client.cases.exclude(status=CaseStatus.CLOSED).order_by("-opened_on").first()
    next_due = None
    if open_case is not None:
        next_due = (
            latest + datetime.timedelta(days=REASSESS_EVERY_DAYS)
            if latest
            else open_case.opened_on + datetime.timedelta(days=BASELINE_DUE_DAYS)
        )
    threshold = assessments[-1].instrument.stable_threshold if assessments else current_instrument().stable_threshold
    chart, rows = _chart(assessments, crises, clock, threshold)
    return ClientOutcomes(
        clock=clock,
        today=today,
        history=_history(clock),
        required_why=_required_why(clock, client),
        unstable_now=_unstable_now(assessments, crises) if clock.run_started_on is None else [],
        assessments=assessments[::-1],
        crises=crises[::-1],
        surveys=surveys,
        crisis_text_readable=may_read_crisis_text(user, client),
        may_supervise=supervise,
        flags=flags,
        next_due=next_due,
        in_care=open_case is not None,
        chart=chart,
        chart_rows=rows,
    )


def _chart(
    assessments: list[Assessment], crises: list[CrisisEvent], clock: Clock, threshold: Decimal
) -> tuple[SafeString, list[dict[str, Any]]]:
    domains = {domain: str(label) for domain, label in Domain.choices}
    points = [charts.Point(a.assessed_on, {domain: a.score(domain) for domain in Domain.values}) for a in assessments]
    if points:
        latest = points[-1]
        desc = _(
            "%(count)s assessments from %(first)s to %(last)s. Latest: %(scores)s. A domain is stable at "
            "%(threshold)s or more."
        ) % {
            "count": len(points),
            "first": points[0].day.strftime("%d/%m/%Y"),
            "last": latest.day.strftime("%d/%m/%Y"),
            "scores": ", ".join(f"{domains[d]} {latest.scores[d]:.2f}" for d in Domain.values),
            "threshold": threshold,
        }
    else:
        desc = _("No assessment yet.")
    text = charts.ChartText(
        title=_("Domain scores over time"),
        desc=desc,
        domains=domains,
        threshold=_("stable (%(threshold)s)") % {"threshold": threshold},
        crisis=_("crisis"),
        run=_("clock running"),
        empty=_("No assessment yet."),
    )
    drawn: dict[str, Any] = {
        "points": points,
        "text": text,
        "threshold": threshold,
        "crises": [crisis.occurred_on for crisis in crises],
        "runs": _runs(clock),
        # The axis reaches the last day of wholeness, and today while a clock runs.
        "until": max([*clock.whole_dates, *([clock.as_of] if clock.state == "running" else [])], default=None),
    }
    # Two drawings of the same figures; the stylesheet shows one, by the width of the screen.
    svg = mark_safe(  # noqa: S308 (both are built from escaped text)
        charts.domain_chart(**drawn, layout=charts.NARROW, chart_id="domain-chart-narrow")
        + charts.domain_chart(**drawn, layout=charts.WIDE, chart_id="domain-chart")
    )
    rows = [
        {
            "day": a.assessed_on,
            "scores": [(domains[domain], a.score(domain), a.score(domain) >= threshold) for domain in Domain.values],
        }
        for a in assessments
    ]
    return svg, rows


def flag_get_for(*, user: Any, pk: int) -> ClockFlag:
    """An open or resolved flag of a client in the user's caseload whom they supervise; else 404."""
    flag = (
        ClockFlag.objects.select_related("client", "client__team", "client__data_key")
        .filter(pk=pk, client__in=clients_visible_to(user))
        .first()
    )
    if flag is None or not may_supervise_clock(user, flag.client):
        raise Http404
    return flag


# --- dashboards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockCounts:
    """Counts over clients in care (a case open or in follow-up); no names, no codes."""

    in_care: int
    not_started: int
    running: int
    whole: int
    reset_this_month: int
    resets_by_reason: list[tuple[str, int]]  # (label, clients), most first; a reset may have several
    overdue: int


def teams_for_dashboard(user: Any) -> list[Team]:
    """The teams the user may filter the dashboard by: the office's for a director or an M&E
    officer; else the user's own team and the teams they supervise."""
    teams = Team.objects.order_by("name")
    if user.office_id is not None:
        teams = teams.filter(office_id=user.office_id)
    if user.role_set & OFFICE_WIDE_ROLES or Permission.VIEW_CLIENTS not in permissions_of(user):
        return list(teams)
    return list(teams.filter(Q(pk=user.team_id) | Q(supervisor_id=user.pk)))


def _in_care() -> Exists:
    return Exists(Case.objects.filter(client=OuterRef("pk")).exclude(status=CaseStatus.CLOSED))


def caseload_in_care(user: Any, team: Team | None = None) -> QuerySet[Client]:
    """The clients in care in the user's caseload (a director's: the office), of one team if given."""
    clients = Client.objects.filter(caseload_filter(user), _in_care(), erased_at__isnull=True)
    return clients.filter(team=team) if team is not None else clients


def office_in_care(user: Any, team: Team | None = None) -> QuerySet[Client]:
    """The clients in care of the user's office (all offices for a global account): for counts only."""
    clients = Client.objects.filter(_in_care(), erased_at__isnull=True)
    if user.office_id is not None:
        clients = clients.filter(office_id=user.office_id)
    return clients.filter(team=team) if team is not None else clients


def _overdue(today: datetime.date) -> Q:
    """ "Assessment overdue" for a client in care, over the stored clock state: their latest
    assessment is more than 90 days old, or there is none and their open case opened more than 30
    days ago (that test, a subquery, runs only for clients never assessed)."""
    opened_long_ago = Case.objects.filter(
        client=OuterRef("pk"), opened_on__lt=today - datetime.timedelta(days=BASELINE_DUE_DAYS)
    ).exclude(status=CaseStatus.CLOSED)
    return Q(clock__last_assessed_on__lt=today - datetime.timedelta(days=REASSESS_EVERY_DAYS)) | (
        Q(clock__last_assessed_on__isnull=True) & Q(Exists(opened_long_ago))
    )


def clock_counts(clients: QuerySet[Client], *, today: datetime.date | None = None) -> ClockCounts:
    """The dashboard's counts over `clients`, in one aggregate query over the stored clock state.

    Not started: no run (no clock state, or no run started). Running: a run whose completion date
    is after today. Whole: a run completed on or before today."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    in_run = Q(clock__run_started_on__isnull=False)
    reset = Q(clock__last_reset_on__gte=month_start)
    by_reason = {
        f"{kind}__{domain}": Count("pk", filter=reset & Q(clock__last_reset_reason__contains=f"{kind}:{domain}"))
        for kind in REASON_KINDS
        for domain in Domain.values
    }
    figures = clients.aggregate(
        in_care=Count("pk"),
        running=Count("pk", filter=in_run & Q(clock__whole_on__gt=today)),
        whole=Count("pk", filter=in_run & Q(clock__whole_on__lte=today)),
        reset_this_month=Count("pk", filter=reset),
        overdue=Count("pk", filter=_overdue(today)),
        **by_reason,
    )
    reasons = [(reason_label(key.replace("__", ":")), figures[key]) for key in by_reason if figures[key]]
    return ClockCounts(
        in_care=figures["in_care"],
        not_started=figures["in_care"] - figures["running"] - figures["whole"],
        running=figures["running"],
        whole=figures["whole"],
        reset_this_month=figures["reset_this_month"],
        resets_by_reason=sorted(reasons, key=lambda item: -item[1]),
        overdue=figures["overdue"],
    )


@dataclass
class Dashboard:
    counts: ClockCounts
    running: list[dict[str, Any]]  # nearest wholeness first
    resets: list[dict[str, Any]]  # this month, newest first
    overdue: list[dict[str, Any]]  # longest overdue first
    today: datetime.date


def dashboard(clients: QuerySet[Client], *, today: datetime.date | None = None) -> Dashboard:
    """The case manager's and director's dashboard over `clients` (see `caseload_in_care`): the
    counts, then three short lists by client code. Four queries whatever the number of clients."""
    today = today or timezone.localdate()
    running: list[dict[str, Any]] = []
    for row in (
        clients.filter(clock__run_started_on__isnull=False, clock__whole_on__gt=today)
        .order_by("clock__whole_on", "code")
        .values("pk", "code", "clock__run_started_on", "clock__whole_on", "clock__required_months")[:RUNNING_SHOWN]
    ):
        started, whole_on = row["clock__run_started_on"], row["clock__whole_on"]
        assert started is not None and whole_on is not None  # noqa: S101 (filtered above)
        running.append(
            {
                **row,
                "days_left": (whole_on - today).days,
                "days_elapsed": (today - started).days,
                "days_required": (add_months(started, row["clock__required_months"]) - started).days,
            }
        )
    resets = [
        {**row, "why": reasons_label(row["clock__last_reset_reason"])}
        for row in clients.filter(clock__last_reset_on__gte=today.replace(day=1))
        .order_by("-clock__last_reset_on", "code")
        .values("pk", "code", "clock__last_reset_on", "clock__last_reset_reason", "clock__run_started_on")[:LIST_SHOWN]
    ]
    overdue = [
        {**row, "days_since": (today - row["clock__last_assessed_on"]).days if row["clock__last_assessed_on"] else None}
        for row in clients.filter(_overdue(today))
        .order_by(F("clock__last_assessed_on").asc(nulls_first=True), "code")
        .values("pk", "code", "clock__last_assessed_on")[:LIST_SHOWN]
    ]
    return Dashboard(clock_counts(clients, today=today), running, resets, overdue, today)


def stored_clock(state: ClockState | None, today: datetime.date | None = None) -> ClockOn:
    """The clock today from a client's stored clock state (no query of its own): what the client
    header and the caseload show. The closure rule computes from the records instead (`clock_on`)."""
    today = today or timezone.localdate()
    if state is None or state.run_started_on is None or state.whole_on is None:
        return ClockOn(today)
    return ClockOn(today, state.run_started_on, state.required_months, state.whole_on)


def clock_today(client: Client) -> ClockOn:
    """One query: the client's stored clock, today."""
    return stored_clock(ClockState.objects.filter(client=client).first())
