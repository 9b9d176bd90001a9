"""Programme and partner figures at the edges of their definitions (../shared/report-2023/metrics.yaml):
one person at three trainings is trained once; campaign reach is summed, not de-duplicated; a
partner active only in 2022 is not a 2023 partner; a participant without a post-test is left out
of the share whose knowledge increased."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from wholejourney.cases.tests.factories import OrganisationFactory, PartnershipPeriodFactory
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import OfficeFactory
from wholejourney.programmes.models import Activity, Attendance, GroupPlanAction, GroupStatusPeriod, Participant
from wholejourney.programmes.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CommunityGroupFactory,
    ParticipantFactory,
)
from wholejourney.reporting.registry import Period, get_metric

pytestmark = pytest.mark.django_db

D = datetime.date
Y2023 = Period.year(2023)


@pytest.fixture
def kh() -> Office:
    return OfficeFactory(code="KH")


def value(metric_id: str, office: Office | None, period: Period = Y2023) -> Any:
    return get_metric(metric_id).compute(period, office).value


def attend(activity: Activity, person: Participant, pre: Any = None, post: Any = None) -> Attendance:
    return Attendance.objects.create(activity=activity, participant=person, pre_test=pre, post_test=post)


def test_one_person_at_three_trainings_is_trained_once(kh: Office) -> None:
    sok = ParticipantFactory(office=kh, group="teachers")
    dara = ParticipantFactory(office=kh, group="church_leaders")
    sessions = [ActivityFactory(office=kh, held_on=D(2023, month, 1)) for month in (2, 6, 11)]
    for session in sessions:
        attend(session, sok)
    attend(sessions[0], dara)

    assert value("prevention_training_sessions", kh) == 3
    assert value("prevention_trained", kh) == 2
    assert value("prevention_trained_by_group", kh) == {"church_leaders": 1, "teachers": 1}


def test_training_just_outside_the_year_is_not_counted(kh: Office) -> None:
    attend(ActivityFactory(office=kh, held_on=D(2022, 12, 31)), ParticipantFactory(office=kh))
    attend(ActivityFactory(office=kh, held_on=D(2024, 1, 1)), ParticipantFactory(office=kh))
    attend(ActivityFactory(office=kh, held_on=D(2023, 12, 31)), ParticipantFactory(office=kh))

    assert value("prevention_training_sessions", kh) == 1
    assert value("prevention_trained", kh) == 1


def test_other_kinds_and_offices_are_not_prevention_training(kh: Office) -> None:
    vn = OfficeFactory(code="VN", time_zone="Asia/Ho_Chi_Minh")
    attend(ActivityFactory(office=kh, kind="alumni_event"), ParticipantFactory(office=kh))
    attend(ActivityFactory(office=vn), ParticipantFactory(office=vn))

    assert value("prevention_trained", kh) == 0
    assert value("prevention_trained", None) == 1  # the global figure adds the offices


def test_campaign_reach_is_summed_not_deduplicated(kh: Office) -> None:
    # The same village reached twice: the report counts attendance, not distinct people.
    for _ in range(2):
        CampaignFactory(office=kh, adults_female=30, adults_male=20, children_female=4, children_male=6)
    CampaignFactory(office=kh, held_on=D(2024, 1, 1), adults_female=80)
    CampaignFactory(office=kh, kind="education", children_female=50, children_male=40, adults_female=5, adults_male=5)

    assert value("awareness_campaigns", kh) == 2
    assert value("awareness_reach", kh) == {"adults": 100, "children": 20}
    assert value("education_campaigns", kh) == 1
    assert value("education_campaign_reach", kh) == 100
    assert value("community_members_reached", kh) == 200  # awareness adults + everyone of education campaigns


def test_partner_active_only_in_2022_is_not_a_2023_partner(kh: Office) -> None:
    PartnershipPeriodFactory(
        organisation=OrganisationFactory(office=kh, kind="ngo"), active_from=D(2020, 1, 1), active_to=D(2022, 12, 31)
    )
    PartnershipPeriodFactory(organisation=OrganisationFactory(office=kh, kind="ngo"), active_from=D(2021, 5, 1))
    PartnershipPeriodFactory(organisation=OrganisationFactory(office=kh, kind="ngo"), active_from=D(2024, 1, 1))
    PartnershipPeriodFactory(
        organisation=OrganisationFactory(office=kh, kind="ngo"), active_from=D(2023, 12, 31), active_to=D(2024, 6, 1)
    )

    assert value("ngo_partners", kh) == 2
    assert value("ngo_partners", kh, Period.year(2022)) == 2


def test_participant_with_a_pre_test_but_no_post_test_is_left_out_of_the_share(kh: Office) -> None:
    training = ActivityFactory(office=kh, kind="tic_pfa_training", topic="tic_pfa")
    attend(training, ParticipantFactory(office=kh), pre=40, post=60)  # improved
    attend(training, ParticipantFactory(office=kh), pre=50, post=45)  # did not
    attend(training, ParticipantFactory(office=kh), pre=30)  # missed the post-test
    attend(training, ParticipantFactory(office=kh), post=90)  # missed the pre-test

    assert value("tic_pfa_trainings", kh) == 1
    assert value("tic_pfa_participants", kh) == 4
    assert value("tic_pfa_improved_pct", kh) == 50.0


def test_groups_active_in_the_year_and_their_plan_completion(kh: Office) -> None:
    active = CommunityGroupFactory(office=kh)
    GroupStatusPeriod.objects.create(group=active, status="active", start=D(2021, 1, 1))
    stopped = CommunityGroupFactory(office=kh)
    GroupStatusPeriod.objects.create(group=stopped, status="active", start=D(2021, 1, 1), end=D(2022, 6, 30))
    GroupStatusPeriod.objects.create(group=stopped, status="inactive", start=D(2022, 7, 1))
    GroupPlanAction.objects.create(
        group=active, year=2023, topic="gbv", planned_on=D(2023, 3, 1), completed_on=D(2023, 3, 9)
    )
    GroupPlanAction.objects.create(
        group=active, year=2023, topic="gbv", planned_on=D(2023, 9, 1), completed_on=D(2024, 1, 9)
    )
    GroupPlanAction.objects.create(group=active, year=2023, topic="gbv", planned_on=D(2023, 10, 1))
    GroupPlanAction.objects.create(
        group=active, year=2023, topic="gbv", planned_on=D(2023, 11, 1), completed_on=D(2023, 11, 2)
    )

    assert value("cbg_active", kh) == 1
    assert value("cbg_plan_completion_pct", kh) == 50.0  # completed late (2024) does not count for 2023
