"""The data-quality check run before a report: the records that would make its figures wrong,
each with a link to where it can be put right (for whoever may open the client's record).

Each check is one or two queries over the period and office, whatever the size of the data; a
check lists at most `LIMIT` records and says how many there are in all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import EconomicService, EducationSupport, LegalService, SessionAttendance, Stipend, Visit
from wholejourney.cases.metrics import active_in
from wholejourney.cases.models import AbuseType, Case, CaseStatus, ClosureReason, Placement
from wholejourney.core.models import Office
from wholejourney.outcomes.models import Assessment
from wholejourney.reporting.registry import Period

LIMIT = 200


@dataclass
class Problem:
    client_id: int | None
    client_code: str
    record: str
    record_id: int
    date: datetime.date | None
    link: str = ""


@dataclass
class Check:
    id: str
    title: str | Promise
    explanation: str | Promise
    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    fix: str | Promise = ""


def _cases(office: Office | None) -> QuerySet[Case]:
    return Case.objects.filter(office=office) if office else Case.objects.all()


def cases_without_abuse_type(period: Period, office: Office | None) -> Check:
    check = Check(
        "abuse_type",
        _("Cases without an abuse type"),
        _("A case active in the period has no primary abuse type: the survivors by abuse type will not add up."),
        fix=_("Open the client's case and record the abuse type."),
    )
    cases = _cases(office).filter(active_in(period)).exclude(primary_abuse_type__in=AbuseType.values)
    check.count = cases.count()
    check.problems = [
        Problem(row["client_id"], row["client__code"], str(_("case")), row["pk"], row["opened_on"])
        for row in cases.order_by("opened_on", "pk").values("pk", "client_id", "client__code", "opened_on")[:LIMIT]
    ]
    return check


# Services and the date that places each in time.
SERVICES: list[tuple[Any, str, str | Promise]] = [
    (LegalService, "provided_on", _("legal service")),
    (EducationSupport, "provided_on", _("education support")),
    (EconomicService, "provided_on", _("economic service")),
    (Visit, "visited_on", _("visit")),
    (Stipend, "paid_on", _("stipend")),
    (SessionAttendance, "session__held_on", _("counseling session")),
]


def services_outside_their_case(period: Period, office: Office | None) -> Check:
    check = Check(
        "service_dates",
        _("Services dated outside their case"),
        _(
            "A service dated in the period falls before its case opened or after it closed: it may count twice or not at all."
        ),
        fix=_("Correct the service's date, or record it in the right case."),
    )
    for model, day, label in SERVICES:
        records = model.objects.filter(**{f"{day}__gte": period.start, f"{day}__lte": period.end}).filter(
            Q(**{f"{day}__lt": F("case__opened_on")})
            | Q(case__closed_on__isnull=False, **{f"{day}__gt": F("case__closed_on")})
        )
        if office:
            records = records.filter(client__office=office)
        check.count += records.count()
        remaining = LIMIT - len(check.problems)
        if remaining > 0:
            rows = records.order_by(day, "pk").values("pk", "client_id", "client__code", day)[:remaining]
            check.problems += [Problem(r["client_id"], r["client__code"], str(label), r["pk"], r[day]) for r in rows]
    return check


def overlapping_placements(period: Period, office: Office | None) -> Check:
    check = Check(
        "placements",
        _("Overlapping placements"),
        _("A client was placed in two places at once: shelter, foster care and reintegration figures may be wrong."),
        fix=_("End the earlier placement the day the later one began."),
    )
    other = (
        Placement.objects.filter(client_id=OuterRef("client_id"), start__lt=OuterRef("end_or_far"))
        .exclude(pk=OuterRef("pk"))
        .filter(Q(end__isnull=True) | Q(end__gt=OuterRef("start")))
    )
    far = datetime.date(9999, 12, 31)
    placements = (
        Placement.objects.filter(start__lte=period.end)
        .filter(Q(end__isnull=True) | Q(end__gt=period.start))
        .annotate(end_or_far=_coalesce("end", far))
        .filter(Exists(other))
    )
    if office:
        placements = placements.filter(case__office=office)
    check.count = placements.count()
    check.problems = [
        Problem(row["client_id"], row["client__code"], str(_("placement")), row["pk"], row["start"])
        for row in placements.order_by("client__code", "start").values("pk", "client_id", "client__code", "start")[
            :LIMIT
        ]
    ]
    return check


def _coalesce(field_name: str, default: datetime.date) -> Any:
    from django.db.models import DateField, Value
    from django.db.models.functions import Coalesce

    return Coalesce(field_name, Value(default, output_field=DateField()))


def closed_whole_without_assessments(period: Period, office: Office | None) -> Check:
    check = Check(
        "assessments",
        _("Clients closed as whole without assessments"),
        _(
            "A case closed in the period as goals achieved, but the client has no assessment on or before the closing day: wholeness cannot be shown."
        ),
        fix=_("Record the client's assessments, or correct the closure reason."),
    )
    assessed = Assessment.objects.filter(client_id=OuterRef("client_id"), assessed_on__lte=OuterRef("closed_on"))
    cases = (
        _cases(office)
        .filter(status=CaseStatus.CLOSED, closure_reason=ClosureReason.GOALS_ACHIEVED)
        .filter(closed_on__gte=period.start, closed_on__lte=period.end)
        .filter(~Exists(assessed))
    )
    check.count = cases.count()
    check.problems = [
        Problem(row["client_id"], row["client__code"], str(_("case")), row["pk"], row["closed_on"])
        for row in cases.order_by("closed_on", "pk").values("pk", "client_id", "client__code", "closed_on")[:LIMIT]
    ]
    return check


CHECKS = [
    cases_without_abuse_type,
    services_outside_their_case,
    overlapping_placements,
    closed_whole_without_assessments,
]


def data_quality(period: Period, office: Office | None) -> list[Check]:
    """Every check for the period and office (None: all offices)."""
    return [check(period, office) for check in CHECKS]
