"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from wholejourney.accounts import services as account_services
from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.audit import services as audit_services
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_verify
from wholejourney.conftest import Cast
from wholejourney.core.tests.engines import ENGINE_SKIP_MARK


def _events(cast: Cast, count: int) -> None:
    for n in range(count):
        audit_services.audit_record(
            actor=cast.director, action=AuditEvent.Action.VIEW, object_type="t", object_id=str(n)
        )


def _raw(sql: str, params: list[object]) -> None:
    """What an attacker with database access would do; on PostgreSQL they must first disable the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


def _seq(n: int) -> int:
    return AuditEvent.objects.order_by("seq")[n - 1].seq


@pytest.mark.django_db
def test_verify_passes_on_an_untouched_trail(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    _events(cast, 5)

    call_command("audit", "verify")

    assert "intact: 5 rows" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_names_the_row_changed_by_raw_sql(cast: Cast) -> None:
    _events(cast, 6)
    _raw("UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s", ["someone-else", 4])

    with pytest.raises(CommandError, match="BROKEN at row 4: its content was changed"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_names_the_row_deleted_by_raw_sql(cast: Cast) -> None:
    _events(cast, 6)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [3])

    report = audit_verify()

    assert (report.ok, report.broken_seq) == (False, 3)
    assert "missing" in report.reason


@pytest.mark.django_db
def test_verify_notices_rows_cut_from_the_end(cast: Cast) -> None:
    _events(cast, 6)
    _raw("DELETE FROM audit_auditevent WHERE seq > %s", [4])

    report = audit_verify()

    assert (report.ok, report.broken_seq) == (False, 5)


@pytest.mark.django_db
def test_verify_notices_a_rewritten_row_with_a_recomputed_hash(cast: Cast) -> None:
    _events(cast, 5)
    event = AuditEvent.objects.get(seq=2)
    event.object_id = "forged"
    forged_hash = event.compute_hash()
    _raw("UPDATE audit_auditevent SET object_id = %s, row_hash = %s WHERE seq = %s", ["forged", forged_hash, 2])

    report = audit_verify()

    assert (report.ok, report.broken_seq) == (False, 3)


@pytest.mark.django_db
def test_postgresql_refuses_update_and_delete_on_the_trail(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{ENGINE_SKIP_MARK} the trigger exists on PostgreSQL only")
    _events(cast, 2)

    for sql in ("UPDATE audit_auditevent SET actor_username = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_audit_write_rolls_back_the_change(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_save(self: AuditEvent, *args: object, **kwargs: object) -> None:
        raise IntegrityError("audit table unavailable")

    monkeypatch.setattr(AuditEvent, "save", broken_save)

    with pytest.raises(IntegrityError):
        account_services.user_create(
            actor=cast.admin,
            username="newperson",
            password="a-long-enough-passphrase",
            office=cast.kh,
            roles=[Role.COUNSELOR],
        )

    assert not User.objects.filter(username="newperson").exists()


@pytest.mark.django_db
def test_events_record_who_with_which_role_and_office_and_changed_field_names_only(cast: Cast) -> None:
    account_services.user_update(
        actor=cast.admin,
        user=cast.colleague,
        first_name="Secretname",
        last_name=cast.colleague.last_name,
        email="",
        office=cast.kh,
        team=cast.team,
        roles=[Role.CASE_MANAGER],
        language="km",
        is_active=True,
    )

    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).latest("seq")

    assert (event.actor_username, event.actor_roles, event.office_code) == ("admin", "administrator", "")
    assert event.changed_fields == ["first_name", "language"]
    assert "Secretname" not in str(AuditEvent.objects.values_list())


@pytest.mark.django_db
def test_a_page_refused_by_role_is_recorded_as_permission_denied(cast: Cast, client: object) -> None:
    client.force_login(cast.case_manager)  # type: ignore[attr-defined]

    response = client.get("/manage/offices/")  # type: ignore[attr-defined]

    event = AuditEvent.objects.latest("seq")
    assert response.status_code == 404
    assert (event.action, event.actor_username, event.object_id) == ("permission_denied", "cm", "accounts:office_list")


# Another valid value for every column the row hash covers (the rows of `_events` are the
# director's VIEW of object "t", with no request behind them).
HASHED_COLUMNS = {
    "seq": 100,
    "at": datetime.datetime(2020, 1, 1, 8, 30, tzinfo=datetime.UTC),
    "actor_id": 999_999,
    "actor_username": "someone-else",
    "actor_roles": "administrator",
    "office_code": "VN",
    "action": AuditEvent.Action.EXPORT.value,
    "object_type": "clients.client",
    "object_id": "forged",
    "changed_fields": ["first_name"],
    "request_id": "0f6a1e0c-2c1b-4f7e-9a55-3f9d8c2b1a00",
    "ip_address": "203.0.113.9",
}


def test_hashed_columns_are_every_column_but_the_hashes() -> None:
    columns = {field.column for field in AuditEvent._meta.concrete_fields}

    assert set(HASHED_COLUMNS) == columns - {"id", "prev_hash", "row_hash"}


@pytest.mark.django_db
@pytest.mark.parametrize("column", list(HASHED_COLUMNS))
def test_verify_names_the_row_whose_column_was_changed_by_raw_sql(cast: Cast, column: str) -> None:
    _events(cast, 5)
    field = AuditEvent._meta.get_field(column)
    value = field.get_db_prep_save(HASHED_COLUMNS[column], connection)  # type: ignore[union-attr]
    assert getattr(AuditEvent.objects.get(seq=3), column) != HASHED_COLUMNS[column]
    _raw(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, 3])  # noqa: S608 (a fixed column name)

    report = audit_verify()

    assert (report.ok, report.broken_seq) == (False, 3)


@pytest.mark.django_db
def test_verify_notices_two_rows_swapped_by_raw_sql(cast: Cast) -> None:
    _events(cast, 5)
    # Through a free number, as the column is unique.
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [-3, 3])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [3, 4])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [4, -3])
    assert list(AuditEvent.objects.order_by("seq").values_list("object_id", flat=True)) == ["0", "1", "3", "2", "4"]

    report = audit_verify()

    assert (report.ok, report.broken_seq) == (False, 3)
    assert "the rows were reordered: it was written after the row now at 4" in report.reason
