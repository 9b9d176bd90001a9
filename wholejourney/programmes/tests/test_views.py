"""The prevention officer's pages: each works for the officer, is a 404 for everyone else and for
another office, records through the services, and shows names only to the office's prevention staff."""

from __future__ import annotations

import datetime
import html
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.programmes.models import (
    Activity,
    Attendance,
    Campaign,
    CommunityGroup,
    Donation,
    ExternalMeeting,
    GroupPlanAction,
    GroupStatusPeriod,
    HusbandWifeGroup,
    Participant,
    PublicEvent,
)
from wholejourney.programmes.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    ParticipantFactory,
    kh_group,
    kh_plan_action,
    prevention_officer,
)

D = datetime.date
PAGES = [
    "activity_list", "activity_new", "attendance_template", "participant_list", "group_list", "group_new",
    "reflection_new", "campaign_list", "campaign_new", "meeting_list", "meeting_new", "donation_list",
    "donation_new", "event_list", "event_new",
]  # fmt: skip
OBJECT_PAGES = ["activity_detail", "attendance_add", "attendance_upload", "group_detail"]


def page_text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def officer(cast: Cast) -> User:
    return prevention_officer(cast.kh)


@pytest.fixture
def signed_in(client: HttpClient, officer: User) -> HttpClient:
    client.force_login(officer)
    return client


def _object_url(name: str, cast: Cast) -> str:
    target: Any = ActivityFactory(office=cast.kh) if name != "group_detail" else kh_group(cast)
    return reverse(f"programmes:{name}", kwargs={"pk": target.pk})


# --- who may open the pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES + OBJECT_PAGES)
def test_pages_open_for_the_prevention_officer(signed_in: HttpClient, cast: Cast, name: str) -> None:
    url = _object_url(name, cast) if name in OBJECT_PAGES else reverse(f"programmes:{name}")

    assert signed_in.get(url).status_code == 200


@pytest.mark.parametrize("name", PAGES + OBJECT_PAGES)
@pytest.mark.parametrize("who", ["case_manager", "me_officer", "director", "partner", "admin"])
def test_pages_are_404_without_the_prevention_permission(client: HttpClient, cast: Cast, name: str, who: str) -> None:
    url = _object_url(name, cast) if name in OBJECT_PAGES else reverse(f"programmes:{name}")
    client.force_login(getattr(cast, who))

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_object_pages_are_404_to_another_office_prevention_officer(client: HttpClient, cast: Cast, name: str) -> None:
    url = _object_url(name, cast)
    client.force_login(prevention_officer(cast.vn, "vn.prevention"))

    assert client.get(url).status_code == 404


def test_lists_show_only_the_office_records(client: HttpClient, cast: Cast) -> None:
    ActivityFactory(office=cast.kh, place="Battambang market")
    ActivityFactory(office=cast.vn, place="Hanoi hall")
    client.force_login(prevention_officer(cast.vn, "vn.prevention"))

    text = page_text(client.get("/programmes/"))

    assert "Hanoi hall" in text
    assert "Battambang market" not in text


def test_navigation_shows_programmes_to_the_prevention_officer_only(
    client: HttpClient, cast: Cast, officer: User
) -> None:
    client.force_login(officer)
    officer_home = client.get("/").content.decode()
    client.force_login(cast.case_manager)
    case_manager_home = client.get("/").content.decode()

    assert '<a href="/programmes/">Programmes</a>' in officer_home
    assert "/programmes/" not in case_manager_home


def test_a_global_prevention_account_reads_but_records_nothing(client: HttpClient, cast: Cast) -> None:
    ActivityFactory(office=cast.kh, place="Battambang market")
    client.force_login(make_user(Role.PREVENTION_OFFICER, global_=True, username="global.prevention"))

    listed = page_text(client.get("/programmes/"))
    new = client.get("/programmes/activities/new/")

    assert "Battambang market" in listed
    assert new.status_code == 404


# --- activities and attendance ---------------------------------------------------------------


def test_record_a_training_then_see_it(signed_in: HttpClient, officer: User) -> None:
    response = signed_in.post(
        "/programmes/activities/new/",
        {"kind": "prevention_training", "topic": "safe_migration", "held_on": "2024-03-02", "place": "Ou Chrov"},
    )

    activity = Activity.objects.get()
    page = page_text(signed_in.get(response["Location"]))
    assert response["Location"] == f"/programmes/activities/{activity.pk}/"
    assert (activity.office_id, activity.facilitator_id) == (officer.office_id, officer.pk)
    assert "Prevention training" in page
    assert "Safe migration" in page
    assert "Ou Chrov" in page


def test_record_an_activity_in_the_future_is_refused(signed_in: HttpClient) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = signed_in.post("/programmes/activities/new/", {"kind": "prevention_training", "held_on": tomorrow})

    assert "The date cannot be in the future." in page_text(response)
    assert Activity.objects.count() == 0


def test_type_in_attendance_records_the_filled_rows(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    rows = {
        "row-TOTAL_FORMS": "3", "row-INITIAL_FORMS": "0",
        "row-0-name": "Sok Dara", "row-0-sex": "female", "row-0-age_band": "25-59", "row-0-group": "teachers",
        "row-1-sex": "male", "row-1-age_band": "18-24", "row-1-group": "youth_and_children_council",
    }  # fmt: skip

    response = signed_in.post(f"/programmes/activities/{activity.pk}/attendance/", rows)
    again = signed_in.post(f"/programmes/activities/{activity.pk}/attendance/", rows)

    assert response.status_code == 302
    assert again.status_code == 302
    assert Attendance.objects.filter(activity=activity).count() == 2  # the same rows sent twice: no one added
    assert Participant.objects.count() == 2


def test_type_in_attendance_with_a_bad_row_saves_nothing_and_marks_the_row(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    rows = {
        "row-TOTAL_FORMS": "2", "row-INITIAL_FORMS": "0",
        "row-0-name": "Sok Dara", "row-0-group": "teachers", "row-0-ref": "T-1",
        "row-1-name": "Chan Thy", "row-1-group": "", "row-1-ref": "T-1",
    }  # fmt: skip

    response = signed_in.post(f"/programmes/activities/{activity.pk}/attendance/", rows)

    text = page_text(response)
    assert "Choose one of the participant groups." in text
    assert "This reference is already used on another row." in text
    assert Participant.objects.count() == 0


def test_type_in_attendance_with_no_row_filled_says_so(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)

    response = signed_in.post(
        f"/programmes/activities/{activity.pk}/attendance/", {"row-TOTAL_FORMS": "2", "row-INITIAL_FORMS": "0"}
    )

    assert "Fill in at least one row." in page_text(response)


class _FormValues(HTMLParser):
    """What a browser would send from the page's form: each field's shown value."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "input" and found.get("type") not in ("submit", "checkbox") and "name" in found:
            self.values[found["name"]] = found.get("value", "")
        elif tag == "select":
            self._select = found["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in found:
            self.values[self._select] = found.get("value", "")
        elif tag == "textarea":
            self._textarea = found["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def form_values(response: Any) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(response.content.decode())
    return parser.values


def row_names(values: dict[str, str]) -> list[str]:
    return [values[f"row-{n}-name"] for n in range(int(values["row-TOTAL_FORMS"]))]


def rows_pasted(signed_in: HttpClient, url: str, lines: list[str]) -> dict[str, str]:
    """The attendance page's fields once these lines are pasted, everyone a teacher."""
    opened = form_values(signed_in.get(url))
    pasted = {"paste-names": "\n".join(lines), "paste-group": "teachers", "paste": "1"}
    return form_values(signed_in.post(url, opened | pasted))


def test_attendance_form_opens_with_25_empty_rows(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)

    values = form_values(signed_in.get(f"/programmes/activities/{activity.pk}/attendance/"))

    assert row_names(values) == [""] * 25


def test_attendance_more_rows_keeps_every_typed_value_and_adds_ten_rows(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    typed = form_values(signed_in.get(url)) | {
        "row-0-name": "Sok Dara", "row-0-phone": "012 345 678", "row-0-sex": "female", "row-0-age_band": "25-59",
        "row-0-group": "teachers", "row-0-village": "Ou Chrov", "row-0-ref": "T-1",
        "row-24-name": "Chan Thy", "row-24-sex": "male", "row-24-group": "youth_and_children_council",
    }  # fmt: skip

    response = signed_in.post(url, typed | {"more": "1"})

    again = form_values(response)
    assert int(again["row-TOTAL_FORMS"]) == 35
    assert {key: again[key] for key in typed if key.startswith("row-") and key[4].isdigit()} == {
        key: value for key, value in typed.items() if key.startswith("row-") and key[4].isdigit()
    }
    assert row_names(again)[25:] == [""] * 10
    assert 'autofocus id="id_row-25-name"' in response.content.decode()  # the page opens at the first new row
    assert "Select a valid choice" not in page_text(response)  # nothing checked yet
    assert (Participant.objects.count(), Attendance.objects.count()) == (0, 0)


def test_attendance_more_rows_with_htmx_is_only_the_form(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"

    response = signed_in.post(url, form_values(signed_in.get(url)) | {"more": "1"}, headers={"HX-Request": "true"})

    assert response.content.decode().startswith('<form method="post" novalidate id="attendance-form"')
    assert int(form_values(response)["row-TOTAL_FORMS"]) == 35


def test_attendance_paste_of_30_names_gives_30_filled_rows(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    names = [f"Person {n}" for n in range(1, 31)]
    pasted = "\n".join([f"{names[0]}, F, 34", f"{names[1]}\tប្រុស\t16", *names[2:]])

    response = signed_in.post(url, form_values(signed_in.get(url)) | {"paste-names": pasted, "paste": "1"})

    values = form_values(response)
    assert row_names(values) == names
    assert [values[f"row-{n}-{key}"] for n in (0, 1) for key in ("sex", "age_band")] == [
        "female", "25-59", "male", "12-17"
    ]  # fmt: skip
    assert values["paste-names"] == ""  # filled once; a second press would not add them twice
    assert Participant.objects.count() == 0


def test_attendance_paste_fills_the_empty_rows_after_what_was_typed(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    typed = form_values(signed_in.get(url)) | {"row-0-name": "Sok Dara", "row-0-group": "teachers"}

    response = signed_in.post(
        url, typed | {"paste-names": "Chan Thy\n\nKeo Mony, F", "paste-group": "caregivers", "paste": "1"}
    )

    values = form_values(response)
    assert row_names(values) == ["Sok Dara", "Chan Thy", "Keo Mony"]
    assert [values[f"row-{n}-group"] for n in range(3)] == ["teachers", "caregivers", "caregivers"]


def test_attendance_paste_with_a_word_that_is_no_sex_or_age_says_which_line(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    typed = form_values(signed_in.get(url)) | {"row-0-name": "Sok Dara"}

    response = signed_in.post(url, typed | {"paste-names": "Chan Thy, F\nKeo Mony, teacher", "paste": "1"})

    values = form_values(response)
    assert "Line 2: “teacher” is not a sex or an age." in page_text(response)
    assert row_names(values) == ["Sok Dara"] + [""] * 24  # nothing filled, nothing lost
    assert values["paste-names"] == "Chan Thy, F\nKeo Mony, teacher"


def test_attendance_pasted_then_saved_records_everyone(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    filled = rows_pasted(signed_in, url, [f"Person {n}, F, 30" for n in range(1, 31)])

    response = signed_in.post(url, filled | {"save": "1"})

    assert response.status_code == 302
    assert Attendance.objects.filter(activity=activity).count() == 30


def test_attendance_save_with_one_bad_row_of_many_saves_nothing_and_keeps_the_rows(
    signed_in: HttpClient, cast: Cast
) -> None:
    activity = ActivityFactory(office=cast.kh)
    url = f"/programmes/activities/{activity.pk}/attendance/"
    filled = rows_pasted(signed_in, url, [f"Person {n}, M, 40" for n in range(1, 26)])

    response = signed_in.post(url, filled | {"row-6-group": "", "save": "1"})

    assert response.status_code == 200
    assert Attendance.objects.count() == 0
    assert re.search(r'attendance-row has-error">\s*<legend>Person 7<', response.content.decode())
    assert "Choose one of the participant groups." in page_text(response)
    assert row_names(form_values(response)) == [f"Person {n}" for n in range(1, 26)]


def test_tests_scores_are_asked_only_for_tic_pfa_trainings(signed_in: HttpClient, cast: Cast) -> None:
    training = ActivityFactory(office=cast.kh, kind="tic_pfa_training")
    prevention = ActivityFactory(office=cast.kh)

    assert "Pre-test score" in page_text(signed_in.get(f"/programmes/activities/{training.pk}/attendance/"))
    assert "Pre-test score" not in page_text(signed_in.get(f"/programmes/activities/{prevention.pk}/attendance/"))


def test_attendance_template_downloads_as_xlsx(signed_in: HttpClient) -> None:
    response = signed_in.get("/programmes/attendance-sheet.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="attendance-sheet-en.xlsx"' in response["Content-Disposition"]
    assert workbook.sheetnames == ["Attendance", "Lists", "Help"]


# --- names ------------------------------------------------------------------------------------


def _attended(cast: Cast) -> Activity:
    activity = ActivityFactory(office=cast.kh)
    person = ParticipantFactory(office=cast.kh, name="Sok Dara", phone="012345678")
    Attendance.objects.create(activity=activity, participant=person)
    return activity


def test_names_are_shown_to_the_office_prevention_staff(signed_in: HttpClient, cast: Cast) -> None:
    activity = _attended(cast)

    detail = page_text(signed_in.get(f"/programmes/activities/{activity.pk}/"))
    listed = page_text(signed_in.get("/programmes/participants/"))

    assert "Sok Dara" in detail
    assert "Sok Dara" in listed
    assert "012345678" in listed


def test_names_are_hidden_from_a_global_account(client: HttpClient, cast: Cast) -> None:
    activity = _attended(cast)
    client.force_login(make_user(Role.PREVENTION_OFFICER, global_=True, username="global.prevention"))

    detail = page_text(client.get(f"/programmes/activities/{activity.pk}/"))
    listed = page_text(client.get("/programmes/participants/"))

    assert "Community-based group leader" in listed  # the person is listed…
    assert "Sok Dara" not in detail + listed  # …without a name
    assert "012345678" not in listed


def test_participants_of_another_office_are_not_listed(client: HttpClient, cast: Cast) -> None:
    _attended(cast)
    client.force_login(prevention_officer(cast.vn, "vn.prevention"))

    text = page_text(client.get("/programmes/participants/"))

    assert "Sok Dara" not in text
    assert "0 participants" in text


# --- community-based groups ------------------------------------------------------------------


def test_add_a_group_active_from_a_date(signed_in: HttpClient) -> None:
    response = signed_in.post(
        "/programmes/groups/new/",
        {"name": "Kralanh women's group", "province": "Siem Reap", "village": "Kralanh", "active_since": "2022-01-10"},
    )

    group = CommunityGroup.objects.get()
    assert response["Location"] == f"/programmes/groups/{group.pk}/"
    assert list(group.statuses.values_list("status", "start", "end")) == [("active", D(2022, 1, 10), None)]


def test_group_status_change_closes_the_current_period(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)

    signed_in.post(f"/programmes/groups/{group.pk}/status/", {"status": "inactive", "start": "2024-02-01"})

    statuses = list(group.statuses.order_by("start").values_list("status", "end"))
    assert statuses == [("active", D(2024, 1, 31)), ("inactive", None)]
    assert "Inactive" in page_text(signed_in.get(f"/programmes/groups/{group.pk}/"))


def test_group_status_before_the_current_one_is_refused(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)

    response = signed_in.post(f"/programmes/groups/{group.pk}/status/", {"status": "inactive", "start": "2020-02-01"})

    assert "The new status must start after the current one." in page_text(response)
    assert group.statuses.count() == 1


def test_plan_action_added_to_the_year_and_marked_completed(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)

    added = signed_in.post(
        f"/programmes/groups/{group.pk}/actions/?year=2023", {"topic": "safe_migration", "planned_on": "2023-04-01"}
    )
    action = GroupPlanAction.objects.get()
    completed = signed_in.post(f"/programmes/actions/{action.pk}/complete/", {"completed_on": "2023-04-20"})
    page = page_text(signed_in.get(f"/programmes/groups/{group.pk}/?year=2023"))

    action.refresh_from_db()
    assert added["Location"] == f"/programmes/groups/{group.pk}/?year=2023"
    assert completed["Location"] == f"/programmes/groups/{group.pk}/?year=2023"
    assert (action.year, action.completed_on) == (2023, D(2023, 4, 20))
    assert "Safe migration" in page
    assert "20/04/2023" in page
    assert "Plan for 2023" in page  # a year, not a number with a thousands separator
    assert (
        f'action="/programmes/groups/{group.pk}/actions/?year=2023"'
        in signed_in.get(f"/programmes/groups/{group.pk}/?year=2023").content.decode()
    )


def test_plan_action_outside_the_plan_year_is_refused(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)

    response = signed_in.post(
        f"/programmes/groups/{group.pk}/actions/?year=2023", {"topic": "gbv", "planned_on": "2024-01-05"}
    )

    assert "The action must be planned within the plan's year." in page_text(response)
    assert GroupPlanAction.objects.count() == 0


def test_plan_action_of_another_office_cannot_be_completed(client: HttpClient, cast: Cast) -> None:
    action = kh_plan_action(cast)
    client.force_login(prevention_officer(cast.vn, "vn.prevention"))

    response = client.post(f"/programmes/actions/{action.pk}/complete/", {"completed_on": "2023-04-20"})

    action.refresh_from_db()
    assert response.status_code == 404
    assert action.completed_on is None


def test_group_list_shows_status_and_this_year_plan(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)
    year = timezone.localdate().year
    GroupPlanAction.objects.create(
        group=group, year=year, topic="gbv", planned_on=D(year, 1, 1), completed_on=D(year, 1, 1)
    )
    GroupPlanAction.objects.create(group=group, year=year, topic="gbv", planned_on=D(year, 12, 1))

    text = page_text(signed_in.get("/programmes/groups/"))

    assert group.name in text
    assert "Active" in text
    assert "1 of 2 actions completed" in text


# --- reflection meetings, campaigns, meetings, donations, events -----------------------------


def test_reflection_meeting_with_chosen_groups(signed_in: HttpClient, cast: Cast) -> None:
    chosen = [HusbandWifeGroup.objects.create(office=cast.kh, label=f"HW-{n}", village="Bavel") for n in range(2)]
    HusbandWifeGroup.objects.create(office=cast.kh, label="HW-other", village="Kralanh")

    listed = page_text(signed_in.get("/programmes/reflection-meetings/new/?village=Bavel"))
    response = signed_in.post(
        "/programmes/reflection-meetings/new/",
        {"held_on": "2024-05-05", "village": "Bavel", "groups": [group.pk for group in chosen]},
    )

    meeting = Activity.objects.get(kind="reflection_meeting")
    assert "HW-0" in listed and "HW-other" not in listed
    assert response["Location"] == f"/programmes/activities/{meeting.pk}/"
    assert sorted(meeting.hw_groups.values_list("label", flat=True)) == ["HW-0", "HW-1"]


def test_reflection_meeting_cannot_name_another_office_group(signed_in: HttpClient, cast: Cast) -> None:
    theirs = HusbandWifeGroup.objects.create(office=cast.vn, label="HW-vn")

    response = signed_in.post("/programmes/reflection-meetings/new/", {"held_on": "2024-05-05", "groups": [theirs.pk]})

    assert response.status_code == 200
    assert Activity.objects.count() == 0


def test_campaign_records_reach_by_sex_and_age(signed_in: HttpClient) -> None:
    response = signed_in.post(
        "/programmes/campaigns/new/",
        {"kind": "awareness", "held_on": "2024-02-02", "place": "Thma Koul", "topics": ["safe_migration", "gbv"],
         "adults_female": "40", "adults_male": "25", "children_female": "7", "children_male": "3"},
    )  # fmt: skip

    campaign = Campaign.objects.get()
    listed = page_text(signed_in.get("/programmes/campaigns/"))
    assert response["Location"] == "/programmes/campaigns/"
    assert (campaign.adults_female, campaign.adults_male, campaign.children_female, campaign.children_male) == (
        40, 25, 7, 3,
    )  # fmt: skip
    assert campaign.topics == ["safe_migration", "gbv"]
    assert "Safe migration, Gender-based violence" in listed


def test_campaign_reaching_no_one_is_refused(signed_in: HttpClient) -> None:
    response = signed_in.post(
        "/programmes/campaigns/new/",
        {"kind": "education", "held_on": "2024-02-02", "adults_female": "0", "adults_male": "0",
         "children_female": "0", "children_male": "0"},
    )  # fmt: skip

    assert "Give the number of people the campaign reached." in page_text(response)
    assert Campaign.objects.count() == 0


def test_external_meeting_with_who_went(signed_in: HttpClient, officer: User, cast: Cast) -> None:
    response = signed_in.post(
        "/programmes/meetings/new/",
        {"kind": "provincial_network", "held_on": "2024-01-15", "attended_by": [officer.pk, cast.director.pk],
         "notes": "Network plan for the year"},
    )  # fmt: skip

    meeting = ExternalMeeting.objects.get()
    assert response.status_code == 302
    assert set(meeting.attended_by.all()) == {officer, cast.director}
    assert meeting.notes == "Network plan for the year"


def test_external_meeting_cannot_name_staff_of_another_office(signed_in: HttpClient, cast: Cast) -> None:
    response = signed_in.post(
        "/programmes/meetings/new/",
        {"kind": "ngo_network", "held_on": "2024-01-15", "attended_by": [cast.other_office.pk]},
    )

    assert response.status_code == 200
    assert ExternalMeeting.objects.count() == 0


def test_donation_to_a_partner_of_the_office(signed_in: HttpClient, cast: Cast) -> None:
    school = OrganisationFactory(office=cast.kh, name="Prey Chhor primary school", kind="school")
    theirs = OrganisationFactory(office=cast.vn, name="Hanoi library")

    refused = signed_in.post(
        "/programmes/donations/new/",
        {"item": "books", "copies": "30", "recipient": theirs.pk, "donated_on": "2024-01-01"},
    )
    saved = signed_in.post(
        "/programmes/donations/new/",
        {"item": "books", "copies": "30", "recipient": school.pk, "donated_on": "2024-01-01"},
    )

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert list(Donation.objects.values_list("recipient__name", "copies")) == [("Prey Chhor primary school", 30)]


def test_public_event_with_reported_attendance(signed_in: HttpClient) -> None:
    signed_in.post(
        "/programmes/events/new/",
        {"kind": "mental_health_day", "name": "World Mental Health Day 2024", "held_on": "2024-10-10",
         "reported_attendance": "2100"},
    )  # fmt: skip

    assert list(PublicEvent.objects.values_list("name", "reported_attendance")) == [
        ("World Mental Health Day 2024", 2100)
    ]
    assert "World Mental Health Day 2024" in page_text(signed_in.get("/programmes/events/"))


# --- list pages do not grow in queries -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/programmes/", lambda cast: ActivityFactory(office=cast.kh)),
        ("/programmes/participants/", lambda cast: ParticipantFactory(office=cast.kh, name="Sok")),
        ("/programmes/groups/", kh_group),
        ("/programmes/campaigns/", lambda cast: CampaignFactory(office=cast.kh, adults_female=3, topics=["gbv"])),
        ("/programmes/meetings/", lambda cast: ExternalMeeting.objects.create(office=cast.kh, kind="other", held_on=D(2023, 1, 1))),
    ],
)  # fmt: skip
def test_list_query_count_does_not_grow(signed_in: HttpClient, cast: Cast, url: str, make: Any) -> None:
    for _ in range(2):
        make(cast)
    signed_in.get(url)
    with CaptureQueriesContext(connection) as two:
        signed_in.get(url)
    for _ in range(10):
        make(cast)

    with CaptureQueriesContext(connection) as twelve:
        signed_in.get(url)

    assert len(two.captured_queries) == len(twelve.captured_queries)


def test_activity_attendance_query_count_does_not_grow(signed_in: HttpClient, cast: Cast) -> None:
    activity = ActivityFactory(office=cast.kh)

    def attend(count: int) -> None:
        for _ in range(count):
            Attendance.objects.create(activity=activity, participant=ParticipantFactory(office=cast.kh, name="Sok"))

    attend(2)
    signed_in.get(f"/programmes/activities/{activity.pk}/")
    with CaptureQueriesContext(connection) as two:
        signed_in.get(f"/programmes/activities/{activity.pk}/")
    attend(10)

    with CaptureQueriesContext(connection) as twelve:
        signed_in.get(f"/programmes/activities/{activity.pk}/")

    assert len(two.captured_queries) == len(twelve.captured_queries)


def test_status_period_of_a_new_group_shows_on_the_page(signed_in: HttpClient, cast: Cast) -> None:
    group = kh_group(cast)
    GroupStatusPeriod.objects.filter(group=group).update(start=D(2021, 3, 1))

    assert "01/03/2021 – now" in page_text(signed_in.get(f"/programmes/groups/{group.pk}/"))
