"""A record's foreign keys are checked once: a row given by id is looked up, a row already loaded is
not looked up again (services save many records, each pointing at rows they just read)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wholejourney.accounts.models import Team
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def _queries_to_validate(team: Team) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        team.full_clean()
    return [query["sql"] for query in captured.captured_queries]


def test_a_loaded_office_is_not_looked_up_again_but_one_given_by_id_is() -> None:
    office = OfficeFactory()
    by_object = _queries_to_validate(Team(office=office, name="Outreach"))
    by_id = _queries_to_validate(Team(office_id=office.pk, name="Outreach"))
    assert len(by_id) == len(by_object) + 1  # the one lookup of the office
    assert not any('"core_office"' in sql for sql in by_object)
    assert by_object, "the team's name is still checked against the office's other teams"


def test_an_office_given_by_an_id_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Team(office_id=987654, name="Outreach").full_clean()
    assert "office" in refused.value.message_dict


def test_an_office_not_saved_yet_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Team(office=Office(code="ZZ", name="Nowhere"), name="Outreach").full_clean()
    assert "office" in refused.value.message_dict


def test_a_loaded_office_still_counts_for_the_unique_name_rule() -> None:
    office = OfficeFactory()
    Team.objects.create(office=office, name="Outreach")
    with pytest.raises(ValidationError):
        Team(office=office, name="Outreach").full_clean()
