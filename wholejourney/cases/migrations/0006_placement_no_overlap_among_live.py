"""Voided placements (core.correctable) no longer hold their dates: only live placements of a client
must not overlap, so a placement entered with wrong dates can be voided and entered again."""

from django.db import migrations

PG_CREATE = """
ALTER TABLE cases_placement DROP CONSTRAINT IF EXISTS placement_no_overlap;
ALTER TABLE cases_placement ADD CONSTRAINT placement_no_overlap
    EXCLUDE USING gist (client_id WITH =, daterange(start, "end", '[)') WITH &&) WHERE (voided_at IS NULL);
"""
PG_DROP = """
ALTER TABLE cases_placement DROP CONSTRAINT IF EXISTS placement_no_overlap;
ALTER TABLE cases_placement ADD CONSTRAINT placement_no_overlap
    EXCLUDE USING gist (client_id WITH =, daterange(start, "end", '[)') WITH &&);
"""


def _sqlite_check(live_only: bool) -> str:
    live = "AND other.voided_at IS NULL AND NEW.voided_at IS NULL" if live_only else ""
    return f"""
SELECT RAISE(ABORT, 'placement_no_overlap')
WHERE EXISTS (
    SELECT 1 FROM cases_placement AS other
    WHERE other.client_id = NEW.client_id AND other.id IS NOT NEW.id {live}
      AND other.start < COALESCE(NEW."end", '9999-12-31')
      AND NEW.start < COALESCE(other."end", '9999-12-31')
);
"""


def _sqlite_statements(live_only: bool) -> list[str]:
    check = _sqlite_check(live_only)
    return [
        "DROP TRIGGER IF EXISTS placement_no_overlap_insert;",
        "DROP TRIGGER IF EXISTS placement_no_overlap_update;",
        f"CREATE TRIGGER placement_no_overlap_insert BEFORE INSERT ON cases_placement BEGIN {check} END;",
        f"CREATE TRIGGER placement_no_overlap_update BEFORE UPDATE ON cases_placement BEGIN {check} END;",
    ]


def _apply(schema_editor, live_only: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE if live_only else PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in _sqlite_statements(live_only):
            schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _apply(schema_editor, live_only=True)


def backwards(apps, schema_editor):
    _apply(schema_editor, live_only=False)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_case_version_placement_version_placement_voided_at_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
