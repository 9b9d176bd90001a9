"""The database's own guard against overlapping placements on SQLite: triggers (PostgreSQL has an
exclusion constraint, made by migrations 0003 and 0006).

SQLite loses a table's triggers whenever a migration rebuilds the table (most column changes do),
so they are made again after every `migrate`, whatever the migrations did in between. Only live
placements count: a voided one (core.correctable) frees its dates."""

from __future__ import annotations

from typing import Any

CHECK = """
SELECT RAISE(ABORT, 'placement_no_overlap')
WHERE EXISTS (
    SELECT 1 FROM cases_placement AS other
    WHERE other.client_id = NEW.client_id AND other.id IS NOT NEW.id
      AND other.voided_at IS NULL AND NEW.voided_at IS NULL
      AND other.start < COALESCE(NEW."end", '9999-12-31')
      AND NEW.start < COALESCE(other."end", '9999-12-31')
);
"""
STATEMENTS = [
    "DROP TRIGGER IF EXISTS placement_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS placement_no_overlap_update;",
    f"CREATE TRIGGER placement_no_overlap_insert BEFORE INSERT ON cases_placement BEGIN {CHECK} END;",
    f"CREATE TRIGGER placement_no_overlap_update BEFORE UPDATE ON cases_placement BEGIN {CHECK} END;",
]


def restore_sqlite_triggers(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: make the triggers again on SQLite (a no-op elsewhere)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or "cases_placement" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in STATEMENTS:
            cursor.execute(statement)
