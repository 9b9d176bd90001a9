"""The clock's events (a client whole, a reset) and the daily calendar scan (court dates within 3
days, overdue visits and reviews, care plans to approve) reach the client's people only."""

from __future__ import annotations

from wholejourney.accounts.roles import Role
from wholejourney.care import services as care_services
from wholejourney.care.models import LegalCase, LegalMilestone, Visit
from wholejourney.care.tests.records import client_in_care, days_ago, kh_care_plan, staff
from wholejourney.conftest import Cast
from wholejourney.notifications.models import Kind, Notification
from wholejourney.notifications.reminders import reminders_build
from wholejourney.notifications.tests.helpers import told
from wholejourney.outcomes.tests.records import assess, crisis


def test_a_client_becoming_whole_then_reset_by_a_crisis_tells_the_case_manager_and_supervisor(cast: Cast) -> None:
    client, _case = client_in_care(cast)

    assess(cast.colleague, client, 300)  # stable for 300 days: whole after 6 months

    assert told(Kind.CLIENT_WHOLE) == {"cm", "director"}

    crisis(cast.colleague, client, 10)

    assert told(Kind.CLOCK_RESET) == {"cm", "director"}
    assert told() == {"cm", "director"}  # not the team colleague who recorded them, nobody else


def test_the_calendar_scan_tells_each_person_of_their_own_clients_once(cast: Cast) -> None:
    mine, _case = client_in_care(cast)
    other_team, _other = client_in_care(cast, team=cast.other_team, case_manager=cast.other_team_colleague)
    legal = staff(cast, Role.LEGAL_OFFICER, team=cast.team, username="legal")
    legal_case = care_services.legal_case_open(
        actor=legal, client=mine, kind=LegalCase.Kind.CRIMINAL, opened_on=days_ago(30)
    )
    # A hearing to come (the service records steps that happened; core.due's tests write them so too).
    LegalMilestone.objects.create(legal_case=legal_case, kind=LegalMilestone.Kind.HEARING, happened_on=days_ago(-2))
    LegalMilestone.objects.create(legal_case=legal_case, kind=LegalMilestone.Kind.HEARING, happened_on=days_ago(-6))
    for client in (mine, other_team):
        care_services.visit_record(
            actor=cast.director, client=client, mode=Visit.Mode.HOME, visited_on=days_ago(40), next_visit_on=days_ago(5)
        )
    Notification.objects.all().delete()

    reminders_build()
    reminders_build()  # the next day's scan adds nothing new

    assert told(Kind.COURT_DATE) == {
        "cm",
        "colleague",
        "legal",
    }  # the client's team; the director sees no day-to-day work
    mine_visits = Notification.objects.filter(kind=Kind.VISIT_OVERDUE, target_id=mine.pk)
    assert set(mine_visits.values_list("recipient__username", flat=True)) == {"cm", "colleague"}
    other_visits = Notification.objects.filter(kind=Kind.VISIT_OVERDUE, target_id=other_team.pk)
    assert set(other_visits.values_list("recipient__username", flat=True)) == {"otherteam"}
    assert Notification.objects.filter(recipient=cast.case_manager, kind=Kind.COURT_DATE).count() == 1
    assert not Notification.objects.filter(recipient__username__in=["vn.cm", "me", "partner", "admin"]).exists()


def test_a_care_plan_waiting_for_approval_reaches_the_approver(cast: Cast) -> None:
    kh_care_plan(cast)
    Notification.objects.all().delete()

    reminders_build()

    assert told(Kind.CARE_PLAN_TO_DECIDE) == {"director"}
