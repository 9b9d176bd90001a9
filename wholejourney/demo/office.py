"""The synthetic Cambodia office, 2021–2024, and a small Vietnam office.

Deterministic (fixed seed). It writes through the same services staff use, so every rule and audit
row applies. This module may know the figures the 2023 report must show (the constants below); the
product code that computes them does not. Every name is invented.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

from wholejourney.accounts.models import Team, User
from wholejourney.cases import services as case_services
from wholejourney.cases.models import (
    AbuseType,
    Case,
    ClosureReason,
    FosterFamily,
    PlacementKind,
    ReferralSource,
    TraffickingSubtype,
)
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client, ConsentHow, ConsentKind, Gender, Sex
from wholejourney.core.models import Office
from wholejourney.demo import CLIENTS_PER_TRANSACTION
from wholejourney.demo.accounts import build_partner_account
from wholejourney.demo.care import build_care_2023, build_care_around_2023, build_care_plans_and_visits
from wholejourney.demo.outcomes import assess_until_whole, build_outcomes
from wholejourney.demo.programmes import build_programmes
from wholejourney.partners.models import Organisation, OrganisationKind, PartnershipPeriod

SEED = 20231231

# What the 2023 report of the Cambodia office says (../shared/report-2023/metrics.yaml); the
# referral shares (80% government, 10% NGO) are in OPENED_IN_2023's split below.
SUPPORTED_BY_ABUSE_TYPE = {
    "human_trafficking": 277,
    "sexual_abuse": 51,
    "domestic_violence": 19,
    "online_sexual_exploitation": 6,
    "other_abuse": 15,
}
IN_SHELTER, IN_FOSTER_CARE, CLOSED_WHOLE = 42, 12, 65

# A closure as "goals achieved" comes after a full stable run: the 30-day check that starts it,
# then 6 months (adults); a client too young for a case this short is made an adult.
MIN_DAYS_TO_WHOLENESS = 220
CHILD_DAYS_TO_WHOLENESS = 400

# How the 368 clients of 2023 are made up.
CARRIED_INTO_2023 = 218  # cases opened in 2021–2022, still open on 1 January 2023
OPENED_IN_2023 = 150  # of which: 120 referred by government, 15 by NGOs, 15 by others
RETURNING_IN_2023 = 6  # clients of OPENED_IN_2023 who had a case closed before 2023
CLOSED_BEFORE_2023 = 50  # clients whose only case closed in 2021–2022
ARRIVING_IN_2024 = 32
OTHER_CLOSURES_2023 = 24  # closed in 2023 for reasons other than goals achieved
REINTEGRATED_FROM = {PlacementKind.SHELTER: 30, PlacementKind.FOSTER_CARE: 6, PlacementKind.OTHER_SHELTER: 33}
# 30 + 6 + 33 = 69 reintegrations; 42 - 30 stay in the shelter and 12 - 6 in foster care.

PARTNERS = {
    OrganisationKind.NGO: 22,
    OrganisationKind.GOVERNMENT_MINISTRY: 3,
    OrganisationKind.PROVINCIAL_AUTHORITY: 4,
    OrganisationKind.CCWC: 3,
    OrganisationKind.POLICE: 2,
    OrganisationKind.PRIVATE: 18,
    OrganisationKind.INGO: 6,
    OrganisationKind.CHURCH: 8,
    OrganisationKind.SCHOOL: 4,
    OrganisationKind.DONOR: 3,
}
PSEUDONYMS = ["Makara", "Sreyneang", "Bopha", "Chenda", "Kanha", "Thyda", "Vanna", "Sokha"]
PROVINCES = [
    "Phnom Penh",
    "Battambang",
    "Siem Reap",
    "Kampong Cham",
    "Prey Veng",
    "Banteay Meanchey",
    "Kandal",
    "Takeo",
]

FAMILY_NAMES = [
    ("សុខ", "Sok"), ("ចាន់", "Chan"), ("កែវ", "Keo"), ("ម៉ៅ", "Mao"), ("លី", "Ly"), ("ហេង", "Heng"),
    ("ផាន", "Phan"), ("រស់", "Ros"), ("សួន", "Suon"), ("ឈឹម", "Chhim"), ("ទេព", "Tep"), ("ញឹម", "Nhim"),
    ("ពេជ្រ", "Pich"), ("យឹម", "Yim"), ("អ៊ុក", "Ouk"), ("ស៊ិន", "Sin"), ("ឃឹម", "Khim"), ("ប៊ុន", "Bun"),
]  # fmt: skip
FEMALE_NAMES = [
    ("ស្រីពៅ", "Sreypov"), ("ធីតា", "Thida"), ("សុភា", "Sophea"), ("ចន្ទ្រា", "Chantrea"), ("សុគន្ធា", "Sokunthea"),
    ("ពិសី", "Pisey"), ("ស្រីនាង", "Sreyneang"), ("បុប្ផា", "Bopha"), ("រក្សា", "Raksa"), ("សុវណ្ណ", "Sovann"),
    ("លក្ខិណា", "Leakhena"), ("ម៉ាលី", "Maly"), ("ស្រីល័ក្ខ", "Sreyleak"), ("ច័ន្ទថា", "Chantha"), ("ស្រីមុំ", "Sreymom"),
]  # fmt: skip
MALE_NAMES = [
    ("វិសាល", "Visal"), ("ដារ៉ា", "Dara"), ("សុផល", "Sophal"), ("រតនៈ", "Rathanak"), ("ពិសិដ្ឋ", "Piseth"),
    ("វណ្ណៈ", "Vannak"), ("សំណាង", "Samnang"), ("បូរ៉ា", "Bora"),
]  # fmt: skip


@dataclass
class Plan:
    """One client's story, decided before anything is written."""

    abuse_type: str = ""
    sex: str = Sex.FEMALE
    cases: list[tuple[datetime.date, datetime.date | None, str]] = field(default_factory=list)  # opened, closed, reason
    referral: str = "government"  # government | ngo | other, for the latest case
    placements: list[tuple[str, datetime.date]] = field(default_factory=list)  # (kind, from); each ends at the next


def _needs_adult(plan: Plan) -> bool:
    """A case closed as whole too soon for the 12-month child rule must be an adult's."""
    opened, closed, reason = plan.cases[-1]
    return (
        reason == ClosureReason.GOALS_ACHIEVED
        and closed is not None
        and (closed - opened).days < CHILD_DAYS_TO_WHOLENESS
    )


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


def plan_cambodia(rng: random.Random) -> list[Plan]:
    types = [t for t, n in SUPPORTED_BY_ABUSE_TYPE.items() for _ in range(n)]
    rng.shuffle(types)
    plans: list[Plan] = []

    # Clients of 2023: carried over, then newly opened (the first RETURNING had an earlier closed case).
    for n in range(CARRIED_INTO_2023):
        opened = _day(rng, _d(2021, 1, 10), _d(2022, 12, 20))
        plans.append(Plan(abuse_type=types[n], cases=[(opened, None, "")]))
    sources = ["government"] * 120 + ["ngo"] * 15 + ["other"] * 15
    rng.shuffle(sources)
    for n in range(OPENED_IN_2023):
        opened = _day(rng, _d(2023, 1, 3), _d(2023, 11, 30))
        cases: list[tuple[datetime.date, datetime.date | None, str]] = []
        if n < RETURNING_IN_2023:
            first = _day(rng, _d(2021, 2, 1), _d(2021, 10, 1))
            cases.append((first, first + datetime.timedelta(days=300), ClosureReason.MOVED_AWAY))
        cases.append((opened, None, ""))
        plans.append(Plan(abuse_type=types[CARRIED_INTO_2023 + n], cases=cases, referral=sources[n]))

    active = plans[:]  # the 368

    # Closures in 2023: 65 with goals achieved, some for other reasons; only cases opened before mid-2023.
    closable = [p for p in active if p.cases[-1][0] < _d(2023, 6, 1)]
    rng.shuffle(closable)
    other_reasons = [
        ClosureReason.TRANSFERRED,
        ClosureReason.MOVED_AWAY,
        ClosureReason.DECLINED_SERVICES,
        ClosureReason.LOST_CONTACT,
    ]
    for n, plan in enumerate(closable[: CLOSED_WHOLE + OTHER_CLOSURES_2023]):
        opened = plan.cases[-1][0]
        earliest = max(_d(2023, 1, 15), opened + datetime.timedelta(days=MIN_DAYS_TO_WHOLENESS))
        closed = _day(rng, earliest, max(earliest, _d(2023, 12, 20)))
        reason = ClosureReason.GOALS_ACHIEVED if n < CLOSED_WHOLE else other_reasons[n % 4]
        plan.cases[-1] = (opened, closed, reason)

    _plan_placements(rng, active)

    # Clients outside 2023: closed before it, or arriving in 2024.
    for _n in range(CLOSED_BEFORE_2023):
        opened = _day(rng, _d(2021, 1, 5), _d(2022, 3, 1))
        closed = _day(rng, opened + datetime.timedelta(days=MIN_DAYS_TO_WHOLENESS), _d(2022, 12, 15))
        plan = Plan(abuse_type=rng.choice(list(AbuseType)), cases=[(opened, closed, ClosureReason.GOALS_ACHIEVED)])
        # Some lived in the shelter and went home, all before 2023.
        if rng.random() < 0.4:
            home = _day(rng, opened + datetime.timedelta(days=20), closed - datetime.timedelta(days=10))
            plan.placements = [(PlacementKind.SHELTER, opened), (PlacementKind.FAMILY, home)]
        plans.append(plan)
    for _n in range(ARRIVING_IN_2024):
        opened = _day(rng, _d(2024, 1, 8), _d(2024, 11, 30))
        plans.append(
            Plan(
                abuse_type=rng.choice(list(AbuseType)),
                cases=[(opened, None, "")],
                placements=[(PlacementKind.SHELTER, opened)],
            )
        )
    for plan in plans:
        plan.sex = Sex.FEMALE if rng.random() < 0.86 else Sex.MALE
    return plans


def _plan_placements(rng: random.Random, active: list[Plan]) -> None:
    """Placements of the 368 so that, in 2023: 42 were in the shelter, 12 in foster care, and 69
    moved home from the shelter, foster care or another organisation's shelter."""

    def window(plan: Plan) -> tuple[datetime.date, datetime.date]:
        opened, closed, _reason = plan.cases[-1]
        return max(opened, _d(2023, 1, 2)), min(closed or _d(2023, 12, 28), _d(2023, 12, 28))

    candidates = [p for p in active if (window(p)[1] - window(p)[0]).days > 40]
    rng.shuffle(candidates)
    pool: Iterator[Plan] = iter(candidates)
    shelter_left, foster_left = IN_SHELTER, IN_FOSTER_CARE
    for kind, count in REINTEGRATED_FROM.items():
        for _ in range(count):
            plan = next(pool)
            start, end = window(plan)
            move = _day(rng, start + datetime.timedelta(days=15), end - datetime.timedelta(days=5))
            plan.placements = [
                (kind, plan.cases[-1][0]),
                (PlacementKind.FAMILY if rng.random() < 0.7 else PlacementKind.RELATIVES, move),
            ]
        if kind == PlacementKind.SHELTER:
            shelter_left -= count
        elif kind == PlacementKind.FOSTER_CARE:
            foster_left -= count
    # Still in the shelter or foster care at the end of 2023 (or until their case closed).
    for kind, count in ((PlacementKind.SHELTER, shelter_left), (PlacementKind.FOSTER_CARE, foster_left)):
        for _ in range(count):
            plan = next(pool)
            plan.placements = [(kind, plan.cases[-1][0])]
    # Everyone else lives with family or in the community from the start of their case.
    for plan in active:
        if not plan.placements:
            plan.placements = [
                (
                    rng.choice([PlacementKind.FAMILY, PlacementKind.COMMUNITY, PlacementKind.INDEPENDENT]),
                    plan.cases[-1][0],
                )
            ]


# --- writing ---------------------------------------------------------------------------------


def _guardian(client: Client, day: datetime.date) -> dict[str, str]:
    """A child's consent is given by a guardian: the demo names the mother, without drawing from the
    random generator (every later draw, and so the demo's figures, stay as they were)."""
    if not client_services.is_child_on(client, day):
        return {}
    family = client.family_name_latin or client.family_name_km or ""
    return {"guardian_name": f"{family} Srey Mom".strip(), "guardian_relation": "mother"}


def _name(rng: random.Random, sex: str) -> dict[str, str]:
    family_km, family = rng.choice(FAMILY_NAMES)
    given_km, given = rng.choice(FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES)
    return {
        "family_name_km": family_km,
        "given_name_km": given_km,
        "family_name_latin": family,
        "given_name_latin": given,
    }


def build_partners(office: Office, rng: random.Random) -> dict[str, list[Organisation]]:
    by_kind: dict[str, list[Organisation]] = {}
    for kind, count in PARTNERS.items():
        label = OrganisationKind(kind).label
        for n in range(1, count + 1):
            organisation = Organisation.objects.create(
                office=office, name=f"{label} {n}", kind=kind, province=rng.choice(PROVINCES)
            )
            PartnershipPeriod.objects.create(organisation=organisation, active_from=_d(2020, 1, 1))
            by_kind.setdefault(kind, []).append(organisation)
    return by_kind


def _referral_org(
    rng: random.Random, plan: Plan, orgs: dict[str, list[Organisation]]
) -> tuple[str, Organisation | None]:
    if plan.referral == "government":
        government = [o for k in ("government_ministry", "provincial_authority", "ccwc", "police") for o in orgs[k]]
        return ReferralSource.ORGANISATION, rng.choice(government)
    if plan.referral == "ngo":
        return ReferralSource.ORGANISATION, rng.choice(orgs[OrganisationKind.NGO])
    choice = rng.choice(["church", "ingo", "community", "self", "family"])
    if choice in ("church", "ingo"):
        return ReferralSource.ORGANISATION, rng.choice(orgs[choice])
    return choice, None


def build_office(office: Office, plans: list[Plan], rng: random.Random, orgs: dict[str, list[Organisation]]) -> None:
    team = Team.objects.get(office=office)
    staff = User.objects.filter(office=office, roles__role="case_manager").first()
    director = User.objects.filter(office=office, roles__role="director").first() or staff
    assert staff is not None and director is not None  # noqa: S101 - demo data: the accounts are built first
    foster_families = [
        FosterFamily.objects.create(office=office, name=f"{f[1]} family", approved_on=_d(2020, 6, 1))
        for f in FAMILY_NAMES[:8]
    ]
    # Its own generator, so that the office's other random choices stay as they were.
    assessments_rng = random.Random(SEED + 1)
    for start in range(0, len(plans), CLIENTS_PER_TRANSACTION):
        with transaction.atomic():
            for plan in plans[start : start + CLIENTS_PER_TRANSACTION]:
                _build_client(plan, office, team, staff, director, foster_families, orgs, rng, assessments_rng)


def _build_client(
    plan: Plan,
    office: Office,
    team: Team,
    staff: User,
    director: User,
    foster_families: list[FosterFamily],
    orgs: dict[str, list[Organisation]],
    rng: random.Random,
    assessments_rng: random.Random,
) -> None:
    """One client of the plan: registration, consents, and each case from referral to closure."""
    first_opened = plan.cases[0][0]
    client = client_services.client_create(
        actor=staff,
        office=office,
        team=team,
        case_manager=staff,
        registered_at=datetime.datetime.combine(first_opened, datetime.time(9), tzinfo=datetime.UTC),
        sex=plan.sex,
        gender=Gender.FEMININE if plan.sex == Sex.FEMALE else Gender.MASCULINE,
        citizenship=office.country,
        primary_language="km" if office.country == "KH" else "vi",
        date_of_birth=_day(rng, _d(1990, 1, 1), _d(2004, 12, 31) if _needs_adult(plan) else _d(2013, 12, 31)),
        phone_numbers=[
            f"0{rng.choice([12, 15, 17, 70, 77, 88, 97])} {rng.randrange(100, 999)} {rng.randrange(100, 999)}"
        ],
        **_name(rng, plan.sex),
    )
    client_services.consent_record(
        actor=staff,
        client=client,
        kind=ConsentKind.SERVICES,
        given_on=first_opened,
        how_given=ConsentHow.SIGNED,
        **_guardian(client, first_opened),
    )
    if plan.cases[-1][2] == ClosureReason.GOALS_ACHIEVED and rng.random() < 0.1:
        story_day = plan.cases[-1][1] or first_opened
        client_services.consent_record(
            actor=staff,
            client=client,
            kind=ConsentKind.STORY,
            given_on=story_day,
            pseudonym=rng.choice(PSEUDONYMS),
            how_given=ConsentHow.SIGNED,
            **_guardian(client, story_day),
        )
    for index, (opened, closed, reason) in enumerate(plan.cases):
        latest = index == len(plan.cases) - 1
        abuse = plan.abuse_type if latest else rng.choice(list(AbuseType))
        source, organisation = _referral_org(rng, plan, orgs) if latest else (ReferralSource.SELF, None)
        referral = case_services.referral_receive(
            actor=staff,
            office=office,
            referred_on=opened - datetime.timedelta(days=rng.randrange(0, 4)),
            source=source,
            organisation=organisation,
            person={"name": client.display_name},
        )
        case = case_services.referral_accept(
            actor=staff,
            referral=referral,
            client=client,
            opened_on=opened,
            primary_abuse_type=abuse,
            trafficking_subtype=rng.choice(list(TraffickingSubtype)) if abuse == AbuseType.HUMAN_TRAFFICKING else "",
            team=team,
            case_manager=staff,
        )
        if latest:
            _place(case, plan, rng, staff, foster_families, orgs)
        if closed is not None:
            if reason == ClosureReason.GOALS_ACHIEVED:
                assess_until_whole(case, closed, assessments_rng)
            request = case_services.closure_request(actor=staff, case=case, closing_date=closed, reason=reason)
            case_services.closure_decide(actor=director, request=request, approve=True)


def _place(
    case: Case,
    plan: Plan,
    rng: random.Random,
    staff: User,
    foster_families: list[FosterFamily],
    orgs: dict[str, list[Organisation]],
) -> None:
    for kind, start in plan.placements:
        case_services.placement_add(
            actor=staff,
            case=case,
            kind=kind,
            start=start,
            foster_family=rng.choice(foster_families) if kind == PlacementKind.FOSTER_CARE else None,
            organisation=rng.choice(orgs[OrganisationKind.NGO]) if kind == PlacementKind.OTHER_SHELTER else None,
        )


def plan_vietnam(rng: random.Random) -> list[Plan]:
    """A small office whose records must never appear in Cambodia's figures."""
    plans = []
    for _n in range(24):
        opened = _day(rng, _d(2022, 3, 1), _d(2023, 9, 30))
        plan = Plan(abuse_type=rng.choice(list(AbuseType)), cases=[(opened, None, "")], referral="government")
        plan.placements = [
            (PlacementKind.SHELTER, opened),
            (PlacementKind.FAMILY, opened + datetime.timedelta(days=60)),
        ]
        plans.append(plan)
    return plans


def build_demo_office() -> None:
    """The offices' records, each step in a transaction of its own. One transaction over the whole
    build made PostgreSQL slow down as it went: every write of the audit trail updates the chain's
    head row, and within one transaction each earlier version of that row stays and is stepped over
    at the next read (quadratic in the build's ten thousand audit rows). The demo command wipes the
    database if a step fails, so the demo is still all or nothing."""
    rng = random.Random(SEED)
    kh, vn = Office.objects.get(code="KH"), Office.objects.get(code="VN")
    with transaction.atomic():
        kh_orgs = build_partners(kh, rng)
        build_partner_account(kh_orgs[OrganisationKind.PROVINCIAL_AUTHORITY][0])
    build_office(kh, plan_cambodia(rng), rng, kh_orgs)
    build_care_2023(kh, rng)
    for step in (build_care_around_2023, build_care_plans_and_visits):
        with transaction.atomic():
            step(kh, rng)
    build_outcomes(kh, rng)
    with transaction.atomic():
        build_programmes(kh, rng)
    with transaction.atomic():
        vn_orgs = build_partners(vn, rng)
    build_office(vn, plan_vietnam(rng), rng, vn_orgs)
