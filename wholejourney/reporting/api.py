"""Report figures in the API: every registered metric for a year (or any dates) and an office, as
`wholejourney report --format json` prints them. Aggregates only: this is all the M&E role reads."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, WithJsonSchema

from wholejourney.accounts.roles import Permission
from wholejourney.api.auth import allow
from wholejourney.api.errors import ApiError, not_found, responses
from wholejourney.api.schemas import Day
from wholejourney.core.models import Office
from wholejourney.reporting.registry import Period, all_metrics
from wholejourney.reporting.services import report_figures

router = Router(tags=["reports"])

# The bounds are in the document; `figures` refuses a year outside them with its own message.
Year = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1900, "maximum": 2999})]


class PeriodOut(Schema):
    start: Day
    end: Day


class FigureOut(Schema):
    value: Any = Field(..., description="A count, a share in percent, a breakdown, or null.")
    label: str
    section: str


class FiguresOut(Schema):
    period: PeriodOut
    office: str
    metrics: dict[str, FigureOut]


class MetricOut(Schema):
    id: str
    label: str
    section: str
    definition: str


def _office(user: Any, code: str | None) -> Office | None:
    """The office asked for: a user of an office reads only their own; a global user any, or all."""
    if user.office_id is not None:
        if code not in (None, "", user.office.code):
            raise not_found()
        office: Office = user.office
        return office
    if not code or code.lower() == "all":
        return None
    found = Office.objects.filter(code=code.upper()).first()
    if found is None:
        raise not_found()
    return found


@router.get("/reports/figures", response=responses(FiguresOut), url_name="report_figures")
@allow(Permission.VIEW_REPORTS)
def figures(
    request: HttpRequest,
    year: Year | None = None,
    start: Day | None = None,
    end: Day | None = None,
    office: str | None = Query(None, max_length=8, description="An office's code, or all."),  # noqa: B008
) -> dict[str, Any]:
    """The report's figures, computed from the records, for `year` or from `start` to `end`."""
    if year is not None and (start or end):
        message = _("Give a year, or a start and an end date, not both.")
        raise ApiError(422, "invalid", message, {"year": [message]})
    if year is not None:
        if not 1900 <= year <= 2999:
            raise ApiError(422, "invalid", _("Give a year between 1900 and 2999."), {"year": [_("Not a year.")]})
        period = Period.year(year)
    elif start is not None and end is not None:
        if not (1900 <= start.year <= 2999 and 1900 <= end.year <= 2999):
            message = _("Give dates between 1900 and 2999.")
            raise ApiError(422, "invalid", message, {"start": [message]})
        if end < start:
            message = _("A period cannot end before it starts.")
            raise ApiError(422, "invalid", message, {"end": [message]})
        period = Period(start, end)
    else:
        message = _("Give a year, or a start and an end date.")
        raise ApiError(422, "invalid", message, {"year": [message]})
    return report_figures(period=period, office=_office(request.user, office))


@router.get("/reports/metrics", response=responses(list[MetricOut]), url_name="report_metrics")
@allow(Permission.VIEW_REPORTS)
def metrics(request: HttpRequest) -> list[dict[str, str]]:
    """What each figure counts."""
    return [
        {"id": m.id, "label": str(m.label), "section": m.section, "definition": str(m.definition)}
        for m in all_metrics()
    ]
