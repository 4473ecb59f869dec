"""Blocks: the signed, hash-chained heads of the ledger, and genesis info.

Layout, block hash and origin: ``docs/ledger.md`` §Byte layouts and §Model;
export form ``zkmed.ledger.block``: ``docs/formats.md`` §Ledger.  The
signatures are outside the hash, so one block has one hash whoever signed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from zkmed.encoding import Reader, Writer
from zkmed.errors import MalformedInput
from zkmed.formats import LEDGER_BLOCK
from zkmed.ledger.authorities import AuthoritySet, SignatureList
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.note import check_key_name

BLOCK_VERSION = 1
BLOCK_HASH_CONTEXT = b"zkmed/ledger/block/v1\x00"
BLOCK_CONTEXT = b"zkmed-ledger-block-v1\n"
ZERO_HASH = bytes(32)
MAX_NAME = 128
MAX_GENESIS_INFO = 1 << 17
#: the header's fixed-layout part after the version byte, up to the genesis info's length
_FIELDS = struct.Struct(">32sQ32sQQ32s32sI")


@dataclass(frozen=True)
class GenesisInfo:
    """What the genesis block fixes: the ledger's name and its founding authority set."""

    name: str
    authorities: AuthoritySet

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.name.encode("utf-8")) > MAX_NAME:
            raise MalformedInput(f"ledger name is longer than {MAX_NAME} bytes")

    def encode(self) -> bytes:
        return Writer().u8(1).text(self.name).bytes_lp(self.authorities.encode()).finish()

    @classmethod
    def decode(cls, data: bytes) -> GenesisInfo:
        r = Reader(data, "genesis info")
        r.version(1)
        name = r.text(MAX_NAME)
        authorities = AuthoritySet.decode(r.bytes_lp(1 << 16))
        r.finish()
        return cls(name, authorities)


@dataclass(frozen=True)
class Block:
    """One block (see the module docstring for the byte layout)."""

    ledger_id: bytes
    height: int
    prev_hash: bytes
    time_ms: int
    tree_size: int
    root: bytes
    authority_set_hash: bytes
    genesis: GenesisInfo | None
    signatures: SignatureList = SignatureList(())
    #: the header bytes and the block hash, computed once while the block is built
    _header: bytes = field(init=False, repr=False, compare=False)
    _hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("ledger_id", "prev_hash", "root", "authority_set_hash"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise MalformedInput(f"block {name} must be 32 bytes")
        if (self.genesis is None) != (self.height != 0):
            raise MalformedInput("exactly the block at height 0 carries genesis info")
        if not isinstance(self.signatures, SignatureList):
            raise MalformedInput("block signatures must be a SignatureList")
        genesis = self.genesis.encode() if self.genesis else b""
        try:
            fixed = _FIELDS.pack(
                self.ledger_id,
                self.height,
                self.prev_hash,
                self.time_ms,
                self.tree_size,
                self.root,
                self.authority_set_hash,
                len(genesis),
            )
        except struct.error as exc:  # a negative or too large integer field (the 32-byte fields are checked)
            raise MalformedInput(f"block field out of range: {exc}") from exc
        header = bytes([BLOCK_VERSION]) + fixed + genesis
        object.__setattr__(self, "_header", header)  # construction: a frozen dataclass's derived fields
        object.__setattr__(self, "_hash", hashlib.sha256(BLOCK_HASH_CONTEXT + header).digest())

    def header(self) -> bytes:
        return self._header

    def hash(self) -> bytes:
        return self._hash

    def signed_message(self) -> bytes:
        return BLOCK_CONTEXT + self.hash()

    def encode(self) -> bytes:
        return self.header() + self.signatures.encode()

    def with_signatures(self, signatures: SignatureList) -> Block:
        """The same block with ``signatures`` (a new object; the header and hash do not cover them)."""
        return dataclasses.replace(self, signatures=signatures)

    def signed_by(self, authorities: AuthoritySet, keys: Iterable[AuthorityKey], limit: int | None = None) -> Block:
        """The same block signed by the held keys of ``authorities`` (:meth:`AuthoritySet.sign`)."""
        return self.with_signatures(authorities.sign(keys, self.signed_message(), limit))

    def export(self) -> bytes:
        """The block as a standalone artifact: format header ``zkmed.ledger.block`` v1, then :meth:`encode`."""
        return LEDGER_BLOCK.wrap(self.encode())

    @classmethod
    def from_export(cls, data: bytes) -> Block:
        """The inverse of :meth:`export` (MalformedInput / UnsupportedVersion for another format or version)."""
        return cls.decode(LEDGER_BLOCK.unwrap(data))

    @classmethod
    def decode(cls, data: bytes) -> Block:
        r = Reader(data, "block")
        r.version(BLOCK_VERSION)
        ledger_id, height, prev_hash, time_ms, size, root, set_hash, genesis_length = _FIELDS.unpack(
            r.raw(_FIELDS.size)
        )
        if genesis_length > MAX_GENESIS_INFO:
            raise MalformedInput(f"block: genesis info of {genesis_length} bytes exceeds {MAX_GENESIS_INFO}")
        raw_genesis = r.raw(genesis_length)
        signatures = SignatureList.read(r)
        r.finish()
        if (height == 0) != bool(raw_genesis):
            raise MalformedInput("exactly the block at height 0 carries genesis info")
        genesis = GenesisInfo.decode(raw_genesis) if raw_genesis else None
        return cls(ledger_id, height, prev_hash, time_ms, size, root, set_hash, genesis, signatures)


def origin_for(name: str, genesis_hash: bytes) -> str:
    """The checkpoint origin line of a ledger: ``<name>/<hex genesis hash>``."""
    return f"{name}/{genesis_hash.hex()}"
