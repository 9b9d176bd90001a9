"""Eight people save the same record at once: every save lands or is told of a conflict, and no
accepted change is lost (PostgreSQL, real concurrent transactions)."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from wholejourney.care import services as care_services
from wholejourney.care.models import CarePlan, Domain
from wholejourney.care.tests.records import client_in_care, days_ago
from wholejourney.clients.models import Client
from wholejourney.conftest import Cast
from wholejourney.core.corrections import services
from wholejourney.core.corrections.registry import kind_named
from wholejourney.core.models import RecordChange
from wholejourney.core.tests.engines import postgresql_only

THREADS = 8


def _race(kind_key: str, model: Any, pk: int, actor: Any, value_of: Any, field: str) -> list[tuple[int, Any]]:
    """Each thread reads the record, waits for all, saves its own value with the version it read;
    on a conflict it reads again and re-applies, as a user would. Returns (version, value) landed."""
    kind = kind_named(kind_key)
    barrier = threading.Barrier(THREADS)
    landed: list[tuple[int, Any]] = []
    conflicts: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            record = model._base_manager.get(pk=pk)
            barrier.wait()
            while True:
                try:
                    saved = services.record_edit(
                        actor=actor, kind=kind, record=record, version=record.version, changes={field: value_of(i)}
                    )
                except services.EditConflict as exc:
                    with lock:
                        conflicts.append(i)
                    record = exc.current
                    continue
                with lock:
                    landed.append((saved.version, value_of(i)))
                return
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert conflicts, "the saves did not overlap: the test proves nothing"
    return sorted(landed)


def _assert_nothing_lost(kind_key: str, pk: int, landed: list[tuple[int, Any]], final: Any, field: str) -> None:
    assert [version for version, _value in landed] == list(range(2, THREADS + 2))
    assert final == landed[-1][1]
    history = list(RecordChange.objects.filter(kind=kind_key, record_id=pk).order_by("version"))
    assert [change.version for change in history] == [version for version, _value in landed]
    # Each accepted change replaced the one accepted before it: none was overwritten unseen.
    for before, change in zip(landed, history[1:], strict=False):
        assert change.earlier[field] == str(before[1])


@postgresql_only("concurrent transactions need a server database")
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_edits_of_one_client_and_one_care_plan_lose_nothing(cast: Cast) -> None:
    client, case = client_in_care(cast)
    plan = care_services.care_plan_draft(
        actor=cast.case_manager,
        case=case,
        drafted_on=days_ago(10),
        goals=[{"domain": domain, "goal": "Goal"} for domain in Domain.values],
        next_review_on=days_ago(-30),
    )

    names = _race("client", Client, client.pk, cast.case_manager, lambda i: f"Name{i}", "given_name_latin")
    reviews = _race(
        "care_plan",
        CarePlan,
        plan.pk,
        cast.case_manager,
        lambda i: days_ago(-40 - i),
        "next_review_on",
    )

    _assert_nothing_lost(
        "client", client.pk, names, Client.objects.get(pk=client.pk).given_name_latin, "given_name_latin"
    )
    reviews_text = [(version, value.isoformat()) for version, value in reviews]
    final_review = CarePlan.objects.get(pk=plan.pk).next_review_on
    assert isinstance(final_review, datetime.date)
    _assert_nothing_lost("care_plan", plan.pk, reviews_text, final_review.isoformat(), "next_review_on")
