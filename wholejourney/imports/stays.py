"""Where a client lived, as a workbook says it together with what is already recorded.

A workbook lists a client's stays (the placements sheet) without always saying when one ended: an
open stay ends the day the client's next stay starts (as recording a move in the app ends it), or
the day the case closed (as approving a closure ends it). The check (validate.py) and the write
(records.py) both read a client's stays through `settle`, so what passed the check is what is
written: the same ends, the same overlaps.

A stay already recorded keeps an end recorded in the app when it is earlier than the one the
workbook implies (the client moved out before the next stay; the workbook only knows the next
one), and a stay recorded in the app that the workbook does not list keeps its dates, except that
an open one ends when the workbook's next stay starts, as the app's move would end it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from wholejourney.cases.models import Placement
from wholejourney.imports.models import ImportedRow

CHUNK = 2000


@dataclass
class Stay:
    start: datetime.date
    end: datetime.date | None  # as the row gives it, or as recorded
    # A row of the workbook: its place (a row number, or a reference) and its case's closing day.
    row: Any = None
    closing: datetime.date | None = None
    # The stay as recorded (by an earlier import, or in the app): its id, start and end.
    pk: int | None = None
    recorded_start: datetime.date | None = None
    recorded_end: datetime.date | None = None

    @property
    def listed(self) -> bool:
        """A row of the workbook (else a stay recorded otherwise, that the workbook does not list)."""
        return self.row is not None


def settle(stays: list[Stay]) -> tuple[list[datetime.date | None], list[tuple[Stay, Stay]]]:
    """Each stay's end, and the stays that overlap one before them (later, earlier), for the stays
    of one client. Sorts `stays` by start."""
    stays.sort(key=lambda stay: stay.start)
    starts_of_listed = [stay.start for stay in stays if stay.listed]
    ends: list[datetime.date | None] = []
    for stay in stays:
        following = next((start for start in starts_of_listed if start > stay.start), None)
        end = stay.end
        if end is None and stay.listed:
            end = following or stay.closing
            recorded = stay.recorded_end
            if recorded is not None and recorded > stay.start and (end is None or recorded < end):
                end = recorded
        elif end is None:
            end = following
        ends.append(end)
    return ends, list(_overlaps(stays, ends))


def _overlaps(stays: list[Stay], ends: list[datetime.date | None]) -> Iterator[tuple[Stay, Stay]]:
    """Each stay that starts before an earlier one has ended, with the earlier one that reaches furthest
    (two stays both recorded never overlap: the database refuses it)."""
    furthest: Stay | None = None
    reach: datetime.date | None = None
    for stay, end in zip(stays, ends, strict=True):
        overlapping = furthest is not None and (reach is None or stay.start < reach)
        if overlapping and furthest is not None and (stay.listed or furthest.listed):
            yield stay, furthest
        if furthest is None or (reach is not None and (end is None or end > reach)):
            furthest, reach = stay, end


def recorded_stays(client_ids: Iterable[int]) -> dict[int, list[tuple[int, datetime.date, datetime.date | None]]]:
    """Client id → their recorded stays (id, start, end)."""
    found: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = {}
    ids = sorted(set(client_ids))
    for first in range(0, len(ids), CHUNK):
        for pk, client_id, start, end in (
            Placement.objects.filter(client_id__in=ids[first : first + CHUNK])
            .order_by()
            .values_list("pk", "client_id", "start", "end")
        ):
            found.setdefault(client_id, []).append((pk, start, end))
    return found


def imported_stays(office_id: int) -> dict[str, int]:
    """Each placement_ref imported into the office before → its placement's id."""
    rows = ImportedRow.objects.filter(office_id=office_id, sheet="placements")
    return dict(rows.values_list("external_id", "object_id"))


def client_stays(
    rows: list[Stay], recorded: list[tuple[int, datetime.date, datetime.date | None]], listed_ids: dict[Any, int]
) -> list[Stay]:
    """A client's stays: the workbook's rows (each with the end recorded for it, if it is recorded)
    and the recorded stays no row lists. `listed_ids` maps a row (Stay.row) to its recorded stay."""
    by_id = {pk: (start, end) for pk, start, end in recorded}
    listed = set()
    for stay in rows:
        pk = listed_ids.get(stay.row)
        if pk is not None and pk in by_id:
            listed.add(pk)
            stay.pk = pk
            stay.recorded_start, stay.recorded_end = by_id[pk]
    others = [Stay(start, end, pk=pk, recorded_start=start, recorded_end=end) for pk, start, end in recorded]
    return rows + [stay for stay in others if stay.pk not in listed]


def ends_to_record(stays: list[Stay], ends: list[datetime.date | None]) -> Iterator[tuple[int, datetime.date]]:
    """The recorded stays the workbook ends (id, end): open ones, and those it ends earlier. Never a
    later end than recorded (that would undo a move recorded in the app), and never a stay whose row
    moves its start (the row's own update writes it)."""
    for stay, end in zip(stays, ends, strict=True):
        if stay.pk is None or end is None or stay.recorded_start != stay.start:
            continue
        if stay.recorded_end is None or end < stay.recorded_end:
            yield stay.pk, end


def overlap_problem(later: Stay, earlier: Stay) -> tuple[Any, str, str, dict[str, Any]]:
    """Where an overlap is shown (the row, the column) and what it says: on the later row, unless
    only the earlier stay is the workbook's."""
    if later.listed and earlier.listed:
        return later.row, "start", "placements_overlap", {"row": earlier.row}
    if later.listed:
        return later.row, "start", "placement_overlaps_recorded", {"date": earlier.start.isoformat()}
    return earlier.row, "end", "placement_overlaps_recorded", {"date": later.start.isoformat()}
