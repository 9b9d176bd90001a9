"""Writing many new rows of one model at once, without model instances: what a million-row import
needs. Each record is a dict of attribute names (`client_id`, not `client`) to values; the table
turns it into the row the model's fields would have saved, and writes a batch with COPY on
PostgreSQL (one statement, no SQL per row) or one executemany on SQLite.

The same rules as a model's save, applied per field: defaults (`row_id`'s uuid4, `created_at`),
`auto_now`/`auto_now_add`, the field's own conversion to the database (`get_db_prep_save`), and
encryption of every encrypted field, bound to the row like `EncryptedFieldMixin.encrypt_for` binds it
(model, field, row_id) under the key of the record's owner (`_key`: the client's data key) or, for a
model without `encryption_data_key`, the master key. Primary keys are taken before the write
(`allocate`), so records can refer to each other in the same batch.

On PostgreSQL the batches are sent by a thread of their own (Writer), over the import's own
connection and so in its one transaction, while the import prepares the next batch: Python and the
database work at the same time instead of in turn.
"""

from __future__ import annotations

import operator
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone
from psycopg._copy_base import TextFormatter  # psycopg is pinned: its formatter of COPY's text
from psycopg.adapt import Transformer

from wholejourney.core import crypto
from wholejourney.core.fields import EncryptedFieldMixin

# What `_key` holds: the data key's row id (as in the ciphertext) and the key itself.
DataKeyPair = tuple[str, bytes]
# Field types whose Python values psycopg adapts as Django would store them (Django's own
# conversion is the identity for them on PostgreSQL); others go through get_db_prep_save.
_AS_IS_ON_POSTGRES = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # DateTimeField too
    models.DecimalField,
    models.UUIDField,
    models.ForeignKey,
)
# A column's value mended: (value picked or default, record, row id, now) → the value to write.
Mend = Callable[[Any, dict[str, Any], Any, Any], Any]
_MISSING = object()
# Primary keys taken from a PostgreSQL sequence at a time, from FIRST_ID_POOL growing to ID_POOL
# as a table's rows keep coming: what is left over at the end is a gap in the ids, as a
# rolled-back insert leaves.
ID_POOL = 50_000
FIRST_ID_POOL = 1_000
# Batches waiting for the writer at most: a bound on memory.
QUEUED_BATCHES = 4
NEXT_IDS = "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)"


class Writer:
    """Sends batches of rows, in order, from a thread of its own (PostgreSQL) or at once (SQLite).

    The connection is the import's: while batches are on their way, the import must not use it;
    `sync()` waits until they are written (and raises what failed). Every other use of the database
    during the write goes after a sync. `close()` always, `abort` after an error."""

    def __init__(self) -> None:
        self.db = connections[DEFAULT_DB_ALIAS]
        self.threaded = self.db.vendor == "postgresql"
        self.error: BaseException | None = None
        self._ids_connection: Any = None
        self._own_ids = True
        if self.threaded:
            self.db.inc_thread_sharing()
            self._queue: queue.Queue[tuple[Table, Sequence[str], bytes] | None] = queue.Queue(QUEUED_BATCHES)
            self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            self._thread.start()

    def submit(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if not self.threaded:
            table.insert_rows(columns, rows)
            return
        self._raise()
        # Turned into COPY's text here, so the thread holds the interpreter only to hand it over.
        self._queue.put((table, columns, table.copy_text(rows)))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self.error is None:  # after a failure the rest is dropped: the import rolls back
                    item[0].copy(item[1], item[2])
            except BaseException as exc:  # noqa: BLE001 - handed to the import's thread, which raises it
                self.error = exc
            finally:
                self._queue.task_done()

    def next_ids(self, params: list[Any]) -> list[int]:
        """Primary keys from the table's sequence (NEXT_IDS), without waiting for the batches on their
        way: on a connection of its own, since the import's is the writer's meanwhile. A sequence
        is outside transactions, so ids taken there are as good as ids taken on the import's."""
        if self.threaded and self._own_ids:
            try:
                if self._ids_connection is None:
                    self._ids_connection = self.db.get_new_connection(self.db.get_connection_params())
                    self._ids_connection.autocommit = True
                    # The import's transaction may hold a lock the sequence's table needs (it
                    # emptied the table first, say): then this connection would wait on it for ever.
                    self._ids_connection.execute("SET lock_timeout = '2s'")
                return list(self._ids_connection.execute(NEXT_IDS, params).fetchone()[0])
            except psycopg.OperationalError:
                # No connection to be had, or the lock above: from now on the ids are taken on the
                # import's connection, after the writer.
                self._own_ids = False
        self.sync()
        with self.db.cursor() as cursor:
            cursor.execute(NEXT_IDS, params)
            return list(cursor.fetchone()[0])

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def sync(self) -> None:
        """Wait until every batch sent is written."""
        if self.threaded:
            self._queue.join()
            self._raise()

    def close(self, *, abort: bool = False) -> None:
        """Stop the thread: after what is queued, or (abort) dropping it, the import having failed."""
        if self._ids_connection is not None:
            self._ids_connection.close()
            self._ids_connection = None
        if not self.threaded:
            return
        self.threaded = False
        if abort and self.error is None:
            self.error = _Aborted()
        self._queue.put(None)
        self._thread.join()
        self.db.dec_thread_sharing()
        if isinstance(self.error, _Aborted):
            self.error = None
        self._raise()


class _Aborted(Exception):
    pass


def _made(make: Callable[[], Any]) -> Mend:
    """A callable default (uuid4, timezone.now, list), called for each row that does not give one."""
    return lambda value, record, row_id, now: make() if value is _MISSING else value


def _prepared(field: Any, db: Any) -> Mend:
    return lambda value, record, row_id, now: field.get_db_prep_save(value, db)


class Table:
    """New rows of one model: `allocate` their primary keys, then `insert` them."""

    def __init__(self, model: type[models.Model], writer: Writer | None = None) -> None:
        meta = model._meta
        self.model = model
        self.writer = writer
        self.db = writer.db if writer is not None else connections[DEFAULT_DB_ALIAS]
        self.label = meta.label_lower
        self.keyed = hasattr(model, "encryption_data_key")
        self.fields = list(meta.concrete_fields)
        self.pk_column = str(meta.pk.column) if meta.pk is not None else "id"
        self.db_table = meta.db_table
        postgres = self.db.vendor == "postgresql"
        self.has_row_id = any(field.attname == "row_id" for field in self.fields)
        # A row is the record's values picked by attribute name over the fields' constant defaults
        # (one C call for all columns), then the columns that need more mended in place: a callable
        # default, Django's conversion to the database, encryption, auto_now.
        self._constants: dict[str, Any] = {}
        mends: list[tuple[str, Mend]] = []
        for field in self.fields:
            attname = field.attname
            if field.primary_key:
                continue
            make = field.default if field.has_default() and callable(field.default) else None
            self._constants[attname] = _MISSING if make is not None else field.get_default()
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                mends.append((attname, lambda value, record, row_id, now: now))
                continue
            if make is not None:
                mends.append((attname, _made(make)))
            if isinstance(field, EncryptedFieldMixin):
                mends.append((attname, self._sealer(field)))
            elif not (postgres and isinstance(field, _AS_IS_ON_POSTGRES)):
                mends.append((attname, _prepared(field, self.db)))
        self._layouts = {with_id: self._layout(mends, with_id) for with_id in (True, False)}
        self._next_id = 0
        self._pool: list[int] = []
        # The pool grows as the table's rows keep coming: a small sheet takes a thousand ids, not
        # fifty thousand (which took 0.2 s of nextval a table, 7 s for a small workbook).
        self._pool_size = FIRST_ID_POOL
        self._formatter: Any = None

    # --- primary keys ---

    def allocate(self, count: int) -> list[int]:
        """`count` primary keys no other row has or will get."""
        if count == 0:
            return []
        if self.db.vendor == "postgresql":
            if len(self._pool) < count:
                wanted: list[Any] = [self.db_table, self.pk_column, max(count - len(self._pool), self._pool_size)]
                self._pool_size = min(self._pool_size * 4, ID_POOL)
                if self.writer is not None:
                    self._pool += self.writer.next_ids(wanted)
                else:
                    with self.db.cursor() as cursor:
                        cursor.execute(NEXT_IDS, wanted)
                        self._pool += cursor.fetchone()[0]
            taken, self._pool = self._pool[:count], self._pool[count:]
            return taken
        # SQLite: the import's transaction holds the write lock (BEGIN IMMEDIATE), so nobody else
        # inserts meanwhile; ids continue after the largest there is or ever was (AUTOINCREMENT).
        quote = self.db.ops.quote_name
        with self.db.cursor() as cursor:
            cursor.execute(f"SELECT MAX({quote(self.pk_column)}) FROM {quote(self.db_table)}")  # noqa: S608
            largest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.db_table])
            row = cursor.fetchone()
        start = max(largest, row[0] if row else 0, self._next_id - 1) + 1
        self._next_id = start + count
        return list(range(start, start + count))

    # --- rows ---

    def _layout(self, mends: list[tuple[str, Mend]], with_id: bool) -> tuple[Any, list[tuple[int, Mend]]]:
        names = [str(field.attname) for field in self.fields if with_id or not field.primary_key]
        pick = operator.itemgetter(*names) if len(names) > 1 else lambda record: (record[names[0]],)
        return pick, [(names.index(attname), mend) for attname, mend in mends]

    def row(self, record: dict[str, Any], now: Any, with_id: bool = True) -> tuple[Any, ...]:
        if self.keyed and "_key" not in record:
            raise KeyError(f"{self.label} is encrypted under its owner's key: give the record its _key")
        row_id = record.get("row_id")
        if row_id is None and self.has_row_id:
            row_id = record["row_id"] = uuid.uuid4()
        pick, mends = self._layouts[with_id]
        values = list(pick(self._constants | record))
        for index, mend in mends:
            values[index] = mend(values[index], record, row_id, now)
        return tuple(values)

    def _sealer(self, field: Any) -> Mend:
        """As EncryptedFieldMixin.pre_save and encrypt_for do for a new row."""
        label, name, keyed = self.label, field.name, self.keyed

        def seal(value: Any, record: dict[str, Any], row_id: Any, now: Any) -> Any:
            if value is None or value == "":
                return value
            raw = field.plain_bytes(field.to_python(value))
            aad = f"{label}|{name}|{row_id}".encode()
            key: DataKeyPair | None = record["_key"] if keyed else None
            if key is not None:
                return crypto.encrypt_with_data_key(key[0], key[1], raw, aad)
            return crypto.encrypt_master(raw, aad)

        return seal

    def insert(self, records: Sequence[dict[str, Any]]) -> None:
        """Write the records; with their allocated `id`s, or (records no one refers to) without, the
        database numbering them. Through the writer when the table has one."""
        if not records:
            return
        now = timezone.now()
        with_id = "id" in records[0]
        rows = [self.row(record, now, with_id) for record in records]
        columns = [str(field.column) for field in self.fields if with_id or not field.primary_key]
        self.write(columns, rows)

    def write(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Rows already in the database's terms (no defaults, no encryption), through the writer."""
        if self.writer is not None:
            self.writer.submit(self, columns, rows)
        else:
            self.insert_rows(columns, rows)

    def copy_text(self, rows: Sequence[tuple[Any, ...]]) -> bytes:
        """The rows as COPY's text format, adapted as psycopg adapts them in `copy.write_row`."""
        if self._formatter is None:
            self._formatter = TextFormatter(Transformer(self.db.connection))
        formatter = self._formatter
        return b"".join([*(formatter.write_row(row) for row in rows), formatter.end()])

    def copy(self, columns: Sequence[str], text: bytes) -> None:
        """Rows in COPY's text format, written in one statement (PostgreSQL)."""
        quote = self.db.ops.quote_name
        names = ", ".join(quote(column) for column in columns)
        with (
            self.db.cursor() as cursor,
            cursor.cursor.copy(f"COPY {quote(self.db_table)} ({names}) FROM STDIN") as copy,
        ):
            copy.write(text)

    def insert_rows(self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write the rows now, in one statement."""
        if not rows:
            return
        quote = self.db.ops.quote_name
        names = ", ".join(quote(column) for column in columns)
        with self.db.cursor() as cursor:
            if self.db.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.db_table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.db_table)} ({names}) VALUES ({placeholders})",  # noqa: S608
                    rows,
                )
