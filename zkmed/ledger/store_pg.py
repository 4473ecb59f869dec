"""The shared ledger store: one PostgreSQL database (``psycopg`` 3), a :class:`~zkmed.ledger.store.Store`.

The same rows as :mod:`zkmed.ledger.store_sqlite` (entry record = Merkle
nodes, then entry bytes) in five tables of the connection's schema, schema
version 2 in ``zkmed_meta``: ``docs/ledger.md`` §PostgreSQL store.  Every
open checks the application id, the version and that the tables hold exactly
these columns (S1).  Durability: ``synchronous_commit=on`` on every session (a
commit returns once the server flushed its WAL); one writer at a time through
a self-conflicting table lock that readers do not wait for.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Generator, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql as pgsql

from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion
from zkmed.formats import LEDGER_STORE_PG
from zkmed.ledger.store import block_holding, check_index, nodes_completed, split_record
from zkmed.ledger.stores import URL_SCHEMES, is_pg_url, public_url

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "URL_SCHEMES", "PgStore", "is_pg_url", "public_url"]

SCHEMA_VERSION = LEDGER_STORE_PG.version
APPLICATION_ID = "zkmed.ledger 7a6b4c47"
LOCK_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10

_SCHEMA = """
CREATE TABLE zkmed_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE blocks (
    height    bigint PRIMARY KEY,
    tree_size bigint NOT NULL,
    hash      bytea  NOT NULL,
    data      bytea  NOT NULL
);
CREATE TABLE entries (
    seq    bigint PRIMARY KEY,
    record bytea  NOT NULL
);
CREATE TABLE authority_changes (
    seq bigint PRIMARY KEY
);
CREATE TABLE checkpoints (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tree_size bigint NOT NULL,
    text      text   NOT NULL
)
"""
_STATEMENTS = [s.strip() for s in _SCHEMA.split(";") if s.strip()]
_TABLES = [s.split()[2] for s in _STATEMENTS]
#: what the catalog must list for the tables of this schema: (table, column, type, NOT NULL)
_COLUMNS = sorted(
    [
        ("authority_changes", "seq", "bigint", True),
        ("blocks", "data", "bytea", True),
        ("blocks", "hash", "bytea", True),
        ("blocks", "height", "bigint", True),
        ("blocks", "tree_size", "bigint", True),
        ("checkpoints", "id", "bigint", True),
        ("checkpoints", "text", "text", True),
        ("checkpoints", "tree_size", "bigint", True),
        ("entries", "record", "bytea", True),
        ("entries", "seq", "bigint", True),
        ("zkmed_meta", "key", "text", True),
        ("zkmed_meta", "value", "text", True),
    ]
)
#: the columns of the tables named ``ANY(%s)`` in the current schema (``pg_catalog``: ~10× faster than
#: ``information_schema``, and this runs on every open)
_COLUMNS_SQL = (
    "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
    "WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema()) "
    "AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
)
#: rows per multi-row ``INSERT`` in :meth:`PgStore.insert_entries`
INSERT_CHUNK = 256
#: rows per query when :meth:`PgStore.iter_entries` / :meth:`PgStore.iter_blocks` stream a table
STREAM_CHUNK = 2000


@functools.lru_cache(maxsize=64)
def _insert_sql(rows: int) -> bytes:
    return ("INSERT INTO entries(seq, record) VALUES " + ", ".join(["(%s, %s)"] * rows)).encode()


_STATE_KEY = b"SELECT (SELECT hash FROM blocks ORDER BY height DESC LIMIT 1), (SELECT max(seq) FROM entries)"
#: BEGIN, the writers' lock and the state every write re-reads first, in one round trip (simple query protocol)
_BEGIN_LOCKED = b"BEGIN; LOCK TABLE blocks IN SHARE ROW EXCLUSIVE MODE; " + _STATE_KEY


class PgStore:
    """One ledger in one PostgreSQL database (schema): implements :class:`zkmed.ledger.store.Store`."""

    def __init__(self, url: str, *, readonly: bool = False, _create: bool = False) -> None:
        if not is_pg_url(url):
            raise MalformedInput("a PostgreSQL store location must be a postgresql:// URL")
        self.url = url
        self.location, self.readonly = public_url(url), readonly
        self._in_tx = False
        self._prefetched: tuple[Any, ...] | None = None
        self.conn = self._connect()
        try:
            if not _create:
                self._check_header()
        except BaseException as exc:
            self.close()
            if isinstance(exc, psycopg.Error):
                raise self._wrap(exc) from exc
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        """A new session with the store's settings (durability, lock timeout, read-only)."""
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except (psycopg.Error, ValueError) as exc:
            raise LedgerError(f"cannot connect to the ledger store {self.location}: {_first_line(exc)}") from exc
        try:
            settings = f"SET synchronous_commit = on; SET lock_timeout = '{LOCK_TIMEOUT_S}s'"
            if self.readonly:
                settings += "; SET default_transaction_read_only = on"
            conn.execute(settings.encode())  # one round trip (no parameters: simple query protocol)
        except psycopg.Error as exc:
            conn.close()
            raise self._wrap(exc) from exc
        return conn

    def _lost(self) -> bool:
        """After an error outside a transaction: reconnect if the session is gone (a restarted server)."""
        if self._in_tx or not (self.conn.broken or self.conn.closed):
            return False
        self.conn = self._connect()
        return True

    def _wrap(self, exc: BaseException) -> LedgerError:
        return LedgerError(f"ledger store {self.location}: {_first_line(exc)}", where="store")

    def _check_header(self) -> None:
        """S1: zkmed application id, a schema version this build reads, and exactly the columns it writes."""
        found = sorted(tuple(r) for r in self.conn.execute(_COLUMNS_SQL.encode(), (_TABLES,)).fetchall())
        if not any(row[0] == "zkmed_meta" for row in found):
            raise LedgerError(f"no ledger store at {self.location} (no zkmed_meta table)", where="store")
        meta: dict[str, str] = dict(self.conn.execute(b"SELECT key, value FROM zkmed_meta").fetchall())
        if meta.get("application_id") != APPLICATION_ID:
            raise LedgerError(f"{self.location} is not a zkmed ledger store", where="store")
        raw = meta.get("schema_version", "")
        version = int(raw) if raw.isdigit() and len(raw) < 10 else -1
        if version > SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.location} has schema version {version}; this build supports up to {SCHEMA_VERSION}"
            )
        if version < 1:
            raise LedgerError(f"ledger store {self.location} has no schema", where="store")
        if version < SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.location} has schema version {version}, which this build no longer reads "
                f"(it writes version {SCHEMA_VERSION}); re-create the ledger"
            )
        if found != _COLUMNS:
            damaged = sorted({row[0] for row in set(found) ^ set(_COLUMNS)} | (set(_TABLES) - {r[0] for r in found}))
            raise LedgerError(
                f"ledger store {self.location}: the schema is damaged (table {damaged[0]!r} differs from schema "
                f"version {SCHEMA_VERSION}); the store cannot be read safely",
                where="store",
            )

    @classmethod
    def create(cls, url: str, genesis_hash: bytes, genesis_data: bytes) -> PgStore:
        """The schema and the genesis block in one transaction; refuses a database that already holds a ledger."""
        store = cls(url, _create=True)
        try:
            with store.transaction(lock=False):
                current = store.conn.execute(b"SELECT current_schema()").fetchone()
                if current is None or current[0] is None:
                    raise LedgerError(f"{store.location}: no schema to create the ledger in (search_path)")
                present = store.conn.execute(_COLUMNS_SQL.encode(), (_TABLES,)).fetchall()
                if present:
                    raise LedgerError(f"a ledger store already exists at {store.location}")
                for statement in _STATEMENTS:
                    store.conn.execute(statement.encode())
                store.conn.execute(
                    b"INSERT INTO zkmed_meta(key, value) VALUES ('application_id', %s), ('schema_version', %s)",
                    (APPLICATION_ID, str(SCHEMA_VERSION)),
                )
                store.insert_block(0, 0, genesis_hash, genesis_data)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def drop(cls, url: str) -> None:
        """Remove a ledger's tables (undoing a failed :meth:`create`; the caller is sure it created them)."""
        with contextlib.suppress(LedgerError), contextlib.closing(cls(url, _create=True)) as store:
            with store.transaction(lock=False):
                for table in _TABLES:
                    store.conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(table)))

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.conn.close()

    @contextlib.contextmanager
    def transaction(self, *, lock: bool = True) -> Iterator[None]:
        """``BEGIN`` + the writers' table lock … ``COMMIT`` (durable on return), ``ROLLBACK`` on any exception."""
        if self.readonly:
            raise LedgerError(f"ledger store {self.location} is open read-only")
        if self._in_tx:
            raise LedgerError("nested ledger transactions are not supported")
        if self.conn.broken:  # the server went away since the last call: a new session for a new transaction
            self.conn = self._connect()
        self._in_tx = True
        conn = self.conn
        self._prefetched = None
        try:
            # BEGIN and the lock in one round trip; SHARE ROW EXCLUSIVE conflicts with itself and with writes,
            # not with plain reads.  The body runs in pipeline mode: its writes and the COMMIT travel together
            # (a read waits for its own result), and the pipeline ends only once COMMIT's result is in.
            try:
                if lock:
                    cursor = conn.execute(_BEGIN_LOCKED)
                    while cursor.nextset():  # to the last statement's result: the state key
                        pass
                    self._prefetched = cursor.fetchone()
                else:
                    conn.execute(b"BEGIN")
                with conn.pipeline():
                    yield
                    conn.execute(b"COMMIT")
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute(b"ROLLBACK")
                raise
        except psycopg.Error as exc:
            raise self._wrap(exc) from exc
        finally:
            self._in_tx, self._prefetched = False, None

    def insert_block(self, height: int, tree_size: int, block_hash: bytes, data: bytes) -> None:
        self._prefetched = None  # a write: the state read with the lock may be stale
        try:
            self.conn.execute(
                b"INSERT INTO blocks(height, tree_size, hash, data) VALUES (%s, %s, %s, %s)",
                (height, tree_size, block_hash, data),
            )
        except psycopg.errors.UniqueViolation as exc:
            raise LedgerError(f"block {height} already exists in {self.location}") from exc

    def insert_entries(self, first_seq: int, entries: Sequence[bytes], nodes: Sequence[bytes]) -> None:
        """Rows ``nodes ‖ entry bytes`` in multi-row ``INSERT``s of up to :data:`INSERT_CHUNK` rows."""
        self._prefetched = None
        count = len(entries)
        if count != len(nodes):
            raise LedgerError("every entry needs its Merkle node record")
        params: list[object] = [None] * (2 * count)
        params[0::2] = range(first_seq, first_seq + count)
        params[1::2] = [n + e for n, e in zip(nodes, entries, strict=True)]
        step = 2 * INSERT_CHUNK
        try:
            with self.conn.cursor(binary=True) as cursor:
                for i in range(0, 2 * count, step):
                    chunk = params[i : i + step]
                    cursor.execute(_insert_sql(len(chunk) // 2), chunk)
        except psycopg.errors.UniqueViolation as exc:
            raise LedgerError(f"entries from {first_seq} already exist in {self.location}") from exc

    def insert_authority_change(self, seq: int) -> None:
        self._prefetched = None  # a write: the state read with the lock may be stale
        self.conn.execute(b"INSERT INTO authority_changes(seq) VALUES (%s)", (seq,))

    def insert_checkpoint(self, tree_size: int, text: str) -> None:
        self._prefetched = None  # a write: the state read with the lock may be stale
        self.conn.execute(b"INSERT INTO checkpoints(tree_size, text) VALUES (%s, %s)", (tree_size, text))

    # -- reads -------------------------------------------------------------------------

    def _all(self, query: bytes, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read; outside a transaction a read on a lost session is retried once on a new one."""
        try:
            return self._fetch(query, args)
        except psycopg.OperationalError as exc:
            if not self._lost():
                raise self._wrap(exc) from exc
        except (psycopg.Error, OverflowError) as exc:
            raise self._wrap(exc) from exc
        try:
            return self._fetch(query, args)
        except (psycopg.Error, OverflowError) as exc:
            raise self._wrap(exc) from exc

    def _fetch(self, query: bytes, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self.conn.cursor(binary=True) as cursor:
            return cursor.execute(query, args).fetchall()

    def _one(self, query: bytes, args: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        rows = self._all(query, args)
        return rows[0] if rows else None

    def _damaged(self, what: str) -> LedgerError:
        return LedgerError(f"ledger store {self.location}: {what}; run `ledger verify`", where="store")

    def _bytes(self, value: object, what: str) -> bytes:
        if not isinstance(value, bytes):
            raise self._damaged(f"{what} is damaged")
        return value

    def head(self) -> tuple[int, bytes, bytes]:
        row = self._one(b"SELECT height, hash, data FROM blocks ORDER BY height DESC LIMIT 1")
        if row is None:
            raise LedgerError(f"ledger store {self.location} has no genesis block", where="store")
        return int(row[0]), self._bytes(row[1], "the head block hash"), self._bytes(row[2], "the head block")

    def state_key(self) -> tuple[bytes, int]:
        """The first call in a transaction takes the value read with the lock (nothing written since)."""
        row, self._prefetched = self._prefetched, None
        if row is None:
            row = self._one(_STATE_KEY)
        if row is None or row[0] is None:
            raise LedgerError(f"ledger store {self.location} has no genesis block", where="store")
        return self._bytes(row[0], "the head block hash"), 0 if row[1] is None else int(row[1]) + 1

    def block(self, height: int) -> bytes | None:
        check_index(height, "block height")
        row = self._one(b"SELECT data FROM blocks WHERE height = %s", (height,))
        return None if row is None else self._bytes(row[0], f"block {height}")

    def block_for_seq(self, seq: int) -> int | None:
        """Height of the block holding entry ``seq``: the lowest block above genesis whose tree size exceeds it."""
        check_index(seq, "entry sequence number")
        head = self._one(b"SELECT max(height) FROM blocks")
        return block_holding(seq, int(head[0]) if head is not None and head[0] is not None else 0, self._tree_size)

    def _tree_size(self, height: int) -> int:
        row = self._one(b"SELECT tree_size FROM blocks WHERE height = %s", (height,))
        if row is None:
            raise self._damaged(f"block {height} is damaged")
        return int(row[0])

    def _split(self, seq: int, record: object) -> tuple[bytes, bytes]:
        parts = split_record(seq, self._bytes(record, f"entry {seq}"))
        if parts is None:
            raise self._damaged(f"entry {seq} is damaged")
        return parts

    def entry(self, seq: int) -> bytes | None:
        check_index(seq, "entry sequence number")
        row = self._one(b"SELECT record FROM entries WHERE seq = %s", (seq,))
        return None if row is None else self._split(seq, row[0])[0]

    def entry_rows(self, start: int, end: int) -> tuple[list[bytes], list[bytes]]:
        check_index(start, "entry sequence number")
        check_index(end, "entry sequence number")
        rows = self._all(b"SELECT seq, record FROM entries WHERE seq >= %s AND seq < %s ORDER BY seq", (start, end))
        data: list[bytes] = []
        nodes: list[bytes] = []
        for expected, (seq, record) in enumerate(rows, start):
            if seq != expected:
                raise self._damaged(f"entry {expected} is missing")
            entry, recorded = self._split(seq, record)
            data.append(entry)
            nodes.append(recorded)
        if len(data) != end - start:
            raise self._damaged(f"entry {start + len(data)} is missing")
        return data, nodes

    def entries(self, start: int, end: int) -> list[bytes]:
        return self.entry_rows(start, end)[0]

    def _stream(self, columns: str, table: str, key: str) -> Generator[tuple[Any, ...], None, None]:
        """Every row of ``table`` in ``key`` order, in pages: a whole store need not fit in memory.

        Keyset pages (the first from the lowest key, negative ones included), not a server-side cursor,
        so that the caller may read other rows between two pages.
        """
        head = f"SELECT {key}, {columns} FROM {table}"
        first = f"{head} ORDER BY {key} LIMIT %s".encode()
        then = f"{head} WHERE {key} > %s ORDER BY {key} LIMIT %s".encode()
        rows = self._all(first, (STREAM_CHUNK,))
        while True:
            yield from rows
            if len(rows) < STREAM_CHUNK:
                return
            rows = self._all(then, (rows[-1][0], STREAM_CHUNK))

    def iter_blocks(self) -> Generator[tuple[object, object, object, object], None, None]:
        yield from self._stream("tree_size, hash, data", "blocks", "height")

    def iter_entries(self) -> Generator[tuple[object, object, object], None, None]:
        """A negative sequence number (damage) is passed on with the whole record as both values."""
        for seq, record in self._stream("record", "entries", "seq"):
            if seq >= 0:
                split = 32 * nodes_completed(seq)
                yield seq, record[split:], record[:split]
            else:
                yield seq, record, record

    def authority_change_seqs(self) -> list[int]:
        return [int(r[0]) for r in self._all(b"SELECT seq FROM authority_changes ORDER BY seq")]

    def checkpoints(self) -> list[tuple[object, bytes]]:
        rows = self._all(b"SELECT tree_size, text FROM checkpoints ORDER BY id")
        return [(size, text.encode("utf-8")) for size, text in rows]

    def node(self, level: int, index: int) -> bytes:
        seq = ((index + 1) << level) - 1
        if not 0 <= seq < 1 << 63:
            raise MalformedInput(f"Merkle node ({level}, {index}) is out of range")
        row = self._one(b"SELECT substr(record, %s, 32) FROM entries WHERE seq = %s", (32 * level + 1, seq))
        value = row[0] if row is not None else b""
        if not isinstance(value, bytes) or len(value) != 32:
            raise LedgerError(f"ledger store {self.location}: Merkle node ({level}, {index}) is missing or damaged")
        return value


def _first_line(exc: BaseException) -> str:
    """The first line of a driver message (PostgreSQL adds DETAIL/HINT lines; errors here are one line)."""
    text = str(exc).strip().split("\n", 1)[0]
    return text or type(exc).__name__
