"""Offices, teams and the demo accounts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from wholejourney.accounts import services
from wholejourney.accounts.models import Team, User, UserRole
from wholejourney.accounts.roles import Role
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation

# Long enough for the 12-character rule and not on the common-password list; demo only.
DEFAULT_DEMO_PASSWORD = "whole-journey-demo"

OFFICES: list[dict[str, Any]] = [
    {
        "code": "KH",
        "name": "Cambodia",
        "country": "KH",
        "time_zone": "Asia/Phnom_Penh",
        "languages": ["km", "en"],
        "currency": "KHR",
    },
    {
        "code": "VN",
        "name": "Vietnam",
        "country": "VN",
        "time_zone": "Asia/Ho_Chi_Minh",
        "languages": ["en"],
        "currency": "VND",
    },
    {
        "code": "AF",
        "name": "Afghanistan",
        "country": "AF",
        "time_zone": "Asia/Kabul",
        "languages": ["en"],
        "currency": "AFN",
    },
]

TEAMS = {"KH": "Phnom Penh casework", "VN": "Hanoi casework", "AF": "Kabul casework"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    office: str | None
    role: Role
    in_team: bool


DEMO_USERS = [
    DemoUser("admin", "Dara", "Admin", None, Role.ADMINISTRATOR, False),
    DemoUser("director", "Sreyana", "Sok", "KH", Role.DIRECTOR, False),
    DemoUser("casemanager", "Sophea", "Chan", "KH", Role.CASE_MANAGER, True),
    DemoUser("counselor", "Bopha", "Keo", "KH", Role.COUNSELOR, True),
    DemoUser("legal", "Vannak", "Meas", "KH", Role.LEGAL_OFFICER, True),
    DemoUser("econ", "Chenda", "Long", "KH", Role.ECONOMIC_OFFICER, True),
    DemoUser("prevention", "Rithy", "Phan", "KH", Role.PREVENTION_OFFICER, False),
    DemoUser("me", "Kanha", "Ros", "KH", Role.ME_OFFICER, False),
    DemoUser("partner", "Piseth", "Heng", "KH", Role.PARTNER_REFERRER, False),
    DemoUser("vn.casemanager", "Linh", "Nguyen", "VN", Role.CASE_MANAGER, True),
]


def demo_password() -> str:
    return os.environ.get("WJ_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def build_accounts() -> None:
    offices = {spec["code"]: Office.objects.create(**spec) for spec in OFFICES}
    password = demo_password()
    # The first administrator is made directly (there is nobody yet to create it); the rest go
    # through the same service the administration pages use, and so are audited.
    admin_spec = DEMO_USERS[0]
    admin = User(username=admin_spec.username, first_name=admin_spec.first_name, last_name=admin_spec.last_name)
    admin.set_password(password)
    admin.save()
    UserRole.objects.create(user=admin, role=admin_spec.role)

    teams = {code: Team.objects.create(office=office, name=TEAMS[code]) for code, office in offices.items()}
    for spec in DEMO_USERS[1:]:
        if spec.role == Role.PARTNER_REFERRER:
            continue  # needs its organisation: made with the partners (build_partner_account)
        office = offices[spec.office] if spec.office else None
        services.user_create(
            actor=admin,
            username=spec.username,
            password=password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            office=office,
            team=teams[spec.office] if spec.in_team and spec.office else None,
            roles=[spec.role],
            must_change_password=False,
        )
    # The director supervises the Cambodia team; in Vietnam the case manager's team has none yet.
    kh_team = teams["KH"]
    kh_team.supervisor = User.objects.get(username="director")
    kh_team.save(update_fields=["supervisor"])


def build_partner_account(organisation: Organisation) -> User:
    """The demo's partner referrer, made through the service once its organisation exists."""
    spec = next(spec for spec in DEMO_USERS if spec.role == Role.PARTNER_REFERRER)
    return services.user_create(
        actor=User.objects.get(username=DEMO_USERS[0].username),
        username=spec.username,
        password=demo_password(),
        first_name=spec.first_name,
        last_name=spec.last_name,
        office=organisation.office,
        roles=[spec.role],
        must_change_password=False,
        partner_organisation=organisation,
    )
