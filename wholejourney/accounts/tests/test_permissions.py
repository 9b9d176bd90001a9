"""`has_permission` with an object: holding the permission is not enough, the object must be in
the user's office — whatever else (caseload, views, selectors) would also have refused it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import models

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.cases.tests.factories import OrganisationFactory, make_case, make_client, make_referral
from wholejourney.conftest import Cast
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation
from wholejourney.programmes.models import Activity
from wholejourney.programmes.tests.factories import ActivityFactory


def _organisation(owner: User) -> Organisation:
    return OrganisationFactory.create(office=owner.office)


def _activity(owner: User) -> Activity:
    return ActivityFactory.create(office=owner.office)


def _office(owner: User) -> Office:
    return Office.objects.get(pk=owner.office_id)


# Each kind of object, made in the office of `owner` (a case manager of that office).
OBJECTS: dict[str, tuple[Permission, Callable[[User], models.Model]]] = {
    "client": (Permission.MANAGE_CASES, make_client),
    "case": (Permission.MANAGE_CASES, make_case),
    "incoming_referral": (Permission.MANAGE_CASES, make_referral),
    "organisation": (Permission.APPROVE_CLOSURE, _organisation),
    "activity": (Permission.VIEW_REPORTS, _activity),
    "office": (Permission.MANAGE_CASES, _office),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(OBJECTS))
def test_has_permission_refuses_an_object_of_another_office(cast: Cast, kind: str) -> None:
    perm, make = OBJECTS[kind]
    own_office_object, other_office_object = make(cast.case_manager), make(cast.other_office)

    # The KH director reaches every KH record of their office, and holds the permission.
    allowed = has_permission(cast.director, perm, obj=own_office_object)
    refused = has_permission(cast.director, perm, obj=other_office_object)

    assert (allowed, refused) == (True, False)
