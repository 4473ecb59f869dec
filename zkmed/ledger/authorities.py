"""The authority set: n Ed25519 keys, a threshold t, and k-of-n signatures; signed authority changes.

Layouts (AuthoritySet, SignatureList, AuthorityChange) and the set hash:
``docs/ledger.md`` §Byte layouts.  A message is *k-of-n signed* when every
listed signature is valid, the indices are distinct and in range, and there
are at least t of them.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from zkmed.encoding import Reader, Writer
from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.note import check_key_name, ed25519_verify

AUTHORITY_CHANGE_TYPE = "zkmed.authority-change"
CHANGE_CONTEXT = b"zkmed-ledger-authority-change-v1\n"
SET_HASH_CONTEXT = b"zkmed/ledger/authority-set/v1\x00"
MAX_AUTHORITIES = 255
SIGNATURE_SIZE = 64
_U16 = struct.Struct(">H")


@dataclass(frozen=True)
class Authority:
    """One authority: its note key name and its Ed25519 public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise MalformedInput(f"authority {self.name}: public key must be 32 bytes")


@dataclass(frozen=True)
class AuthoritySet:
    """n authorities and the threshold t of distinct signatures a block needs."""

    threshold: int
    authorities: tuple[Authority, ...]
    #: the set hash and each member's index by public key, computed once while the set is built
    _hash: bytes = field(init=False, repr=False, compare=False)
    _index: dict[bytes, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.authorities, tuple) or not all(isinstance(a, Authority) for a in self.authorities):
            raise MalformedInput("an authority set is a tuple of Authority")
        n = len(self.authorities)
        if not 1 <= n <= MAX_AUTHORITIES:
            raise MalformedInput(f"an authority set has 1..{MAX_AUTHORITIES} members, got {n}")
        if not isinstance(self.threshold, int) or isinstance(self.threshold, bool) or not 1 <= self.threshold <= n:
            raise MalformedInput(f"threshold must satisfy 1 <= t <= n = {n}, got {self.threshold}")
        if len({a.name for a in self.authorities}) != n:
            raise MalformedInput("authority names must be distinct")
        if len({a.public_key for a in self.authorities}) != n:
            raise MalformedInput("authority public keys must be distinct")
        object.__setattr__(self, "_hash", hashlib.sha256(SET_HASH_CONTEXT + self.encode()).digest())  # construction
        object.__setattr__(self, "_index", {a.public_key: i for i, a in enumerate(self.authorities)})

    @classmethod
    def from_keys(cls, keys: Iterable[AuthorityKey], threshold: int) -> AuthoritySet:
        return cls(threshold, tuple(Authority(k.name, k.public_key) for k in keys))

    def __len__(self) -> int:
        return len(self.authorities)

    def encode(self) -> bytes:
        w = Writer().u8(1).u16(self.threshold).u16(len(self.authorities))
        for a in self.authorities:
            w.text(a.name).fixed(a.public_key, 32)
        return w.finish()

    @classmethod
    def read(cls, r: Reader) -> AuthoritySet:
        r.version(1)
        threshold = r.u16()
        n = r.u16()
        if n > MAX_AUTHORITIES:
            raise MalformedInput(f"authority set of {n} members exceeds {MAX_AUTHORITIES}")
        members = tuple(Authority(r.text(256), r.raw(32)) for _ in range(n))
        return cls(threshold, members)

    @classmethod
    def decode(cls, data: bytes) -> AuthoritySet:
        r = Reader(data, "authority set")
        out = cls.read(r)
        r.finish()
        return out

    def hash(self) -> bytes:
        return self._hash

    def held(
        self, keys: Iterable[AuthorityKey], limit: int | None = None, use: str = "sign"
    ) -> list[tuple[int, AuthorityKey]]:
        """``(index, key)`` of the held keys that belong to this set, by index; LedgerError if fewer than t.

        With ``limit``, only the first ``max(limit, t)`` of them (held keys in
        the order given): never fewer than the threshold.
        """
        wanted = len(self.authorities) if limit is None else max(limit, self.threshold)
        found: dict[int, AuthorityKey] = {}
        for key in keys:
            if len(found) >= wanted:
                break
            i = self._index.get(key.public_key)
            if i is not None and i not in found:
                found[i] = key
        if len(found) < self.threshold:
            raise LedgerError(
                f"this node holds {len(found)} of the {self.threshold} authority keys needed to {use} "
                f"(authorities: {', '.join(a.name for a in self.authorities)})"
            )
        return sorted(found.items())

    def sign(self, keys: Iterable[AuthorityKey], message: bytes, limit: int | None = None) -> SignatureList:
        """Sign ``message`` with the :meth:`held` keys of this set (at least t)."""
        return SignatureList(tuple([(i, key.sign(message)) for i, key in self.held(keys, limit)]))

    def verify(self, message: bytes, signatures: SignatureList, where: str) -> None:
        """Raise :class:`VerificationError` (at ``where``) unless ``signatures`` k-of-n sign ``message``."""
        previous = -1
        for index, sig in signatures.items:
            if index >= len(self.authorities):
                raise VerificationError(f"signature by unknown authority #{index}", where=where)
            if index <= previous:
                raise VerificationError("authority signatures are duplicated or out of order", where=where)
            previous = index
            name = self.authorities[index].name
            try:
                ed25519_verify(self.authorities[index].public_key, sig, message, f"signature by authority {name}")
            except VerificationError as exc:
                raise VerificationError(exc.message, where=where) from exc
        if len(signatures.items) < self.threshold:
            raise VerificationError(
                f"{len(signatures.items)} authority signatures, below the threshold {self.threshold} of {len(self)}",
                where=where,
            )


@dataclass(frozen=True)
class SignatureList:
    """``(authority index, Ed25519 signature)`` pairs, indices strictly increasing."""

    items: tuple[tuple[int, bytes], ...]

    def encode(self) -> bytes:
        try:  # struct, not Writer: this runs once per sealed block (a quarter of the time)
            parts = [_U16.pack(len(self.items))]
            for index, sig in self.items:
                if len(sig) != SIGNATURE_SIZE:
                    raise MalformedInput(f"an Ed25519 signature is {SIGNATURE_SIZE} bytes, got {len(sig)}")
                parts += (_U16.pack(index), sig)
        except struct.error as exc:
            raise MalformedInput(f"signature list field out of range: {exc}") from exc
        return b"".join(parts)

    @classmethod
    def read(cls, r: Reader) -> SignatureList:
        count = r.u16()
        if count > MAX_AUTHORITIES:
            raise MalformedInput(f"{count} signatures exceed {MAX_AUTHORITIES}")
        return cls(tuple((r.u16(), r.raw(SIGNATURE_SIZE)) for _ in range(count)))

    def signers(self, authority_set: AuthoritySet) -> list[str]:
        return [authority_set.authorities[i].name for i, _ in self.items if i < len(authority_set)]


@dataclass(frozen=True)
class AuthorityChange:
    """A signed decision of the current set to hand over to ``new_set`` at ``effective_height``."""

    ledger_id: bytes
    effective_height: int
    new_set: AuthoritySet
    signatures: SignatureList

    def body(self) -> bytes:
        return Writer().fixed(self.ledger_id, 32).u64(self.effective_height).bytes_lp(self.new_set.encode()).finish()

    def signed_message(self) -> bytes:
        return CHANGE_CONTEXT + self.body()

    def encode(self) -> bytes:
        return Writer().u8(1).raw(self.body()).raw(self.signatures.encode()).finish()

    @classmethod
    def decode(cls, data: bytes) -> AuthorityChange:
        r = Reader(data, "authority change")
        r.version(1)
        ledger_id = r.raw(32)
        height = r.u64()
        new_set = AuthoritySet.decode(r.bytes_lp(1 << 16))
        sigs = SignatureList.read(r)
        r.finish()
        return cls(ledger_id, height, new_set, sigs)

    @classmethod
    def create(
        cls,
        ledger_id: bytes,
        effective_height: int,
        new_set: AuthoritySet,
        current: AuthoritySet,
        keys: Sequence[AuthorityKey],
    ) -> AuthorityChange:
        """Build and sign a change with the held keys of the ``current`` set."""
        unsigned = cls(ledger_id, effective_height, new_set, SignatureList(()))
        return cls(ledger_id, effective_height, new_set, current.sign(keys, unsigned.signed_message()))

    def verify(self, ledger_id: bytes, current: AuthoritySet, where: str) -> None:
        if self.ledger_id != ledger_id:
            raise VerificationError("authority change names another ledger", where=where)
        current.verify(self.signed_message(), self.signatures, where)
