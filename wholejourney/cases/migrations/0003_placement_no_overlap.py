"""A client's placements never overlap: enforced by the database itself, so no code path can
break it. PostgreSQL: an exclusion constraint over half-open date ranges. SQLite: triggers.
(The service checks first and explains; this is the backstop.)"""

from django.db import migrations

PG_CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE cases_placement ADD CONSTRAINT placement_no_overlap
    EXCLUDE USING gist (client_id WITH =, daterange(start, "end", '[)') WITH &&);
"""
PG_DROP = "ALTER TABLE cases_placement DROP CONSTRAINT IF EXISTS placement_no_overlap;"

SQLITE_CHECK = """
SELECT RAISE(ABORT, 'placement_no_overlap')
WHERE EXISTS (
    SELECT 1 FROM cases_placement AS other
    WHERE other.client_id = NEW.client_id AND other.id IS NOT NEW.id
      AND other.start < COALESCE(NEW."end", '9999-12-31')
      AND NEW.start < COALESCE(other."end", '9999-12-31')
);
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER placement_no_overlap_insert BEFORE INSERT ON cases_placement BEGIN {SQLITE_CHECK} END;",
    f"CREATE TRIGGER placement_no_overlap_update BEFORE UPDATE ON cases_placement BEGIN {SQLITE_CHECK} END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS placement_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS placement_no_overlap_update;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(create, drop)]
