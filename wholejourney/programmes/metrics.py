"""The report's figures about prevention, capacity building, awareness and alumni
(definitions: ../shared/report-2023/metrics.yaml)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case as ExpressionCase
from django.db.models import Count, F, Q, QuerySet, Sum, When
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation
from wholejourney.programmes.models import (
    Activity,
    ActivityKind,
    Attendance,
    Campaign,
    CommunityGroup,
    Donation,
    ExternalMeeting,
    GroupPlanAction,
    GroupStatusPeriod,
    HusbandWifeGroup,
    Participant,
    PublicEvent,
)
from wholejourney.reporting.registry import MetricResult, Period, Sections, metric, percent, run_periods, shared


def _office(queryset: QuerySet[Any], office: Office | None, path: str = "office") -> QuerySet[Any]:
    return queryset.filter(**{path: office}) if office else queryset


def _dated(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def activities(period: Period, office: Office | None, kind: str) -> QuerySet[Activity]:
    return _office(Activity.objects.filter(_dated("held_on", period), kind=kind), office)


def attendees(period: Period, office: Office | None, kind: str) -> QuerySet[Participant]:
    """Distinct people who attended activities of this kind in the period."""
    return Participant.objects.filter(
        pk__in=Attendance.objects.filter(activity__in=activities(period, office, kind)).values("participant_id")
    )


def attendee_counts(period: Period, office: Office | None, kind: str) -> dict[str, int]:
    """How many distinct people of each participant group attended activities of this kind in the
    period. The attendance of every kind, and of every period the report computes, is counted in
    one query, once per report (`run_periods`, `shared`)."""
    periods = run_periods(period)

    def count() -> dict[tuple[Period, str, str], int]:
        span = Period(min(p.start for p in periods), max(p.end for p in periods))
        attended = _office(Attendance.objects.filter(_dated("activity__held_on", span)), office, "activity__office")
        rows = attended.values("activity__kind", "participant__group").annotate(
            **{
                f"n{i}": Count("participant_id", distinct=True, filter=_dated("activity__held_on", p))
                for i, p in enumerate(periods)
            }
        )
        return {
            (p, row["activity__kind"], row["participant__group"]): row[f"n{i}"]
            for row in rows
            for i, p in enumerate(periods)
        }

    counts = shared(("attendees", periods, office.pk if office else None), count)
    return {
        group: n for (of_period, of_kind, group), n in counts.items() if of_period == period and of_kind == kind and n
    }


# --- community-based groups ------------------------------------------------------------------


def active_groups(period: Period, office: Office | None) -> QuerySet[CommunityGroup]:
    active = GroupStatusPeriod.objects.filter(status=GroupStatusPeriod.Status.ACTIVE, start__lte=period.end).filter(
        Q(end__isnull=True) | Q(end__gte=period.start)
    )
    return _office(CommunityGroup.objects.filter(pk__in=active.values("group_id")), office)


@metric(id="cbg_active", label=_("Community-based groups functioning"), section=Sections.PREVENT,
        definition=_("Community-based groups with the status active during the period."))  # fmt: skip
def cbg_active(period: Period, office: Office | None) -> MetricResult:
    groups = active_groups(period, office)
    return MetricResult(groups.count(), groups)


@metric(id="cbg_plan_completion_pct", label=_("Share of community plans the groups completed"), section=Sections.PREVENT,
        definition=_("Plan actions completed by the end of the period, as a share (%) of the actions planned in the period by the active groups."))  # fmt: skip
def cbg_plan_completion_pct(period: Period, office: Office | None) -> MetricResult:
    planned = GroupPlanAction.objects.filter(_dated("planned_on", period), group__in=active_groups(period, office))
    done = planned.filter(completed_on__isnull=False, completed_on__lte=period.end)
    return MetricResult(percent(done.count(), planned.count()), done)


# --- prevention training ---------------------------------------------------------------------


@metric(id="prevention_training_sessions", label=_("Prevention training sessions"), section=Sections.PREVENT,
        definition=_("Training sessions of the prevention programme held in the period."))  # fmt: skip
def prevention_training_sessions(period: Period, office: Office | None) -> MetricResult:
    sessions = activities(period, office, ActivityKind.PREVENTION_TRAINING)
    return MetricResult(sessions.count(), sessions)


@metric(id="prevention_trained_by_group", label=_("People trained in prevention, by participant group"), section=Sections.PREVENT,
        definition=_("Distinct participants of prevention training sessions in the period, by their participant group."))  # fmt: skip
def prevention_trained_by_group(period: Period, office: Office | None) -> MetricResult:
    trained = attendees(period, office, ActivityKind.PREVENTION_TRAINING)
    counts = attendee_counts(period, office, ActivityKind.PREVENTION_TRAINING)
    return MetricResult(dict(sorted(counts.items())), parts={group: trained.filter(group=group) for group in counts})


@metric(id="prevention_trained", label=_("Individuals who received prevention training"), section=Sections.HIGHLIGHTS,
        definition=_("Distinct participants of prevention training sessions in the period."))  # fmt: skip
def prevention_trained(period: Period, office: Office | None) -> MetricResult:
    trained = attendees(period, office, ActivityKind.PREVENTION_TRAINING)
    return MetricResult(sum(attendee_counts(period, office, ActivityKind.PREVENTION_TRAINING).values()), trained)


@metric(id="reflection_meetings", label=_("Reflection meetings of good husband-wife groups"), section=Sections.PREVENT,
        definition=_("Reflection meetings held in the period."))  # fmt: skip
def reflection_meetings(period: Period, office: Office | None) -> MetricResult:
    meetings = activities(period, office, ActivityKind.REFLECTION_MEETING)
    return MetricResult(meetings.count(), meetings)


@metric(id="husband_wife_groups", label=_("Good husband-wife groups taking part in reflection meetings"), section=Sections.PREVENT,
        definition=_("Distinct husband-wife groups that attended at least one reflection meeting in the period."))  # fmt: skip
def husband_wife_groups(period: Period, office: Office | None) -> MetricResult:
    meetings = activities(period, office, ActivityKind.REFLECTION_MEETING)
    groups = HusbandWifeGroup.objects.filter(meetings__in=meetings).distinct()
    return MetricResult(groups.count(), groups)


# --- campaigns -------------------------------------------------------------------------------


def campaigns(period: Period, office: Office | None, kind: str) -> QuerySet[Campaign]:
    return _office(Campaign.objects.filter(_dated("held_on", period), kind=kind), office)


ADULTS = F("adults_female") + F("adults_male")
CHILDREN = F("children_female") + F("children_male")


def _reach(queryset: QuerySet[Campaign]) -> dict[str, int]:
    totals = queryset.aggregate(
        adults=Sum(F("adults_female") + F("adults_male")), children=Sum(F("children_female") + F("children_male"))
    )
    return {"adults": totals["adults"] or 0, "children": totals["children"] or 0}


@metric(id="awareness_campaigns", label=_("Community awareness campaigns"), section=Sections.PREVENT,
        definition=_("Community awareness campaigns held in the period."))  # fmt: skip
def awareness_campaigns(period: Period, office: Office | None) -> MetricResult:
    held = campaigns(period, office, Campaign.Kind.AWARENESS)
    return MetricResult(held.count(), held)


@metric(id="awareness_reach", label=_("People reached by community awareness campaigns"), section=Sections.PREVENT,
        definition=_("The adults and the children each campaign reached, added up over the campaigns (attendance counts, not distinct people)."))  # fmt: skip
def awareness_reach(period: Period, office: Office | None) -> MetricResult:
    held = campaigns(period, office, Campaign.Kind.AWARENESS)
    return MetricResult(
        _reach(held),
        parts={"adults": held.annotate(reached=ADULTS), "children": held.annotate(reached=CHILDREN)},
        sum_of="reached",
    )


@metric(id="education_campaigns", label=_("Education campaigns by student councils"), section=Sections.PREVENT,
        definition=_("Education campaigns held in the period."))  # fmt: skip
def education_campaigns(period: Period, office: Office | None) -> MetricResult:
    held = campaigns(period, office, Campaign.Kind.EDUCATION)
    return MetricResult(held.count(), held)


@metric(id="education_campaign_reach", label=_("Children, teachers and community members reached by education campaigns"), section=Sections.PREVENT,
        definition=_("The people each education campaign reached, added up over the campaigns."))  # fmt: skip
def education_campaign_reach(period: Period, office: Office | None) -> MetricResult:
    held = campaigns(period, office, Campaign.Kind.EDUCATION)
    reach = _reach(held)
    return MetricResult(reach["adults"] + reach["children"], held.annotate(reached=ADULTS + CHILDREN), sum_of="reached")


@metric(id="community_members_reached", label=_("Community members reached"), section=Sections.HIGHLIGHTS,
        definition=_("Adults reached by awareness campaigns plus everyone reached by education campaigns; the children of the awareness campaigns are shown beside it, as the published report leaves them out."))  # fmt: skip
def community_members_reached(period: Period, office: Office | None) -> MetricResult:
    awareness = campaigns(period, office, Campaign.Kind.AWARENESS)
    education = campaigns(period, office, Campaign.Kind.EDUCATION)
    total = _reach(awareness)["adults"] + sum(_reach(education).values())
    both = Campaign.objects.filter(pk__in=awareness.values("pk").union(education.values("pk"), all=True))
    reached = ExpressionCase(When(kind=Campaign.Kind.AWARENESS, then=ADULTS), default=ADULTS + CHILDREN)
    return MetricResult(total, both.annotate(reached=reached), sum_of="reached")


# --- capacity building -----------------------------------------------------------------------


@metric(id="tic_pfa_trainings", label=_("Trauma-Informed Care and Psychological First Aid trainings"), section=Sections.CAPACITY,
        definition=_("TIC/PFA training sessions held in the period."))  # fmt: skip
def tic_pfa_trainings(period: Period, office: Office | None) -> MetricResult:
    sessions = activities(period, office, ActivityKind.TIC_PFA_TRAINING)
    return MetricResult(sessions.count(), sessions)


@metric(id="tic_pfa_participants", label=_("Participants of TIC/PFA trainings"), section=Sections.HIGHLIGHTS,
        definition=_("Distinct participants of TIC/PFA trainings in the period."))  # fmt: skip
def tic_pfa_participants(period: Period, office: Office | None) -> MetricResult:
    people = attendees(period, office, ActivityKind.TIC_PFA_TRAINING)
    return MetricResult(sum(attendee_counts(period, office, ActivityKind.TIC_PFA_TRAINING).values()), people)


@metric(id="tic_pfa_improved_pct", label=_("Share of TIC/PFA participants whose knowledge increased"), section=Sections.HIGHLIGHTS,
        definition=_("Of participants with both a pre-test and a post-test, the share (%) whose post-test score is higher."))  # fmt: skip
def tic_pfa_improved_pct(period: Period, office: Office | None) -> MetricResult:
    tested = Attendance.objects.filter(
        activity__in=activities(period, office, ActivityKind.TIC_PFA_TRAINING),
        pre_test__isnull=False,
        post_test__isnull=False,
    )
    people = tested.values("participant_id").distinct().count()
    improved = tested.filter(post_test__gt=F("pre_test"))
    return MetricResult(percent(improved.values("participant_id").distinct().count(), people), improved)


# --- promoting awareness ---------------------------------------------------------------------


@metric(id="national_consultation", label=_("National consultation workshop"), section=Sections.AWARENESS,
        definition=_("Participants, and the distinct organisations they represented, at national consultation workshops in the period."))  # fmt: skip
def national_consultation(period: Period, office: Office | None) -> MetricResult:
    people = attendees(period, office, ActivityKind.NATIONAL_CONSULTATION)
    organisations = Organisation.objects.filter(
        pk__in=people.exclude(organisation__isnull=True).values("organisation_id")
    )
    participants = sum(attendee_counts(period, office, ActivityKind.NATIONAL_CONSULTATION).values())
    return MetricResult(
        {"participants": participants, "organisations": organisations.count()},
        parts={"participants": people, "organisations": organisations},
    )


@metric(id="reflection_workshop_participants", label=_("Stakeholders at the annual reflection workshop"), section=Sections.HIGHLIGHTS,
        definition=_("Distinct participants of annual reflection workshops in the period."))  # fmt: skip
def reflection_workshop_participants(period: Period, office: Office | None) -> MetricResult:
    people = attendees(period, office, ActivityKind.REFLECTION_WORKSHOP)
    return MetricResult(sum(attendee_counts(period, office, ActivityKind.REFLECTION_WORKSHOP).values()), people)


def _meetings(period: Period, office: Office | None, kind: str) -> MetricResult:
    held = _office(ExternalMeeting.objects.filter(_dated("held_on", period), kind=kind), office)
    return MetricResult(held.count(), held)


@metric(id="provincial_network_meetings", label=_("Provincial network meetings attended"), section=Sections.AWARENESS,
        definition=_("External meetings of the provincial network attended in the period."))  # fmt: skip
def provincial_network_meetings(period: Period, office: Office | None) -> MetricResult:
    return _meetings(period, office, ExternalMeeting.Kind.PROVINCIAL_NETWORK)


@metric(id="district_commune_meetings", label=_("District and commune reflection meetings attended"), section=Sections.AWARENESS,
        definition=_("District or commune reflection meetings attended in the period."))  # fmt: skip
def district_commune_meetings(period: Period, office: Office | None) -> MetricResult:
    return _meetings(period, office, ExternalMeeting.Kind.DISTRICT_COMMUNE)


@metric(id="ngo_network_meetings", label=_("NGO/CSO network meetings attended"), section=Sections.AWARENESS,
        definition=_("NGO/CSO network meetings attended in the period."))  # fmt: skip
def ngo_network_meetings(period: Period, office: Office | None) -> MetricResult:
    return _meetings(period, office, ExternalMeeting.Kind.NGO_NETWORK)


@metric(id="books_donated", label=_("Books donated"), section=Sections.AWARENESS,
        definition=_("Copies of books donated in the period, by the organisation that received them."))  # fmt: skip
def books_donated(period: Period, office: Office | None) -> MetricResult:
    donations = _office(Donation.objects.filter(_dated("donated_on", period), item=Donation.Item.BOOKS), office)
    totals: dict[str, int] = {}
    for row in donations.order_by().values("recipient__name").annotate(copies=Sum("copies")):
        key = slugify(row["recipient__name"]).replace("-", "_")
        totals[key] = totals.get(key, 0) + row["copies"]
    parts = {
        slugify(name).replace("-", "_"): donations.filter(recipient__name=name)
        for name in donations.values_list("recipient__name", flat=True).distinct()
    }
    return MetricResult(dict(sorted(totals.items())), donations, parts=parts, sum_of="copies")


@metric(id="mental_health_day_participants", label=_("Participants of the World Mental Health Day event"), section=Sections.AWARENESS,
        definition=_("Reported attendance of World Mental Health Day events in the period."))  # fmt: skip
def mental_health_day_participants(period: Period, office: Office | None) -> MetricResult:
    events = _office(
        PublicEvent.objects.filter(_dated("held_on", period), kind=PublicEvent.Kind.MENTAL_HEALTH_DAY), office
    )
    return MetricResult(events.aggregate(n=Sum("reported_attendance"))["n"] or 0, events, sum_of="reported_attendance")


# --- alumni ----------------------------------------------------------------------------------


@metric(id="alumni_event_participants", label=_("Participants of survivor alumni events"), section=Sections.HIGHLIGHTS,
        definition=_("Distinct attendees (former clients and caregivers) of alumni events in the period."))  # fmt: skip
def alumni_event_participants(period: Period, office: Office | None) -> MetricResult:
    people = attendees(period, office, ActivityKind.ALUMNI_EVENT)
    return MetricResult(sum(attendee_counts(period, office, ActivityKind.ALUMNI_EVENT).values()), people)


@metric(id="alumni_business_training", label=_("Former clients in alumni small-business training"), section=Sections.EMPOWER,
        definition=_("Distinct former clients who attended alumni small-business training in the period."))  # fmt: skip
def alumni_business_training(period: Period, office: Office | None) -> MetricResult:
    people = attendees(period, office, ActivityKind.ALUMNI_BUSINESS_TRAINING).filter(group="former_clients")
    counts = attendee_counts(period, office, ActivityKind.ALUMNI_BUSINESS_TRAINING)
    return MetricResult(counts.get("former_clients", 0), people)
