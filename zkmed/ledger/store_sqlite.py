"""The embedded ledger store: one SQLite file per ledger (stdlib ``sqlite3``), a :class:`~zkmed.ledger.store.Store`.

Pragmas, schema version 2, tables and the entry record layout (Merkle nodes,
then entry bytes; node ``(level, index)`` is bytes ``32·level …`` of record
``(index + 1)·2^level − 1``): ``docs/ledger.md`` §Byte layouts, "Store";
durability and several writers: §Durability and concurrency.  Every open
checks the application id, the version and that ``sqlite_master`` holds
exactly these statements (S1).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion
from zkmed.ledger.store import block_holding, check_index, nodes_completed, split_record

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SqliteStore", "nodes_completed"]

SCHEMA_VERSION = 2
APPLICATION_ID = 0x7A6B4C47
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE blocks (
    height    INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    hash      BLOB    NOT NULL,
    data      BLOB    NOT NULL
);
CREATE TABLE entries (
    seq    INTEGER PRIMARY KEY,
    record BLOB NOT NULL
);
CREATE TABLE authority_changes (
    seq INTEGER PRIMARY KEY
);
CREATE TABLE checkpoints (
    id        INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    text      TEXT    NOT NULL
);
"""
_STATEMENTS = [s.strip() for s in _SCHEMA.split(";") if s.strip()]
#: what ``sqlite_master`` must hold, byte for byte: (type, name, table, CREATE statement)
_MASTER = sorted(
    (b"table", name.encode(), name.encode(), sql.encode()) for sql in _STATEMENTS for name in [sql.split()[2]]
)


#: rows per multi-row ``INSERT`` in :meth:`SqliteStore.insert_entries`
INSERT_CHUNK = 64


@functools.lru_cache(maxsize=INSERT_CHUNK)
def _insert_sql(rows: int) -> str:
    return "INSERT INTO entries(seq, record) VALUES " + ", ".join(["(?, ?)"] * rows)


_INSERT_CHUNK_SQL = _insert_sql(INSERT_CHUNK)
_INSERT_ONE_SQL = _insert_sql(1)


def _wrap(exc: BaseException, path: Path) -> LedgerError:
    return LedgerError(f"ledger store {path}: {exc}", where="store")


def remove_files(path: Path) -> None:
    """Remove ``path`` and SQLite's ``-wal``, ``-shm`` and ``-journal`` files next to it, as far as possible."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class SqliteStore:
    """One ledger file: implements :class:`zkmed.ledger.store.Store`; the rules live in :mod:`zkmed.ledger.ledger`."""

    def __init__(self, path: Path, *, readonly: bool = False, _create: bool = False) -> None:
        self.path = Path(path)
        self.location, self.readonly = str(self.path), readonly
        try:
            present = _create or self.path.is_file()
        except OSError as exc:
            raise LedgerError(f"no ledger store at {self.path}: {exc.strerror or exc}") from exc
        if not present:
            raise LedgerError(f"no ledger store at {self.path}")
        try:
            if readonly:
                # a mode=ro connection leaves SQLite's -wal/-shm files behind on close; a read-write one
                # with query_only (SQLite refuses every write) removes them, so reading leaves no trace
                mode = "rw" if os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK) else "ro"
                uri = f"{self.path.absolute().as_uri()}?mode={mode}"
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
                self.conn.execute("PRAGMA query_only=ON")
            else:
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        except (sqlite3.Error, OSError, ValueError) as exc:
            raise _wrap(exc, self.path) from exc
        try:
            self.conn.text_factory = bytes  # damaged TEXT must not break decoding; callers decode
            self.conn.execute("PRAGMA synchronous=FULL")
            if not readonly:
                mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode not in (b"wal", "wal"):
                    raise LedgerError(f"ledger store {self.path}: cannot switch to WAL mode", where="store")
            if not _create:
                self._check_header()
        except BaseException as exc:
            self.close()
            if isinstance(exc, (sqlite3.Error, UnicodeDecodeError)):
                raise _wrap(exc, self.path) from exc
            raise
        self._in_tx = False
        if not readonly:
            self._sync_directory()

    def _sync_directory(self) -> None:
        """fsync the directory so the store file and its ``-wal`` file survive a power loss, not just a crash."""
        with contextlib.suppress(OSError):  # platforms without directory handles, file systems that refuse fsync
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _check_header(self) -> None:
        """S1: zkmed application id, a schema version this build reads, and exactly the schema it writes."""
        app = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID:
            raise LedgerError(f"{self.path} is not a zkmed ledger store", where="store")
        if version > SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.path} has schema version {version}; this build supports up to {SCHEMA_VERSION}"
            )
        if version < 1:
            raise LedgerError(f"ledger store {self.path} has no schema", where="store")
        if version < SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.path} has schema version {version}, which this build no longer reads "
                f"(it writes version {SCHEMA_VERSION}); re-create the ledger"
            )
        rows = self.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        found = sorted(tuple(v if isinstance(v, bytes) else str(v).encode() for v in row) for row in rows)
        if found != _MASTER:
            expected, stored = ({row[1]: row[3] for row in rows} for rows in (_MASTER, found))
            damaged = sorted(name for name in expected.keys() | stored.keys() if expected.get(name) != stored.get(name))
            name = damaged[0].decode("utf-8", "replace") if damaged else "?"
            raise LedgerError(
                f"ledger store {self.path}: the schema is damaged (table {name!r} differs from schema version "
                f"{SCHEMA_VERSION}); the store cannot be read safely",
                where="store",
            )

    @classmethod
    def create(cls, path: Path, genesis_hash: bytes, genesis_data: bytes) -> SqliteStore:
        """A new store holding only the genesis block; refuses an existing file."""
        path = Path(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as exc:
            raise LedgerError(f"a ledger store already exists at {path}") from exc
        except OSError as exc:
            raise LedgerError(f"cannot create the ledger store {path}: {exc.strerror or exc}") from exc
        os.close(fd)
        store = None
        try:
            store = cls(path, _create=True)
            with store.transaction():
                store.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in _STATEMENTS:
                    store.conn.execute(statement)
                store.insert_block(0, 0, genesis_hash, genesis_data)
                store.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            store._sync_directory()
        except BaseException:
            if store is not None:
                store.close()
            remove_files(path)
            raise
        return store

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (durable on return), ``ROLLBACK`` on any exception."""
        if self.readonly:
            raise LedgerError(f"ledger store {self.path} is open read-only")
        if self._in_tx:
            raise LedgerError("nested ledger transactions are not supported")
        self._in_tx = True
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        finally:
            self._in_tx = False

    def insert_block(self, height: int, tree_size: int, block_hash: bytes, data: bytes) -> None:
        try:
            self.conn.execute(
                "INSERT INTO blocks(height, tree_size, hash, data) VALUES (?, ?, ?, ?)",
                (height, tree_size, block_hash, data),
            )
        except sqlite3.IntegrityError as exc:
            raise LedgerError(f"block {height} already exists in {self.path}") from exc

    def insert_entries(self, first_seq: int, entries: Sequence[bytes], nodes: Sequence[bytes]) -> None:
        """Rows ``nodes ‖ entry bytes`` in ``INSERT``s of up to :data:`INSERT_CHUNK` rows (~¼ less CPU per row)."""
        count = len(entries)
        if count != len(nodes):
            raise LedgerError("every entry needs its Merkle node record")
        try:
            if count == 1:
                self.conn.execute(_INSERT_ONE_SQL, (first_seq, nodes[0] + entries[0]))
                return
            params: list[object] = [None] * (2 * count)
            params[0::2] = range(first_seq, first_seq + count)
            params[1::2] = [n + e for n, e in zip(nodes, entries, strict=True)]
            execute, step = self.conn.execute, 2 * INSERT_CHUNK
            for i in range(0, 2 * count, step):
                chunk = params[i : i + step]
                execute(_INSERT_CHUNK_SQL if len(chunk) == step else _insert_sql(len(chunk) // 2), chunk)
        except sqlite3.IntegrityError as exc:
            raise LedgerError(f"entries from {first_seq} already exist in {self.path}") from exc

    def insert_authority_change(self, seq: int) -> None:
        self.conn.execute("INSERT INTO authority_changes(seq) VALUES (?)", (seq,))

    def insert_checkpoint(self, tree_size: int, text: str) -> None:
        self.conn.execute("INSERT INTO checkpoints(tree_size, text) VALUES (?, ?)", (tree_size, text))

    def _all(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except (sqlite3.Error, UnicodeDecodeError, OverflowError) as exc:
            raise _wrap(exc, self.path) from exc

    def _one(self, sql: str, args: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self.conn.execute(sql, args).fetchone()
        except (sqlite3.Error, UnicodeDecodeError, OverflowError) as exc:
            raise _wrap(exc, self.path) from exc
        return row

    def _damaged(self, what: str) -> LedgerError:
        return LedgerError(f"ledger store {self.path}: {what}; run `ledger verify`", where="store")

    def _bytes(self, value: object, what: str) -> bytes:
        if not isinstance(value, bytes):
            raise self._damaged(f"{what} is damaged")
        return value

    def head(self) -> tuple[int, bytes, bytes]:
        row = self._one("SELECT height, hash, data FROM blocks ORDER BY height DESC LIMIT 1")
        if row is None:
            raise LedgerError(f"ledger store {self.path} has no genesis block", where="store")
        if not isinstance(row[0], int):
            raise self._damaged("the block heights are damaged")
        return int(row[0]), self._bytes(row[1], "the head block hash"), self._bytes(row[2], "the head block")

    def state_key(self) -> tuple[bytes, int]:
        row = self._one("SELECT (SELECT hash FROM blocks ORDER BY height DESC LIMIT 1), (SELECT max(seq) FROM entries)")
        if row is None or row[0] is None:
            raise LedgerError(f"ledger store {self.path} has no genesis block", where="store")
        if row[1] is not None and not isinstance(row[1], int):
            raise self._damaged("the entry sequence numbers are damaged")
        return self._bytes(row[0], "the head block hash"), 0 if row[1] is None else row[1] + 1

    def block(self, height: int) -> bytes | None:
        check_index(height, "block height")
        row = self._one("SELECT data FROM blocks WHERE height = ?", (height,))
        return None if row is None else self._bytes(row[0], f"block {height}")

    def block_for_seq(self, seq: int) -> int | None:
        """Height of the block holding entry ``seq`` (binary search over the blocks' tree sizes)."""
        check_index(seq, "entry sequence number")
        head = self._one("SELECT max(height) FROM blocks")
        return block_holding(seq, int(head[0]) if head is not None and isinstance(head[0], int) else 0, self._tree_size)

    def _tree_size(self, height: int) -> int:
        row = self._one("SELECT tree_size FROM blocks WHERE height = ?", (height,))
        if row is None or not isinstance(row[0], int):
            raise self._damaged(f"block {height} is damaged")
        return row[0]

    def _split(self, seq: int, record: object) -> tuple[bytes, bytes]:
        """``(entry bytes, nodes)`` of a stored record (LedgerError when it cannot be split)."""
        parts = split_record(seq, self._bytes(record, f"entry {seq}"))
        if parts is None:
            raise self._damaged(f"entry {seq} is damaged")
        return parts

    def entry(self, seq: int) -> bytes | None:
        check_index(seq, "entry sequence number")
        row = self._one("SELECT record FROM entries WHERE seq = ?", (seq,))
        return None if row is None else self._split(seq, row[0])[0]

    def entry_rows(self, start: int, end: int) -> tuple[list[bytes], list[bytes]]:
        check_index(start, "entry sequence number")
        check_index(end, "entry sequence number")
        rows = self._all("SELECT seq, record FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq", (start, end))
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

    def _iterate(self, sql: str) -> Generator[tuple[Any, ...], None, None]:
        """The rows of ``sql``, one at a time (a whole store need not fit in memory); close when done."""
        try:
            with contextlib.closing(self.conn.execute(sql)) as cursor:
                yield from cursor
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise _wrap(exc, self.path) from exc

    def iter_blocks(self) -> Generator[tuple[object, object, object, object], None, None]:
        yield from self._iterate("SELECT height, tree_size, hash, data FROM blocks ORDER BY height")

    def iter_entries(self) -> Generator[tuple[object, object, object], None, None]:
        """A record that is not a byte string is passed on as both values (``verify`` names it)."""
        for seq, record in self._iterate("SELECT seq, record FROM entries ORDER BY seq"):
            if isinstance(seq, int) and isinstance(record, bytes):
                split = 32 * nodes_completed(seq) if seq >= 0 else 0
                yield seq, record[split:], record[:split]
            else:
                yield seq, record, record

    def authority_change_seqs(self) -> list[int]:
        rows = self._all("SELECT seq FROM authority_changes ORDER BY seq")
        if not all(isinstance(r[0], int) for r in rows):
            raise self._damaged("the authority-change index is damaged")
        return [int(r[0]) for r in rows]

    def checkpoints(self) -> list[tuple[object, bytes]]:
        rows = self._all("SELECT tree_size, text FROM checkpoints ORDER BY id")
        return [(size, text if isinstance(text, bytes) else str(text).encode()) for size, text in rows]

    def node(self, level: int, index: int) -> bytes:
        seq = ((index + 1) << level) - 1
        if not 0 <= seq < 1 << 63:
            raise MalformedInput(f"Merkle node ({level}, {index}) is out of range")
        try:
            with self.conn.blobopen("entries", "record", seq, readonly=True) as blob:
                blob.seek(32 * level)
                value = blob.read(32)
        except (sqlite3.Error, ValueError, OverflowError):  # no such row, not a blob, or too short: damage
            value = b""
        if len(value) != 32:
            raise LedgerError(f"ledger store {self.path}: Merkle node ({level}, {index}) is missing or damaged")
        return value
