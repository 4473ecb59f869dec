"""Wire formats of the sigma recipes' typed proofs (:mod:`zkmed.proofs.sigma`).

Every proof is a frozen dataclass over its group whose fields after ``group`` are
canonical scalars; on the wire: the :mod:`zkmed.formats` header, then those scalars
(``Ns`` bytes each) in field order.  Per-class table: ``docs/formats.md`` §"Sigma proofs".
``from_bytes`` raises MalformedInput on a wrong header, length, or a scalar ``>= q``
(UnsupportedVersion for another version).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from zkmed import formats
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Group

__all__ = [
    "BitProof", "DleqProof", "DlogProof", "EqualityProof", "MembershipProof", "OpeningProof", "SigmaProof",
    "VectorEqualityProof", "VectorOpeningProof",
]  # fmt: skip

P = TypeVar("P", bound="SigmaProof")


class SigmaProof:
    """Base of the recipe proofs: a group and scalar fields (ints, or tuples of ints), serialized in order."""

    group: Group
    FORMAT: ClassVar[formats.Format]

    def scalars(self) -> list[Any]:
        """The fields after ``group``, flattened, in wire order (not range-checked here)."""
        out: list[Any] = []
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]  # declaration order; group first
            value = getattr(self, name)
            if isinstance(value, tuple):
                out.extend(value)
            elif value is not self.group:
                out.append(value)
        return out

    def to_bytes(self) -> bytes:
        return self.FORMAT.wrap(self.group.encode_scalars(self.scalars()))

    @classmethod
    def _decode(cls, group: Group, data: Any, count: int) -> list[int]:
        if not isinstance(group, Group):
            raise MalformedInput(f"{cls.__name__}: expected a Group")
        body = cls.FORMAT.unwrap(data)
        try:
            return group.decode_scalars(body, count)
        except MalformedInput as exc:
            raise MalformedInput(f"{cls.__name__}: {exc.message}") from exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.group.name}, {len(self.scalars())} scalars)"


class _Fixed(SigmaProof):
    """A proof with a fixed number of scalar fields."""

    @classmethod
    def from_bytes(cls: type[P], group: Group, data: bytes) -> P:
        count = len(fields(cls)) - 1  # type: ignore[arg-type]
        return cls(group, *cls._decode(group, data, count))  # type: ignore[call-arg]


@dataclass(frozen=True, repr=False)
class DlogProof(_Fixed):
    """Schnorr proof of knowledge of a discrete logarithm."""

    FORMAT = formats.DLOG_PROOF
    group: Group
    challenge: int
    response: int


@dataclass(frozen=True, repr=False)
class DleqProof(_Fixed):
    """Chaum–Pedersen proof of equal discrete logarithms."""

    FORMAT = formats.DLEQ_PROOF
    group: Group
    challenge: int
    response: int


@dataclass(frozen=True, repr=False)
class OpeningProof(_Fixed):
    """Pedersen opening proof."""

    FORMAT = formats.OPENING_PROOF
    group: Group
    challenge: int
    s_value: int
    s_blinding: int


@dataclass(frozen=True, repr=False)
class EqualityProof(_Fixed):
    """Equal committed values."""

    FORMAT = formats.EQUALITY_PROOF
    group: Group
    challenge: int
    s_value: int
    s_r1: int
    s_r2: int


@dataclass(frozen=True, repr=False)
class BitProof(_Fixed):
    """CDS94 bit proof; ``c1 = challenge - c0`` is implied."""

    FORMAT = formats.BIT_PROOF
    group: Group
    challenge: int
    c0: int
    s0: int
    s1: int


@dataclass(frozen=True, repr=False)
class MembershipProof(SigmaProof):
    """CDS94 one-of-``k`` proof; the last branch challenge is implied."""

    FORMAT = formats.MEMBERSHIP_PROOF
    group: Group
    challenge: int
    branch_challenges: tuple[int, ...]
    responses: tuple[int, ...]

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, set_size: int) -> MembershipProof:
        if not isinstance(set_size, int) or isinstance(set_size, bool) or set_size < 2:
            raise MalformedInput("membership proof: the set size must be an integer of at least 2")
        s = cls._decode(group, data, 2 * set_size)
        return cls(group, s[0], tuple(s[1:set_size]), tuple(s[set_size:]))


@dataclass(frozen=True, repr=False)
class VectorOpeningProof(SigmaProof):
    """Vector opening proof."""

    FORMAT = formats.VECTOR_OPENING_PROOF
    group: Group
    challenge: int
    s_values: tuple[int, ...]
    s_blinding: int

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, size: int) -> VectorOpeningProof:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise MalformedInput("vector opening proof: the size must be a positive integer")
        s = cls._decode(group, data, size + 2)
        return cls(group, s[0], tuple(s[1:-1]), s[-1])


@dataclass(frozen=True, repr=False)
class VectorEqualityProof(SigmaProof):
    """Equal committed vectors."""

    FORMAT = formats.VECTOR_EQUALITY_PROOF
    group: Group
    challenge: int
    s_values: tuple[int, ...]
    s_r1: int
    s_r2: int

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, size: int) -> VectorEqualityProof:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise MalformedInput("vector equality proof: the size must be a positive integer")
        s = cls._decode(group, data, size + 3)
        return cls(group, s[0], tuple(s[1:-2]), s[-2], s[-1])
