"""What the write of a workbook knows as it goes: the records of the rows written so far, their
owners and data keys, and the way to the database. The loader (load.py) keeps it; what each sheet's
row becomes (records.py) reads and adds to it. Neither module imports the other.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from wholejourney.accounts.models import User
from wholejourney.core.models import Office
from wholejourney.imports import format as fmt
from wholejourney.imports.bulk import DataKeyPair, Table, Writer
from wholejourney.imports.spool import Spool

# A row's values by column name; `_row` holds them as checked, `_number` the row's number on its sheet.
Values = dict[str, Any]


@dataclass
class Owner:
    """The client (and case) a record belongs to, enough to encrypt under the client's key."""

    client_id: int
    case_id: int | None = None


@dataclass(kw_only=True)
class LoadState:
    office: Office
    spool: Spool
    actor: User
    # Row id → record id, for the sheets other sheets refer to.
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    # Row id → owner, for cases, legal cases and trainings (records below them are the client's).
    owners: dict[str, dict[str, Owner]] = field(default_factory=lambda: defaultdict(dict))
    # Client id → their data key, to encrypt their records.
    keys: dict[int, DataKeyPair] = field(default_factory=dict)
    clock_clients: set[int] = field(default_factory=set)
    new_clients: list[int] = field(default_factory=list)
    teams: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    placement_ends: dict[str, datetime.date | None] = field(default_factory=dict)
    stays_ended: int = 0  # recorded stays the workbook ended (its rows changed or not)
    first_assessment: dict[int, datetime.date] = field(default_factory=dict)
    instrument: Any = None
    items: dict[str, Any] = field(default_factory=dict)
    tables: dict[type[models.Model], Table] = field(default_factory=dict)
    # Year → the office's client code counter, locked for the import and saved at its end.
    code_counters: dict[int, Any] = field(default_factory=dict)
    writer: Writer = field(default_factory=Writer)

    def table(self, model: type[models.Model]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(model, self.writer)
        return self.tables[model]

    def sync(self) -> None:
        """Wait for the batches on their way: before any other use of the database."""
        self.writer.sync()

    def rows(self, sheet: fmt.Sheet) -> Iterator[Values]:
        """The sheet's checked rows, by column name (and as they were kept, under `_row`)."""
        names = [column.name for column in sheet.columns]
        for number, row in self.spool.rows(sheet.name):
            values = dict(zip(names, row, strict=True))
            values["_row"] = row
            values["_number"] = number
            yield values

    def key_of(self, client_id: int) -> DataKeyPair:
        return self.keys[client_id]

    def ref(self, sheet: str, ref: str | None) -> int | None:
        return self.ids[sheet][ref] if ref else None

    def user_id(self, username: str) -> int:
        """The account named in a row (checked to exist), else the importer's."""
        return self.users[username] if username else self.actor.pk
