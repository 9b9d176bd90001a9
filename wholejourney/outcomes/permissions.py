"""Who may record outcomes, read what a crisis was, and judge a clock's flags.

The clock, the domain scores and the fact of a crisis (its date, domains and severity) are
casework: everyone whose caseload holds the client sees them. What happened in a crisis and the
response are as private as counseling notes, and the same people read them.
"""

from __future__ import annotations

from typing import Any

from wholejourney.accounts.permissions import can_read_counseling_notes, has_permission, permissions_of
from wholejourney.accounts.roles import Permission, Role


def may_record_outcomes(user: Any, client: Any) -> bool:
    """Assessments and crises: the client's counselors and case managers (the services agree)."""
    return has_permission(user, Permission.RECORD_COUNSELING, obj=client) or has_permission(
        user, Permission.MANAGE_CASES, obj=client
    )


def may_record_survey(user: Any, client: Any) -> bool:
    """The economic survey: economic-empowerment officers and case managers."""
    return has_permission(user, Permission.RECORD_ECONOMIC, obj=client) or has_permission(
        user, Permission.MANAGE_CASES, obj=client
    )


def may_read_crisis_text(user: Any, client: Any) -> bool:
    """What happened and the response taken: as counseling notes (counselors of the caseload, the
    team's supervisor, the office's director); not the case manager, not break-the-glass."""
    return can_read_counseling_notes(user, client)


def may_supervise_clock(user: Any, client: Any) -> bool:
    """The clock's flags are judged by the supervisor of the client's team or the office's director."""
    if Permission.VIEW_CLIENTS not in permissions_of(user) or user.office_id is None:
        return False
    if client.office_id != user.office_id:
        return False
    if Role.DIRECTOR in user.role_set:
        return True
    return client.team_id is not None and client.team is not None and client.team.supervisor_id == user.pk
