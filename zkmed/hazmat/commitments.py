"""Pedersen commitments (Pedersen, CRYPTO '91), scalar and vector.

Scalar commitment to ``v`` with blinding ``r``::

    C = v·G + r·H                                           (1)

Vector commitment to ``v_1..v_n`` with blinding ``r``::

    C = r·H + Σ v_i·G_i                                       (2)

``G`` is the group generator; ``H`` and every ``G_i`` are derived by
hash-to-curve from the public label of :class:`PedersenParams`, so no one
knows a discrete logarithm between any two of them (binding).  Commitments
are perfectly hiding for a uniform ``r``.

Homomorphism: ``C(v1, r1) + C(v2, r2) = C(v1 + v2, r1 + r2)``, and
``k·C(v, r) = C(k·v, k·r)``.  Proofs about commitments (opening, equality)
live in :mod:`zkmed.proofs.sigma`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from zkmed.encoding import Writer
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import Element, Group, get_group

DEFAULT_LABEL = b"zkmed/v1/pedersen"


def generator_dst(group: Group) -> bytes:
    """RFC 9380 domain separation tag for zkmed's derived generators on ``group``."""
    return b"zkmed-v1-generators-" + group.name.encode() + b"-XMD:SHA-256_SSWU_RO_"


def derive_generators(group: Group, label: bytes, count: int, start: int = 0) -> list[Element]:
    """``count`` independent generators ``hash_to_element(label || u32(i))`` for i = start..start+count-1."""
    dst = generator_dst(group)
    return [group.hash_to_element(label + i.to_bytes(4, "big"), dst) for i in range(start, start + count)]


@dataclass(frozen=True, eq=False)
class PedersenParams:
    """Public parameters ``(G, H)`` for scalar commitments on one group."""

    group: Group
    label: bytes
    g: Element = field(repr=False)
    h: Element = field(repr=False)

    @classmethod
    def derive(cls, group: Group, label: bytes = DEFAULT_LABEL) -> PedersenParams:
        (h,) = derive_generators(group, label + b"/H", 1)
        group.precompute(h)  # H: fixed-base table, and its encoding goes into every transcript
        return cls(group=group, label=label, g=group.generator(), h=h)

    @classmethod
    def default(cls, group: Group | str | None = None) -> PedersenParams:
        grp = group if isinstance(group, Group) else get_group(group) if group else get_group()
        return _default_params(grp)

    def commit(self, value: int, blinding: int) -> Element:
        """``C = value·G + blinding·H`` (eq. 1).

        Value and blinding are secret, so this uses the constant-time
        single-scalar paths (fixed-base tables for ``G`` and ``H``), never the
        variable-time MSM.  ``G`` must be the group generator (as :meth:`derive` makes it).
        """
        g = self.group
        return g.add(g.mul_gen(value) if self.g is g.generator() else g.mul(self.g, value), g.mul(self.h, blinding))

    def commit_random(self, value: int) -> tuple[Element, Blinding]:
        r = self.group.random_scalar()
        return self.commit(value, r), Blinding(r)

    def open_check(self, commitment: Element, value: int, blinding: int) -> bool:
        """Whether ``commitment`` opens to ``(value, blinding)`` (not a verifier: a helper for provers)."""
        return self.group.eq(commitment, self.commit(value, blinding))

    def encode(self) -> bytes:
        """Canonical bytes of the parameters, for transcripts (group, label, G, H)."""
        g = self.group
        return (
            Writer()
            .text(g.name)
            .bytes_lp(self.label)
            .raw(g.encode_element(self.g))
            .raw(g.encode_element(self.h))
            .finish()
        )

    # homomorphic helpers -------------------------------------------------

    def add(self, a: Element, b: Element) -> Element:
        return self.group.add(a, b)

    def sub(self, a: Element, b: Element) -> Element:
        return self.group.sub(a, b)

    def scale(self, a: Element, k: int) -> Element:
        return self.group.mul(a, k)


@cache
def _default_params(group: Group) -> PedersenParams:
    return PedersenParams.derive(group)


@dataclass(frozen=True, eq=False)
class VectorPedersenParams:
    """Public parameters ``(H, G_1..G_n)`` for vector commitments (eq. 2)."""

    group: Group
    label: bytes
    h: Element = field(repr=False)
    gs: tuple[Element, ...] = field(repr=False)

    @classmethod
    def derive(cls, group: Group, size: int, label: bytes = DEFAULT_LABEL + b"/vector") -> VectorPedersenParams:
        if size < 1:
            raise MalformedInput("vector commitment size must be at least 1")
        (h,) = derive_generators(group, label + b"/H", 1)
        gs = tuple(derive_generators(group, label + b"/G", size))
        for base in (h, *gs):
            group.precompute(base)  # fixed-base tables (bounded per group) for the secret-scalar commitments
        return cls(group=group, label=label, h=h, gs=gs)

    @property
    def size(self) -> int:
        return len(self.gs)

    def commit(self, values: Sequence[int], blinding: int) -> Element:
        """``C = r·H + Σ v_i·G_i`` (eq. 2) with constant-time single-scalar multiplications (secret inputs)."""
        if len(values) != self.size:
            raise MalformedInput(f"vector commitment takes {self.size} values, got {len(values)}")
        g = self.group
        return g.sum([g.mul(self.h, blinding), *(g.mul(gi, v) for gi, v in zip(self.gs, values, strict=True))])

    def encode(self) -> bytes:
        g = self.group
        w = Writer().text(g.name).bytes_lp(self.label).raw(g.encode_element(self.h)).u32(self.size)
        for e in self.gs:
            w.raw(g.encode_element(e))
        return w.finish()


class Blinding:
    """A secret blinding factor; its ``repr`` never shows the value."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Blinding(<redacted>)"

    def __int__(self) -> int:
        return self.value

    def __reduce__(self) -> Any:  # never pickled by accident
        raise TypeError("secret values are not picklable")
