"""Each event reaches exactly the people who must act, and nobody outside the record's access."""

from __future__ import annotations

import datetime

from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, Urgency
from wholejourney.cases.tests.factories import make_case, make_client, make_closure_request, make_referral
from wholejourney.clients import services as client_services
from wholejourney.conftest import Cast
from wholejourney.core import services as job_services
from wholejourney.exports import services as export_services
from wholejourney.notifications import services
from wholejourney.notifications.models import Kind, Notification
from wholejourney.notifications.selectors import notifications_for, unread_count
from wholejourney.notifications.tests.helpers import told, with_partner_organisation

INTAKE_KH = {"cm", "colleague", "otherteam", "director"}


def test_urgent_referral_from_a_partner_reaches_the_office_intake_staff_only(cast: Cast) -> None:
    with_partner_organisation(cast)

    make_referral(cast.partner, urgency=Urgency.EMERGENCY)

    assert told(Kind.URGENT_REFERRAL) == INTAKE_KH
    assert told() == INTAKE_KH  # not VN, not M&E, not the partner who sent it, not the global administrator
    assert set(Notification.objects.values_list("urgent", flat=True)) == {True}


def test_normal_referral_is_a_new_referral_not_urgent(cast: Cast) -> None:
    make_referral(cast.case_manager, urgency=Urgency.NORMAL)

    assert told(Kind.NEW_REFERRAL) == INTAKE_KH - {"cm"}  # the one who recorded it is not told
    assert told(Kind.URGENT_REFERRAL) == set()


def test_referral_accepted_tells_the_partner_and_the_assigned_case_manager(cast: Cast) -> None:
    with_partner_organisation(cast)
    referral = make_referral(cast.partner, urgency=Urgency.HIGH)
    Notification.objects.all().delete()

    case_services.referral_accept(
        actor=cast.director,
        referral=referral,
        opened_on=referral.referred_on,
        primary_abuse_type=AbuseType.HUMAN_TRAFFICKING,
        team=cast.team,
        case_manager=cast.case_manager,
        identity={"given_name_latin": "Srey", "family_name_latin": "Mao", "sex": "female", "birth_year": 2005},
    )

    assert told(Kind.REFERRAL_STATUS) == {"partner"}
    assert told(Kind.REFERRAL_ASSIGNED) == {"cm"}
    assert told() == {"partner", "cm"}


def test_referral_declined_tells_the_partner_only(cast: Cast) -> None:
    with_partner_organisation(cast)
    referral = make_referral(cast.partner)
    Notification.objects.all().delete()

    case_services.referral_decline(actor=cast.case_manager, referral=referral, note="Not in our area")

    assert told() == {"partner"}
    assert [n.kind for n in notifications_for(cast.partner)] == [Kind.REFERRAL_STATUS]


def test_closure_request_reaches_the_approver_and_its_decision_the_requester(cast: Cast) -> None:
    closure = make_closure_request(cast.case_manager)

    assert told(Kind.CLOSURE_TO_DECIDE) == {"director"}

    case_services.closure_decide(actor=cast.director, request=closure, approve=False, comment="Add the last visit")

    assert told(Kind.CLOSURE_DECIDED) == {"cm"}
    assert told() == {"director", "cm"}


def test_break_glass_tells_the_case_manager_and_the_director_not_the_one_who_used_it(cast: Cast) -> None:
    client = make_client(cast.case_manager)

    client_services.break_glass(actor=cast.other_team_colleague, client=client, reason="Client at the hospital now")

    assert told(Kind.BREAK_GLASS) == {"cm", "director"}


def test_identifying_export_waits_for_the_director_and_its_decision_reaches_the_requester(cast: Cast) -> None:
    export = export_services.export_request(actor=cast.case_manager, kind="clients", format="xlsx", identifying=True)

    assert told(Kind.EXPORT_TO_DECIDE) == {"director"}

    export_services.export_decide(actor=cast.director, export=export, approve=False, note="Not needed")

    assert told(Kind.EXPORT_DECIDED) == {"cm"}


def test_codes_only_export_asks_nobody(cast: Cast) -> None:
    export_services.export_request(actor=cast.case_manager, kind="clients", format="xlsx", identifying=False)

    assert told(Kind.EXPORT_TO_DECIDE) == set()


def test_finished_job_tells_who_started_it(cast: Cast) -> None:
    job = job_services.job_create(actor=cast.me_officer, kind="report", office=cast.kh)

    job_services.job_finish(job_id=job.pk, message="Ready")

    assert told() == {"me"}
    assert unread_count(cast.me_officer) == 1
    assert unread_count(cast.case_manager) == 0


def test_notification_disappears_when_its_record_leaves_my_access(cast: Cast) -> None:
    case = make_case(cast.case_manager)
    client_services.break_glass(
        actor=cast.other_team_colleague, client=case.client, reason="Client at the hospital now"
    )
    assert unread_count(cast.case_manager) == 1

    case_services.case_transfer(actor=cast.director, case=case, team=cast.other_team, case_manager=cast.director)

    assert notifications_for(cast.case_manager) == []
    assert unread_count(cast.case_manager) == 0
    assert unread_count(cast.director) == 1  # still theirs


def test_nothing_notifies_while_silenced(cast: Cast) -> None:
    with services.silenced():
        make_referral(cast.case_manager, urgency=Urgency.EMERGENCY)

    assert Notification.objects.count() == 0


def test_one_event_tells_each_person_once(cast: Cast) -> None:
    referral = make_referral(cast.case_manager, urgency=Urgency.EMERGENCY)
    from wholejourney.notifications import events

    events.referral_received(referral=referral, actor=cast.case_manager)

    assert Notification.objects.filter(recipient=cast.colleague).count() == 1


def test_old_notifications_are_purged_after_90_days(cast: Cast) -> None:
    make_referral(cast.case_manager)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=91)

    services.notifications_purge(now=later)

    assert Notification.objects.count() == 0


def test_an_event_costs_about_one_query_per_person_told(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.accounts.roles import Role
    from wholejourney.core.tests.factories import make_user

    with CaptureQueriesContext(connection) as few:
        make_referral(cast.case_manager, urgency=Urgency.EMERGENCY)
    for n in range(20):
        make_user(Role.CASE_MANAGER, office=cast.kh, username=f"more{n}", email=f"more{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        make_referral(cast.case_manager, urgency=Urgency.EMERGENCY)

    assert Notification.objects.filter(urgent=True).count() == 3 + 23
    # Each person's access is asked of the referral's own selector (one query each); the writes are shared.
    assert len(many.captured_queries) - len(few.captured_queries) <= 20
