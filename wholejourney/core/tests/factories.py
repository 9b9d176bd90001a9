"""factory_boy factories and the shared cast of the access tests."""

from __future__ import annotations

from typing import Any

import factory

from wholejourney.accounts.models import Team, User, UserRole
from wholejourney.accounts.roles import Role
from wholejourney.core.models import Office

PASSWORD = "correct-horse-battery"


class OfficeFactory(factory.django.DjangoModelFactory[Office]):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = "KH"
    name = factory.LazyAttribute(lambda o: {"KH": "Cambodia", "VN": "Vietnam", "AF": "Afghanistan"}.get(o.code, o.code))
    country = factory.LazyAttribute(lambda o: o.code[:2])
    time_zone = "Asia/Phnom_Penh"
    languages = factory.LazyFunction(lambda: ["km", "en"])


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    office = factory.SubFactory(OfficeFactory)
    # Hashed when the user is built, so the row is written once (tests make thousands of users).
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        UserRole.objects.bulk_create(UserRole(user=self, role=Role(role)) for role in extracted or [Role.CASE_MANAGER])
        self._role_set = None  # type: ignore[attr-defined]


def make_user(role: Role, *, office: Office | None = None, team: Team | None = None, **kwargs: Any) -> User:
    """A user with one role, in `office` (global when office is None and `global_=True`)."""
    global_scope = kwargs.pop("global_", False)
    if global_scope:
        office = None
    elif office is None:
        office = OfficeFactory(code="KH")
    return UserFactory(office=office, team=team, roles=[role], **kwargs)
