"""Programme records for tests, made through the services where a rule matters, directly where
only a row is needed (the outsider checks of the URL walk)."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.core import services as job_services
from wholejourney.core.models import Job, Office
from wholejourney.core.tests.factories import make_user
from wholejourney.partners.models import Agreement
from wholejourney.programmes.models import (
    Activity,
    ActivityKind,
    Campaign,
    CommunityGroup,
    GroupPlanAction,
    GroupStatusPeriod,
    Participant,
    ParticipantGroup,
)
from wholejourney.programmes.selectors import ATTENDANCE_IMPORT

D = datetime.date


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    class Meta:
        model = Activity

    kind = ActivityKind.PREVENTION_TRAINING
    held_on = D(2023, 5, 10)
    place = "Prey Chhor"


class ParticipantFactory(factory.django.DjangoModelFactory[Participant]):
    class Meta:
        model = Participant

    group = ParticipantGroup.CBG_LEADERS
    sex = "female"
    age_band = "25-59"


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    kind = Campaign.Kind.AWARENESS
    held_on = D(2023, 6, 1)


class CommunityGroupFactory(factory.django.DjangoModelFactory[CommunityGroup]):
    class Meta:
        model = CommunityGroup

    name = factory.Sequence(lambda n: f"Community group {n}")
    province = "Battambang"


def prevention_officer(office: Office, username: str = "prevention") -> User:
    return make_user(Role.PREVENTION_OFFICER, office=office, username=username)


def kh_activity(cast: Any) -> Activity:
    return ActivityFactory(office=cast.kh)


def kh_group(cast: Any) -> CommunityGroup:
    group = CommunityGroupFactory(office=cast.kh)
    GroupStatusPeriod.objects.create(group=group, status=GroupStatusPeriod.Status.ACTIVE, start=D(2021, 1, 1))
    return group


def kh_plan_action(cast: Any) -> GroupPlanAction:
    return GroupPlanAction.objects.create(group=kh_group(cast), year=2023, topic="gbv", planned_on=D(2023, 3, 1))


def kh_upload_job(cast: Any) -> Job:
    officer = User.objects.filter(username="kh.prevention").first() or prevention_officer(cast.kh, "kh.prevention")
    return job_services.job_create(actor=officer, kind=ATTENDANCE_IMPORT, office=cast.kh)


def kh_organisation(cast: Any) -> Any:
    return OrganisationFactory(office=cast.kh)


def kh_agreement(cast: Any) -> Agreement:
    return Agreement.objects.create(
        organisation=OrganisationFactory(office=cast.kh), kind=Agreement.Kind.MOU, signed_on=D(2023, 1, 5),
        start=D(2023, 1, 5), document="agreements/2023/agreement-test.pdf",
    )  # fmt: skip
