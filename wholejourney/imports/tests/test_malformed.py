"""Malformed workbooks (wrong types, missing sheets, dangling references, duplicate ids, huge cells,
formulas, junk files) never crash the import and never leave half of it written."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholejourney.conftest import Cast
from wholejourney.imports import tasks
from wholejourney.imports.load import MODELS
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.template import EXAMPLES, write_csv_folder, write_workbook

pytestmark = pytest.mark.django_db

SHEETS = sorted(EXAMPLES)

cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["=SUM(A1:A3)", '=HYPERLINK("http://x")', "+1", "#N/A", "ស្រី", "yes", "2023-02-30", "0"]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2100, 1, 1)),
    st.booleans(),
    st.just("x" * 40000),
)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    return draw(
        st.lists(
            st.one_of(
                st.tuples(
                    st.just("cell"), st.sampled_from(SHEETS), st.integers(0, 5), st.text(max_size=3), cell_values
                ),
                st.tuples(st.just("set"), st.sampled_from(SHEETS), st.integers(0, 5), st.integers(0, 30), cell_values),
                st.tuples(st.just("drop_sheet"), st.sampled_from(SHEETS)),
                st.tuples(st.just("duplicate_row"), st.sampled_from(SHEETS), st.integers(0, 5)),
                st.tuples(st.just("drop_column"), st.sampled_from(SHEETS), st.integers(0, 30)),
                st.tuples(st.just("unknown_sheet"), st.text("abcxyz", min_size=1, max_size=10)),
            ),
            min_size=1,
            max_size=6,
        )
    )


def _apply(rows: dict[str, list[dict[str, Any]]], changes: list[tuple[Any, ...]]) -> dict[str, list[dict[str, Any]]]:
    for change in changes:
        kind, sheet = change[0], change[1]
        if kind == "unknown_sheet":
            rows[f"zz{sheet}"] = [{"a": 1}]
            continue
        if sheet not in rows or not rows[sheet]:
            continue
        sheet_rows = rows[sheet]
        if kind == "cell":
            sheet_rows[change[2] % len(sheet_rows)][change[3] or "junk"] = change[4]
        elif kind == "set":
            row = sheet_rows[change[2] % len(sheet_rows)]
            columns = sorted(row)
            if columns:  # an earlier change may have dropped every column
                row[columns[change[3] % len(columns)]] = change[4]
        elif kind == "drop_sheet":
            del rows[sheet]
        elif kind == "duplicate_row":
            sheet_rows.append(dict(sheet_rows[change[2] % len(sheet_rows)]))
        elif kind == "drop_column":
            columns = sorted({key for row in sheet_rows for key in row})
            if not columns:
                continue
            name = columns[change[2] % len(columns)]
            for row in sheet_rows:
                row.pop(name, None)
    return rows


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in MODELS.items()}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=mutations(), as_csv=st.booleans())
def test_malformed_workbook_never_crashes_or_half_writes(
    cast: Cast, tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[Any, ...]], as_csv: bool
) -> None:
    rows = _apply(copy.deepcopy(EXAMPLES), changes)
    folder = tmp_path_factory.mktemp("w")
    path: Path = folder / "csv" if as_csv else folder / "w.xlsx"
    try:
        (write_csv_folder(path, rows) if as_csv else write_workbook(path, rows))
    except Exception:  # noqa: BLE001 - a value openpyxl itself refuses to write cannot reach the import
        return
    with transaction.atomic():
        before = _counts()

        run = tasks.import_path(actor=cast.admin, office=cast.kh, path=path)

        if run.status == ImportRun.Status.SUCCEEDED:
            mapped = ImportedRow.objects.filter(office=cast.kh)
            for sheet, model in MODELS.items():
                ids = set(mapped.filter(sheet=sheet).values_list("object_id", flat=True))
                assert model.objects.filter(pk__in=ids).count() == len(ids)
        else:
            assert run.status == ImportRun.Status.INVALID
            assert run.errors, "a refused workbook says why"
            assert all({"sheet", "row", "column", "code"} <= set(error) for error in run.errors)
            assert tasks.problems_shown(run)
            assert _counts() == before
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04not really a zip", b"hello, world", b"PK\x03\x04" + bytes(range(256)) * 10],
)
def test_junk_file_is_refused_with_a_reason(cast: Cast, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.xlsx"
    path.write_bytes(content)

    run = tasks.import_path(actor=cast.admin, office=cast.kh, path=path)

    assert run.status == ImportRun.Status.INVALID
    assert run.errors[0]["code"] in {"empty_file", "not_a_workbook"}
    assert _counts() == dict.fromkeys(MODELS, 0)
