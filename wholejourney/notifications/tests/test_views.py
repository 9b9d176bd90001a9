"""The notification centre's pages: the header count, the list, opening an item, the settings, duty."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from wholejourney.cases.models import Urgency
from wholejourney.cases.tests.factories import make_referral
from wholejourney.conftest import Cast
from wholejourney.notifications.models import Delivery, DutyAssignment, Kind, Notification, Preference
from wholejourney.notifications.text import sentence


def test_every_signed_in_page_loads_the_count_and_the_count_polls(client: HttpClient, cast: Cast) -> None:
    make_referral(cast.colleague, urgency=Urgency.EMERGENCY)
    client.force_login(cast.case_manager)

    home = client.get("/").content.decode()
    count = client.get("/notifications/count/", headers={"HX-Request": "true"}).content.decode()

    assert 'hx-get="/notifications/count/"' in home and 'hx-trigger="load"' in home
    assert 'hx-trigger="every 30s"' in count
    assert 'data-count="1"' in count
    assert ">1<" in count


def test_the_list_shows_my_notifications_only_newest_first(client: HttpClient, cast: Cast) -> None:
    make_referral(cast.colleague, urgency=Urgency.NORMAL)
    make_referral(cast.colleague, urgency=Urgency.EMERGENCY)
    client.force_login(cast.case_manager)

    page = client.get("/notifications/").content.decode()

    assert page.index(sentence(Kind.URGENT_REFERRAL)) < page.index(sentence(Kind.NEW_REFERRAL))
    client.force_login(cast.other_office)
    assert sentence(Kind.NEW_REFERRAL) not in client.get("/notifications/").content.decode()


def test_opening_marks_read_and_leads_to_the_record(client: HttpClient, cast: Cast) -> None:
    referral = make_referral(cast.colleague)
    note = Notification.objects.get(recipient=cast.case_manager)
    client.force_login(cast.case_manager)

    response = client.get(f"/notifications/{note.pk}/")

    assert response["Location"] == f"/referrals/{referral.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-count="0"' in client.get("/notifications/count/").content.decode()


def test_someone_elses_notification_is_404(client: HttpClient, cast: Cast) -> None:
    make_referral(cast.colleague)
    note = Notification.objects.get(recipient=cast.case_manager)
    client.force_login(cast.director)  # sees the referral, but this notification is not theirs

    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_all_read(client: HttpClient, cast: Cast) -> None:
    make_referral(cast.colleague)
    make_referral(cast.colleague)
    client.force_login(cast.case_manager)

    client.post("/notifications/read-all/")

    assert not Notification.objects.filter(recipient=cast.case_manager, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.director, read_at__isnull=True).count() == 2


def test_the_list_costs_the_same_queries_for_2_or_20_notifications(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    make_referral(cast.colleague)
    make_referral(cast.colleague)
    client.get("/notifications/")  # the session's first request writes it
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for _n in range(18):
        make_referral(cast.colleague)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/notifications/").content.decode()

    assert page.count('<li class="notification') == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_settings_save_a_choice_per_kind(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)
    choices: dict[str, Any] = dict.fromkeys(Kind.values, Delivery.AT_ONCE)
    choices[Kind.NEW_REFERRAL] = Delivery.APP_ONLY

    response = client.post("/notifications/settings/", choices)

    assert response.status_code == 302
    assert (
        dict(Preference.objects.filter(user=cast.case_manager).values_list("kind", "delivery"))[Kind.NEW_REFERRAL]
        == Delivery.APP_ONLY
    )


def test_the_director_puts_a_case_manager_on_duty_and_a_case_manager_cannot(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.director)
    page = client.get("/notifications/duty/").content.decode()
    assert cast.case_manager.get_full_name() in page
    assert cast.other_office.get_full_name() not in page and cast.partner.get_full_name() not in page

    client.post("/notifications/duty/", {"user": cast.case_manager.pk, "on_duty": "on"})
    assert DutyAssignment.objects.filter(user=cast.case_manager, office=cast.kh).exists()

    client.post("/notifications/duty/", {"user": cast.other_office.pk, "on_duty": "on"})
    assert not DutyAssignment.objects.filter(user=cast.other_office).exists()

    client.force_login(cast.case_manager)
    assert client.get("/notifications/duty/").status_code == 404
    client.force_login(cast.case_manager)
    assert "You are on duty" in client.get("/notifications/settings/").content.decode()


def test_settings_offer_each_person_only_the_kinds_that_can_reach_them(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.partner)
    partner_page = client.get("/notifications/settings/").content.decode()
    client.force_login(cast.case_manager)
    manager_page = client.get("/notifications/settings/").content.decode()

    assert str(Kind.REFERRAL_STATUS.label) in partner_page
    assert str(Kind.URGENT_REFERRAL.label) not in partner_page and str(Kind.BREAK_GLASS.label) not in partner_page
    assert str(Kind.URGENT_REFERRAL.label) in manager_page and str(Kind.REFERRAL_STATUS.label) not in manager_page


def test_the_background_count_does_not_keep_an_idle_session_alive(client: HttpClient, cast: Cast) -> None:
    import time

    from wholejourney.accounts.middleware import SEEN_AT

    client.force_login(cast.case_manager)
    client.get("/")
    session = client.session
    session[SEEN_AT] = time.time() - 29 * 60  # 29 minutes without activity
    session.save()

    polled = client.get("/notifications/count/", headers={"HX-Request": "true", "X-WJ-Background": "1"})

    assert polled.status_code == 200
    assert client.session[SEEN_AT] < time.time() - 28 * 60  # not counted as activity
    session = client.session
    session[SEEN_AT] = time.time() - 31 * 60
    session.save()
    after = client.get("/notifications/count/", headers={"HX-Request": "true", "X-WJ-Background": "1"})
    assert after.status_code != 200  # the next poll after 30 idle minutes signs the person out
    assert client.get("/notifications/").status_code == 302
