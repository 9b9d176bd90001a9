"""The keys-first paginator gives the pages Django's paginator gives, in two queries a page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db.models import F, Value
from django.db.models.functions import Concat

from wholejourney.core.models import Office
from wholejourney.core.pagination import KeysFirstPaginator
from wholejourney.core.tests.factories import OfficeFactory

CODES = ["AA", "BB", "CC", "DD", "EE", "FF", "GG"]


@pytest.fixture
def offices(db: None) -> None:
    for code in CODES:
        OfficeFactory(code=code)


def listed() -> Any:
    return Office.objects.filter(code__in=CODES).annotate(label=Concat(F("code"), Value("!"))).order_by("-code")


@pytest.mark.parametrize("number", [1, 2, 3, "last", "9", "x"])
def test_pages_are_those_of_djangos_paginator(offices: None, number: Any) -> None:
    ours = KeysFirstPaginator(listed(), 3, orphans=1).get_page(number)
    django = Paginator(listed(), 3, orphans=1).get_page(number)

    assert [o.code for o in ours] == [o.code for o in django]
    assert [o.label for o in ours] == [o.code + "!" for o in django]
    assert (ours.number, ours.paginator.num_pages, ours.has_next()) == (django.number, 2, django.has_next())


def test_a_page_is_two_queries_after_the_count(offices: None, django_assert_num_queries: Any) -> None:
    paginator = KeysFirstPaginator(listed(), 2)
    assert paginator.count == len(CODES)
    with django_assert_num_queries(2):
        page = paginator.page(3)
        assert [o.code for o in page] == ["CC", "BB"]


def test_an_empty_list_has_one_empty_page(db: None) -> None:
    page = KeysFirstPaginator(Office.objects.none(), 50).get_page(1)
    assert list(page) == []
