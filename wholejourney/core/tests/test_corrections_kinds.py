"""Every kind of record that can be corrected, through its page and the API: by the person allowed,
and by nobody outside the record's reach (the shared cast: another office, M&E, a partner)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.roles import Role
from wholejourney.api.models import ApiToken
from wholejourney.api.tests.conftest import Api
from wholejourney.api.tests.factories import token_for
from wholejourney.care import services as care
from wholejourney.care.models import CarePlanGoal, LegalMilestone
from wholejourney.care.tests import records as care_records
from wholejourney.care.tests.records import business, client_in_care, days_ago, staff
from wholejourney.cases import services as case_services
from wholejourney.cases.tests import factories as case_factories
from wholejourney.conftest import Cast
from wholejourney.core.corrections.forms import posted_form
from wholejourney.core.corrections.registry import all_kinds, kind_named
from wholejourney.core.models import RecordChange
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.tests.records import assess, crisis
from wholejourney.programmes import services as programme_services
from wholejourney.programmes.models import Attendance
from wholejourney.programmes.tests.factories import prevention_officer


@dataclass(frozen=True)
class Example:
    make: Callable[[Cast], tuple[Any, Any]]  # (record, the person who may correct it)
    change: dict[str, Any]  # entry-form field -> value sent
    expect: Callable[[Any], bool]  # the record, read again, shows the change


def _visit(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    return care.visit_record(
        actor=cast.case_manager, client=client, mode="home", visited_on=days_ago(3)
    ), cast.case_manager


def _legal_service(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    officer = staff(cast, Role.LEGAL_OFFICER)
    record = care.legal_service_record(actor=officer, client=client, kind="advice", provided_on=days_ago(3))
    return record, officer


def _legal_case(cast: Cast) -> tuple[Any, Any]:
    record = care_records.kh_legal_case(cast)
    return record, record.recorded_by


def _milestone(cast: Cast) -> tuple[Any, Any]:
    legal_case = care_records.kh_legal_case(cast)
    record = care.legal_milestone_record(
        actor=legal_case.recorded_by, legal_case=legal_case, kind=LegalMilestone.Kind.HEARING, happened_on=days_ago(5)
    )
    return record, legal_case.recorded_by


def _education(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    record = care.education_support_record(
        actor=cast.case_manager, client=client, level="primary", kind="fees", provided_on=days_ago(3)
    )
    return record, cast.case_manager


def _economic(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    record = care.economic_service_record(
        actor=officer, client=client, kind="business_coaching", provided_on=days_ago(3)
    )
    return record, officer


def _training(cast: Cast) -> tuple[Any, Any]:
    record = care_records.kh_training(cast)
    return record, record.recorded_by


def _stipend(cast: Cast) -> tuple[Any, Any]:
    training = care_records.kh_training(cast)
    record = care.stipend_pay(
        actor=training.recorded_by,
        training=training,
        paid_on=days_ago(10),
        amount=Decimal(40000),
        amount_usd=Decimal(10),
    )
    return record, training.recorded_by


def _employment(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    record = care.employment_record(
        actor=officer, client=client, work="Sewing", start=days_ago(20), employer=business(cast.kh)
    )
    return record, officer


def _treatment_plan(cast: Cast) -> tuple[Any, Any]:
    record = care_records.kh_treatment_plan(cast)
    return record, record.counselor


def _session(cast: Cast) -> tuple[Any, Any]:
    record = care_records.kh_session(cast)
    return record, record.counselor


def _care_plan(cast: Cast) -> tuple[Any, Any]:
    return care_records.kh_care_plan(cast), cast.case_manager


def _goal(cast: Cast) -> tuple[Any, Any]:
    plan = care_records.kh_care_plan(cast)
    return CarePlanGoal.objects.filter(plan=plan).first(), cast.case_manager


def _review(cast: Cast) -> tuple[Any, Any]:
    plan = care_records.kh_care_plan(cast)
    record = care.care_plan_review(
        actor=cast.case_manager, plan=plan, reviewed_on=days_ago(5), note="Going well", next_review_on=days_ago(-60)
    )
    return record, cast.case_manager


def _crisis(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    return crisis(cast.case_manager, client, 5), cast.case_manager


def _assessment(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    return assess(cast.case_manager, client, 10), cast.case_manager


def _survey(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    record = outcome_services.survey_record(
        actor=cast.case_manager, client=client, surveyed_on=days_ago(4), income_increased=None, income_covers_needs=None
    )
    return record, cast.case_manager


def _client(cast: Cast) -> tuple[Any, Any]:
    client, _case = client_in_care(cast)
    return client, cast.case_manager


def _case(cast: Cast) -> tuple[Any, Any]:
    _client, case = client_in_care(cast)
    return case, cast.case_manager


def _placement(cast: Cast) -> tuple[Any, Any]:
    _client, case = client_in_care(cast)
    record = case_services.placement_add(actor=cast.case_manager, case=case, kind="shelter", start=days_ago(100))
    return record, cast.case_manager


def _referral(cast: Cast) -> tuple[Any, Any]:
    return case_factories.make_referral(cast.case_manager), cast.director


def _activity(cast: Cast) -> tuple[Any, Any]:
    officer = prevention_officer(cast.kh)
    record = programme_services.activity_record(
        actor=officer, office=cast.kh, kind="prevention_training", held_on=days_ago(7)
    )
    return record, officer


def _attendance(cast: Cast) -> tuple[Any, Any]:
    activity, officer = _activity(cast)
    programme_services.attendance_record(
        actor=officer,
        activity=activity,
        rows=[{"name": "Dara", "sex": "female", "age_band": "18-24", "group": "teachers"}],
    )
    return Attendance.objects.get(activity=activity), officer


def _campaign(cast: Cast) -> tuple[Any, Any]:
    officer = prevention_officer(cast.kh)
    record = programme_services.campaign_record(
        actor=officer, office=cast.kh, kind="awareness", held_on=days_ago(3), adults_female=4
    )
    return record, officer


def _external_meeting(cast: Cast) -> tuple[Any, Any]:
    officer = prevention_officer(cast.kh)
    record = programme_services.external_meeting_record(
        actor=officer, office=cast.kh, kind="ngo_network", held_on=days_ago(3), attended_by=[officer]
    )
    return record, officer


def _donation(cast: Cast) -> tuple[Any, Any]:
    officer = prevention_officer(cast.kh)
    record = programme_services.donation_record(
        actor=officer,
        office=cast.kh,
        item="books",
        copies=10,
        recipient=case_factories.OrganisationFactory(office=cast.kh),
        donated_on=days_ago(3),
    )
    return record, officer


def _public_event(cast: Cast) -> tuple[Any, Any]:
    officer = prevention_officer(cast.kh)
    record = programme_services.public_event_record(
        actor=officer,
        office=cast.kh,
        kind="mental_health_day",
        name="Walk",
        held_on=days_ago(3),
        reported_attendance=50,
    )
    return record, officer


EXAMPLES: dict[str, Example] = {
    "campaign": Example(_campaign, {"place": "Market"}, lambda r: r.place == "Market"),
    "external_meeting": Example(_external_meeting, {"notes": "Agreed a plan"}, lambda r: r.notes == "Agreed a plan"),
    "donation": Example(_donation, {"copies": "12"}, lambda r: r.copies == 12),
    "public_event": Example(_public_event, {"reported_attendance": "60"}, lambda r: r.reported_attendance == 60),
    "visit": Example(_visit, {"note": "Corrected note"}, lambda r: r.note == "Corrected note"),
    "legal_service": Example(_legal_service, {"note": "Corrected"}, lambda r: r.note == "Corrected"),
    "legal_case": Example(_legal_case, {"court": "Phnom Penh Court"}, lambda r: r.court == "Phnom Penh Court"),
    "legal_milestone": Example(_milestone, {"note": "Adjourned"}, lambda r: r.note == "Adjourned"),
    "education": Example(_education, {"school_year": "2025-2026"}, lambda r: r.school_year == "2025-2026"),
    "economic": Example(_economic, {"note": "Corrected"}, lambda r: r.note == "Corrected"),
    "training": Example(_training, {"trade": "Tailoring"}, lambda r: r.trade == "Tailoring"),
    "stipend": Example(_stipend, {"amount": "50000"}, lambda r: r.amount == Decimal(50000)),
    "employment": Example(_employment, {"work": "Cook"}, lambda r: r.work == "Cook"),
    "treatment_plan": Example(
        _treatment_plan, {"started_on": days_ago(59).isoformat()}, lambda r: r.started_on == days_ago(59)
    ),
    "counseling_session": Example(_session, {"duration_minutes": "45"}, lambda r: r.duration_minutes == 45),
    "care_plan": Example(
        _care_plan, {"next_review_on": days_ago(-45).isoformat()}, lambda r: r.next_review_on == days_ago(-45)
    ),
    "care_plan_goal": Example(_goal, {"goal": "A better goal"}, lambda r: r.goal == "A better goal"),
    "care_plan_review": Example(_review, {"note": "Much better"}, lambda r: r.note == "Much better"),
    "crisis": Example(_crisis, {"what_happened": "Another account"}, lambda r: r.what_happened == "Another account"),
    "assessment": Example(_assessment, {"date": days_ago(9).isoformat()}, lambda r: r.assessed_on == days_ago(9)),
    "survey": Example(_survey, {"income_increased": "yes"}, lambda r: r.income_increased is True),
    "client": Example(_client, {"given_name_latin": "Sophal"}, lambda r: r.given_name_latin == "Sophal"),
    "case": Example(_case, {"summary": "Corrected summary"}, lambda r: r.summary == "Corrected summary"),
    "placement": Example(_placement, {"start": days_ago(90).isoformat()}, lambda r: r.start == days_ago(90)),
    "referral": Example(_referral, {"urgency": "high"}, lambda r: r.urgency == "high"),
    "activity": Example(_activity, {"place": "Commune hall"}, lambda r: r.place == "Commune hall"),
    "attendance": Example(_attendance, {"pre_test": "55"}, lambda r: r.pre_test == Decimal(55)),
    "organisation": Example(
        lambda cast: (case_factories.OrganisationFactory(office=cast.kh), cast.director),
        {"province": "Kampot"},
        lambda r: r.province == "Kampot",
    ),
}
OUTSIDERS = ("other_office", "me_officer", "partner")


def test_every_kind_that_can_be_corrected_has_an_example_here() -> None:
    assert sorted(EXAMPLES) == sorted(kind.key for kind in all_kinds())


def _browser(user: Any) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


def _api(user: Any) -> Api:
    _token, secret = token_for(user, ApiToken.Scope.WRITE)
    return Api(secret)


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_each_kind_is_corrected_from_its_page_and_the_api_by_the_person_allowed(cast: Cast, key: str) -> None:
    example, kind = EXAMPLES[key], kind_named(key)
    record, corrector = example.make(cast)
    form, unknown = posted_form(kind, record, example.change)
    assert unknown == []
    data = {name: form.data.getlist(name) for name in form.data}

    page = _browser(corrector).post(f"/records/{key}/{record.pk}/edit/", {**data, "version": str(record.version)})

    assert page.status_code == 302, page.content.decode()[-3000:]
    fresh = kind.model._base_manager.get(pk=record.pk)
    assert example.expect(fresh)
    assert RecordChange.objects.filter(kind=key, record_id=record.pk, changed_by=corrector).exists()
    api = _api(corrector)
    read = api.get(f"/records/{key}/{record.pk}")
    assert read.status_code == 200 and read["ETag"] == f'"{fresh.version}"'
    again = api.send("PATCH", f"/records/{key}/{record.pk}", {"fields": example.change}, if_match=read["ETag"])
    assert again.status_code == 200, again.content  # nothing differs: the same version comes back
    if kind.voidable:
        voided = _browser(corrector).post(
            f"/records/{key}/{record.pk}/void/", {"reason": "Entered by mistake", "version": str(fresh.version)}
        )
        assert voided.status_code == 302
        assert not kind.model._default_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_nobody_outside_the_records_reach_sees_or_corrects_it(cast: Cast, key: str, outsider: str) -> None:
    example, kind = EXAMPLES[key], kind_named(key)
    record, _corrector = example.make(cast)
    user = getattr(cast, outsider)
    form, _unknown = posted_form(kind, record, example.change)
    data = {name: form.data.getlist(name) for name in form.data}
    browser = _browser(user)

    answers = [
        browser.get(f"/records/{key}/{record.pk}/edit/").status_code,
        browser.post(f"/records/{key}/{record.pk}/edit/", {**data, "version": "1"}).status_code,
        browser.post(f"/records/{key}/{record.pk}/void/", {"reason": "x", "version": "1"}).status_code,
        browser.get(f"/records/{key}/{record.pk}/history/").status_code,
    ]
    api = _api(user)
    answers.append(api.get(f"/records/{key}/{record.pk}").status_code)
    answers.append(
        api.send("PATCH", f"/records/{key}/{record.pk}", {"fields": example.change}, if_match='"1"').status_code
    )

    assert set(answers) <= {403, 404}, answers
    fresh = kind.model._base_manager.get(pk=record.pk)
    assert fresh.version == record.version and not example.expect(fresh)
    assert getattr(fresh, "voided_at", None) is None
