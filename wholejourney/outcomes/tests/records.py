"""Clients in care and their outcome records, made through the services, for the outcomes tests
(and the URL walk's outsider check)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from wholejourney.accounts.models import Team, User
from wholejourney.cases import services as case_services
from wholejourney.cases.models import AbuseType, Case, ClosureReason
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.outcomes import services
from wholejourney.outcomes.models import Assessment, ClockFlag, CrisisEvent
from wholejourney.outcomes.services import current_instrument

STABLE = {"protection": 3, "wellbeing": 3, "economic": 3, "social": 3}
BASELINE = {"protection": 2, "wellbeing": 2, "economic": 3, "social": 3}


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def client_in_care(
    cast: Cast,
    *,
    opened_days_ago: int = 365,
    team: Team | None = None,
    born: datetime.date | None = datetime.date(1995, 6, 1),
    name: str = "Sokha",
) -> tuple[Client, Case]:
    """A KH client of the cast's team (case manager: cast.case_manager) with a case opened a year ago."""
    team = team or cast.team
    identity: dict[str, Any] = {"given_name_latin": name, "family_name_latin": "Test", "sex": "female"}
    if born is not None:
        identity["date_of_birth"] = born
    client = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=team,
        case_manager=cast.case_manager if team == cast.team else None,
        **identity,
    )
    case = case_services.case_open(
        actor=cast.director,
        client=client,
        opened_on=days_ago(opened_days_ago),
        primary_abuse_type=AbuseType.HUMAN_TRAFFICKING,
    )
    return client, case


def answers(levels: dict[str, int]) -> dict[str, int]:
    """An answer for every item of the current form, each at its domain's level."""
    return {item.code: levels[item.domain] for item in current_instrument().items.all()}


def form_data(levels: dict[str, int], day: datetime.date, **extra: Any) -> dict[str, Any]:
    """What the assessment page posts for these levels."""
    data = {f"item_{code}": str(score) for code, score in answers(levels).items()}
    return data | {"date": day.isoformat(), "note": ""} | extra


def assess(actor: User, client: Client, days: int, levels: dict[str, int] = STABLE) -> Assessment:
    return services.assessment_record(actor=actor, client=client, assessed_on=days_ago(days), answers=answers(levels))


def crisis(actor: User, client: Client, days: int, *domains: str) -> CrisisEvent:
    return services.crisis_record(
        actor=actor,
        client=client,
        occurred_on=days_ago(days),
        domains=domains or ("wellbeing",),
        severity="severe",
        what_happened="Ran away from the shelter after a call from the trafficker.",
        response="Safety plan reviewed.",
    )


def kh_client(cast: Cast) -> Client:
    return client_in_care(cast, name="Outsidercheck")[0]


def kh_flag(cast: Cast) -> ClockFlag:
    """A flag in KH: a crisis entered after the case closed as whole, dated before the closure."""
    client, case = client_in_care(cast, opened_days_ago=400)
    assess(cast.case_manager, client, 390)
    request = case_services.closure_request(
        actor=cast.case_manager, case=case, closing_date=days_ago(100), reason=ClosureReason.GOALS_ACHIEVED
    )
    case_services.closure_decide(actor=cast.director, request=request, approve=True)
    crisis(cast.case_manager, client, 150)
    return ClockFlag.objects.get(client=client)
