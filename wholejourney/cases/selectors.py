"""Reads of referrals, cases, closures and placements, always scoped to the user.

An object outside the user's reach is a 404, the same answer as an object that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.permissions import has_permission, in_caseload
from wholejourney.accounts.roles import Permission, Role
from wholejourney.cases.models import (
    CARE_PLACEMENTS,
    HOME_PLACEMENTS,
    Case,
    CaseStatus,
    ClosureRequest,
    FosterFamily,
    Placement,
    Referral,
    Transfer,
)
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core import due
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation

# --- the caseload ----------------------------------------------------------------------------


def caseload_rows(user: Any) -> QuerySet[Client]:
    """The user's caseload with, for each client, the status of the latest case, the current
    placement and whether a closure waits for approval: one query for any number of clients."""
    latest_case = Case.objects.filter(client=OuterRef("pk")).order_by("-opened_on", "-pk")
    current_placement = Placement.objects.filter(client=OuterRef("pk"), end__isnull=True).order_by("-start")
    pending = ClosureRequest.objects.filter(case__client=OuterRef("pk"), status=ClosureRequest.Status.PENDING)
    return clients_visible_to(user).annotate(
        case_status=Subquery(latest_case.values("status")[:1]),
        placement_kind=Subquery(current_placement.values("kind")[:1]),
        closure_pending=Exists(pending),
    )


SORTS = {"newest": ("-registered_at", "-pk"), "oldest": ("registered_at", "pk"), "code": ("code", "pk")}


def caseload_filtered(user: Any, choices: dict[str, str], *, today: datetime.date | None = None) -> QuerySet[Client]:
    """The caseload rows (`caseload_rows`) narrowed by the caseload page's filters: the stage of the
    latest case, where the client lives now, the stability clock's state (from the stored clock
    state), due work of a kind ("any": of every kind the user owns, core.due) — and ordered."""
    today = today or timezone.localdate()
    rows: Any = caseload_rows(user)  # filtered on its annotations, which the type checker cannot see
    stage = choices.get("stage")
    if stage == "none":
        rows = rows.filter(case_status__isnull=True)
    elif stage:
        rows = rows.filter(case_status=stage)
    placement = choices.get("placement")
    if placement == "none":
        rows = rows.filter(placement_kind__isnull=True)
    elif placement:
        rows = rows.filter(placement_kind=placement)
    clock = choices.get("clock")
    in_run = Q(clock__run_started_on__isnull=False, clock__whole_on__isnull=False)
    if clock == "whole":
        rows = rows.filter(in_run, clock__whole_on__lte=today)
    elif clock == "running":
        rows = rows.filter(in_run, clock__whole_on__gt=today)
    elif clock == "not_started":
        rows = rows.exclude(in_run)
    attention = choices.get("attention")
    if attention:
        rows = rows.filter(due.clients_with_work(user, today=today, kinds=None if attention == "any" else [attention]))
    ordered: QuerySet[Client] = rows.order_by(*SORTS.get(choices.get("sort", ""), SORTS["newest"]))
    return ordered


# --- registration ----------------------------------------------------------------------------


# --- people and places of the user's office ----------------------------------------------------


def teams_of_office(user: Any) -> QuerySet[Team]:
    """Teams a case can be given to: the user's office."""
    teams = Team.objects.all()
    return teams.filter(office_id=user.office_id) if user.office_id is not None else teams


def case_managers_of_office(user: Any) -> QuerySet[User]:
    """Active staff of the user's office who manage cases (case managers and directors)."""
    users = User.objects.filter(is_active=True, roles__role__in=[Role.CASE_MANAGER, Role.DIRECTOR]).distinct()
    users = users.filter(office_id=user.office_id) if user.office_id is not None else users
    return users.order_by("first_name", "last_name", "username")


def organisations_of_office(user: Any, *, active_only: bool = True) -> QuerySet[Organisation]:
    orgs = Organisation.objects.all()
    if user.office_id is not None:
        orgs = orgs.filter(office_id=user.office_id)
    return orgs.filter(is_active=True) if active_only else orgs


def foster_families_of_office(user: Any) -> QuerySet[FosterFamily]:
    families = FosterFamily.objects.all().order_by("pk")
    return families.filter(office_id=user.office_id) if user.office_id is not None else families


# --- referrals -------------------------------------------------------------------------------


def _referrals_of_office(user: Any) -> QuerySet[Referral]:
    if not has_permission(user, Permission.MANAGE_CASES):
        return Referral.objects.none()
    referrals = Referral.objects.select_related("organisation", "client", "client__data_key", "office")
    return referrals.filter(office_id=user.office_id) if user.office_id is not None else referrals


def incoming_referrals_for(user: Any, *, status: str = "") -> QuerySet[Referral]:
    """Incoming referrals of the user's office, for intake staff; newest first, urgent first within a day."""
    referrals = _referrals_of_office(user).filter(direction=Referral.Direction.INCOMING)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-referred_on", "-pk")


def incoming_referral_get_for(*, user: Any, pk: int) -> Referral:
    referral = incoming_referrals_for(user).filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


def referral_details_readable(user: Any, referral: Referral) -> bool:
    """Whether the user may read who was referred and why. Before a decision, intake staff of the
    office need to; once linked to a client, the details are the client's and follow the caseload."""
    if not has_permission(user, Permission.MANAGE_CASES, obj=referral.office):
        return False
    return referral.client is None or in_caseload(user, referral.client)


def outgoing_referral_get_for(*, user: Any, pk: int) -> Referral:
    """An outgoing referral of a client in the user's caseload."""
    referral = (
        Referral.objects.select_related("organisation", "client", "client__data_key")
        .filter(pk=pk, direction=Referral.Direction.OUTGOING, client__in=clients_visible_to(user))
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def referrals_of_client(client: Client) -> QuerySet[Referral]:
    """Referrals that brought the client to us and those we made for them, newest first."""
    return client.referrals.select_related("organisation", "client__data_key").order_by("-referred_on", "-pk")


def referrals_sent_to_partner(user: Any) -> QuerySet[Referral]:
    """The referrals offices sent to the partner user's organisation (outgoing, from the office's
    side). Loaded with what `partner_facts` shows and nothing more of the client."""
    organisation_id = getattr(user, "partner_organisation_id", None)
    if organisation_id is None or not has_permission(user, Permission.ANSWER_REFERRALS):
        return Referral.objects.none()
    return (
        Referral.objects.filter(organisation_id=organisation_id, direction=Referral.Direction.OUTGOING)
        .select_related("client__data_key", "submitted_by", "office")
        .order_by("-referred_on", "-pk")
    )


def partner_referral_get_for(*, user: Any, pk: int) -> Referral:
    """One referral sent to the partner's organisation, else 404 (the same for any other record)."""
    referral = referrals_sent_to_partner(user).filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


@dataclass(frozen=True)
class PartnerFacts:
    """What a partner sees of a referral sent to it (the sharing consent covers no more): a code,
    the service asked, an age band, sex, province, and whom to call at the office. Never a name."""

    code: str
    service: str
    urgency: str
    age_band: str
    sex: str
    province: str
    contact: str
    office: str


def age_band(birth_year: int | None, today: datetime.date) -> str:
    if birth_year is None:
        return str(_("Age unknown"))
    age = today.year - birth_year
    if age < 12:
        return str(_("Under 12"))
    if age < 18:
        return str(_("12 to 17"))
    if age < 25:
        return str(_("18 to 24"))
    return str(_("25 to 59")) if age < 60 else str(_("60 or over"))


def partner_facts(referral: Referral) -> PartnerFacts:
    client = referral.client
    province = ""
    if client is not None:
        province = str((client.address or {}).get("province", "")) if client.erased_at is None else ""
    contact = referral.submitted_by
    return PartnerFacts(
        code=referral_code(referral),
        service=str(referral.get_service_asked_display() or "—"),
        urgency=str(referral.get_urgency_display()),
        age_band=age_band(client.birth_year if client else None, timezone.localdate()),
        sex=str(client.get_sex_display()) if client is not None else "—",
        province=province or "—",
        contact=(contact.get_full_name() or contact.get_username()) if contact is not None else "—",
        office=referral.office.name,
    )


def referral_code(referral: Referral) -> str:
    """The number a partner and the office speak of a referral by (no client's code or name)."""
    return f"R-{referral.office.code}-{referral.pk:05d}"


def referrals_of_partner(user: Any) -> QuerySet[Referral]:
    """The referrals the partner referrer's organisation sent us: their dates, urgency and status
    only. The encrypted details are not even loaded, and nothing leads to a client."""
    organisation_id = getattr(user, "partner_organisation_id", None)
    if organisation_id is None or not has_permission(user, Permission.SUBMIT_REFERRALS):
        return Referral.objects.none()
    return (
        Referral.objects.filter(organisation_id=organisation_id, direction=Referral.Direction.INCOMING)
        .only("pk", "referred_on", "urgency", "status", "created_at", "organisation_id")
        .order_by("-referred_on", "-pk")
    )


# --- cases and closures ----------------------------------------------------------------------


def cases_of_client(client: Client) -> QuerySet[Case]:
    """A client's cases, latest first, with what their tab shows."""
    return client.cases.select_related("team", "case_manager", "referral", "client__data_key").prefetch_related(
        Prefetch(
            "closure_requests",
            queryset=ClosureRequest.objects.select_related("requested_by", "decided_by"),
        ),
        "reopenings",
    )


def case_get_for(*, user: Any, pk: int) -> Case:
    """A case of a client in the user's caseload."""
    case = (
        Case.objects.select_related("client", "client__data_key", "client__team", "team", "office")
        .filter(pk=pk, client__in=clients_visible_to(user))
        .first()
    )
    if case is None:
        raise Http404
    return case


def closures_to_approve(user: Any) -> QuerySet[ClosureRequest]:
    """Pending closure requests the user may decide: a director's whole office, a supervisor's teams."""
    mine = Q(case__team__supervisor_id=user.pk)
    if has_permission(user, Permission.APPROVE_CLOSURE):
        mine |= Q(case__client__in=clients_visible_to(user))
    requests = ClosureRequest.objects.filter(mine, status=ClosureRequest.Status.PENDING)
    if user.office_id is not None:
        requests = requests.filter(case__office_id=user.office_id)
    return requests.select_related(
        "case", "case__client", "case__client__data_key", "case__team", "case__case_manager", "requested_by"
    ).order_by("requested_at")


def closure_request_get_for(*, user: Any, pk: int) -> ClosureRequest:
    request = closures_to_approve(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def may_decide_closure(user: Any, case: Case) -> bool:
    """The same rule as the service's: the director of the office, or the supervisor of the case's team."""
    if has_permission(user, Permission.APPROVE_CLOSURE, obj=case):
        return True
    return case.team is not None and case.team.supervisor_id == user.pk and user.office_id == case.office_id


# --- placements ------------------------------------------------------------------------------


def placements_of_client(client: Client) -> list[Placement]:
    """A client's placements, latest first, each marked `is_reintegration` when it is a move from
    care (shelter, foster care) straight to a home (family, relatives, community, independent living)."""
    placements = list(client.placements.select_related("organisation", "foster_family").order_by("start"))
    previous = None
    for placement in placements:
        placement.is_reintegration = (  # type: ignore[attr-defined]
            previous is not None
            and previous.kind in CARE_PLACEMENTS
            and placement.kind in HOME_PLACEMENTS
            and previous.end == placement.start
        )
        previous = placement
    return placements[::-1]


def placement_get_for(*, user: Any, pk: int) -> Placement:
    placement = (
        Placement.objects.select_related("case", "case__client", "case__client__data_key", "client")
        .filter(pk=pk, client__in=clients_visible_to(user))
        .first()
    )
    if placement is None:
        raise Http404
    return placement


def current_placement_of(client: Client) -> Placement | None:
    return client.placements.filter(end__isnull=True).first()


def open_case_of(client: Client) -> Case | None:
    return client.cases.exclude(status=CaseStatus.CLOSED).order_by("-opened_on").first()


# --- transfers between offices ------------------------------------------------------------------


def transfers_visible_to(user: Any) -> QuerySet[Transfer]:
    """Transfers from or to the user's office, for its case managers and directors (a global account
    sees all): the sending office's minimal entry of a client it no longer holds."""
    if not (has_permission(user, Permission.MANAGE_CASES) or has_permission(user, Permission.APPROVE_CLOSURE)):
        return Transfer.objects.none()
    transfers = Transfer.objects.select_related(
        "from_office", "to_office", "client__data_key", "requested_by", "approved_by", "decided_by"
    )
    if user.office_id is not None:
        transfers = transfers.filter(Q(from_office_id=user.office_id) | Q(to_office_id=user.office_id))
    return transfers.order_by("-requested_at", "-pk")


def transfer_get_for(*, user: Any, pk: int) -> Transfer:
    found = transfers_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def transfer_offices_for(client: Client) -> QuerySet[Office]:
    """The offices a client can be transferred to: the organisation's other active offices."""
    return Office.objects.filter(is_active=True).exclude(pk=client.office_id).order_by("code")
