"""A care-plan goal's responsible person is case-working staff of the client's office: the form offers
only them, and the service refuses anyone else."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from wholejourney.accounts.roles import Role
from wholejourney.care import services
from wholejourney.care.models import CarePlan, Domain
from wholejourney.care.tests.records import client_in_care, days_ago
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_care_plan_form_offers_as_responsible_only_case_working_staff_of_the_office(
    client: HttpClient, cast: Cast
) -> None:
    sokha, _case = client_in_care(cast)
    counselor = make_user(Role.COUNSELOR, office=cast.kh, username="kh.counselor")
    legal = make_user(Role.LEGAL_OFFICER, office=cast.kh, username="kh.legal")
    client.force_login(cast.case_manager)

    page = client.get(reverse("care:care_plan_new", kwargs={"pk": sokha.pk})).content.decode()
    select = re.search(r'<select name="protection-responsible".*?</select>', page, re.S)

    assert select is not None
    offered = set(re.findall(r'<option value="(\d+)"', select.group(0)))
    assert {str(cast.case_manager.pk), str(counselor.pk), str(legal.pk)} <= offered
    for outsider in (cast.me_officer, cast.partner, cast.other_office, cast.admin):
        assert str(outsider.pk) not in offered


@pytest.mark.parametrize("who", ["me_officer", "partner", "other_office"])
def test_care_plan_draft_refuses_a_responsible_person_who_does_not_work_on_the_office_cases(
    cast: Cast, who: str
) -> None:
    _client, case = client_in_care(cast)
    person = getattr(cast, who)

    with pytest.raises(ValidationError) as refused:
        services.care_plan_draft(
            actor=cast.case_manager,
            case=case,
            drafted_on=days_ago(10),
            next_review_on=days_ago(-60),
            goals=[{"domain": d, "goal": f"A goal in {d}", "responsible": person} for d in Domain.values],
        )

    assert "cannot be responsible for a goal" in refused.value.message_dict["responsible"][0]
    assert not CarePlan.objects.exists()
