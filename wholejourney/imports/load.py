"""Writing a checked workbook: everything in one transaction, or nothing.

Why in bulk, not through the services row by row: a national programme's history is 100,000 clients
and a million service rows. Through the services that is a million transactions, a million audit
rows and a clock refresh per assessment — hours. Here the rows the check kept (spool.py) are read
back in batches of BATCH rows; the new records of a batch are written with one COPY (PostgreSQL) or
one executemany (SQLite) per table (bulk.py), inside a single transaction. The rules are the
services' rules, checked first for the whole workbook (validate.py); the import writes one audit
event with the counts. The services also check the actor's role (a case manager's caseload); an
import is an administrator's act, checked once with IMPORT_DATA on the office (tasks.py).

Each row's record is remembered in ImportedRow with a keyed hash of its values: a row imported
again unchanged is skipped, a changed row updates its record (through the model, full_clean and
save: updates are few), a new row adds one. What a row implies for records whose own rows did not
change is written all the same (stays.py: a stay the next one ends, stays a case's closing ends).
A write the database refuses for what the check could not see (a colleague's change made
meanwhile) undoes the import and is reported as a problem of the workbook (ProblemFound). Identifying values are encrypted as the rows are
written (under the client's own data key where the record is a client's); nothing is staged in a
temporary table or written to a log.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction

from wholejourney.accounts.models import Team, User
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.care import models as care
from wholejourney.cases.models import Case
from wholejourney.clients.duplicates import clients_with_a_likely_duplicate
from wholejourney.clients.models import Client
from wholejourney.core.fields import EncryptedModel, reseal
from wholejourney.core.models import DataKey, Office
from wholejourney.imports import format as fmt
from wholejourney.imports.cells import normal_text
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.problems import Problem, ProblemFound
from wholejourney.imports.records import (
    AFTER_CREATE,
    AFTER_UPDATE,
    BEFORE_CREATE,
    BUILDERS,
    MODELS,
    PREPARE,
    REFUSED,
    adopted,
)
from wholejourney.imports.spool import Spool
from wholejourney.imports.state import LoadState, Owner, Values
from wholejourney.outcomes import services as outcome_services

__all__ = ["BATCH", "MODELS", "checkpoint", "digest", "load"]

BATCH = 2000
WRITER_SWITCH_INTERVAL = 0.0005
# Client data keys kept at once (about 100 bytes each); past it they are read again when needed.
MAX_KEYS = 200_000


def checkpoint(done: int, total: int) -> None:
    """Called after each batch written. Does nothing; tests replace it to stop an import half way."""


def _digest_key() -> bytes:
    # django.utils.crypto.salted_hmac's key, derived once per import instead of once per row.
    return hashlib.sha1(b"wholejourney.imports.row" + settings.SECRET_KEY.encode()).digest()  # noqa: S324


def digest(row: tuple[Any, ...], key: bytes | None = None) -> str:
    """A keyed hash of a row's values (in the sheet's column order, as checked): equal for the same
    row, and no help in guessing a value. (hmac.digest: OpenSSL's one-shot HMAC, as salted_hmac.)"""
    return hmac.digest(key or _digest_key(), repr(row).encode(), "sha1").hex()


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_json(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# The column naming the owner of a sheet's records, and where that owner is found.
OWNER_COLUMNS = {"legal_milestones": ("legal_case_ref", "legal_cases"), "stipends": ("training_ref", "trainings")}


@dataclass(kw_only=True)
class Loader(LoadState):
    sheets: list[str]
    run: ImportRun
    total: int
    on_progress: Callable[[int, int], None] | None = None
    done: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    digest_key: bytes = field(default_factory=_digest_key)
    # The sheet and row being written, to name them if the database refuses a write.
    sheet_name: str = ""
    row_number: int = 0

    # --- the whole workbook ---

    def run_all(self) -> dict[str, dict[str, int]]:
        self._preload()
        for sheet in fmt.SHEETS:
            if sheet.name in self.sheets:
                self.counts[sheet.name] = Counts()
                self._load_sheet(sheet)
        self._refresh_clocks()
        for counter in self.code_counters.values():
            counter.save(update_fields=["last_number"])
        counted = {name: counts.as_json() for name, counts in self.counts.items()}
        if self.new_clients:
            # Registration's duplicate check, for a workbook: the director's list shows the pairs.
            self.sync()
            counted["clients"]["possible_duplicates"] = clients_with_a_likely_duplicate(
                self.office.pk, self.new_clients
            )
        return counted

    def _preload(self) -> None:
        for sheet in fmt.REFERENCED:
            rows = ImportedRow.objects.filter(office=self.office, sheet=sheet).values_list("external_id", "object_id")
            self.ids[sheet] = dict(rows)
        for sheet, model in (("cases", Case), ("trainings", care.Training), ("legal_cases", care.LegalCase)):
            refs = {pk: ref for ref, pk in self.ids[sheet].items()}
            keys = list(refs)
            case_column = "pk" if model is Case else "case_id"
            for start in range(0, len(keys), BATCH):
                chunk = model.objects.filter(pk__in=keys[start : start + BATCH]).order_by()
                for pk, client_id, case_id in chunk.values_list("pk", "client_id", case_column):
                    self.owners[sheet][refs[pk]] = Owner(client_id, case_id)
        self.teams = {normal_text(team.name): team.pk for team in Team.objects.filter(office=self.office)}
        self.users = dict(User.objects.filter(office=self.office).values_list("username", "pk"))

    def _batches(self, sheet: fmt.Sheet) -> Iterator[list[Values]]:
        batch: list[Values] = []
        for values in self.rows(sheet):
            batch.append(values)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    # --- one sheet ---

    def _load_sheet(self, sheet: fmt.Sheet) -> None:
        self.sync()
        self.sheet_name, self.row_number = sheet.name, 0
        prepare = PREPARE.get(sheet.name)
        if prepare is not None:
            prepare(self, sheet)
        meta = MODELS[sheet.name]._meta
        # Not get_for_model: its cache would outlive a rolled-back import that created the row (a
        # many-to-many link table has no content type until one is needed).
        content_type, _created = ContentType.objects.get_or_create(app_label=meta.app_label, model=meta.model_name)
        imported = ImportedRow.objects.filter(office=self.office, sheet=sheet.name)
        earlier = imported.exists()  # a first import of the sheet looks nothing up
        counts = self.counts[sheet.name]
        for batch in self._batches(sheet):
            known: dict[str, tuple[int, str]] = {}
            if earlier:
                self.sync()
                refs = [values[sheet.key] for values in batch]
                known = {
                    ref: (object_id, row_digest)
                    for ref, object_id, row_digest in imported.filter(external_id__in=refs).values_list(
                        "external_id", "object_id", "digest"
                    )
                }
            self._load_keys(sheet, batch)
            new_rows: list[Values] = []
            changed: list[tuple[Values, int]] = []
            for values in batch:
                values["_digest"] = digest(values["_row"], self.digest_key)
                ref = values[sheet.key]
                if ref in known:
                    object_id, old = known[ref]
                    self._remember(sheet, ref, object_id, values)
                    if old == values["_digest"]:
                        counts.unchanged += 1
                    else:
                        changed.append((values, object_id))
                else:
                    new_rows.append(values)
            # Changed records first: a record a row moves (a stay that now starts later) makes room
            # for the new ones, and a client's new case is the latest their caseload follows.
            if changed:
                self._update(sheet, changed)
                counts.updated += len(changed)
            if new_rows:
                self._create_rows(sheet, content_type, new_rows)
                counts.created += len(new_rows)
            counts.rows += len(batch)
            self.done += len(batch)
            if self.on_progress is not None:
                self.on_progress(self.done, self.total)
            checkpoint(self.done, self.total)

    def _create_rows(self, sheet: fmt.Sheet, content_type: Any, rows: list[Values]) -> None:
        """New rows of the sheet written, with what the import remembers of them. Where the database
        may refuse them for what the check could not see (REFUSED), in a savepoint of their own, to
        tell the user which row it was."""
        refused = REFUSED.get(sheet.name)
        if refused is None:
            self._imported(sheet, content_type, rows, self._create(sheet, rows))
            return
        self.sync()
        savepoint = transaction.savepoint()
        try:
            self._imported(sheet, content_type, rows, self._create(sheet, rows))
            self.sync()
        except (IntegrityError, psycopg.IntegrityError) as exc:
            transaction.savepoint_rollback(savepoint)
            problem = refused(self, sheet, rows)
            if problem is None:
                raise
            raise ProblemFound(problem) from exc
        transaction.savepoint_commit(savepoint)

    def _create(self, sheet: fmt.Sheet, rows: list[Values]) -> list[int]:
        """New records for these rows (or the office's records they take over); their ids, in order."""
        build = BUILDERS[sheet.name]
        records = [build(self, values, None) for values in rows]
        existing = adopted(self, sheet.name, records)
        fresh = [(record, values) for record, values, pk in zip(records, rows, existing, strict=True) if pk is None]
        if fresh:
            new_records, new_rows = [record for record, _ in fresh], [values for _, values in fresh]
            # A hook that queries waits for the batches on their way first (loader.sync()).
            before = BEFORE_CREATE.get(sheet.name)
            if before is not None:
                before(self, new_records, new_rows)
            table = self.table(MODELS[sheet.name])
            for record, pk in zip(new_records, table.allocate(len(new_records)), strict=True):
                record["id"] = pk
            table.insert(new_records)
            after = AFTER_CREATE.get(sheet.name)
            if after is not None:
                after(self, new_records, new_rows)
        taken = [(values, pk) for values, pk in zip(rows, existing, strict=True) if pk is not None]
        if taken:
            self.sync()
            self._apply(sheet, [(values, obj) for values, obj in self._instances(sheet, taken) if obj is not None])
        object_ids = [record["id"] if pk is None else pk for record, pk in zip(records, existing, strict=True)]
        for values, object_id in zip(rows, object_ids, strict=True):
            self._remember(sheet, values[sheet.key], object_id, values)
        return object_ids

    def _imported(self, sheet: fmt.Sheet, content_type: Any, rows: list[Values], object_ids: list[int]) -> None:
        office_id, content_type_id, key = self.office.pk, content_type.pk, sheet.key
        self.table(ImportedRow).write(
            ("office_id", "sheet", "external_id", "content_type_id", "object_id", "digest"),
            [
                (office_id, sheet.name, values[key], content_type_id, object_id, values["_digest"])
                for values, object_id in zip(rows, object_ids, strict=True)
            ],
        )

    def _instances(self, sheet: fmt.Sheet, pairs: list[tuple[Values, int]]) -> list[tuple[Values, Any]]:
        objects = MODELS[sheet.name]._default_manager.in_bulk([object_id for _values, object_id in pairs])
        return [(values, objects.get(object_id)) for values, object_id in pairs]

    def _update(self, sheet: fmt.Sheet, changed: list[tuple[Values, int]]) -> None:
        """Changed rows: their records take the new values; a record removed in the app since is added again."""
        self.sync()
        pairs = self._instances(sheet, changed)
        self._apply(sheet, [(values, obj) for values, obj in pairs if obj is not None])
        gone = [values for values, obj in pairs if obj is None]
        object_ids = dict(zip((values[sheet.key] for values in gone), self._create(sheet, gone), strict=True))
        self.sync()
        imported = ImportedRow.objects.filter(office=self.office, sheet=sheet.name)
        for values, obj in pairs:
            ref = values[sheet.key]
            object_id = obj.pk if obj is not None else object_ids[ref]
            imported.filter(external_id=ref).update(object_id=object_id, digest=values["_digest"])
            self._remember(sheet, ref, object_id, values)

    def _apply(self, sheet: fmt.Sheet, pairs: list[tuple[Values, Any]]) -> None:
        """Each existing record takes its row's values, checked by the model and saved (updates are few)."""
        build = BUILDERS[sheet.name]
        after = AFTER_UPDATE.get(sheet.name)
        for values, obj in pairs:
            self.sync()  # the hook of the row before may have sent rows on their way
            self.row_number = values["_number"]
            record = build(self, values, obj)
            for name, value in record.items():
                if not name.startswith("_"):
                    setattr(obj, name, value)
            if isinstance(obj, EncryptedModel):
                reseal(obj)  # the owner may have changed: encrypt under the right key
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            if after is not None:
                after(self, [record | {"id": obj.pk}], [values])
        self.row_number = 0

    def _remember(self, sheet: fmt.Sheet, ref: str, object_id: int, values: Values) -> None:
        if sheet.name in fmt.REFERENCED:
            self.ids[sheet.name][ref] = object_id
        if sheet.name == "cases":
            self.owners["cases"][ref] = Owner(self.ids["clients"][values["client_ref"]], object_id)
        elif sheet.name in ("trainings", "legal_cases"):
            case = self.owners["cases"][values["case_ref"]]
            self.owners[sheet.name][ref] = Owner(case.client_id, case.case_id)

    # --- encryption under the client's key ---

    def _load_keys(self, sheet: fmt.Sheet, batch: list[Values]) -> None:
        if not hasattr(MODELS[sheet.name], "encryption_data_key"):
            return
        if len(self.keys) > MAX_KEYS:
            self.keys.clear()  # a bound on memory; keys are read again when needed
        owners = (self.owner_of(sheet, values) for values in batch)
        needed = {owner.client_id for owner in owners if owner is not None} - set(self.keys)
        if not needed:
            return
        self.sync()
        for client in Client.objects.filter(pk__in=needed).select_related("data_key"):
            self.keys[client.pk] = (str(client.data_key.row_id), DataKey.remember(client.data_key))

    def owner_of(self, sheet: fmt.Sheet, values: Values) -> Owner | None:
        if sheet.name == "cases":
            return Owner(self.ids["clients"][values["client_ref"]])
        if sheet.name == "referrals":
            return Owner(self.ids["clients"][values["client_ref"]]) if values["client_ref"] else None
        column, owners = OWNER_COLUMNS.get(sheet.name, ("case_ref", "cases"))
        ref = values.get(column)
        return self.owners[owners].get(ref) if ref else None

    def _refresh_clocks(self) -> None:
        """Each client whose assessments or crises came in gets their clock computed once, as
        `wholejourney clock rebuild` computes it (one source for the fields and the rules)."""
        self.sync()
        if not self.clock_clients:
            return
        ids = sorted(self.clock_clients)
        instruments = {instrument.pk: instrument for instrument in outcome_services.Instrument.objects.all()}
        for start in range(0, len(ids), 1000):
            clients = list(Client.objects.filter(pk__in=ids[start : start + 1000]).select_related("data_key"))
            outcome_services.clock_states_write(clients, instruments=instruments)


def load(
    *,
    office: Office,
    spool: Spool,
    sheets: list[str],
    actor: User,
    run: ImportRun,
    total: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Write the checked rows in one transaction with its audit event; return the counts."""
    with transaction.atomic(), outcome_services.clocks_refreshed_at_end():
        if connection.vendor == "postgresql":
            # Each batch's references are checked as it is written, while the next one is prepared,
            # rather than all of them at the commit, when nothing else is left to do.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        loader = Loader(
            office=office, spool=spool, sheets=sheets, actor=actor, run=run, total=total, on_progress=on_progress
        )
        # The writer thread needs the interpreter only for moments, but each time it waits for this
        # thread to let go of it (every 5 ms by default): with 0.5 ms it keeps the database busy.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
        try:
            counts = loader.run_all()
            loader.writer.close()
        except (IntegrityError, psycopg.IntegrityError) as exc:
            # What the check saw was changed meanwhile (a colleague recorded a stay in the app, say):
            # the database refused a write. Nothing is written; the user is told where, and to retry.
            loader.writer.close(abort=True)
            raise ProblemFound(Problem(loader.sheet_name, loader.row_number, "", "changed_meanwhile")) from exc
        except BaseException:
            loader.writer.close(abort=True)
            raise
        finally:
            sys.setswitchinterval(switch)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            target=run,
            changed_fields=[
                f"{sheet}:+{c['created']}~{c['updated']}={c['unchanged']}" for sheet, c in sorted(counts.items())
            ]
            + ([f"stays_ended={loader.stays_ended}"] if loader.stays_ended else []),
        )
    return counts
