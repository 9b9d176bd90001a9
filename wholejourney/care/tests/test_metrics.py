"""The care figures' definitions at their edges."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from wholejourney.accounts.roles import Role
from wholejourney.care import metrics, services
from wholejourney.care.models import (
    EconomicServiceKind,
    EducationLevel,
    EducationSupport,
    LegalServiceKind,
    SessionFormat,
    Training,
)
from wholejourney.care.tests.records import client_in_care, staff
from wholejourney.conftest import Cast
from wholejourney.partners.models import Organisation, OrganisationKind
from wholejourney.reporting.registry import Period

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1  # a whole past year, so both its edges are in the past
PERIOD = Period.year(YEAR)
D = datetime.date


def test_a_group_session_with_five_clients_is_one_session_and_five_clients(cast: Cast) -> None:
    counselor = staff(cast, Role.COUNSELOR)
    clients = [client_in_care(cast, opened_days_ago=800, name=f"Group{n}")[0] for n in range(5)]

    services.counseling_session_record(
        actor=counselor, held_on=D(YEAR, 6, 1), attendees=clients, format=SessionFormat.GROUP
    )

    assert metrics.counseling_sessions(PERIOD, cast.kh).value == 1
    assert metrics.counseling_clients(PERIOD, cast.kh).value == 5


def test_a_service_on_31_december_counts_and_on_1_january_of_the_next_year_not(cast: Cast) -> None:
    officer = staff(cast, Role.LEGAL_OFFICER)
    inside, _case = client_in_care(cast, opened_days_ago=800, name="Inside")
    outside, _case = client_in_care(cast, opened_days_ago=800, name="Outside")

    services.legal_service_record(
        actor=officer, client=inside, kind=LegalServiceKind.ADVICE, provided_on=D(YEAR, 12, 31)
    )
    services.legal_service_record(
        actor=officer, client=outside, kind=LegalServiceKind.ADVICE, provided_on=D(YEAR + 1, 1, 1)
    )

    result = metrics.legal_support(PERIOD, cast.kh)
    assert result.value == 1 and list(result.records) == [inside]  # type: ignore[arg-type]


def test_stipends_count_only_when_linked_to_on_the_job_training(cast: Cast) -> None:
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    business = Organisation.objects.create(office=cast.kh, name="Bakery", kind=OrganisationKind.PRIVATE)
    trainee, _case = client_in_care(cast, opened_days_ago=800, name="Trainee")
    student, _case = client_in_care(cast, opened_days_ago=800, name="Student")
    on_the_job = services.training_start(
        actor=officer, client=trainee, kind=Training.Kind.ON_THE_JOB, organisation=business, start=D(YEAR, 3, 1)
    )
    vocational = services.training_start(
        actor=officer, client=student, kind=Training.Kind.VOCATIONAL, start=D(YEAR, 3, 1)
    )

    services.stipend_pay(
        actor=officer, training=on_the_job, paid_on=D(YEAR, 4, 1), amount=Decimal(246000), amount_usd=Decimal(60)
    )
    with pytest.raises(ValidationError, match="only during on-the-job training"):
        services.stipend_pay(
            actor=officer, training=vocational, paid_on=D(YEAR, 4, 1), amount=Decimal(1), amount_usd=Decimal(1)
        )

    assert metrics.stipends(PERIOD, cast.kh).value == 1
    assert metrics.on_the_job_training(PERIOD, cast.kh).value == 1
    assert metrics.vocational_training(PERIOD, cast.kh).value == 1


def test_small_business_support_counts_clients_and_coaching_counts_sessions(cast: Cast) -> None:
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    owner, _case = client_in_care(cast, opened_days_ago=800, name="Owner")
    for kind, day in (
        (EconomicServiceKind.BUSINESS_GRANT, D(YEAR, 2, 1)),
        (EconomicServiceKind.BUSINESS_SUPPORT_FOLLOW_UP, D(YEAR, 5, 1)),
        (EconomicServiceKind.BUSINESS_COACHING, D(YEAR, 6, 1)),
        (EconomicServiceKind.BUSINESS_COACHING_FOLLOW_UP, D(YEAR, 7, 1)),
    ):
        services.economic_service_record(actor=officer, client=owner, kind=kind, provided_on=day)

    assert metrics.small_business_support(PERIOD, cast.kh).value == 1
    assert metrics.business_coaching_sessions(PERIOD, cast.kh).value == 2


def test_employment_counts_everyone_and_women_apart(cast: Cast) -> None:
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    woman, _case = client_in_care(cast, opened_days_ago=800, name="Woman")
    man, _case = client_in_care(cast, opened_days_ago=800, name="Man")
    woman.sex, man.sex = "female", "male"
    woman.save(update_fields=["sex"])
    man.save(update_fields=["sex"])
    for person in (woman, man):
        services.employment_record(actor=officer, client=person, work="shop assistant", start=D(YEAR, 9, 1))

    assert metrics.survivors_employed(PERIOD, cast.kh).value == {"total": 2, "female": 1}


def test_school_levels_are_enrolments_from_primary_to_university(cast: Cast) -> None:
    case_manager = cast.case_manager
    pupil, _case = client_in_care(cast, opened_days_ago=800, name="Pupil")
    learner, _case = client_in_care(cast, opened_days_ago=800, name="Learner")
    services.education_support_record(
        actor=case_manager,
        client=pupil,
        level=EducationLevel.LOWER_SECONDARY,
        kind=EducationSupport.Kind.ENROLMENT,
        provided_on=D(YEAR, 10, 1),
    )
    services.education_support_record(
        actor=case_manager,
        client=learner,
        level=EducationLevel.LITERACY,
        kind=EducationSupport.Kind.ENROLMENT,
        provided_on=D(YEAR, 10, 1),
    )

    assert metrics.education_support(PERIOD, cast.kh).value == 2
    assert metrics.education_school_levels(PERIOD, cast.kh).value == 1


def test_other_offices_records_stay_out(cast: Cast) -> None:
    counselor = staff(cast, Role.COUNSELOR)
    client, _case = client_in_care(cast, opened_days_ago=800)
    services.counseling_session_record(actor=counselor, held_on=D(YEAR, 6, 1), attendees=[client])

    assert metrics.counseling_sessions(PERIOD, cast.vn).value == 0
    assert metrics.counseling_sessions(PERIOD, None).value == 1
