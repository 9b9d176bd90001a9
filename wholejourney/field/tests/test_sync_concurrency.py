"""The same entry sent several times at once (the phone retried while the first request was still
running): one record, every answer the same (PostgreSQL, real concurrent transactions)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection

from wholejourney.care.models import Visit
from wholejourney.conftest import Cast
from wholejourney.core.tests.engines import postgresql_only
from wholejourney.field import services
from wholejourney.field.models import SyncEntry
from wholejourney.outcomes.tests.records import client_in_care, days_ago

THREADS = 6


@postgresql_only("concurrent transactions need a server database")
@pytest.mark.django_db(transaction=True)
def test_one_entry_sent_six_times_at_once_is_recorded_once(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _case = client_in_care(cast)
    key = str(uuid.uuid4())
    data = {"client": client.pk, "mode": "home", "visited_on": days_ago(1).isoformat(), "note": "Once"}
    ran: list[int] = []
    handler = services.HANDLERS["visit"]

    def counted(actor: Any, entry: Any) -> Any:
        ran.append(1)
        return handler(actor, entry)

    monkeypatch.setitem(services.HANDLERS, "visit", counted)
    barrier = threading.Barrier(THREADS)
    results: list[services.EntryResult] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(services.field_entry_sync(actor=cast.case_manager, key=key, kind="visit", data=data))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(ran) > 1, "the requests did not overlap: the test proves nothing"
    assert Visit.objects.filter(client=client).count() == 1
    assert SyncEntry.objects.count() == 1
    assert {(r.state, r.record_id) for r in results} == {("accepted", Visit.objects.get().pk)}
