"""Care for the demo office: counseling, legal, education and economic empowerment, 2022–2024.

For 2023 the Cambodia office's figures are those of its annual report; records in 2022 and 2024
surround them so that the year's edges matter. Everything is written through the care services.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wholejourney.accounts.models import User
from wholejourney.care import services
from wholejourney.care.models import (
    EconomicServiceKind,
    EducationLevel,
    EducationSupport,
    LegalCase,
    LegalMilestone,
    LegalServiceKind,
    SessionFormat,
    TfCbtComponent,
    Training,
)
from wholejourney.cases.models import Case
from wholejourney.clients.models import Client, Sex
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation, OrganisationKind

YEAR_START, YEAR_END = datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)

# The 2023 report (../shared/report-2023/metrics.yaml).
COUNSELING_SESSIONS, COUNSELING_CLIENTS, COUNSELING_CLOSURE = 841, 135, 82
GROUP_SESSIONS = 60  # of COUNSELING_SESSIONS, each with 3–6 clients; the rest are individual
SMALL_BUSINESS, BUSINESS_COACHING_SESSIONS = 83, 288
CAREER_ADVICE, CAREER_COACHING, BUSINESS_PLANS = 155, 139, 95
ON_THE_JOB, STIPENDS, VOCATIONAL = 22, 16, 19
TRAINING_COMPLETED = 9  # 6 vocational and 3 on-the-job trainings completed in 2023
JOB_PLACEMENTS = 10  # after vocational training: 6 who completed in 2023, 4 who completed in 2022
EMPLOYED, EMPLOYED_FEMALE = 88, 80
EDUCATION, SCHOOL_LEVELS = 78, 51
LEGAL_SUPPORT, COURT_CASES, VERDICTS, LEGAL_CASES_ENDED = 186, 135, 16, 70


@dataclass
class Window:
    """Where a client's case lies within 2023: the days a 2023 record may be dated."""

    client: Client
    case: Case
    start: datetime.date
    end: datetime.date

    def day(
        self, rng: random.Random, start: datetime.date | None = None, end: datetime.date | None = None
    ) -> datetime.date:
        first, last = max(self.start, start or self.start), min(self.end, end or self.end)
        return first + datetime.timedelta(days=rng.randrange(max(1, (last - first).days + 1)))


def _windows(office: Office) -> list[Window]:
    cases = (
        Case.objects.filter(office=office, opened_on__lte=YEAR_END)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=YEAR_START))
        .select_related("client", "client__data_key")
        .order_by("client_id", "-opened_on")
    )
    windows: dict[int, Window] = {}
    for case in cases:
        if case.client_id not in windows:
            end = min(case.closed_on or YEAR_END, YEAR_END)
            windows[case.client_id] = Window(case.client, case, max(case.opened_on, YEAR_START), end)
    return list(windows.values())


def _staff(office: Office, role: str) -> User:
    user = User.objects.filter(office=office, roles__role=role, is_active=True).order_by("pk").first()
    if user is None:
        raise LookupError(f"The demo office has no {role}.")
    return user


def build_care_2023(office: Office, rng: random.Random) -> None:
    windows = _windows(office)
    long_enough = [w for w in windows if (w.end - w.start).days >= 60]
    # A transaction for each kind of care (see office.build_demo_office).
    with transaction.atomic():
        _counseling(office, rng, long_enough)
    with transaction.atomic():
        _legal(office, rng, windows, long_enough)
    with transaction.atomic():
        _education(office, rng, windows)
    with transaction.atomic():
        _economic(office, rng, windows, long_enough)


def _counseling(office: Office, rng: random.Random, windows: list[Window]) -> None:
    counselor = _staff(office, "counselor")
    counseled = rng.sample(windows, COUNSELING_CLIENTS)
    sessions = 0
    # Group sessions of 3–6 clients, held on a day every attendee's case was open.
    for _ in range(GROUP_SESSIONS):
        for _attempt in range(50):
            group = rng.sample(counseled, rng.randint(3, 6))
            first, last = max(w.start for w in group), min(w.end for w in group)
            if first <= last:
                break
        else:
            raise RuntimeError("no common day for a group session")
        held_on = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
        services.counseling_session_record(
            actor=counselor, held_on=held_on, attendees=[w.client for w in group], format=SessionFormat.GROUP
        )
        sessions += 1
    # Individual sessions: every counseled client has at least one.
    individual = COUNSELING_SESSIONS - sessions
    plan = counseled + [rng.choice(counseled) for _ in range(individual - len(counseled))]
    for window in plan:
        services.counseling_session_record(
            actor=counselor,
            held_on=window.day(rng),
            attendees=[window.client],
            duration_minutes=rng.choice([45, 60, 60, 90]),
            notes={window.client.pk: "Session notes (demo)."},
        )
    # Treatment plans: completed with goals met in 2023 for some; the rest go on or stop.
    components = [c.value for c in TfCbtComponent]
    closing = set(rng.sample(range(len(counseled)), COUNSELING_CLOSURE))
    for index, window in enumerate(counseled):
        started = window.case.opened_on if window.case.opened_on >= YEAR_START else window.start
        treatment = services.treatment_plan_start(
            actor=counselor, client=window.client, case=window.case, started_on=started, components=components
        )
        if index in closing:
            ended = window.day(rng, start=started + datetime.timedelta(days=1))
            services.treatment_plan_end(actor=counselor, plan=treatment, ended_on=max(ended, started), goals_met=True)


def _legal(office: Office, rng: random.Random, windows: list[Window], long_enough: list[Window]) -> None:
    officer = _staff(office, "legal_officer")
    supported = rng.sample(windows, LEGAL_SUPPORT)
    for window in supported:
        for _ in range(rng.randint(1, 3)):
            services.legal_service_record(
                actor=officer,
                client=window.client,
                case=window.case,
                kind=rng.choice(list(LegalServiceKind)),
                provided_on=window.day(rng),
            )
    # Court cases: among the clients with legal support whose case leaves room for one.
    court = rng.sample([w for w in supported if w in long_enough], COURT_CASES)
    for index, window in enumerate(court):
        opened = window.day(rng, end=window.end - datetime.timedelta(days=30))
        legal_case = services.legal_case_open(
            actor=officer,
            client=window.client,
            case=window.case,
            kind=LegalCase.Kind.CRIMINAL if rng.random() < 0.85 else LegalCase.Kind.CIVIL,
            opened_on=opened,
            court=rng.choice(
                ["Phnom Penh Municipal Court", "Battambang Provincial Court", "Siem Reap Provincial Court"]
            ),
            case_number=f"{rng.randint(100, 999)}/{opened.year}",
            accused_role=rng.choice(["broker", "employer", "relative", "neighbour"]),
        )
        services.legal_milestone_record(
            actor=officer, legal_case=legal_case, kind=LegalMilestone.Kind.COMPLAINT, happened_on=opened
        )
        if index < VERDICTS:
            verdict_on = opened + datetime.timedelta(days=rng.randint(10, 25))
            services.legal_milestone_record(
                actor=officer,
                legal_case=legal_case,
                kind=LegalMilestone.Kind.VERDICT,
                happened_on=verdict_on,
                outcome=LegalMilestone.Outcome.CONVICTED if rng.random() < 0.8 else LegalMilestone.Outcome.ACQUITTED,
            )
        if index < LEGAL_CASES_ENDED:
            end = (
                LegalCase.End.VERDICT_EXECUTED
                if index < VERDICTS
                else rng.choice([LegalCase.End.WITHDRAWN, LegalCase.End.SETTLED, LegalCase.End.CLOSED])
            )
            services.legal_case_end(
                actor=officer, legal_case=legal_case, ended_on=opened + datetime.timedelta(days=28), end=end
            )


def _education(office: Office, rng: random.Random, windows: list[Window]) -> None:
    case_manager = _staff(office, "case_manager")
    supported = rng.sample(windows, EDUCATION)
    school = [
        EducationLevel.PRIMARY,
        EducationLevel.LOWER_SECONDARY,
        EducationLevel.UPPER_SECONDARY,
        EducationLevel.UNIVERSITY,
    ]
    other = [EducationLevel.NON_FORMAL, EducationLevel.LITERACY, EducationLevel.EARLY_CHILDHOOD]
    for index, window in enumerate(supported):
        enrolled = index < SCHOOL_LEVELS
        day = window.day(rng)
        services.education_support_record(
            actor=case_manager,
            client=window.client,
            case=window.case,
            level=rng.choice(school) if enrolled else rng.choice(other),
            kind=EducationSupport.Kind.ENROLMENT if enrolled else rng.choice(["fees", "materials", "tutoring"]),
            provided_on=day,
            school_year="2023-2024" if day.month >= 10 else "2022-2023",
        )


def _economic(office: Office, rng: random.Random, windows: list[Window], long_enough: list[Window]) -> None:
    officer = _staff(office, "economic_officer")
    businesses = list(Organisation.objects.filter(office=office, kind=OrganisationKind.PRIVATE).order_by("pk"))

    def serve(window: Window, kind: str, amount: int | None = None) -> None:
        services.economic_service_record(
            actor=officer,
            client=window.client,
            case=window.case,
            kind=kind,
            provided_on=window.day(rng),
            amount=Decimal(amount * 4100) if amount else None,
            amount_usd=Decimal(amount) if amount else None,
        )

    for window in rng.sample(windows, CAREER_ADVICE):
        serve(window, EconomicServiceKind.CAREER_ADVICE)
    for window in rng.sample(windows, CAREER_COACHING):
        serve(window, EconomicServiceKind.CAREER_COACHING)
    for window in rng.sample(windows, BUSINESS_PLANS):
        serve(window, EconomicServiceKind.BUSINESS_PLAN)
    business = rng.sample(windows, SMALL_BUSINESS)
    for window in business:
        serve(
            window,
            rng.choice([EconomicServiceKind.BUSINESS_GRANT, EconomicServiceKind.BUSINESS_MATERIALS]),
            rng.choice([150, 200, 300]),
        )
        if rng.random() < 0.5:
            serve(window, EconomicServiceKind.BUSINESS_SUPPORT_FOLLOW_UP)
    coaching = business + [rng.choice(business) for _ in range(BUSINESS_COACHING_SESSIONS - len(business))]
    for window in coaching:
        serve(
            window, rng.choice([EconomicServiceKind.BUSINESS_COACHING, EconomicServiceKind.BUSINESS_COACHING_FOLLOW_UP])
        )

    # Trainings: on-the-job at a business partner, vocational (TVET); some completed in 2023.
    trainees = rng.sample(long_enough, ON_THE_JOB + VOCATIONAL)
    on_the_job, vocational = trainees[:ON_THE_JOB], trainees[ON_THE_JOB:]
    for index, window in enumerate(on_the_job):
        start = window.day(rng, end=window.end - datetime.timedelta(days=40))
        training = services.training_start(
            actor=officer, client=window.client, case=window.case, kind=Training.Kind.ON_THE_JOB,
            organisation=rng.choice(businesses), trade=rng.choice(["bakery", "catering", "tailoring", "hairdressing"]), start=start,
        )  # fmt: skip
        if index < STIPENDS:
            services.stipend_pay(
                actor=officer, training=training, paid_on=start + datetime.timedelta(days=20),
                amount=Decimal(246000), amount_usd=Decimal(60),
            )  # fmt: skip
        if index < 3:
            services.training_complete(
                actor=officer, training=training, completed_on=start + datetime.timedelta(days=35)
            )
    placed: list[tuple[Window, Training]] = []
    for index, window in enumerate(vocational):
        start = window.day(rng, end=window.end - datetime.timedelta(days=40))
        training = services.training_start(
            actor=officer, client=window.client, case=window.case, kind=Training.Kind.VOCATIONAL,
            organisation=None, trade=rng.choice(["motorbike repair", "beauty", "cooking", "sewing"]), start=start,
        )  # fmt: skip
        if index < TRAINING_COMPLETED - 3:
            services.training_complete(
                actor=officer, training=training, completed_on=start + datetime.timedelta(days=30)
            )
            placed.append((window, training))

    # Employment in 2023: 6 placements after the trainings just completed, 4 after trainings
    # completed in 2022, and others at work without a placement; 80 of the 88 are women.
    employed: list[tuple[Window, Training | None]] = [(w, t) for w, t in placed]
    placed_ids = {w.client.pk for w, _t in placed} | {w.client.pk for w in trainees}
    earlier = [w for w in long_enough if w.client.pk not in placed_ids and w.case.opened_on < datetime.date(2022, 9, 1)]
    earlier_trainees = rng.sample(earlier, JOB_PLACEMENTS - len(placed))
    for window in earlier_trainees:
        start = max(window.case.opened_on, datetime.date(2022, 6, 1)) + datetime.timedelta(days=rng.randrange(20))
        training = services.training_start(
            actor=officer,
            client=window.client,
            case=window.case,
            kind=Training.Kind.VOCATIONAL,
            trade="cooking",
            start=start,
        )
        services.training_complete(actor=officer, training=training, completed_on=datetime.date(2022, 11, 30))
        employed.append((window, training))
    taken = {w.client.pk for w, _t in employed}
    women = sum(1 for w, _t in employed if w.client.sex == Sex.FEMALE)
    others = [w for w in windows if w.client.pk not in taken]
    rng.shuffle(others)
    for window in others:
        if len(employed) == EMPLOYED:
            break
        is_woman = window.client.sex == Sex.FEMALE
        needed_women = EMPLOYED_FEMALE - women
        needed_men = (EMPLOYED - EMPLOYED_FEMALE) - (len(employed) - women)
        if (is_woman and needed_women > 0) or (not is_woman and needed_men > 0):
            employed.append((window, None))
            women += is_woman
    for window, after in employed:
        start = window.day(rng)
        if after is not None and after.completed_on:
            start = max(window.start, after.completed_on + datetime.timedelta(days=5))
        services.employment_record(
            actor=officer, client=window.client, case=window.case, work=rng.choice(["shop assistant", "cook", "seamstress", "cleaner"]),
            start=start, employer=rng.choice(businesses), after_training=after,
        )  # fmt: skip


def build_care_around_2023(office: Office, rng: random.Random) -> None:
    """Counseling and legal records on 31 December 2022 and 1 January 2024, just outside the year."""
    counselor, officer = _staff(office, "counselor"), _staff(office, "legal_officer")
    edges = [(datetime.date(2022, 12, 31), 25), (datetime.date(2024, 1, 1), 25)]
    for day, count in edges:
        open_then = (
            Case.objects.filter(office=office, opened_on__lte=day)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
            .select_related("client", "client__data_key")
            .order_by("pk")
        )
        for case in rng.sample(list(open_then), min(count, open_then.count())):
            services.counseling_session_record(actor=counselor, held_on=day, attendees=[case.client])
            services.legal_service_record(
                actor=officer, client=case.client, case=case, kind=LegalServiceKind.ADVICE, provided_on=day
            )


def build_care_plans_and_visits(office: Office, rng: random.Random) -> None:
    """Care plans and follow-up visits for the open cases, some reviews overdue and visits due soon,
    so "My tasks" has work on it."""
    case_manager, director = _staff(office, "case_manager"), _staff(office, "director")
    today = timezone.localdate()
    open_cases = list(
        Case.objects.filter(office=office, closed_on__isnull=True)
        .select_related("client", "client__data_key")
        .order_by("pk")
    )
    goals = [
        {"domain": "protection", "goal": "Lives safely with a safety plan she knows by heart (demo)."},
        {"domain": "wellbeing", "goal": "Sleeps through the night and manages flashbacks (demo)."},
        {"domain": "economic", "goal": "Earns a steady income from her small shop (demo)."},
        {"domain": "social", "goal": "Takes part in the village savings group (demo)."},
    ]
    for case in rng.sample(open_cases, min(40, len(open_cases))):
        drafted = max(case.opened_on, today - datetime.timedelta(days=rng.randint(60, 400)))
        review = drafted + datetime.timedelta(days=90)
        plan = services.care_plan_draft(
            actor=case_manager, case=case, drafted_on=drafted, goals=goals, next_review_on=review
        )
        services.care_plan_approve(actor=director, plan=plan, approved_on=drafted)
        last_visit = today - datetime.timedelta(days=rng.randint(20, 80))
        if last_visit >= case.opened_on:
            services.visit_record(
                actor=case_manager,
                client=case.client,
                case=case,
                mode=rng.choice(["home", "phone", "in_person"]),
                visited_on=last_visit,
                next_visit_on=today + datetime.timedelta(days=rng.randint(-5, 20)) if rng.random() < 0.6 else None,
                note="Doing well; school fees due next month (demo).",
            )
