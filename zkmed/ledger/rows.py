"""The append hot path: ``(type, payload)`` items to checked, encoded entries and their Merkle nodes.

:func:`encode_rows` checks and encodes with :func:`~zkmed.ledger.entries.entry_head`;
:meth:`~zkmed.ledger.tree.Frontier.extend_data` hashes the leaves.  No byte
layout is defined here.  Fast path: an item whose type is the very ``str``
object of the previous (checked) item and whose payload is ``bytes`` within
the limit; anything else takes the slow path, which raises
:class:`~zkmed.errors.MalformedInput` naming the item.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from zkmed.errors import MalformedInput
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange
from zkmed.ledger.entries import (
    ENTRY_VERSION,
    MAX_PAYLOAD,
    RESERVED_PREFIX,
    check_payload,
    check_type,
    entry_head,
)
from zkmed.ledger.tree import Frontier

#: ``(pack, encoded type length, encoded type, is an authority change)`` for one entry type
_Spec = tuple[Callable[..., bytes], int, bytes, bool]


@dataclass(slots=True)
class Rows:
    """What :func:`encode_rows` built: the rows from ``first_seq`` on and the tree after them."""

    first_seq: int
    #: the entries' canonical bytes
    entries: list[bytes]
    #: per entry, the Merkle nodes appending it completed (leaf hash first)
    nodes: list[bytes]
    #: ``(seq, decoded change)`` for each authority-change entry, in order
    changes: list[tuple[int, AuthorityChange]]
    #: the frontier after the entries (the one passed in is not changed)
    frontier: Frontier

    @property
    def count(self) -> int:
        return len(self.entries)


def _spec(entry_type: object) -> _Spec:
    """Check an entry type and precompile its head: ``(pack, type length, UTF-8 type, is a change)``."""
    entry_type = check_type(entry_type)
    if entry_type.startswith(RESERVED_PREFIX) and entry_type != AUTHORITY_CHANGE_TYPE:
        raise MalformedInput(f"entry types starting with {RESERVED_PREFIX!r} are reserved")
    return (*entry_head(entry_type), entry_type == AUTHORITY_CHANGE_TYPE)


#: :func:`_spec` for exact ``str`` types, across calls (a subclass is checked every time)
_cached_spec = functools.lru_cache(maxsize=256)(_spec)


def encode_rows(frontier: Frontier, items: Iterable[tuple[str, bytes]]) -> Rows:
    """Check and encode ``items`` as the entries ``frontier.size, frontier.size + 1, …``.

    Raises :class:`MalformedInput` on the first bad item (or when there is
    none); an authority change is decoded here, its signatures are checked
    when its block is sealed (:meth:`zkmed.ledger.chain.ChainState.seal_frontier`).
    ``frontier`` is not changed.
    """
    first = n = frontier.size
    entries: list[bytes] = []
    append = entries.append
    changes: list[tuple[int, AuthorityChange]] = []
    last: object = None  # the type object of the previous item when it is checked and not a change
    pack: Callable[..., bytes] | None = None
    type_len, type_bytes, is_change = 0, b"", False
    version, max_payload = ENTRY_VERSION, MAX_PAYLOAD
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise MalformedInput(f"item {n - first}: expected a (type, payload) pair")
        entry_type, payload = item
        if entry_type is not last or pack is None:
            try:
                spec = _cached_spec(entry_type) if type(entry_type) is str else _spec(entry_type)
            except MalformedInput as exc:
                raise MalformedInput(f"item {n - first}: {exc.message}") from exc
            pack, type_len, type_bytes, is_change = spec
            last = None if is_change else entry_type
        if type(payload) is not bytes or (size := len(payload)) > max_payload:
            payload = check_payload(payload)
            size = len(payload)
        if is_change:
            changes.append((n, AuthorityChange.decode(payload)))
        append(pack(version, n, type_len, type_bytes, size) + payload)
        n += 1
    if n == first:
        raise MalformedInput("nothing to append")
    after = frontier.copy()
    nodes = after.extend_data(entries)
    return Rows(first, entries, nodes, changes, after)
