"""The one Fiat–Shamir transcript of zkmed (IETF draft-irtf-cfrg-fiat-shamir).

Every challenge in the product — sigma proofs, OR proofs, Bulletproofs,
ballot and decryption proofs — is squeezed from a :class:`Transcript`, so
the *strong* Fiat–Shamir discipline holds everywhere by construction:

1. ``session_id = DeriveSessionID(tag)`` (draft §"Session identifiers"): the
   tag names the protocol, its version, the ciphersuite and the application
   context (e.g. election id, ballot id);
2. the sponge is seeded with ``session_id || zeros(R - 32)`` (§"Init");
3. the **instance** — the full statement: group, generators, every public
   value — is absorbed before any prover message (§"Instance"); it must be
   non-empty and prefix-free;
4. prover messages are absorbed in order, then challenges are squeezed and
   reduced with ``DecodeUint`` from ``Ns + 16`` bytes (≥ log2(q) + 128 bits,
   bias ≤ 2^-128, §"Unsigned integers").

Two absorb styles share one sponge: :meth:`Transcript.absorb` appends raw
bytes exactly as the IETF drafts do (used where a draft fixes the byte
stream, e.g. sigma NARG strings), and the ``append_*`` methods add a
length-prefixed label before each message (dalek-style labelled appends)
for zkmed's own multi-round protocols.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from zkmed.encoding import le_to_int, length_prefixed
from zkmed.errors import MalformedInput

if TYPE_CHECKING:
    from zkmed.hazmat.groups.base import Element, Group

SHAKE128_RATE = 168
SESSION_ID_DST = b"irtf-cfrg-fiat-shamir/session-id"  # exactly 32 bytes


class DuplexSponge:
    """The XOF duplex sponge over SHAKE128 (draft §"XOF duplex sponge").

    ``absorb(x); absorb(y)`` equals ``absorb(x || y)``; consecutive squeezes
    continue one output stream; an absorb after a squeeze starts a new one.
    """

    __slots__ = ("_ctx", "_reader", "_offset")

    def __init__(self, session_id: bytes) -> None:
        if len(session_id) != 32:
            raise MalformedInput("duplex sponge: the session id must be 32 bytes")
        self._ctx = _initial_state(bytes(session_id)).copy()
        self._reader: hashlib._Hash | None = None  # type: ignore[name-defined]
        self._offset = 0

    def absorb(self, data: bytes) -> None:
        if data:
            self._ctx.update(data)
            self._reader = None

    def squeeze(self, n: int) -> bytes:
        if n < 0:
            raise MalformedInput("duplex sponge: negative squeeze length")
        if self._reader is None:
            self._reader = self._ctx.copy()
            self._offset = 0
        end = self._offset + n
        out = self._reader.digest(end)[self._offset : end]  # type: ignore[call-arg]
        self._offset = end
        return out

    def copy(self) -> DuplexSponge:
        clone = DuplexSponge.__new__(DuplexSponge)
        clone._ctx = self._ctx.copy()
        clone._reader = self._reader
        clone._offset = self._offset
        return clone


@lru_cache(maxsize=1024)
def _initial_state(session_id: bytes) -> hashlib._Hash:  # type: ignore[name-defined]
    """The SHAKE128 state right after ``Init(session_id)`` (memoized; callers copy it, never update it)."""
    return hashlib.shake_128(session_id + bytes(SHAKE128_RATE - 32))


def derive_session_id(tag: bytes) -> bytes:
    """``DeriveSessionID(tag)`` (draft §"Session identifiers")."""
    sponge = DuplexSponge(SESSION_ID_DST)
    sponge.absorb(tag)
    return sponge.squeeze(32)


def challenge_length(order: int) -> int:
    """``Ns + 16``: bytes squeezed for one uniform scalar modulo ``order``."""
    return (order.bit_length() + 7) // 8 + 16


def decode_uint(buf: bytes, modulus: int) -> int:
    """``DecodeUint`` (draft §"Unsigned integers"): ``LE2IP(buf) mod M``."""
    if len(buf) != challenge_length(modulus):
        raise MalformedInput("DecodeUint: wrong input length")
    return le_to_int(buf) % modulus


class Transcript:
    """Strong Fiat–Shamir transcript: tag → session id, instance, prover messages, challenges."""

    __slots__ = ("_sponge", "session_id")

    def __init__(self, tag: bytes, instance: bytes, *, session_id: bytes | None = None) -> None:
        if not instance:
            raise MalformedInput("transcript: the encoded instance must be non-empty")
        self.session_id = session_id if session_id is not None else derive_session_id(tag)
        self._sponge = DuplexSponge(self.session_id)
        self._sponge.absorb(instance)

    @classmethod
    def _from_sponge(cls, sponge: DuplexSponge, session_id: bytes) -> Transcript:
        t = cls.__new__(cls)
        t._sponge = sponge
        t.session_id = session_id
        return t

    def copy(self) -> Transcript:
        """An independent copy (e.g. to reuse the state after the instance)."""
        return Transcript._from_sponge(self._sponge.copy(), self.session_id)

    # --- raw (IETF) absorbs ---------------------------------------------

    def absorb(self, data: bytes) -> None:
        """Absorb raw bytes, exactly as the drafts' NARG encoding does."""
        self._sponge.absorb(data)

    # --- labelled absorbs --------------------------------------------------

    def append_message(self, label: bytes, data: bytes) -> None:
        """Absorb ``lp(label) || lp(data)`` (big-endian u32 lengths)."""
        self._sponge.absorb(length_prefixed(label) + length_prefixed(data))

    def append_elements(self, label: bytes, group: Group, elements: Sequence[Element]) -> None:
        self.append_message(label, group.encode_elements(elements))

    def append_scalars(self, label: bytes, group: Group, scalars: Sequence[int]) -> None:
        self.append_message(label, group.encode_scalars(scalars))

    def append_u64(self, label: bytes, value: int) -> None:
        self.append_message(label, value.to_bytes(8, "big"))

    # --- challenges ------------------------------------------------------

    def challenge_bytes(self, n: int, label: bytes = b"") -> bytes:
        if label:
            self._sponge.absorb(length_prefixed(label))
        return self._sponge.squeeze(n)

    def challenge_scalar(self, order: int, label: bytes = b"") -> int:
        """One uniform scalar mod ``order`` from ``Ns + 16`` squeezed bytes."""
        return decode_uint(self.challenge_bytes(challenge_length(order), label), order)

    def challenge_scalars(self, order: int, count: int, label: bytes = b"") -> list[int]:
        n = challenge_length(order)
        buf = self.challenge_bytes(n * count, label)
        return [decode_uint(buf[i * n : (i + 1) * n], order) for i in range(count)]

    def challenge_nonzero_scalar(self, order: int, label: bytes = b"") -> int:
        """A challenge that must not be zero (Bulletproofs' y, z, x, u); zero is mapped to 1.

        Hitting zero has probability ~2^-256; mapping keeps the function total
        and straight-line without weakening soundness.
        """
        c = self.challenge_scalar(order, label)
        return c if c else 1
