"""The import stores text without bidi controls or zero-width characters, whatever a workbook's
cells hold; a name made only of them is a missing name, refused with the usual message (issue 16)."""

from __future__ import annotations

import copy

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from wholejourney.clients.models import Client
from wholejourney.clients.tests.test_invisible_characters import NO_NAME, typed_names
from wholejourney.conftest import Cast
from wholejourney.imports import tasks
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.template import EXAMPLES, write_workbook

pytestmark = pytest.mark.django_db


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(given_latin=typed_names(), given_km=typed_names(), village=typed_names())
def test_workbook_cells_are_stored_without_invisible_characters_or_the_name_is_missing(
    cast: Cast,
    tmp_path_factory: pytest.TempPathFactory,
    given_latin: tuple[str, str],
    given_km: tuple[str, str],
    village: tuple[str, str],
) -> None:
    rows = copy.deepcopy(EXAMPLES)
    first = rows["clients"][0]
    first.update(
        prs_FirstName=given_latin[1], prs_SecondName="", given_name_km=given_km[1], family_name_km="",
        address_village=village[1],
    )  # fmt: skip
    path = tmp_path_factory.mktemp("w") / "w.xlsx"
    write_workbook(path, rows)
    with transaction.atomic():
        run = tasks.import_path(actor=cast.admin, office=cast.kh, path=path)

        if not (given_latin[0] or given_km[0]):
            assert run.status == ImportRun.Status.INVALID
            shown = tasks.problems_shown(run)
            assert [problem["message"] for problem in shown if problem["sheet"] == "clients"] == [NO_NAME]
            assert not Client.objects.exists()
        else:
            assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
            client = Client.objects.get(
                pk=ImportedRow.objects.get(sheet="clients", external_id=first["client_ref"]).object_id
            )
            assert (client.given_name_latin, client.given_name_km) == (given_latin[0], given_km[0])
            assert client.address.get("village", "") == village[0]
        transaction.set_rollback(True)
