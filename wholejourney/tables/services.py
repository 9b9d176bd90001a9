"""Writes of the table builder: saving a table under a name, changing and deleting it, and the
audit of every look at a cell's records and every table taken away. Each service checks the
actor's permission itself, so the page, the API and a script behave alike."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.models import Office
from wholejourney.reporting.registry import Period
from wholejourney.tables.measures import MEASURES
from wholejourney.tables.models import SavedTable

FIELDS = ["name", "measure", "rows", "columns", "offices", "period_start", "period_end", "in_report"]


def _may_use(actor: User, office: Office | None) -> bool:
    """Reports of the office (all offices: a global report user)."""
    if office is None:
        return has_permission(actor, Permission.VIEW_REPORTS) and actor.office_id is None
    return has_permission(actor, Permission.VIEW_REPORTS, obj=office)


def _check(actor: User, *, measure: str, rows: str, columns: str, offices: list[str]) -> None:
    found = MEASURES.get(measure)
    if found is None:
        raise ValidationError({"measure": _("There is no such count.")})
    for dimension in (rows, columns):
        if dimension and not found.supports(dimension):
            raise ValidationError(_("This count cannot be split that way."))
    if columns and (not rows or rows == columns):
        raise ValidationError(_("Choose rows, and columns different from them."))
    reachable = Office.objects.filter(code__in=offices)
    if len(reachable) != len(set(offices)) or not all(_may_use(actor, office) for office in reachable):
        raise PermissionDenied
    if not offices and actor.office_id is not None:
        raise PermissionDenied


def _scope(table: SavedTable) -> list[str]:
    """What an audit row about a table names: its definition, never a figure or an identity."""
    return [
        f"measure:{table.measure}",
        f"rows:{table.rows or '-'}",
        f"columns:{table.columns or '-'}",
        f"offices:{','.join(table.offices) or 'all'}",
        f"period:{table.period_start}..{table.period_end}",
    ]


def saved_table_save(
    *,
    actor: User,
    name: str,
    measure: str,
    rows: str,
    columns: str,
    offices: list[str],
    period: Period,
    in_report: bool = False,
    table: SavedTable | None = None,
) -> SavedTable:
    """Save a table under a name (or change a saved one). The table belongs to the actor's office
    (a global user's: to all offices), so the office's report users see it too."""
    owner = table.office if table is not None else (actor.office if actor.office_id else None)
    if not _may_use(actor, owner):
        raise PermissionDenied
    _check(actor, measure=measure, rows=rows, columns=columns, offices=offices)
    created = table is None
    if table is None:
        table = SavedTable(office=owner, created_by=actor)
    table.name = name.strip()
    table.measure, table.rows, table.columns = measure, rows, columns
    table.offices = sorted({code.upper() for code in offices})
    table.period_start, table.period_end = period.start, period.end
    table.in_report = in_report
    if SavedTable.objects.filter(office=owner, name=table.name).exclude(pk=table.pk).exists():
        raise ValidationError({"name": _("A table of this office already has this name.")})
    with transaction.atomic():
        table.full_clean(validate_unique=False, validate_constraints=False)
        table.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
            target=table,
            changed_fields=FIELDS,
        )
    return table


def saved_table_delete(*, actor: User, table: SavedTable) -> None:
    """Delete a saved table (its definition; no record is touched)."""
    if not _may_use(actor, table.office):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, target=table, changed_fields=_scope(table))
        table.delete()


def table_drilldown_record(
    *, actor: User, measure: str, dimensions: list[str], keys: list[str], offices: list[str], period: Period
) -> None:
    """Write the audit row of a look at the records behind a cell of a table."""
    if not has_permission(actor, Permission.VIEW_REPORTS):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type="tables.cell",
        object_id=measure[:64],
        changed_fields=[
            *(f"{dimension}:{key}"[:120] for dimension, key in zip(dimensions, keys, strict=False)),
            f"offices:{','.join(offices) or 'all'}",
            f"period:{period.start}..{period.end}",
        ],
    )


def table_export_record(
    *, actor: User, measure: str, dimensions: list[str], offices: list[str], period: Period, edition: str, format: str
) -> None:
    """Write the audit row of a table taken away (a spreadsheet or a CSV file)."""
    if not has_permission(actor, Permission.VIEW_REPORTS):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        object_type="tables.table",
        object_id=measure[:64],
        changed_fields=[
            f"dimensions:{','.join(dimensions) or '-'}",
            f"offices:{','.join(offices) or 'all'}",
            f"period:{period.start}..{period.end}",
            f"edition:{edition}",
            f"format:{format}",
        ],
    )
