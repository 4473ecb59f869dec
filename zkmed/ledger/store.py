"""The ledger's storage interface: what :class:`~zkmed.ledger.ledger.Ledger` needs from a store.

:class:`Store` is a :class:`typing.Protocol` (implemented by
:class:`zkmed.ledger.store_sqlite.SqliteStore` and
:class:`zkmed.ledger.store_pg.PgStore`; :mod:`zkmed.ledger.stores` picks one by location); the ledger, sealing,
``verify`` and ``sync`` reach a store only through it, so the row layout is
the store's business.  What a store keeps: ``docs/ledger.md`` §Byte layouts,
"Store" (entry ``s``'s Merkle nodes: :func:`nodes_completed`).  Rules every
store follows (§Opening a ledger): writes only inside
:meth:`Store.transaction` (durable on return, nothing left when it raises);
reads return stored values unchecked; an unreadable value is a
:class:`~zkmed.errors.LedgerError` with ``where="store"``, never a driver
exception; an index or height out of range is
:class:`~zkmed.errors.MalformedInput`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from zkmed.errors import MalformedInput

__all__ = ["MAX_INDEX", "Store", "check_index", "nodes_completed"]

#: the largest sequence number, height or tree size any store must accept (SQLite's INTEGER is signed 64-bit)
MAX_INDEX = (1 << 63) - 1


def check_index(value: object, what: str, least: int = 0, most: int = MAX_INDEX) -> int:
    """``value`` if it is an integer (not a bool) in ``least … most``; MalformedInput naming ``what`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedInput(f"{what} must be an integer")
    if not least <= value <= most:
        top = "2^63 − 1" if most == MAX_INDEX else most
        raise MalformedInput(f"{what} {str(value)[:24]} is out of range ({least} … {top})")
    return value


def nodes_completed(seq: int) -> int:
    """How many node hashes appending leaf ``seq`` completes: 1 + the trailing one bits of ``seq``."""
    return ((seq + 1) & -(seq + 1)).bit_length()


def block_holding(seq: int, head: int, tree_size: Callable[[int], int]) -> int | None:
    """The lowest block height in ``1..head`` whose tree size exceeds ``seq`` (binary search: one read per step)."""
    lo, hi, found = 1, head, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if tree_size(mid) > seq:
            found, hi = mid, mid - 1
        else:
            lo = mid + 1
    return found


def split_record(seq: int, record: bytes) -> tuple[bytes, bytes] | None:
    """``(entry bytes, node hashes)`` of a stored entry record (node hashes first), None when too short."""
    split = 32 * nodes_completed(seq)
    return None if len(record) <= split else (record[split:], record[:split])


class Store(Protocol):
    """One ledger's storage (see the module docstring for what it keeps and the rules)."""

    @property
    def location(self) -> str:
        """Where the store lives, for messages (a path, a database URL without secrets)."""
        ...

    @property
    def readonly(self) -> bool: ...

    def close(self) -> None: ...

    # -- writes (inside transaction() only) ----------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """One durable, all-or-nothing write transaction that serialises with other writers."""
        ...

    def insert_block(self, height: int, tree_size: int, block_hash: bytes, data: bytes) -> None: ...

    def insert_entries(self, first_seq: int, entries: Sequence[bytes], nodes: Sequence[bytes]) -> None:
        """Entries ``first_seq, first_seq + 1, …``: canonical bytes and the Merkle nodes each completed."""
        ...

    def insert_authority_change(self, seq: int) -> None: ...

    def insert_checkpoint(self, tree_size: int, text: str) -> None: ...

    # -- reads ---------------------------------------------------------------------

    def head(self) -> tuple[int, bytes, bytes]:
        """``(height, hash column, block bytes)`` of the highest block."""
        ...

    def state_key(self) -> tuple[bytes, int]:
        """``(head block hash, one past the highest entry seq)``, read at once: what each write re-reads."""
        ...

    def block(self, height: int) -> bytes | None: ...

    def block_for_seq(self, seq: int) -> int | None:
        """Height of the block holding entry ``seq`` (``None``: not sealed)."""
        ...

    def entry(self, seq: int) -> bytes | None: ...

    def entries(self, start: int, end: int) -> list[bytes]:
        """Canonical bytes of entries ``start … end - 1``; LedgerError if one is missing."""
        ...

    def entry_rows(self, start: int, end: int) -> tuple[list[bytes], list[bytes]]:
        """``(entry bytes, recorded nodes)`` of entries ``start … end - 1``; LedgerError if one is missing."""
        ...

    def iter_blocks(self) -> Generator[tuple[object, object, object, object], None, None]:
        """Rows ``(height, tree size, hash, block bytes)`` in height order, raw and unchecked."""
        ...

    def iter_entries(self) -> Generator[tuple[object, object, object], None, None]:
        """Rows ``(seq, entry bytes, recorded nodes)`` in sequence order, raw and unchecked."""
        ...

    def authority_change_seqs(self) -> list[int]: ...

    def checkpoints(self) -> list[tuple[object, bytes]]:
        """``(tree size column, UTF-8 text)`` of every stored checkpoint, oldest first (raw, unchecked)."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree ``(level, index)`` (a :class:`~zkmed.ledger.tree.NodeSource`)."""
        ...
