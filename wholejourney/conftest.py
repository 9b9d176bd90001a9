"""Fixtures shared by every app's tests: offices and the cast of the access tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.roles import Role
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import OfficeFactory, TeamFactory, make_user


@dataclass
class Cast:
    """The people every access test asks about."""

    kh: Office
    vn: Office
    team: Team
    other_team: Team
    case_manager: User
    colleague: User  # same team
    other_team_colleague: User  # same office, other team
    other_office: User  # a case manager in VN
    me_officer: User
    partner: User
    director: User
    admin: User


@pytest.fixture
def cast(db: None) -> Cast:
    kh = OfficeFactory(code="KH")
    vn = OfficeFactory(code="VN", time_zone="Asia/Ho_Chi_Minh", languages=["en"])
    team = TeamFactory(office=kh, name="Team A")
    other_team = TeamFactory(office=kh, name="Team B")
    director = make_user(Role.DIRECTOR, office=kh, username="director")
    team.supervisor = director
    team.save()
    return Cast(
        kh=kh,
        vn=vn,
        team=team,
        other_team=other_team,
        case_manager=make_user(Role.CASE_MANAGER, office=kh, team=team, username="cm"),
        colleague=make_user(Role.CASE_MANAGER, office=kh, team=team, username="colleague"),
        other_team_colleague=make_user(Role.CASE_MANAGER, office=kh, team=other_team, username="otherteam"),
        other_office=make_user(Role.CASE_MANAGER, office=vn, username="vn.cm"),
        me_officer=make_user(Role.ME_OFFICER, office=kh, username="me"),
        partner=make_user(Role.PARTNER_REFERRER, office=kh, username="partner"),
        director=director,
        admin=make_user(Role.ADMINISTRATOR, global_=True, username="admin"),
    )
