"""The care pages as staff use them: fast entry of sessions (one, a group, a whole day), the
records of each kind with the services' messages on bad input, the timeline and my tasks."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.care import services
from wholejourney.care.models import (
    CarePlan,
    CounselingSession,
    EconomicService,
    EducationSupport,
    Employment,
    LegalCase,
    LegalMilestone,
    LegalService,
    SessionAttendance,
    Stipend,
    Training,
    Visit,
)
from wholejourney.care.tests.records import (
    business,
    client_in_care,
    close_case,
    days_ago,
    ngo,
    session_for,
    staff,
)
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast

SESSION_NEW = "/care/sessions/new/"
SESSION_DAY = "/care/sessions/day/"
KHMER = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def signed_in(browser: HttpClient, user: User) -> HttpClient:
    browser.force_login(user)
    return browser


@pytest.fixture
def counselor(cast: Cast) -> User:
    return staff(cast, Role.COUNSELOR, username="counselor")


def session_post(attendees: list[Client], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "held_on": dmy(days_ago(2)),
        "format": "individual",
        "modality": "tf_cbt",
        "duration_minutes": "60",
        "attendees": [client.pk for client in attendees],
        "group_note": "",
    }
    return data | overrides


def record_url(kind: str, client: Client) -> str:
    return reverse(f"care:{kind}_new", kwargs={"pk": client.pk})


# --- one session -----------------------------------------------------------------------------


def test_session_form_opens_with_today_tf_cbt_and_sixty_minutes(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    page = signed_in(client, counselor).get(SESSION_NEW).content.decode()

    assert f'value="{dmy(timezone.localdate())}"' in page
    assert '<option value="tf_cbt" selected>' in page
    assert 'name="duration_minutes" value="60"' in page
    assert 'inputmode="numeric"' in page


def test_group_session_for_five_clients_is_one_session_and_five_attendances(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    clients = [client_in_care(cast, name=f"Group{n}")[0] for n in range(5)]
    data = session_post(clients, format="group", **{f"note_{clients[0].pk}": "Slept better this week."})

    response = signed_in(client, counselor).post(SESSION_NEW, data)

    session = CounselingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("care:session_detail", kwargs={"pk": session.pk})
    assert (session.format, session.modality, session.duration_minutes) == ("group", "tf_cbt", 60)
    assert SessionAttendance.objects.filter(session=session).count() == 5
    noted = SessionAttendance.objects.select_related("client__data_key").get(client=clients[0])
    assert noted.note == "Slept better this week."


def test_session_date_in_khmer_digits_is_accepted(client: HttpClient, cast: Cast, counselor: User) -> None:
    sokha, _case = client_in_care(cast)
    day = days_ago(3)

    response = signed_in(client, counselor).post(SESSION_NEW, session_post([sokha], held_on=dmy(day).translate(KHMER)))

    assert response.status_code == 302
    assert CounselingSession.objects.get().held_on == day


def test_session_before_the_case_opened_is_refused_and_nothing_saved(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    sokha, _case = client_in_care(cast, opened_days_ago=10)

    response = signed_in(client, counselor).post(SESSION_NEW, session_post([sokha], held_on=dmy(days_ago(20))))

    assert response.status_code == 200
    assert f"{sokha.code} had no case open on that day." in response.content.decode()
    assert not CounselingSession.objects.exists()
    assert not SessionAttendance.objects.exists()


def test_session_after_the_case_closed_is_refused_and_nothing_saved(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    sokha, case = client_in_care(cast, opened_days_ago=365)
    close_case(cast, case, closed_days_ago=30)

    response = signed_in(client, counselor).post(SESSION_NEW, session_post([sokha], held_on=dmy(days_ago(10))))

    assert f"{sokha.code} had no case open on that day." in response.content.decode()
    assert not CounselingSession.objects.exists()


def test_session_in_the_future_is_refused(client: HttpClient, cast: Cast, counselor: User) -> None:
    sokha, _case = client_in_care(cast)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = signed_in(client, counselor).post(SESSION_NEW, session_post([sokha], held_on=dmy(tomorrow)))

    assert "The date cannot be in the future." in response.content.decode()
    assert not CounselingSession.objects.exists()


def test_individual_session_with_two_clients_asks_for_group(client: HttpClient, cast: Cast, counselor: User) -> None:
    pair = [client_in_care(cast, name=name)[0] for name in ("Dara", "Sokha")]

    response = signed_in(client, counselor).post(SESSION_NEW, session_post(pair))

    assert "An individual session has one client; choose group or family." in response.content.decode()
    assert not CounselingSession.objects.exists()


def test_find_button_shows_matches_keeps_notes_and_saves_nothing(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    sokha, _case = client_in_care(cast, name="Sokha")
    dara, _case = client_in_care(cast, name="Dara")
    data = session_post([sokha], find="1", q="dar", **{f"note_{sokha.pk}": "Typed before searching"})

    page = signed_in(client, counselor).post(SESSION_NEW, data).content.decode()

    assert dara.code in page and "Typed before searching" in page
    assert f'value="{sokha.pk}" checked' in page
    assert not CounselingSession.objects.exists()


def test_attendee_search_finds_by_name_and_code_within_the_caseload(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    sokha, _case = client_in_care(cast, name="Sokha")
    outsider, _case = client_in_care(cast, name="Sokharith", team=cast.other_team)
    browser = signed_in(client, counselor)

    by_name = browser.post(reverse("care:attendee_search"), {"q": "sokh"}).content.decode()
    by_code = browser.post(reverse("care:attendee_search"), {"q": sokha.code[-4:]}).content.decode()

    assert sokha.code in by_name and outsider.code not in by_name
    assert sokha.code in by_code


def test_attendee_search_without_a_query_offers_recent_clients(client: HttpClient, cast: Cast, counselor: User) -> None:
    seen, _case = client_in_care(cast, name="Seen")
    unseen, _case = client_in_care(cast, name="Unseen")
    session_for(counselor, seen)

    page = signed_in(client, counselor).post(reverse("care:attendee_search"), {"q": ""}).content.decode()

    assert seen.code in page and unseen.code not in page


# --- a day of sessions -----------------------------------------------------------------------


def day_post(day: datetime.date, rows: list[dict[str, str]], total: int = 6) -> dict[str, Any]:
    data: dict[str, Any] = {
        "held_on": dmy(day),
        "row-TOTAL_FORMS": str(total),
        "row-INITIAL_FORMS": "0",
        "row-MIN_NUM_FORMS": "0",
        "row-MAX_NUM_FORMS": "30",
    }
    for index in range(total):
        row = {"clients": "", "format": "individual", "modality": "tf_cbt", "duration_minutes": "60", "note": ""}
        row |= rows[index] if index < len(rows) else {}
        data |= {f"row-{index}-{name}": value for name, value in row.items()}
    return data


def test_day_of_sessions_saves_every_row(client: HttpClient, cast: Cast, counselor: User) -> None:
    clients = [client_in_care(cast, name=f"Day{n}")[0] for n in range(4)]
    rows = [
        {"clients": clients[0].code, "note": "Alone"},
        {"clients": f"{clients[1].code}, {clients[2].code.lower()} {clients[3].code}", "format": "group"},
    ]

    response = signed_in(client, counselor).post(SESSION_DAY, day_post(days_ago(1), rows))

    assert response.status_code == 302
    assert CounselingSession.objects.count() == 2
    assert SessionAttendance.objects.count() == 4
    assert CounselingSession.objects.filter(format="group").get().attendances.count() == 3


def test_day_of_sessions_with_one_bad_row_saves_nothing_and_names_the_row(
    client: HttpClient, cast: Cast, counselor: User
) -> None:
    good, _case = client_in_care(cast, name="Good")
    late, _case = client_in_care(cast, name="Late", opened_days_ago=1)
    rows = [{"clients": good.code}, {"clients": good.code, "modality": "other"}, {"clients": late.code}]

    response = signed_in(client, counselor).post(SESSION_DAY, day_post(days_ago(5), rows))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in page and "Correct row 3, marked below." in page
    assert f"{late.code} had no case open on that day." in page
    assert not CounselingSession.objects.exists()
    assert not SessionAttendance.objects.exists()


def test_day_of_sessions_reports_every_bad_row(client: HttpClient, cast: Cast, counselor: User) -> None:
    good, _case = client_in_care(cast, name="Good")
    other_team, _case = client_in_care(cast, name="Elsewhere", team=cast.other_team)
    rows = [{"clients": "KH-1999-0001"}, {"clients": good.code}, {"clients": other_team.code}]

    page = signed_in(client, counselor).post(SESSION_DAY, day_post(days_ago(1), rows)).content.decode()

    assert "Correct rows 1, 3, marked below." in page
    assert "Not a client in your caseload: KH-1999-0001." in page
    assert f"Not a client in your caseload: {other_team.code}." in page
    assert not CounselingSession.objects.exists()


def test_day_of_sessions_with_no_row_filled_asks_for_one(client: HttpClient, cast: Cast, counselor: User) -> None:
    page = signed_in(client, counselor).post(SESSION_DAY, day_post(days_ago(1), [])).content.decode()

    assert "Fill in at least one row." in page


# --- records of each kind --------------------------------------------------------------------


def test_legal_service_is_recorded_and_shown_on_the_timeline(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    legal = staff(cast, Role.LEGAL_OFFICER)
    browser = signed_in(client, legal)

    response = browser.post(
        record_url("legal_service", sokha),
        {"kind": "birth_certificate", "provided_on": dmy(days_ago(4)), "note": "At the district office"},
    )

    assert response.status_code == 302
    assert LegalService.objects.get().kind == "birth_certificate"
    timeline = browser.get(response["Location"]).content.decode()
    assert "Birth certificate obtained" in timeline and "At the district office" in timeline


def test_legal_case_milestones_verdict_and_end(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, staff(cast, Role.LEGAL_OFFICER))
    opened = browser.post(
        record_url("legal_case", sokha),
        {"kind": "criminal", "opened_on": dmy(days_ago(90)), "court": "Phnom Penh Municipal Court"},
    )
    url = opened["Location"]

    no_outcome = browser.post(
        url, {"action": "milestone", "milestone-kind": "verdict", "milestone-happened_on": dmy(days_ago(10))}
    )
    verdict = browser.post(
        url,
        {
            "action": "milestone",
            "milestone-kind": "verdict",
            "milestone-happened_on": dmy(days_ago(10)),
            "milestone-outcome": "convicted",
        },
    )
    page = browser.get(url).content.decode()
    no_end_chosen = browser.post(url, {"action": "end", "end-ended_on": dmy(days_ago(5))})
    early_end = browser.post(url, {"action": "end", "end-end": "verdict_executed", "end-ended_on": dmy(days_ago(100))})
    ended = browser.post(url, {"action": "end", "end-end": "verdict_executed", "end-ended_on": dmy(days_ago(5))})

    assert "Give the verdict&#x27;s outcome." in no_outcome.content.decode()
    assert verdict.status_code == 302
    assert LegalMilestone.objects.get().outcome == "convicted"
    # Nothing is preselected for how the case ended: the officer says it.
    end_choices = page[page.index('name="end-end"') :].split("</select>")[0]
    assert '<option value="" selected>—</option>' in end_choices
    assert no_end_chosen.status_code == 200
    assert "This field is required." in no_end_chosen.content.decode()
    assert "The legal case cannot end before it was opened." in early_end.content.decode()
    assert ended.status_code == 302
    legal_case = LegalCase.objects.get()
    assert (legal_case.end, legal_case.ended_on) == ("verdict_executed", days_ago(5))


def test_negative_amount_is_refused_with_a_message(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))

    response = browser.post(
        record_url("economic", sokha),
        {"kind": "business_grant", "provided_on": dmy(days_ago(3)), "amount": "-400000", "amount_usd": "100"},
    )

    assert response.status_code == 200
    assert "The amount cannot be negative." in response.content.decode()
    assert not EconomicService.objects.exists()


def test_grant_amount_in_the_office_currency_with_usd_beside(client: HttpClient, cast: Cast) -> None:
    cast.kh.currency = "KHR"
    cast.kh.save()
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))
    url = record_url("economic", sokha)

    form = browser.get(url).content.decode()
    saved = browser.post(
        url, {"kind": "business_grant", "provided_on": dmy(days_ago(3)), "amount": "៤០០,០០០", "amount_usd": "100"}
    )

    assert "Amount (KHR)" in form and "Amount in USD" in form
    grant = EconomicService.objects.get()
    assert (grant.amount, grant.amount_usd) == (Decimal("400000"), Decimal("100"))
    timeline = browser.get(saved["Location"]).content.decode()
    assert "400,000 KHR" in timeline and "(100 USD)" in timeline


def test_on_the_job_training_at_an_organisation_that_is_not_a_business_is_refused(
    client: HttpClient, cast: Cast
) -> None:
    sokha, _case = client_in_care(cast)
    charity = ngo(cast.kh)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))

    response = browser.post(
        record_url("training", sokha),
        {"kind": "on_the_job", "organisation": charity.pk, "start": dmy(days_ago(20)), "trade": "Sewing"},
    )

    assert (
        "On-the-job training takes place at a business partner: choose a private employer." in response.content.decode()
    )
    assert not Training.objects.exists()


def test_training_ending_before_it_starts_is_refused(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))

    response = browser.post(
        record_url("training", sokha),
        {"kind": "vocational", "start": dmy(days_ago(10)), "end": dmy(days_ago(20)), "trade": "Cooking"},
    )

    assert "The end cannot be before the start." in response.content.decode()
    assert not Training.objects.exists()


def test_employment_ending_before_it_starts_is_refused(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))

    response = browser.post(
        record_url("employment", sokha),
        {"work": "Seamstress", "start": dmy(days_ago(10)), "end": dmy(days_ago(40))},
    )

    assert "The end cannot be before the start." in response.content.decode()
    assert not Employment.objects.exists()


def test_on_the_job_training_completion_and_stipends(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    shop = business(cast.kh)
    browser = signed_in(client, staff(cast, Role.ECONOMIC_OFFICER))
    started = browser.post(
        record_url("training", sokha),
        {"kind": "on_the_job", "organisation": shop.pk, "start": dmy(days_ago(60)), "trade": "Sewing"},
    )
    url = started["Location"]

    negative = browser.post(
        url,
        {"action": "stipend", "stipend-paid_on": dmy(days_ago(30)), "stipend-amount": "-1", "stipend-amount_usd": "0"},
    )
    paid = browser.post(
        url,
        {"action": "stipend", "stipend-paid_on": dmy(days_ago(30)), "stipend-amount": "40", "stipend-amount_usd": "40"},
    )
    completed = browser.post(url, {"action": "complete", "complete-completed_on": dmy(days_ago(2))})

    assert "The amount cannot be negative." in negative.content.decode()
    assert paid.status_code == 302 and completed.status_code == 302
    assert Stipend.objects.get().amount == Decimal("40")
    assert Training.objects.get().completed_on == days_ago(2)


def test_stipend_for_vocational_training_is_refused(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    officer = staff(cast, Role.ECONOMIC_OFFICER)
    training = services.training_start(
        actor=officer, client=sokha, kind=Training.Kind.VOCATIONAL, start=days_ago(30), trade="Cooking"
    )
    url = reverse("care:training_detail", kwargs={"pk": training.pk})

    response = signed_in(client, officer).post(
        url,
        {"action": "stipend", "stipend-paid_on": dmy(days_ago(3)), "stipend-amount": "10", "stipend-amount_usd": "10"},
    )

    assert "Stipends are paid only during on-the-job training." in response.content.decode()
    assert not Stipend.objects.exists()


def test_education_and_visit_are_recorded_by_the_case_manager(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, cast.case_manager)

    school = browser.post(
        record_url("education", sokha),
        {"level": "lower_secondary", "kind": "fees", "provided_on": dmy(days_ago(7)), "school_year": "2024-2025"},
    )
    visit = browser.post(
        record_url("visit", sokha),
        {"mode": "home", "visited_on": dmy(days_ago(1)), "next_visit_on": dmy(days_ago(-30)), "note": "All well"},
    )

    assert school.status_code == 302 and visit.status_code == 302
    assert EducationSupport.objects.get().school_year == "2024-2025"
    assert Visit.objects.get().next_visit_on == days_ago(-30)


def test_visit_next_before_this_one_is_refused(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)

    response = signed_in(client, cast.case_manager).post(
        record_url("visit", sokha),
        {"mode": "phone", "visited_on": dmy(days_ago(1)), "next_visit_on": dmy(days_ago(3))},
    )

    assert "The next visit must come after this one." in response.content.decode()
    assert not Visit.objects.exists()


def test_care_plan_drafted_then_approved_by_the_supervisor_then_reviewed(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    data: dict[str, Any] = {"drafted_on": dmy(days_ago(20)), "next_review_on": dmy(days_ago(-60))}
    for domain in ("protection", "wellbeing", "economic", "social"):
        data |= {f"{domain}-goal": f"Goal for {domain}", f"{domain}-responsible": cast.case_manager.pk}
    manager = signed_in(client, cast.case_manager)

    drafted = manager.post(reverse("care:care_plan_new", kwargs={"pk": sokha.pk}), data)
    url = drafted["Location"]
    manager.post(url, {"action": "approve", "approve-approved_on": dmy(days_ago(1))})
    still_draft = CarePlan.objects.get().status
    signed_in(client, cast.director).post(url, {"action": "approve", "approve-approved_on": dmy(days_ago(1))})
    reviewed = signed_in(client, cast.case_manager).post(
        url, {"action": "review", "review-reviewed_on": dmy(days_ago(0)), "review-note": "On track"}
    )

    plan = CarePlan.objects.get()
    assert still_draft == CarePlan.Status.DRAFT
    assert plan.status == CarePlan.Status.APPROVED and plan.approved_by == cast.director
    assert plan.goals.count() == 4
    assert reviewed.status_code == 302 and plan.reviews.count() == 1


def test_care_plan_without_a_goal_in_every_domain_is_refused(client: HttpClient, cast: Cast) -> None:
    sokha, _case = client_in_care(cast)
    data = {"drafted_on": dmy(days_ago(20)), "next_review_on": dmy(days_ago(-60)), "protection-goal": "Safe home"}

    response = signed_in(client, cast.case_manager).post(reverse("care:care_plan_new", kwargs={"pk": sokha.pk}), data)

    assert response.status_code == 200
    assert not CarePlan.objects.exists()


def test_treatment_plan_started_and_completed_with_goals_met(client: HttpClient, cast: Cast, counselor: User) -> None:
    sokha, _case = client_in_care(cast)
    browser = signed_in(client, counselor)

    started = browser.post(
        record_url("treatment_plan", sokha),
        {"started_on": dmy(days_ago(90)), "components": ["psychoeducation", "narrative"]},
    )
    ended = browser.post(
        started["Location"], {"action": "end", "end-ended_on": dmy(days_ago(1)), "end-outcome": "completed_met"}
    )

    assert ended.status_code == 302
    page = browser.get(started["Location"]).content.decode()
    assert "Trauma narrative and processing" in page and "goals met" in page


# --- the timeline ----------------------------------------------------------------------------


def _history(cast: Cast, client: Client, per_kind: int) -> None:
    """`per_kind` records of five kinds, interleaved by date so any page holds every kind."""
    counselor = User.objects.get(username="counselor")
    legal = User.objects.get(username="legal")
    econ = User.objects.get(username="econ")
    for n in range(per_kind):
        day = days_ago(1 + 5 * n)
        services.counseling_session_record(actor=counselor, held_on=day, attendees=[client], notes={client.pk: "n"})
        services.legal_service_record(actor=legal, client=client, kind="advice", provided_on=day, note="advice")
        services.economic_service_record(
            actor=econ, client=client, kind="career_advice", provided_on=day - datetime.timedelta(days=1)
        )
        services.visit_record(actor=cast.case_manager, client=client, mode="phone", visited_on=day, note="call")
        services.education_support_record(
            actor=econ, client=client, level="primary", kind="materials", provided_on=day - datetime.timedelta(days=2)
        )


def test_timeline_query_count_does_not_grow_with_history(
    client: HttpClient, cast: Cast, django_assert_num_queries: Any
) -> None:
    staff(cast, Role.COUNSELOR, username="counselor")
    staff(cast, Role.LEGAL_OFFICER, username="legal")
    staff(cast, Role.ECONOMIC_OFFICER, username="econ")
    short, _case = client_in_care(cast, name="Short", opened_days_ago=400)
    long, _case = client_in_care(cast, name="Long", opened_days_ago=400)
    _history(cast, short, per_kind=1)  # 5 records
    _history(cast, long, per_kind=12)  # 60 records
    browser = signed_in(client, cast.director)
    browser.get(reverse("care:timeline", kwargs={"pk": short.pk}))  # warm the session and caches
    with CaptureQueriesContext(connection) as five:
        short_page = browser.get(reverse("care:timeline", kwargs={"pk": short.pk}))

    with django_assert_num_queries(len(five)):
        long_page = browser.get(reverse("care:timeline", kwargs={"pk": long.pk}))

    assert short_page.content.decode().count('<p class="when">') == 5
    body = long_page.content.decode()
    assert body.count('<p class="when">') == 25
    assert 'rel="next"' in body and 'rel="prev"' not in body  # the Older link, no Newer
    for kind in ("Counseling session", "Legal advice", "Career advice", "Follow-up by phone", "Education: Materials"):
        assert kind in body


def test_timeline_is_newest_first_and_pages_through_everything(client: HttpClient, cast: Cast) -> None:
    staff(cast, Role.COUNSELOR, username="counselor")
    staff(cast, Role.LEGAL_OFFICER, username="legal")
    staff(cast, Role.ECONOMIC_OFFICER, username="econ")
    sokha, _case = client_in_care(cast, opened_days_ago=400)
    _history(cast, sokha, per_kind=6)  # 30 records
    browser = signed_in(client, cast.director)
    url = reverse("care:timeline", kwargs={"pk": sokha.pk})

    first = browser.get(url).content.decode()
    second = browser.get(url + _link(first, "older")).content.decode()
    back = browser.get(url + _link(second, "newer")).content.decode()

    assert first.count('<p class="when">') == 25 and second.count('<p class="when">') == 5
    assert first.index(dmy(days_ago(1))) < first.index(dmy(days_ago(6)))
    assert dmy(days_ago(28)) in second  # the oldest: education, two days before the last round
    assert 'rel="next"' not in second  # nothing older
    assert _entries(back) == _entries(first) and 'rel="prev"' not in back


def test_timeline_pages_keep_their_place_among_records_of_one_day(client: HttpClient, cast: Cast) -> None:
    staff(cast, Role.COUNSELOR, username="counselor")
    sokha, _case = client_in_care(cast, opened_days_ago=400)
    day = days_ago(3)
    for n in range(30):
        services.visit_record(actor=cast.case_manager, client=sokha, mode="phone", visited_on=day, note=f"call {n}")
        services.counseling_session_record(actor=User.objects.get(username="counselor"), held_on=day, attendees=[sokha])
    browser = signed_in(client, cast.director)
    url = reverse("care:timeline", kwargs={"pk": sokha.pk})

    pages = [browser.get(url).content.decode()]
    while 'rel="next"' in pages[-1]:
        pages.append(browser.get(url + _link(pages[-1], "older")).content.decode())
    seen = [entry for page in pages for entry in _entries(page)]

    assert [page.count('<p class="when">') for page in pages] == [25, 25, 10]
    assert len(set(seen)) == 60  # every record once, none twice, though all share one day


def _link(page: str, direction: str) -> str:
    """The query string of the page's Newer or Older link."""
    found = re.search(rf'href="(\?{direction}=[^"]+)" rel=', page)
    assert found, f"no {direction} link"
    return html.unescape(found.group(1))


def _entries(page: str) -> list[str]:
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>", page.index('<ol class="timeline">'))]
    return re.findall(r"<li .*?</li>", timeline, flags=re.S)


@pytest.mark.parametrize("language", ["en", "km"])
def test_record_ids_in_forms_are_never_grouped_like_numbers(language: str) -> None:
    """Found on PostgreSQL, whose ids pass 999 quickly: the attendee checkbox's value was "450,337",
    so the session saved without that client."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    big = SimpleNamespace(pk=1_234_567, code="KH-2026-0001", display_name="Dara")
    with translation.override(language):
        html = render_to_string("care/_attendee_list.html", {"chosen": [(big, "")], "matches": [big]})

    assert html.count('value="1234567"') == 2 and 'name="note_1234567"' in html
    assert "1,234,567" not in html and "1.234.567" not in html
