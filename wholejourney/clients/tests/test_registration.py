"""Registration asks for what the programme needs, says which field is wrong and why, and a form
with several mistakes lists them at the top, each linked to its field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from wholejourney.clients import services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast

pytestmark = pytest.mark.django_db


def register(cast: Cast, **identity: Any) -> Client:
    return services.client_create(actor=cast.case_manager, office=cast.kh, team=cast.team, **identity)


def form(**overrides: str) -> dict[str, str]:
    data = {
        "family_name_km": "",
        "given_name_km": "",
        "family_name_latin": "Chan",
        "given_name_latin": "Sophea",
        "aliases": "",
        "date_of_birth": "",
        "birth_year": "2001",
        "sex": "female",
        "phone_numbers": "012 345 678",
        "id_card_number": "",
        "village": "",
        "commune": "",
        "district": "",
        "province": "",
    }
    return data | overrides


def test_client_create_with_only_a_given_name_and_a_phone_abc_is_refused_field_by_field(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        register(cast, given_name_latin="Sophea", phone_numbers=["abc"])

    problems = refused.value.message_dict
    assert set(problems) == {"sex", "date_of_birth", "phone_numbers"}
    assert "“abc” is not a phone number" in problems["phone_numbers"][0]
    assert "estimated year of birth" in problems["date_of_birth"][0]
    assert not Client.objects.exists()


def test_client_create_without_any_name_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        register(cast, sex="male", birth_year=1990)

    assert refused.value.message_dict == {"family_name_km": ["Give at least one name, in Khmer or in Latin script."]}


@pytest.mark.parametrize("number", ["12345", "+855 12 345 678 901 234 567 89", "012-abc-678", "012 345 678 ext 9"])
def test_client_create_refuses_a_phone_number_that_is_not_one(cast: Cast, number: str) -> None:
    with pytest.raises(ValidationError) as refused:
        register(cast, given_name_km="សុភា", sex="female", birth_year=1990, phone_numbers=[number])

    assert list(refused.value.message_dict) == ["phone_numbers"]


def test_client_create_accepts_khmer_digits_and_brackets_and_stores_ascii_digits(cast: Cast) -> None:
    client = register(
        cast, given_name_km="សុភា", sex="female", birth_year=1990, phone_numbers=["(+៨៥៥) ១២-៣៤៥  ៦៧៨", "012345678"]
    )

    assert Client.objects.get(pk=client.pk).phone_numbers == ["(+855) 12-345 678", "012345678"]


def test_register_page_accepts_an_estimated_birth_year_and_a_khmer_name_only(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.case_manager)

    response = client.post(
        "/clients/register/",
        form(family_name_latin="", given_name_latin="", given_name_km="សុភា", phone_numbers="០១២ ៣៤៥ ៦៧៨"),
    )

    assert response.status_code == 302
    assert Client.objects.get().phone_numbers == ["012 345 678"]


def test_register_page_with_three_mistakes_shows_a_summary_with_three_links_to_the_fields(
    client: HttpClient, cast: Cast
) -> None:
    client.force_login(cast.case_manager)

    response = client.post(
        "/clients/register/", form(family_name_latin="", given_name_latin="", sex="", phone_numbers="abc")
    )
    page = response.content.decode()

    summary = re.search(r'<div class="form-errors error-summary" role="alert".*?</div>', page, re.S)
    assert summary is not None
    assert "There are 3 problems with this form" in summary.group(0)
    targets = re.findall(r'<a href="#([^"]+)">', summary.group(0))
    assert targets == ["id_family_name_km", "id_sex", "id_phone_numbers"]
    for target in targets:
        assert f'id="{target}"' in page
    assert "Sex: Choose the client&#x27;s sex" in summary.group(0)
    assert not Client.objects.exists()
