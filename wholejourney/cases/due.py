"""The case's due work (core.due): incoming referrals waiting for a decision (urgent ones first) and
closures waiting for approval; and home's glances: the office's caseload by stage for those who
read the whole office, a partner's referrals by state."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission, permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.cases.models import Case, CaseStatus, Referral, Transfer, Urgency
from wholejourney.cases.selectors import (
    closures_to_approve,
    incoming_referrals_for,
    referrals_of_partner,
    transfers_visible_to,
)
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.due import (
    DueCount,
    DueItem,
    DueKind,
    Glance,
    GlanceRow,
    client_label,
    counted,
    person_name,
    register,
    register_glance,
)

URGENT = (Urgency.EMERGENCY, Urgency.HIGH)


def _takes_referrals(user: Any) -> bool:
    return Permission.MANAGE_CASES in permissions_of(user)


def new_referrals(user: Any, today: datetime.date, limit: int) -> DueCount:
    # Emergencies first, then high, then the oldest waiting.
    rank = SqlCase(
        When(urgency=Urgency.EMERGENCY, then=Value(0)), When(urgency=Urgency.HIGH, then=Value(1)), default=Value(2)
    )
    waiting = incoming_referrals_for(user, status=Referral.Status.RECEIVED).order_by(rank, "referred_on", "pk")

    def item(referral: Referral) -> DueItem:
        source = referral.organisation.name if referral.organisation else referral.get_source_display()
        return DueItem(
            kind="referrals",
            when=referral.referred_on,
            subject=str(source),
            detail=gettext("New referral: %(urgency)s") % {"urgency": referral.get_urgency_display()},
            url=reverse("cases:referral_detail", kwargs={"pk": referral.pk}),
            urgent=referral.urgency in URGENT,
            waiting=True,
        )

    return counted(waiting, limit, item)


def _decides_closures(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE) or user.supervised_teams.exists()


def closures(user: Any, today: datetime.date, limit: int) -> DueCount:
    return counted(
        closures_to_approve(user),
        limit,
        lambda request: DueItem(
            kind="closures",
            when=request.requested_at.date(),
            subject=client_label(request.case.client),
            detail=gettext("Closure to approve: %(reason)s") % {"reason": request.get_reason_display()},
            url=reverse("cases:closure_list"),
            waiting=True,
            person_id=request.requested_by_id,
            person=person_name(request.requested_by),
        ),
    )


def outgoing_to_follow(user: Any, today: datetime.date) -> Any:
    """Referrals the user's caseload sent to partners that need the case manager again: unanswered
    past their due date, or declined with no newer referral of the client since."""
    sent = Referral.objects.filter(direction=Referral.Direction.OUTGOING, client__in=clients_visible_to(user))
    newer = sent.filter(client_id=OuterRef("client_id"), pk__gt=OuterRef("pk"))
    overdue = Q(status=Referral.Status.SENT, answer_due_on__lt=today)
    declined = Q(status=Referral.Status.DECLINED) & ~Q(Exists(newer))
    return (
        sent.filter(overdue | declined).select_related("client__data_key", "organisation").order_by("referred_on", "pk")
    )


def outgoing_referrals(user: Any, today: datetime.date, limit: int) -> DueCount:
    def item(referral: Referral) -> DueItem:
        declined = referral.status == Referral.Status.DECLINED
        name = referral.organisation.name if referral.organisation else ""
        return DueItem(
            kind="outgoing_referrals",
            when=referral.decided_at.date() if declined and referral.decided_at else referral.answer_due_on,
            subject=client_label(referral.client),
            detail=(
                gettext("%(partner)s declined the referral: refer the client elsewhere") % {"partner": name}
                if declined
                else gettext("%(partner)s has not answered the referral") % {"partner": name}
            ),
            url=reverse("clients:detail", kwargs={"pk": referral.client_id}) + "?tab=referrals",
            urgent=declined or referral.urgency in URGENT,
        )

    return counted(outgoing_to_follow(user, today), limit, item)


def _decides_transfers(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE)


def transfers_to_decide(user: Any, today: datetime.date, limit: int) -> DueCount:
    """Transfers waiting for this director: to approve as the sending office, to accept as the
    receiving one."""
    waiting = transfers_visible_to(user).filter(
        Q(status=Transfer.Status.REQUESTED, from_office_id=user.office_id)
        | Q(status=Transfer.Status.APPROVED, to_office_id=user.office_id)
    )
    return counted(
        waiting,
        limit,
        lambda transfer: DueItem(
            kind="transfers",
            when=transfer.requested_at.date(),
            subject=transfer.client_code,
            detail=gettext("Transfer %(from)s → %(to)s to decide")
            % {"from": transfer.from_office.code, "to": transfer.to_office.code},
            url=reverse("cases:transfer_list") + f"#transfer-{transfer.pk}",
            waiting=True,
        ),
    )


register(DueKind("referrals", gettext_lazy("New referrals"), 10, _takes_referrals, new_referrals))
register(DueKind("transfers", gettext_lazy("Transfers to decide"), 25, _decides_transfers, transfers_to_decide))
register(DueKind("outgoing_referrals", gettext_lazy("Referrals to partners"), 15, _takes_referrals, outgoing_referrals))
register(DueKind("closures", gettext_lazy("Closures to approve"), 20, _decides_closures, closures))


# --- glances ---------------------------------------------------------------------------------------


def _reads_the_office(user: Any) -> bool:
    return has_permission(user, Permission.APPROVE_CLOSURE)


def caseload_by_stage(user: Any, today: datetime.date) -> list[GlanceRow]:
    cases = Case.objects.filter(client__in=clients_visible_to(user))
    counts = cases.aggregate(
        open=Count("pk", filter=Q(status=CaseStatus.OPEN)),
        follow_up=Count("pk", filter=Q(status=CaseStatus.FOLLOW_UP)),
        closed_this_year=Count("pk", filter=Q(status=CaseStatus.CLOSED, closed_on__year=today.year)),
    )
    # Apart: joining the requests into the count above would count a case once per request.
    counts["waiting"] = closures_to_approve(user).count()
    caseload = reverse("clients:caseload")
    return [
        GlanceRow(str(CaseStatus.OPEN.label), counts["open"], f"{caseload}?stage=open"),
        GlanceRow(str(CaseStatus.FOLLOW_UP.label), counts["follow_up"], f"{caseload}?stage=follow_up"),
        GlanceRow(gettext("Closure waiting for approval"), counts["waiting"], reverse("cases:closure_list")),
        GlanceRow(gettext("Closed this year"), counts["closed_this_year"], f"{caseload}?stage=closed"),
    ]


def _refers(user: Any) -> bool:
    return has_permission(user, Permission.SUBMIT_REFERRALS) and user.partner_organisation_id is not None


def partner_referrals(user: Any, today: datetime.date) -> list[GlanceRow]:
    counts = dict(
        referrals_of_partner(user).order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    portal = reverse("cases:portal_referrals")
    return [
        GlanceRow(str(label), counts.get(status, 0), portal)
        for status, label in Referral.Status.choices
        if status in (Referral.Status.RECEIVED, Referral.Status.ACCEPTED, Referral.Status.DECLINED)
        or counts.get(status)
    ]


register_glance(Glance("caseload", gettext_lazy("The office's caseload"), 10, _reads_the_office, caseload_by_stage))
register_glance(Glance("my_referrals", gettext_lazy("Your organisation's referrals"), 5, _refers, partner_referrals))
