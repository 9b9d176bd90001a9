"""A client's stays as a workbook says them, with those already recorded: whatever the check lets
through can be written without the database refusing it (its constraint: no two stays of a client
overlap)."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from wholejourney.imports.stays import Stay, client_stays, ends_to_record, settle

DAY0 = datetime.date(2020, 1, 1)


def day(n: int) -> datetime.date:
    return DAY0 + datetime.timedelta(days=n)


def _disjoint(periods: list[tuple[datetime.date, datetime.date | None]]) -> bool:
    periods = sorted(periods, key=lambda period: period[0])
    for (_start, end), (next_start, _end) in zip(periods, periods[1:], strict=False):
        if end is None or next_start < end:
            return False
    return True


@st.composite
def recorded(draw: st.DrawFn) -> list[tuple[int, datetime.date, datetime.date | None]]:
    """Stays already recorded for the client: never overlapping (the database sees to it)."""
    stays, at = [], draw(st.integers(0, 30))
    for pk in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 40))
        last = pk == 2
        stays.append((pk + 1, day(at), None if last and draw(st.booleans()) else day(at + length)))
        at += length + draw(st.integers(0, 20))
    return stays


@st.composite
def rows(draw: st.DrawFn) -> list[Stay]:
    """The workbook's rows as the rules of a row let them through: an end after the start, a case
    closing after it."""
    stays = []
    for number in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, 150))
        end = draw(st.one_of(st.none(), st.integers(start + 1, start + 60)))
        closing = draw(st.one_of(st.none(), st.integers(start + 1, start + 90)))
        stays.append(
            Stay(day(start), day(end) if end else None, row=number + 2, closing=day(closing) if closing else None)
        )
    return stays


@given(rows(), recorded(), st.data())
def test_stays_the_check_lets_through_are_written_without_overlap(
    workbook: list[Stay], already: list[tuple[int, datetime.date, datetime.date | None]], data: st.DataObject
) -> None:
    # Some recorded stays are rows of an earlier import, listed again (their end given again, or
    # not); the other rows are new.
    listed_ids = {}
    for pk, start, end in already:
        if data.draw(st.booleans()):
            row = 10 + pk
            workbook.append(Stay(start, end if data.draw(st.booleans()) else None, row=row))
            listed_ids[row] = pk
    stays = client_stays(workbook, already, listed_ids)

    ends, overlaps = settle(stays)

    if not overlaps:
        assert _disjoint([(stay.start, end) for stay, end in zip(stays, ends, strict=True)])
    recorded_ends = {pk: end for pk, _start, end in already}
    for pk, end in ends_to_record(stays, ends):
        # A recorded stay only ever ends earlier (a move recorded in the app is never undone).
        recorded_end = recorded_ends[pk]
        assert recorded_end is None or end < recorded_end


def test_open_stay_ends_when_the_next_starts_or_the_case_closes() -> None:
    stays = [Stay(day(0), None, row=2), Stay(day(10), None, row=3, closing=day(30))]

    ends, overlaps = settle(stays)

    assert ends == [day(10), day(30)]
    assert overlaps == []


def test_end_recorded_earlier_in_the_app_is_kept() -> None:
    stays = client_stays([Stay(day(0), None, row=2), Stay(day(20), None, row=3)], [(7, day(0), day(5))], {2: 7})

    ends, overlaps = settle(stays)

    assert ends == [day(5), None]
    assert list(ends_to_record(stays, ends)) == []


def test_stay_overlapping_one_recorded_is_named_on_the_row() -> None:
    stays = client_stays([Stay(day(10), None, row=4)], [(7, day(0), day(20))], {})

    _ends, overlaps = settle(stays)

    assert [(later.row, earlier.pk) for later, earlier in overlaps] == [(4, 7)]
