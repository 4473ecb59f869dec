"""Ledger entries: a typed payload with its sequence number; the canonical bytes are the Merkle leaf.

Layout: ``docs/ledger.md`` §Byte layouts, "Entry"; type rules and reserved
``zkmed.`` types (:data:`RESERVED_PREFIX`): §Model; export form
``zkmed.ledger.entry``: ``docs/formats.md`` §Ledger (the leaf is always the
bytes without the format header).  :func:`entry_head` is the one encoder of
the fixed-layout head (used by :meth:`Entry.encode` and :mod:`zkmed.ledger.rows`);
:meth:`Entry.decode` is the one decoder.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

from zkmed.encoding import Reader
from zkmed.errors import MalformedInput
from zkmed.formats import LEDGER_ENTRY
from zkmed.ledger.merkle import leaf_hash

ENTRY_VERSION = 1
MAX_PAYLOAD = 1 << 20
MAX_TYPE = 64
RESERVED_PREFIX = "zkmed."
_TYPE_RE = re.compile(r"[a-z0-9][a-z0-9._/-]{0,63}")


def check_type(entry_type: object) -> str:
    """Return ``entry_type`` if it is a valid entry type, else raise :class:`MalformedInput`."""
    if not isinstance(entry_type, str) or not _TYPE_RE.fullmatch(entry_type):
        raise MalformedInput(f"entry type {entry_type!r} must be 1..{MAX_TYPE} characters of [a-z0-9._/-]")
    return entry_type


def check_payload(payload: object) -> bytes:
    """Return ``payload`` as bytes if it is acceptable, else raise :class:`MalformedInput`."""
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"entry payload must be bytes, got {type(payload).__name__}")
    data = bytes(payload)
    if len(data) > MAX_PAYLOAD:
        raise MalformedInput(f"entry payload of {len(data)} bytes exceeds {MAX_PAYLOAD}")
    return data


@dataclass(frozen=True)
class Entry:
    """One ledger record (see the module docstring for the byte layout)."""

    seq: int
    type: str
    payload: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or not 0 <= self.seq < 1 << 63:
            raise MalformedInput(f"entry sequence number {self.seq!r} is out of range")
        check_type(self.type)
        object.__setattr__(self, "payload", check_payload(self.payload))

    def encode(self) -> bytes:
        """The canonical bytes (the Merkle leaf)."""
        pack, type_len, type_bytes = entry_head(self.type)
        return pack(ENTRY_VERSION, self.seq, type_len, type_bytes, len(self.payload)) + self.payload

    def export(self) -> bytes:
        """The entry as a standalone artifact: format header ``zkmed.ledger.entry`` v1, then :meth:`encode`."""
        return LEDGER_ENTRY.wrap(self.encode())

    @classmethod
    def from_export(cls, data: bytes) -> Entry:
        """The inverse of :meth:`export` (MalformedInput / UnsupportedVersion for another format or version)."""
        return cls.decode(LEDGER_ENTRY.unwrap(data))

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        r = Reader(data, "ledger entry")
        r.version(ENTRY_VERSION)
        seq, entry_type, payload = r.u64(), r.text(MAX_TYPE), r.bytes_lp(MAX_PAYLOAD)
        r.finish()
        return cls(seq, entry_type, payload)

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.encode())

    @property
    def reserved(self) -> bool:
        return self.type.startswith(RESERVED_PREFIX)


@functools.lru_cache(maxsize=256)
def entry_head(entry_type: str) -> tuple[Callable[..., bytes], int, bytes]:
    """The encoder of an entry's head for a (checked) ``entry_type``: ``(pack, type length, UTF-8 type)``.

    ``pack(ENTRY_VERSION, seq, type length, UTF-8 type, payload length)``
    gives ``version ‖ u64 seq ‖ u32 len(type) ‖ type ‖ u32 len(payload)``;
    the payload follows it.  Precompiled once per type.
    """
    encoded = entry_type.encode("utf-8")
    return struct.Struct(f">BQI{len(encoded)}sI").pack, len(encoded), encoded
