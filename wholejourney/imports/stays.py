"""Where a client lived, as a workbook says it together with what is already recorded.

A workbook lists a client's stays (the placements sheet) without always saying when one ended: an
open stay ends the day the client's next stay starts (as recording a move in the app ends it), or
the day the case closed (as approving a closure ends it). The check (validate.py) and the write
(below, registered for the placements sheet in records.py) both read a client's stays through
`settle`, so what passed the check is what is written: the same ends, the same overlaps.

A stay already recorded keeps an end recorded in the app when it is earlier than the one the
workbook implies (the client moved out before the next stay; the workbook only knows the next
one), and a stay recorded in the app that the workbook does not list keeps its dates, except that
an open one ends when the workbook's next stay starts, as the app's move would end it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from wholejourney.cases.models import Case, Placement
from wholejourney.imports import format as fmt
from wholejourney.imports.models import ImportedRow
from wholejourney.imports.problems import Problem, ProblemFound
from wholejourney.imports.state import LoadState, Values

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
    later end than recorded (that would undo a move recorded in the app). A stay whose row moves its
    start is ended where it is recorded, if it can be (the row's own update then moves it)."""
    for stay, end in zip(stays, ends, strict=True):
        if stay.pk is None or end is None or stay.recorded_start is None or end <= stay.recorded_start:
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


# --- the write (records.py registers these for the placements sheet) ---------------------------


def prepare_placements(loader: LoadState, sheet: fmt.Sheet) -> None:
    """Each row's end, read with the client's stays already recorded (settle). The recorded stays
    the workbook ends (an open stay the next one ends) end first, whether or not their rows changed:
    a new stay never meets an open one."""
    loader.sync()
    closed = dict(
        Case.objects.filter(office=loader.office, closed_on__isnull=False).values_list("pk", "closed_on").iterator()
    )
    by_client: dict[int, list[Stay]] = defaultdict(list)
    numbers: dict[str, int] = {}
    for values in loader.rows(sheet):
        owner = loader.owners["cases"][values["case_ref"]]
        ref = values["placement_ref"]
        by_client[owner.client_id].append(
            Stay(values["start"], values["end"], row=ref, closing=closed.get(owner.case_id or 0))
        )
        numbers[ref] = values["_number"]
    imported = imported_stays(loader.office.pk)
    recorded = recorded_stays(by_client)
    loader.placement_ends = {}
    ending: dict[int, datetime.date] = {}
    for client_id, rows in by_client.items():
        listed = client_stays(rows, recorded.get(client_id, []), imported)
        ends, overlaps = settle(listed)
        for later, earlier in overlaps:  # recorded in the app since the check
            raise ProblemFound(_overlap(sheet, later, earlier, numbers))
        for stay, end in zip(listed, ends, strict=True):
            if stay.listed:
                loader.placement_ends[stay.row] = end
        ending.update(ends_to_record(listed, ends))
    end_stays(loader, ending)


def _overlap(sheet: fmt.Sheet, later: Stay, earlier: Stay, numbers: dict[str, int]) -> Problem:
    row, column, code, params = overlap_problem(later, earlier)
    if "row" in params:
        params["row"] = numbers[params["row"]]
    return Problem(sheet.name, numbers[row], column, code, params)


def refused_placements(loader: LoadState, sheet: fmt.Sheet, rows: list[Values]) -> Problem | None:
    """Which new stay of these the database refused: one overlapping a stay recorded after the stays
    were read (a colleague's, in the app), read again now."""
    by_client: dict[int, list[Stay]] = defaultdict(list)
    numbers: dict[str, int] = {}
    for values in rows:
        ref = values["placement_ref"]
        end = loader.placement_ends.get(ref, values["end"])
        by_client[loader.owners["cases"][values["case_ref"]].client_id].append(Stay(values["start"], end, row=ref))
        numbers[ref] = values["_number"]
    recorded = recorded_stays(by_client)
    for client_id, listed in by_client.items():
        _ends, overlaps = settle(client_stays(listed, recorded.get(client_id, []), {}))
        for later, earlier in overlaps:
            return _overlap(sheet, later, earlier, numbers)
    return None


def end_stays(loader: LoadState, ends: dict[int, datetime.date]) -> None:
    """Recorded stays the workbook ends (placement id → the day the client moved out), written as
    the app writes the end of the stay a client leaves on a move or a closure (placement_add,
    closure_decide): the end alone, in the same transaction, the action audited once (here the
    import's event, which counts them). Not through placement_end row by row: a national workbook's
    later version ends thousands of stays, and the rules were checked for them all (settle),
    with the database's constraints behind."""
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for pk, day in ends.items():
        by_day[day].append(pk)
    for day, ids in by_day.items():
        for first in range(0, len(ids), CHUNK):
            Placement.objects.filter(pk__in=ids[first : first + CHUNK]).update(end=day)
    loader.stays_ended += len(ends)
