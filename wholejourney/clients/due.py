"""The client records' due work (core.due): records in the caseload missing what the programme needs
(sex, a birth date or an estimated year); and for the director, what they must know about access to
the office's clients (searches stopped, break-the-glass renewed, clients searched for elsewhere)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.clients.models import BreakGlassGrant, Client, ClientMerge, DuplicateSignal, Sex
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.due import (
    DueCount,
    DueItem,
    DueKind,
    Glance,
    GlanceRow,
    client_kind,
    client_label,
    counted,
    person_name,
    register,
    register_glance,
    works_a_caseload,
)

NO_SEX = Q(sex=Sex.UNKNOWN)
NO_AGE = Q(birth_year__isnull=True)


def _keeps_records(user: Any) -> bool:
    return works_a_caseload(user, Permission.MANAGE_CASES)


def incomplete_records(user: Any, today: datetime.date) -> QuerySet[Client]:
    return (
        clients_visible_to(user)
        .filter(NO_SEX | NO_AGE, erased_at__isnull=True)
        .select_related("data_key", "case_manager")
        .order_by("registered_at", "pk")
    )


def _missing(client: Client) -> str:
    gaps = ((gettext("sex"), client.sex == Sex.UNKNOWN), (gettext("age"), client.birth_year is None))
    return gettext("Record incomplete: %(missing)s") % {"missing": ", ".join(label for label, gap in gaps if gap)}


register(
    client_kind(
        "data_quality",
        gettext_lazy("Records to complete"),
        70,
        _keeps_records,
        incomplete_records,
        when=lambda client: None,
        detail=_missing,
        url=lambda client: reverse("clients:detail", kwargs={"pk": client.pk}),
        client_path="",
        notice=True,
    )
)


# --- what the director must know about access: searches stopped, glass broken back to back, clients
# searched for elsewhere ----------------------------------------------------------------------------

WATCH_DAYS = 7
SIGNAL_DAYS = 30


def _watches_office(user: Any) -> bool:
    return user.office_id is not None and has_permission(user, Permission.APPROVE_CLOSURE)


def _since(today: datetime.date, days: int) -> datetime.datetime:
    start = today - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def search_refusals(user: Any, today: datetime.date, limit: int) -> DueCount:
    """Accounts of the office stopped for too many name searches in a minute, this week: one item
    per account, its last refusal first."""
    refused = (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.SEARCH_REFUSED, office_code=user.office.code, at__gte=_since(today, WATCH_DAYS)
        )
        .values("actor_username")
        .annotate(times=Count("pk"), last=Max("at"))
        .order_by("-last")
    )
    rows = list(refused[:limit])
    trail = reverse("audit:trail")
    items = [
        DueItem(
            kind="search_refusals",
            when=timezone.localtime(row["last"]).date(),
            subject=row["actor_username"],
            detail=ngettext(
                "Name searches stopped once: too many in a minute.",
                "Name searches stopped %(times)d times: too many in a minute.",
                row["times"],
            )
            % {"times": row["times"]},
            url=f"{trail}?{urlencode({'username': row['actor_username'], 'action': AuditEvent.Action.SEARCH})}",
            urgent=True,
        )
        for row in rows
    ]
    return DueCount(refused.count(), items)


def renewed_grants(user: Any, today: datetime.date) -> QuerySet[BreakGlassGrant]:
    return (
        BreakGlassGrant.objects.filter(
            client__office_id=user.office_id, renews=True, granted_at__gte=_since(today, WATCH_DAYS)
        )
        .select_related("user", "client", "client__data_key")
        .order_by("-granted_at")
    )


def renewals(user: Any, today: datetime.date, limit: int) -> DueCount:
    log = reverse("clients:break_glass_log")
    return counted(
        renewed_grants(user, today),
        limit,
        lambda grant: DueItem(
            kind="break_glass_renewed",
            when=timezone.localtime(grant.granted_at).date(),
            subject=person_name(grant.user),
            detail=gettext("Broke the glass again for %(code)s as soon as the last access ended")
            % {"code": grant.client.code},
            url=log,
            notice=True,
        ),
    )


def open_signals(user: Any, today: datetime.date) -> QuerySet[DuplicateSignal]:
    return (
        DuplicateSignal.objects.filter(
            client__office_id=user.office_id, reviewed_at__isnull=True, at__gte=_since(today, SIGNAL_DAYS)
        )
        .select_related("client", "client__data_key", "client__case_manager", "from_office")
        .order_by("-at")
    )


def signals(user: Any, today: datetime.date, limit: int) -> DueCount:
    return counted(
        open_signals(user, today),
        limit,
        lambda signal: DueItem(
            kind="duplicate_signals",
            when=timezone.localtime(signal.at).date(),
            subject=client_label(signal.client),
            detail=(
                gettext("Someone with the same phone or ID number was looked for in %(office)s: maybe one person")
                if signal.by_number
                else gettext("Someone with the same name was looked for in %(office)s: maybe one person")
            )
            % {"office": signal.from_office.name},
            url=reverse("clients:detail", kwargs={"pk": signal.client_id}),
            notice=True,
        ),
    )


register(DueKind("search_refusals", gettext_lazy("Searches stopped"), 5, _watches_office, search_refusals))
register(DueKind("break_glass_renewed", gettext_lazy("Access renewed back to back"), 75, _watches_office, renewals))
register(
    DueKind("duplicate_signals", gettext_lazy("Possible duplicates in other offices"), 76, _watches_office, signals)
)


# --- the director's glance at duplicates: the list of likely pairs and the merges done ---------------


def _merges_records(user: Any) -> bool:
    return user.office_id is not None and has_permission(user, Permission.APPROVE_CLOSURE)


def duplicates_glance(user: Any, today: datetime.date) -> list[GlanceRow]:
    """Links, and the merges of the year (one count): the likely pairs themselves take seconds to
    rank over an office, too long for home (clients.duplicates)."""
    merged = ClientMerge.objects.filter(office_id=user.office_id, merged_at__year=today.year).count()
    return [
        GlanceRow(gettext("Likely duplicates to review"), None, reverse("clients:duplicates")),
        GlanceRow(gettext("Records merged this year"), merged, reverse("clients:merges")),
    ]


register_glance(Glance("duplicates", gettext_lazy("Records of one person"), 40, _merges_records, duplicates_glance))
