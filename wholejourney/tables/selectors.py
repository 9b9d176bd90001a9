"""Reads of the table builder, scoped to the user. Tables are for holders of VIEW_REPORTS
(directors and M&E officers), over the offices whose reports they see; anything out of reach is a
404, the same as something that does not exist.

A cell's records are shown as the report's drill-down shows a figure's: record ids, client codes,
dates and kinds, never a name (`reporting.drilldown`), linked to a client's page only for a user
who may open it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.models import Office
from wholejourney.reporting.drilldown import Records, records_of
from wholejourney.reporting.registry import Period
from wholejourney.reporting.selectors import offices_for_reports
from wholejourney.tables import engine
from wholejourney.tables.measures import DIMENSIONS, Measure, Scope
from wholejourney.tables.models import SavedTable


def offices_for_tables(user: Any) -> QuerySet[Office]:
    return offices_for_reports(user)


def may_count_all_offices(user: Any) -> bool:
    return has_permission(user, Permission.VIEW_REPORTS) and user.office_id is None


def scope_for(user: Any, codes: Iterable[str], period: Period) -> Scope:
    """The offices a table counts: those named (404 if any is out of reach), else all the user
    may see (every office, for a global user)."""
    wanted = sorted({code.upper() for code in codes if code})
    if not has_permission(user, Permission.VIEW_REPORTS):
        raise Http404
    reachable = offices_for_tables(user)
    if not wanted:
        if may_count_all_offices(user):
            return Scope(period, None)
        return Scope(period, tuple(reachable))
    offices = tuple(reachable.filter(code__in=wanted).order_by("code"))
    if len(offices) != len(wanted):
        raise Http404
    return Scope(period, offices)


def office_codes(scope: Scope) -> list[str]:
    return [] if scope.offices is None else [office.code for office in scope.offices]


# --- saved tables ------------------------------------------------------------------------------------


def saved_tables_visible_to(user: Any) -> QuerySet[SavedTable]:
    """A global user sees every saved table; a user of an office, that office's."""
    if not has_permission(user, Permission.VIEW_REPORTS):
        return SavedTable.objects.none()
    tables = SavedTable.objects.select_related("office", "created_by")
    return tables if user.office_id is None else tables.filter(office_id=user.office_id)


def saved_table_get_for(*, user: Any, pk: int) -> SavedTable:
    found = saved_tables_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def saved_tables_for_report(office: Office | None) -> QuerySet[SavedTable]:
    """The saved tables an office's report shows (all offices' report: the tables of global users)."""
    return SavedTable.objects.filter(in_report=True, office=office).order_by("name", "pk")


# --- the records behind a cell ----------------------------------------------------------------------


def _value(dimension_id: str, key: str) -> Any:
    """A cell's key as the value its records have (a month and a quarter are their first day)."""
    if dimension_id == "month":
        year, month = key.split("-")
        return datetime.date(int(year), int(month), 1)
    if dimension_id == "quarter":
        year, quarter = key.split("-Q")
        return datetime.date(int(year), 3 * int(quarter) - 2, 1)
    return key


def cell_records(*, measure: Measure, dimensions: list[str], scope: Scope, keys: list[str]) -> Records:
    """The records counted in one cell (or one row, column or the whole table: fewer keys than
    dimensions), as plain-column rows. 404 for a key that names no cell."""
    if len(keys) > len(dimensions):
        raise Http404
    try:
        values = {f"d{i}": _value(dimensions[i], key) for i, key in enumerate(keys) if key != engine.ALL}
    except ValueError as exc:
        raise Http404 from exc
    annotations = {f"d{i}": measure.dimensions[dimension](scope) for i, dimension in enumerate(dimensions)}
    records = measure.records_in(scope).annotate(**annotations).filter(**values)
    return records_of(records.order_by("pk"), None)


def dimension_label(dimension_id: str) -> Any:
    return DIMENSIONS[dimension_id].label
