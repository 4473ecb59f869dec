"""The embedded ledger store: one SQLite file per ledger (stdlib ``sqlite3``).

Durability: WAL journal, ``synchronous=FULL`` (every commit syncs the WAL),
one ``BEGIN IMMEDIATE`` transaction per append batch — an append that
returned is on disk, and a crash leaves either all of a batch or none of it.
Writers from several processes serialise on SQLite's write lock (``busy
timeout`` 30 s) and re-read the head inside their transaction.

Schema, version 2 (``PRAGMA user_version``; ``PRAGMA application_id`` =
0x7A6B4C47, "zkLG")::

    blocks(height INTEGER PRIMARY KEY, tree_size INTEGER, hash BLOB, data BLOB)
    entries(seq INTEGER PRIMARY KEY, record BLOB)           record = Merkle nodes ‖ entry bytes
    authority_changes(seq INTEGER PRIMARY KEY)              index of change entries
    checkpoints(id INTEGER PRIMARY KEY, tree_size INTEGER, text TEXT)

``blocks.data`` and the entry bytes hold the canonical bytes; everything
else is derived and re-checked by ``ledger verify``.  Entry rows past the
head block's tree size are *pending* (deferred sealing,
:mod:`zkmed.ledger.sealing`): same layout, not yet covered by a block.

Appending leaf ``s`` completes its leaf hash (the perfect subtree ``(0, s)``)
and the perfect subtrees ``(ℓ, (s + 1)/2^ℓ − 1)`` for ℓ = 1 … t, where t is
the number of trailing one bits of ``s``.  Entry ``s``'s row stores those
``1 + t`` hashes, in that order, followed by the entry's canonical bytes —
``k = 1 + t`` is a function of ``s`` (:func:`nodes_completed`), so the split
needs no length field.  Each entry is thus one row, and the perfect subtree
``(level, index)`` is bytes ``32·level … 32·level + 31`` of the record of
``seq = (index + 1)·2^level − 1``: one primary-key look-up per node, whatever
the tree or block size, read as an incremental blob so that a large
payload's overflow pages are never touched.  The recorded leaf hashes also
let ``verify`` name the exact entry whose bytes changed.

Version 1 kept the nodes in a separate table; such stores are refused
(there are no deployed ones).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zkmed.errors import LedgerError, UnsupportedVersion

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


#: rows per multi-row ``INSERT`` in :meth:`SqliteStore.insert_records`
INSERT_CHUNK = 64


@functools.lru_cache(maxsize=INSERT_CHUNK)
def _insert_sql(rows: int) -> str:
    return "INSERT INTO entries(seq, record) VALUES " + ", ".join(["(?, ?)"] * rows)


_INSERT_CHUNK_SQL = _insert_sql(INSERT_CHUNK)
_INSERT_ONE_SQL = _insert_sql(1)


def nodes_completed(seq: int) -> int:
    """How many node hashes appending leaf ``seq`` completes: 1 + the trailing one bits of ``seq``."""
    return ((seq + 1) & -(seq + 1)).bit_length()


def _wrap(exc: Exception, path: Path) -> LedgerError:
    return LedgerError(f"ledger store {path}: {exc}")


class SqliteStore:
    """Raw access to one ledger file; the rules live in :mod:`zkmed.ledger.ledger`."""

    def __init__(self, path: Path, *, readonly: bool = False, _create: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if not _create and not self.path.exists():
            raise LedgerError(f"no ledger store at {self.path}")
        try:
            if readonly:
                uri = f"file:{self.path}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            else:
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            self.conn.text_factory = bytes  # damaged TEXT must not break decoding; callers decode
            self.conn.execute("PRAGMA synchronous=FULL")
            if not readonly:
                mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode not in (b"wal", "wal"):
                    raise LedgerError(f"ledger store {self.path}: cannot switch to WAL mode")
            if not _create:
                self._check_header()
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise _wrap(exc, self.path) from exc
        self._in_tx = False
        if not readonly:
            self._sync_directory()

    def _sync_directory(self) -> None:
        """fsync the directory so the store file and its ``-wal`` file survive a power loss, not just a crash."""
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:  # pragma: no cover - platforms without directory handles
            return
        try:
            os.fsync(fd)
        except OSError:  # pragma: no cover - file systems that refuse directory fsync
            pass
        finally:
            os.close(fd)

    def _check_header(self) -> None:
        app = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID:
            raise LedgerError(f"{self.path} is not a zkmed ledger store")
        if version > SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.path} has schema version {version}; this build supports up to {SCHEMA_VERSION}"
            )
        if version < 1:
            raise LedgerError(f"ledger store {self.path} has no schema")
        if version < SCHEMA_VERSION:
            raise UnsupportedVersion(
                f"ledger store {self.path} has schema version {version}, which this build no longer reads "
                f"(it writes version {SCHEMA_VERSION}); re-create the ledger"
            )

    @classmethod
    def create(cls, path: Path, genesis_hash: bytes, genesis_data: bytes) -> SqliteStore:
        """A new store holding only the genesis block; refuses an existing file."""
        path = Path(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as exc:
            raise LedgerError(f"a ledger store already exists at {path}") from exc
        os.close(fd)
        store = cls(path, _create=True)
        try:
            with store.transaction():
                store.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        store.conn.execute(statement)
                store.insert_block(0, 0, genesis_hash, genesis_data)
                store.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            store._sync_directory()
        except BaseException:
            store.close()
            path.unlink(missing_ok=True)
            raise
        return store

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    # -- transactions --------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (durable on return), ``ROLLBACK`` on any exception."""
        if self.readonly:
            raise LedgerError(f"ledger store {self.path} is open read-only")
        if self._in_tx:
            raise LedgerError("nested ledger transactions are not supported")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        self._in_tx = True
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
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
        """Entry rows from ``first_seq`` on, from their canonical bytes and the Merkle nodes each completed."""
        if len(entries) != len(nodes):
            raise LedgerError("every entry needs its Merkle node record")
        self.insert_records(first_seq, [n + e for n, e in zip(nodes, entries, strict=True)])

    def insert_records(self, first_seq: int, records: Sequence[bytes]) -> None:
        """Entry rows from ``first_seq`` on, each ``nodes ‖ entry bytes`` (see the module docstring).

        Multi-row ``INSERT`` statements of up to :data:`INSERT_CHUNK` rows
        (about a quarter less CPU per row than one statement per row); the
        rows are the same either way.
        """
        count = len(records)
        if count == 1:
            self._insert_one(first_seq, records[0])
            return
        params: list[object] = [None] * (2 * count)
        params[0::2] = range(first_seq, first_seq + count)
        params[1::2] = records
        execute, step = self.conn.execute, 2 * INSERT_CHUNK
        try:
            for i in range(0, 2 * count, step):
                chunk = params[i : i + step]
                execute(_INSERT_CHUNK_SQL if len(chunk) == step else _insert_sql(len(chunk) // 2), chunk)
        except sqlite3.IntegrityError as exc:
            raise LedgerError(f"entries from {first_seq} already exist in {self.path}") from exc

    def _insert_one(self, seq: int, record: bytes) -> None:
        try:
            self.conn.execute(_INSERT_ONE_SQL, (seq, record))
        except sqlite3.IntegrityError as exc:
            raise LedgerError(f"entries from {seq} already exist in {self.path}") from exc

    def insert_authority_change(self, seq: int) -> None:
        self.conn.execute("INSERT INTO authority_changes(seq) VALUES (?)", (seq,))

    def insert_checkpoint(self, tree_size: int, text: str) -> None:
        self.conn.execute("INSERT INTO checkpoints(tree_size, text) VALUES (?, ?)", (tree_size, text))

    # -- reads -----------------------------------------------------------------

    def _one(self, sql: str, args: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self.conn.execute(sql, args).fetchone()
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise _wrap(exc, self.path) from exc
        return row

    def _bytes(self, value: object, what: str) -> bytes:
        if not isinstance(value, bytes):
            raise LedgerError(f"ledger store {self.path}: {what} is damaged; run `ledger verify`")
        return value

    def head(self) -> tuple[int, bytes, bytes]:
        """``(height, hash column, block bytes)`` of the highest block."""
        row = self._one("SELECT height, hash, data FROM blocks ORDER BY height DESC LIMIT 1")
        if row is None:
            raise LedgerError(f"ledger store {self.path} has no genesis block")
        return int(row[0]), self._bytes(row[1], "the head block hash"), self._bytes(row[2], "the head block")

    def state_key(self) -> tuple[bytes, int]:
        """``(head block hash, one past the highest entry seq)`` in one statement — what each write re-reads."""
        row = self._one("SELECT (SELECT hash FROM blocks ORDER BY height DESC LIMIT 1), (SELECT max(seq) FROM entries)")
        if row is None or row[0] is None:
            raise LedgerError(f"ledger store {self.path} has no genesis block")
        if row[1] is not None and not isinstance(row[1], int):  # pragma: no cover - INTEGER PRIMARY KEY
            raise LedgerError(f"ledger store {self.path}: the entry sequence numbers are damaged; run `ledger verify`")
        return self._bytes(row[0], "the head block hash"), 0 if row[1] is None else row[1] + 1

    def head_hash(self) -> bytes | None:
        row = self._one("SELECT hash FROM blocks ORDER BY height DESC LIMIT 1")
        return None if row is None else self._bytes(row[0], "the head block hash")

    def block(self, height: int) -> bytes | None:
        row = self._one("SELECT data FROM blocks WHERE height = ?", (height,))
        return None if row is None else self._bytes(row[0], f"block {height}")

    def block_for_seq(self, seq: int) -> int | None:
        """Height of the block holding entry ``seq`` (binary search over the blocks' tree sizes)."""
        head = self._one("SELECT max(height) FROM blocks")
        lo, hi = 1, int(head[0]) if head is not None and head[0] is not None else 0
        found = None
        while lo <= hi:
            mid = (lo + hi) // 2
            row = self._one("SELECT tree_size FROM blocks WHERE height = ?", (mid,))
            if row is None or not isinstance(row[0], int):
                raise LedgerError(f"ledger store {self.path}: block {mid} is damaged; run `ledger verify`")
            if row[0] > seq:
                found, hi = mid, mid - 1
            else:
                lo = mid + 1
        return found

    def _entry_bytes(self, seq: int, record: object) -> bytes:
        value = self._bytes(record, f"entry {seq}")[32 * nodes_completed(seq) :]
        if not value:
            raise LedgerError(f"ledger store {self.path}: entry {seq} is damaged; run `ledger verify`")
        return value

    def entry(self, seq: int) -> bytes | None:
        row = self._one("SELECT record FROM entries WHERE seq = ?", (seq,))
        return None if row is None else self._entry_bytes(seq, row[0])

    def records(self, start: int, end: int) -> list[bytes]:
        """The raw records (``nodes ‖ entry bytes``) of entries ``start … end - 1``; LedgerError if one is missing."""
        try:
            rows = self.conn.execute(
                "SELECT seq, record FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq", (start, end)
            ).fetchall()
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        out = []
        for expected, (seq, record) in enumerate(rows, start):
            if seq != expected:
                raise LedgerError(f"ledger store {self.path}: entry {expected} is missing; run `ledger verify`")
            out.append(self._bytes(record, f"entry {seq}"))
        if len(out) != end - start:
            raise LedgerError(f"ledger store {self.path}: entry {start + len(out)} is missing; run `ledger verify`")
        return out

    def entries(self, start: int, end: int) -> list[bytes]:
        try:
            rows = self.conn.execute(
                "SELECT seq, record FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq", (start, end)
            )
            out = []
            for expected, (seq, record) in enumerate(rows, start):
                if seq != expected:
                    raise LedgerError(f"ledger store {self.path}: entry {expected} is missing")
                out.append(self._entry_bytes(seq, record))
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        if len(out) != end - start:
            raise LedgerError(f"ledger store {self.path}: entry {start + len(out)} is missing")
        return out

    def iter_blocks(self) -> sqlite3.Cursor:
        """Rows ``(height, tree_size, hash, data)`` in height order (raw, unchecked; close when done)."""
        return self.conn.execute("SELECT height, tree_size, hash, data FROM blocks ORDER BY height")

    def iter_entries(self) -> sqlite3.Cursor:
        """Rows ``(seq, record)`` in sequence order (raw, unchecked; close when done)."""
        return self.conn.execute("SELECT seq, record FROM entries ORDER BY seq")

    def authority_change_seqs(self) -> list[int]:
        try:
            return [int(r[0]) for r in self.conn.execute("SELECT seq FROM authority_changes ORDER BY seq")]
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc

    def checkpoints(self) -> list[tuple[object, bytes]]:
        """``(tree size column, UTF-8 text)`` of every stored checkpoint, oldest first (raw, unchecked)."""
        try:
            rows = self.conn.execute("SELECT tree_size, text FROM checkpoints ORDER BY id").fetchall()
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        return [(size, text if isinstance(text, bytes) else str(text).encode()) for size, text in rows]

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree ``(level, index)`` (a :class:`~zkmed.ledger.merkle.NodeSource`)."""
        try:
            with self.conn.blobopen("entries", "record", ((index + 1) << level) - 1, readonly=True) as blob:
                blob.seek(32 * level)
                value = blob.read(32)
        except (sqlite3.Error, ValueError):  # no such row, a value that is not a blob, or too short: damage
            value = b""
        if len(value) != 32:
            raise LedgerError(f"ledger store {self.path}: Merkle node ({level}, {index}) is missing or damaged")
        return value
