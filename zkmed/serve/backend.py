"""The served ledger's handles: a keyless reader and (optionally) a writer, each owned by one thread.

A :class:`~zkmed.ledger.Ledger` is not thread-safe and its SQLite connection
belongs to the thread that opened it, so each handle lives in a
:class:`Worker` (one thread) and the ASGI app awaits work submitted to it.
The **reader** is opened read-only with no keys (``Ledger.open(DIR)``): every
page and read endpoint uses it.  The **writer** (``zkmed serve --write``)
holds the node's authority keys, appends with deferred sealing (an append is
acknowledged once durable and sequenced) and, every ``seal_interval_s``,
seals pending entries and cosigns a checkpoint over the new head, so that
receipts can be served by the keyless reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.checkpoint import SignedCheckpoint
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import load_key_dir
from zkmed.ledger.ledger import Ledger, now_ms
from zkmed.ledger.sealing import SealPolicy
from zkmed.serve.auth import ReplayGuard

__all__ = [
    "BallotIndex",
    "Board",
    "ServeConfig",
    "Source",
    "Worker",
    "covering_checkpoint",
    "latest_checkpoint_text",
    "seal_and_checkpoint",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """Where the ledger is: a ledger directory (``zkmed serve DIR``; its store may be PostgreSQL, named by
    ``DIR/store.url``) or a PostgreSQL URL alone (``--store URL``, the writer's keys then from ``keys_dir``)."""

    directory: Path | None = None
    store_url: str | None = None
    keys_dir: Path | None = None

    def __post_init__(self) -> None:
        if (self.directory is None) == (self.store_url is None):
            raise MalformedInput("give a ledger directory (BOARD) or a store URL (--store), exactly one")
        if self.store_url is not None and not self.store_url.startswith(("postgresql://", "postgres://")):
            raise MalformedInput("--store takes a postgresql:// URL")
        if self.keys_dir is not None and self.store_url is None:
            raise MalformedInput("--keys goes with --store URL (a ledger directory holds its own keys)")

    def open(self, *, signing: bool = False, seal_policy: SealPolicy | None = None) -> Ledger:
        """Open the ledger: read-only and keyless unless ``signing`` (then the node's keys, deferred sealing)."""
        policy = seal_policy if signing else None
        if self.directory is not None:
            return Ledger.open(self.directory, signing=signing, seal_policy=policy)
        if not signing:
            return Ledger.open(self.store_url)  # type: ignore[arg-type]  # a URL: zkmed.ledger.stores
        if self.keys_dir is None:
            raise MalformedInput("--write with --store URL needs --keys DIR (the authority keys this node holds)")
        keys = load_key_dir(self.keys_dir)
        if not keys:
            raise LedgerError(f"no authority keys (*.secret-key) in {self.keys_dir}")
        return Ledger.open(self.store_url, keys=keys, seal_policy=policy)  # type: ignore[arg-type]


class Worker:
    """One thread owning one ledger handle; :meth:`call` runs ``fn(ledger, *args)`` there."""

    def __init__(self, opener: Callable[[], Ledger], name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        try:
            self.ledger: Ledger = self._pool.submit(opener).result()
        except BaseException:
            self._pool.shutdown(wait=False)
            raise

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, self.ledger, *args)

    def call_sync(self, fn: Callable[..., T], *args: Any) -> T:
        return self._pool.submit(fn, self.ledger, *args).result()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._pool.submit(self.ledger.close).result()
        self._pool.shutdown(wait=True)


#: how long the reader reuses the stored checkpoint list (the store returns all of them; a board cosigns often)
CHECKPOINT_TTL_S = 0.2
_checkpoint_rows: weakref.WeakKeyDictionary[object, tuple[float, list[tuple[object, bytes]]]] = (
    weakref.WeakKeyDictionary()
)


def stored_checkpoints(ledger: Ledger) -> list[tuple[object, bytes]]:
    """``ledger.store.checkpoints()``, reused for :data:`CHECKPOINT_TTL_S` (reader thread only)."""
    now = time.monotonic()
    cached = _checkpoint_rows.get(ledger.store)
    if cached is not None and now - cached[0] < CHECKPOINT_TTL_S:
        return cached[1]
    rows = ledger.store.checkpoints()
    _checkpoint_rows[ledger.store] = (now, rows)
    return rows


def latest_checkpoint_text(ledger: Ledger) -> str | None:
    """The most recent stored checkpoint (text), or ``None``; parses nothing else."""
    rows = stored_checkpoints(ledger)
    return rows[-1][1].decode("utf-8") if rows else None


def covering_checkpoint(ledger: Ledger, seq: int) -> SignedCheckpoint | None:
    """The most recent stored checkpoint of the sealed tree that covers entry ``seq`` (parses only that one)."""
    sealed = ledger.size
    for size, text in reversed(stored_checkpoints(ledger)):
        if isinstance(size, int) and seq < size <= sealed:
            return SignedCheckpoint.parse(text)
    return None


def seal_and_checkpoint(ledger: Ledger) -> int | None:
    """Writer housekeeping: seal what is pending and cosign a checkpoint when the head moved past the last one."""
    ledger.seal()
    rows = ledger.store.checkpoints()
    last = rows[-1][0] if rows else None
    if ledger.size > 0 and last != ledger.size:
        return ledger.checkpoint().checkpoint.tree_size
    return None


class BallotIndex:
    """Confirmation code → sequence number, built incrementally from the entries of one type (reader thread)."""

    CHUNK = 1000

    def __init__(self, entry_type: str, code_of: Callable[[bytes], str], normalize: Callable[[str], str] = str) -> None:
        self.entry_type, self.code_of, self.normalize = entry_type, code_of, normalize
        self.codes: dict[str, int] = {}
        self.upto = 0

    def lookup(self, ledger: Ledger, code: str) -> int | None:
        end = ledger.size + ledger.pending
        while self.upto < end:
            stop = min(end, self.upto + self.CHUNK)
            for data in ledger.store.entries(self.upto, stop):
                entry = Entry.decode(data)
                if entry.type == self.entry_type:
                    self.codes.setdefault(self.normalize(self.code_of(entry.payload)), entry.seq)
            self.upto = stop
        try:
            key = self.normalize(code)
        except MalformedInput:
            return None
        return self.codes.get(key)


def default_confirmation_code(payload: bytes) -> str:
    """The confirmation code when the elections package names none: hex SHA-256 of the ballot bytes."""
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class ServeConfig:
    """How ``zkmed serve`` runs (``docs/serve.md``)."""

    source: Source
    #: accept authority-signed appends and ballots (loads the node's keys into the writer only)
    write: bool = False
    #: how often the writer seals pending entries and cosigns a checkpoint
    seal_interval_s: float = 0.5
    seal_policy: SealPolicy = SealPolicy(max_entries=1000, max_delay_ms=1000)
    page_size: int = 50
    clock: Callable[[], int] = now_ms
    max_write_bytes: int = 2 << 20
    max_ballot_bytes: int = 1 << 20


class Board:
    """The open ledger of a running board: the reader, the writer (if any) and the write-side guards."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.reader = Worker(config.source.open, "zkmed-read")
        try:
            self.writer = (
                Worker(lambda: config.source.open(signing=True, seal_policy=config.seal_policy), "zkmed-write")
                if config.write
                else None
            )
        except BaseException:
            self.reader.close()
            raise
        self.guard = ReplayGuard(config.clock)
        from zkmed.serve.commit import GroupCommit  # commit.py builds on Worker

        self.commits = GroupCommit(self.writer) if self.writer is not None else None
        self.ballot_index: BallotIndex | None = None
        #: the elections package's SubmissionIndex (writer thread only); False: the package has none
        self.submissions: Any = None

    def close(self) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
        finally:
            self.reader.close()
