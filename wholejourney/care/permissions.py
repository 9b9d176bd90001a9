"""Who sees which kind of care record about a client in their caseload.

Each record belongs to an area of work. Staff see the areas they work in, and case managers (and
directors, who hold MANAGE_CASES) see every area because they coordinate the client's care.
Counseling *notes* are narrower still: `accounts.permissions.can_read_counseling_notes`.
"""

from __future__ import annotations

import enum
from typing import Any

from wholejourney.accounts.permissions import in_caseload, permissions_of
from wholejourney.accounts.roles import Permission


class Area(enum.StrEnum):
    COUNSELING = "counseling"
    LEGAL = "legal"
    ECONOMIC = "economic"
    EDUCATION = "education"
    CASEWORK = "casework"


# Any one of the permissions opens the area. Counseling shows only that a session took place (its
# notes need `can_read_counseling_notes`); legal and economic officers do not see it at all, as the
# fact of therapy is itself sensitive and not theirs to know.
AREA_READERS: dict[Area, frozenset[Permission]] = {
    Area.COUNSELING: frozenset({Permission.RECORD_COUNSELING, Permission.MANAGE_CASES}),
    Area.LEGAL: frozenset({Permission.RECORD_LEGAL, Permission.MANAGE_CASES}),
    Area.ECONOMIC: frozenset({Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES}),
    Area.EDUCATION: frozenset({Permission.RECORD_ECONOMIC, Permission.MANAGE_CASES, Permission.RECORD_COUNSELING}),
    Area.CASEWORK: frozenset({Permission.VIEW_CLIENTS}),
}


def areas_of(user: Any) -> frozenset[Area]:
    """The areas of care records the user's roles open (for clients in their caseload)."""
    granted = permissions_of(user)
    if Permission.VIEW_CLIENTS not in granted:
        return frozenset()
    return frozenset(area for area, readers in AREA_READERS.items() if readers & granted)


def may_see_area(user: Any, area: Area, client: Any) -> bool:
    """Whether the user may see `client`'s records of `area`."""
    return area in areas_of(user) and in_caseload(user, client)
