"""Programme work of the demo office: community-based groups, prevention trainings, husband-wife
reflection meetings, campaigns, capacity building, awareness, alumni and partnership agreements.
For 2023 the figures are those of the annual report; a few records just outside the year make its
edges matter. Written through the programme services (attendance in batches, as from a sheet)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from wholejourney.accounts.models import User
from wholejourney.core.models import Office
from wholejourney.partners.models import Agreement, Organisation, OrganisationKind, PartnershipPeriod
from wholejourney.programmes import services
from wholejourney.programmes.models import (
    ActivityKind,
    Campaign,
    Donation,
    ExternalMeeting,
    GroupStatusPeriod,
    HusbandWifeGroup,
    PlanTopic,
    PublicEvent,
    TrainingTopic,
)

D = datetime.date
YEAR_START, YEAR_END = D(2023, 1, 1), D(2023, 12, 31)

# The 2023 report (../shared/report-2023/metrics.yaml).
ACTIVE_GROUPS, INACTIVE_GROUPS, PLAN_ACTIONS, PLAN_ACTIONS_DONE = 53, 5, 200, 170
PREVENTION_SESSIONS = 71
TRAINED = {"cbg_leaders": 78, "church_leaders": 96, "local_duty_bearers": 480, "youth_and_children_council": 970}
REFLECTION_MEETINGS, HUSBAND_WIFE_GROUPS = 21, 368
AWARENESS_CAMPAIGNS, AWARENESS_ADULTS, AWARENESS_CHILDREN = 87, 6030, 354
EDUCATION_CAMPAIGNS, EDUCATION_REACH = 25, 5849
TIC_TRAININGS, TIC_PARTICIPANTS, TIC_TESTED, TIC_IMPROVED = 5, 299, 295, 236  # 236 / 295 = 80 %
CONSULTATION_PARTICIPANTS, CONSULTATION_ORGANISATIONS = 40, 16
REFLECTION_WORKSHOP = 116
MEETINGS = {
    ExternalMeeting.Kind.PROVINCIAL_NETWORK: 10,
    ExternalMeeting.Kind.DISTRICT_COMMUNE: 40,
    ExternalMeeting.Kind.NGO_NETWORK: 22,
}
BOOKS = {"Garden of Hope": [30], "Ministry of Education": [250, 150]}
MENTAL_HEALTH_DAY = 2407
ALUMNI_EVENT, ALUMNI_BUSINESS = 156, 45
PRIVATE_AGREEMENTS_2023 = 6

VILLAGES = [
    "Prey Chhor",
    "Kampong Luong",
    "Svay Rieng",
    "Ou Chrov",
    "Sangkat Chbar Ampov",
    "Thma Koul",
    "Bavel",
    "Kralanh",
]


def _day(rng: random.Random, start: datetime.date = YEAR_START, end: datetime.date = YEAR_END) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive whole numbers adding up to `total`."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _rows(
    group: str, refs: Sequence[str], rng: random.Random, organisations: Sequence[Organisation] = ()
) -> list[dict[str, object]]:
    return [
        {
            "ref": ref,
            "group": group,
            "sex": rng.choice(["female", "female", "male"]),
            "age_band": "12-17"
            if group == "youth_and_children_council"
            else rng.choice(["18-24", "25-59", "25-59", "60+"]),
            "village": rng.choice(VILLAGES),
            "province": "Battambang",
            "organisation": organisations[index % len(organisations)].name if organisations else "",
        }
        for index, ref in enumerate(refs)
    ]


def name_partners_for_the_report(office: Office) -> None:
    """Two partners the report names (book donations), and two NGOs whose partnership ended in 2022."""
    ngo = Organisation.objects.filter(office=office, kind=OrganisationKind.NGO).order_by("pk").first()
    ministry = (
        Organisation.objects.filter(office=office, kind=OrganisationKind.GOVERNMENT_MINISTRY).order_by("pk").first()
    )
    if ngo is None or ministry is None:
        raise LookupError("build the demo partners first")
    ngo.name, ministry.name = "Garden of Hope", "Ministry of Education"
    ngo.save(update_fields=["name"])
    ministry.save(update_fields=["name"])
    for n in (1, 2):
        former = Organisation.objects.create(office=office, name=f"Former NGO partner {n}", kind=OrganisationKind.NGO)
        PartnershipPeriod.objects.create(organisation=former, active_from=D(2020, 1, 1), active_to=D(2022, 6, 30))


def build_programmes(office: Office, rng: random.Random) -> None:
    officer = User.objects.get(office=office, roles__role="prevention_officer")
    name_partners_for_the_report(office)
    _groups(office, officer, rng)
    _prevention(office, officer, rng)
    _reflection(office, officer, rng)
    _campaigns(office, officer, rng)
    _capacity_and_awareness(office, officer, rng)
    _alumni(office, officer, rng)
    _agreements(office, rng)


def _groups(office: Office, officer: User, rng: random.Random) -> None:
    actions = _split(rng, PLAN_ACTIONS, ACTIVE_GROUPS)
    done_left = PLAN_ACTIONS_DONE
    for n in range(ACTIVE_GROUPS + INACTIVE_GROUPS):
        group = services.community_group_create(
            actor=officer,
            office=office,
            name=f"Community group {n + 1:02d}",
            province="Battambang",
            village=rng.choice(VILLAGES),
        )
        services.community_group_set_status(
            actor=officer, group=group, status=GroupStatusPeriod.Status.ACTIVE, start=D(2021, 3, 1)
        )
        if n >= ACTIVE_GROUPS:
            services.community_group_set_status(
                actor=officer, group=group, status=GroupStatusPeriod.Status.INACTIVE, start=D(2022, 7, 1)
            )
            continue
        for _ in range(actions[n]):
            planned = _day(rng)
            action = services.plan_action_add(
                actor=officer, group=group, year=2023, topic=rng.choice(list(PlanTopic)), planned_on=planned
            )
            if done_left > 0 and planned < D(2023, 12, 1):
                services.plan_action_complete(
                    actor=officer, action=action, completed_on=planned + datetime.timedelta(days=14)
                )
                done_left -= 1
    if done_left:
        raise RuntimeError("not enough plan actions early enough in the year to complete")


def _prevention(office: Office, officer: User, rng: random.Random) -> None:
    people = [(group, f"PV-{group[:3]}-{n:04d}") for group, count in TRAINED.items() for n in range(count)]
    rng.shuffle(people)
    # Every trainee attends one session; one in ten comes to two or three (counted once).
    sessions: list[list[tuple[str, str]]] = [[] for _ in range(PREVENTION_SESSIONS)]
    for index, person in enumerate(people):
        sessions[index % PREVENTION_SESSIONS].append(person)
        if rng.random() < 0.1:
            for extra in rng.sample(range(PREVENTION_SESSIONS), rng.randint(1, 2)):
                if person not in sessions[extra]:
                    sessions[extra].append(person)
    topics = [t for t in TrainingTopic if t not in (TrainingTopic.TIC_PFA, TrainingTopic.OTHER)]
    for number, attendees in enumerate(sessions):
        activity = services.activity_record(
            actor=officer, office=office, kind=ActivityKind.PREVENTION_TRAINING, topic=rng.choice(topics),
            held_on=_day(rng), place=rng.choice(VILLAGES), external_ref=f"PT-2023-{number:03d}",
        )  # fmt: skip
        rows = [row for group, ref in attendees for row in _rows(group, [ref], rng)]
        services.attendance_record(actor=officer, activity=activity, rows=rows)
    # Just outside the year: a session on 31 December 2022 with people not trained in 2023.
    before = services.activity_record(
        actor=officer,
        office=office,
        kind=ActivityKind.PREVENTION_TRAINING,
        topic=TrainingTopic.SAFE_MIGRATION,
        held_on=D(2022, 12, 31),
    )
    services.attendance_record(
        actor=officer, activity=before, rows=_rows("local_duty_bearers", [f"PV-2022-{n}" for n in range(12)], rng)
    )


def _reflection(office: Office, officer: User, rng: random.Random) -> None:
    groups = [
        HusbandWifeGroup.objects.create(office=office, label=f"HW-{n:03d}", village=rng.choice(VILLAGES))
        for n in range(HUSBAND_WIFE_GROUPS)
    ]
    meetings: list[list[HusbandWifeGroup]] = [[] for _ in range(REFLECTION_MEETINGS)]
    for index, group in enumerate(groups):
        meetings[index % REFLECTION_MEETINGS].append(group)
        if rng.random() < 0.3:
            other = rng.randrange(REFLECTION_MEETINGS)
            if group not in meetings[other]:
                meetings[other].append(group)
    for attending in meetings:
        services.reflection_meeting_record(
            actor=officer, office=office, held_on=_day(rng), groups=attending, place=rng.choice(VILLAGES)
        )


def _campaigns(office: Office, officer: User, rng: random.Random) -> None:
    adults, children = (
        _split(rng, AWARENESS_ADULTS, AWARENESS_CAMPAIGNS),
        _split(rng, AWARENESS_CHILDREN + AWARENESS_CAMPAIGNS, AWARENESS_CAMPAIGNS),
    )
    for n in range(AWARENESS_CAMPAIGNS):
        kids = children[n] - 1  # some campaigns reach no children
        women = adults[n] * 3 // 5
        services.campaign_record(
            actor=officer, office=office, kind=Campaign.Kind.AWARENESS, held_on=_day(rng), place=rng.choice(VILLAGES),
            topics=[rng.choice(["human_trafficking", "safe_migration", "child_protection", "gbv"])],
            adults_female=women, adults_male=adults[n] - women, children_female=kids // 2, children_male=kids - kids // 2,
        )  # fmt: skip
    for reach in _split(rng, EDUCATION_REACH, EDUCATION_CAMPAIGNS):
        pupils = reach * 3 // 4
        services.campaign_record(
            actor=officer, office=office, kind=Campaign.Kind.EDUCATION, held_on=_day(rng), place=rng.choice(VILLAGES),
            topics=[rng.choice(["food_security", "child_rights"])],
            children_female=pupils // 2, children_male=pupils - pupils // 2, adults_female=(reach - pupils) // 2,
            adults_male=reach - pupils - (reach - pupils) // 2,
        )  # fmt: skip
    # Just outside the year.
    services.campaign_record(
        actor=officer,
        office=office,
        kind=Campaign.Kind.AWARENESS,
        held_on=D(2024, 1, 1),
        adults_female=80,
        adults_male=40,
    )


def _capacity_and_awareness(office: Office, officer: User, rng: random.Random) -> None:
    partners = list(
        Organisation.objects.filter(
            office=office, kind__in=["ngo", "church", "provincial_authority", "ccwc", "police"]
        ).order_by("pk")
    )
    sizes = _split(rng, TIC_PARTICIPANTS, TIC_TRAININGS)
    number = 0
    for session, size in enumerate(sizes):
        activity = services.activity_record(
            actor=officer, office=office, kind=ActivityKind.TIC_PFA_TRAINING, topic=TrainingTopic.TIC_PFA, held_on=_day(rng),
            external_ref=f"TIC-2023-{session}",
        )  # fmt: skip
        rows = []
        for _ in range(size):
            group = rng.choice(["church_leaders", "ngo_staff", "government_officers"])
            row = _rows(group, [f"TIC-{number:04d}"], rng, [rng.choice(partners)])[0]
            if number < TIC_TESTED:
                pre = rng.randint(30, 60)
                row["pre_test"] = pre
                row["post_test"] = pre + (rng.randint(5, 30) if number < TIC_IMPROVED else -rng.randint(0, 5))
            elif number < TIC_PARTICIPANTS - 2:
                row["pre_test"] = rng.randint(30, 60)  # missed the post-test: left out of the share
            rows.append(row)
            number += 1
        services.attendance_record(actor=officer, activity=activity, rows=rows)

    ngos = list(Organisation.objects.filter(office=office, kind__in=["ngo", "ingo"]).order_by("pk"))[
        :CONSULTATION_ORGANISATIONS
    ]
    consultation = services.activity_record(
        actor=officer,
        office=office,
        kind=ActivityKind.NATIONAL_CONSULTATION,
        held_on=D(2023, 6, 22),
        place="Phnom Penh",
    )
    services.attendance_record(
        actor=officer, activity=consultation,
        rows=_rows("ngo_staff", [f"NC-{n:03d}" for n in range(CONSULTATION_PARTICIPANTS)], rng, ngos),
    )  # fmt: skip
    workshop = services.activity_record(
        actor=officer, office=office, kind=ActivityKind.REFLECTION_WORKSHOP, held_on=D(2023, 12, 7), place="Phnom Penh"
    )
    services.attendance_record(
        actor=officer, activity=workshop,
        rows=_rows("government_officers", [f"RW-{n:03d}" for n in range(REFLECTION_WORKSHOP)], rng, partners),
    )  # fmt: skip
    for kind, count in MEETINGS.items():
        for _ in range(count):
            services.external_meeting_record(
                actor=officer, office=office, kind=kind, held_on=_day(rng), attended_by=[officer]
            )
    for name, donations in BOOKS.items():
        recipient = Organisation.objects.get(office=office, name=name)
        for copies in donations:
            services.donation_record(
                actor=officer,
                office=office,
                item=Donation.Item.BOOKS,
                copies=copies,
                recipient=recipient,
                donated_on=_day(rng),
            )
    services.public_event_record(
        actor=officer, office=office, kind=PublicEvent.Kind.MENTAL_HEALTH_DAY, name="World Mental Health Day 2023",
        held_on=D(2023, 10, 10), reported_attendance=MENTAL_HEALTH_DAY,
    )  # fmt: skip


def _alumni(office: Office, officer: User, rng: random.Random) -> None:
    event = services.activity_record(
        actor=officer, office=office, kind=ActivityKind.ALUMNI_EVENT, held_on=D(2023, 11, 18), place="Phnom Penh"
    )
    former = [f"AL-{n:03d}" for n in range(ALUMNI_EVENT - 40)]
    caregivers = [f"AC-{n:03d}" for n in range(40)]
    services.attendance_record(
        actor=officer, activity=event, rows=_rows("former_clients", former, rng) + _rows("caregivers", caregivers, rng)
    )
    training = services.activity_record(
        actor=officer, office=office, kind=ActivityKind.ALUMNI_BUSINESS_TRAINING, held_on=D(2023, 8, 3)
    )
    # Former clients come back for the business training; five caregivers sat in and are not counted.
    services.attendance_record(
        actor=officer,
        activity=training,
        rows=_rows("former_clients", former[:ALUMNI_BUSINESS], rng) + _rows("caregivers", caregivers[:5], rng),
    )


def _agreements(office: Office, rng: random.Random) -> None:
    private = list(Organisation.objects.filter(office=office, kind=OrganisationKind.PRIVATE).order_by("pk"))
    for n, organisation in enumerate(private):
        signed = _day(rng) if n < PRIVATE_AGREEMENTS_2023 else _day(rng, D(2020, 3, 1), D(2022, 12, 31))
        Agreement.objects.create(
            organisation=organisation,
            kind=Agreement.Kind.EMPLOYMENT_PARTNER,
            signed_on=signed,
            start=signed,
            signatory="Owner (demo)",
        )
    ngo = Organisation.objects.filter(office=office, kind=OrganisationKind.NGO).order_by("pk").last()
    if ngo is not None:  # an NGO's agreement in 2023 is not a private partnership
        Agreement.objects.create(
            organisation=ngo, kind=Agreement.Kind.REFERRAL, signed_on=D(2023, 5, 2), start=D(2023, 5, 2)
        )
