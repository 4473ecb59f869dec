"""Wire formats of the recipes' typed proofs (:mod:`zkmed.proofs.sigma`).

Every proof is a frozen dataclass over its group; every field after
``group`` is serialized as ``Ns``-byte canonical scalars
(draft-irtf-cfrg-sigma-protocols ``Scalar.serialize``), in field order, with
nothing else on the wire.  Each class documents its byte layout:

* AND recipes (:class:`DlogProof`, :class:`DleqProof`, :class:`OpeningProof`,
  :class:`EqualityProof`, :class:`VectorOpeningProof`,
  :class:`VectorEqualityProof`) are the draft's compact NARG strings,
  ``challenge || responses`` in witness order;
* OR recipes (:class:`BitProof`, :class:`MembershipProof`) are the compact
  CDS94 proofs of :mod:`zkmed.hazmat.sigma.compose`.

``from_bytes`` raises MalformedInput on a wrong length, on anything but
bytes, or on a scalar ``>= q``.  The classes are re-exported by
:mod:`zkmed.proofs.sigma`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Group

__all__ = [
    "BitProof", "DleqProof", "DlogProof", "EqualityProof", "MembershipProof", "OpeningProof",
    "VectorEqualityProof", "VectorOpeningProof",
]  # fmt: skip

F = TypeVar("F", bound="_FixedProof")


def _scalars(group: Group, data: Any, count: int, what: str) -> list[int]:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"{what}: expected bytes, got {type(data).__name__}")
    try:
        return group.decode_scalars(bytes(data), count)
    except MalformedInput as exc:
        raise MalformedInput(f"{what}: {exc.message}") from exc


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _scalar_fields(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls)[1:])
    return names


class _FixedProof:
    """Base of the fixed-size proofs: every field after ``group`` is one scalar, serialized in order."""

    group: Group

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([getattr(self, name) for name in _scalar_fields(type(self))])

    @classmethod
    def from_bytes(cls: type[F], group: Group, data: bytes) -> F:
        return cls(group, *_scalars(group, data, len(_scalar_fields(cls)), cls.__name__))  # type: ignore[call-arg]


@dataclass(frozen=True)
class DlogProof(_FixedProof):
    """Schnorr proof; layout ``challenge || response`` (2·Ns bytes)."""

    group: Group
    challenge: int
    response: int


@dataclass(frozen=True)
class DleqProof(_FixedProof):
    """Chaum–Pedersen proof; layout ``challenge || response`` (2·Ns bytes)."""

    group: Group
    challenge: int
    response: int


@dataclass(frozen=True)
class OpeningProof(_FixedProof):
    """Pedersen opening proof; layout ``challenge || s_value || s_blinding`` (3·Ns bytes)."""

    group: Group
    challenge: int
    s_value: int
    s_blinding: int


@dataclass(frozen=True)
class EqualityProof(_FixedProof):
    """Equal committed values; layout ``challenge || s_value || s_r1 || s_r2`` (4·Ns bytes)."""

    group: Group
    challenge: int
    s_value: int
    s_r1: int
    s_r2: int


@dataclass(frozen=True)
class BitProof(_FixedProof):
    """CDS94 bit proof; layout ``challenge || c0 || s0 || s1`` (4·Ns bytes); ``c1 = challenge - c0``."""

    group: Group
    challenge: int
    c0: int
    s0: int
    s1: int


@dataclass(frozen=True)
class MembershipProof:
    """CDS94 one-of-``k`` proof; layout ``challenge || c_0..c_{k-2} || s_0..s_{k-1}`` ((2k)·Ns bytes)."""

    group: Group
    challenge: int
    branch_challenges: tuple[int, ...]
    responses: tuple[int, ...]

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([self.challenge, *self.branch_challenges, *self.responses])

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, set_size: int) -> MembershipProof:
        if not isinstance(set_size, int) or set_size < 2:
            raise MalformedInput("membership proof: the set size must be at least 2")
        s = _scalars(group, data, 2 * set_size, "membership proof")
        return cls(group, s[0], tuple(s[1:set_size]), tuple(s[set_size:]))


@dataclass(frozen=True)
class VectorOpeningProof:
    """Vector opening proof; layout ``challenge || s_v1..s_vn || s_blinding`` ((n+2)·Ns bytes)."""

    group: Group
    challenge: int
    s_values: tuple[int, ...]
    s_blinding: int

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([self.challenge, *self.s_values, self.s_blinding])

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, size: int) -> VectorOpeningProof:
        s = _scalars(group, data, size + 2, "vector opening proof")
        return cls(group, s[0], tuple(s[1:-1]), s[-1])


@dataclass(frozen=True)
class VectorEqualityProof:
    """Equal committed vectors; layout ``challenge || s_v1..s_vn || s_r1 || s_r2`` ((n+3)·Ns bytes)."""

    group: Group
    challenge: int
    s_values: tuple[int, ...]
    s_r1: int
    s_r2: int

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([self.challenge, *self.s_values, self.s_r1, self.s_r2])

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, size: int) -> VectorEqualityProof:
        s = _scalars(group, data, size + 3, "vector equality proof")
        return cls(group, s[0], tuple(s[1:-2]), s[-2], s[-1])
