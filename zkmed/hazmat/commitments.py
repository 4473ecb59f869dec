"""Pedersen commitments (Pedersen, CRYPTO '91), scalar and vector.

Scalar commitment to ``v`` with blinding ``r``::

    C = v·G + r·H                                           (1)

Vector commitment to ``v_1..v_n`` with blinding ``r``::

    C = r·H + Σ v_i·G_i                                       (2)

``G`` is the group generator; ``H`` and every ``G_i`` are hash-to-curve images of
public labels, so nobody knows a discrete logarithm between any two (binding);
perfectly hiding for a uniform ``r``.  Homomorphic: ``C(v1, r1) + C(v2, r2) =
C(v1 + v2, r1 + r2)``, ``k·C(v, r) = C(k·v, k·r)``.  Proofs about commitments
live in :mod:`zkmed.proofs.sigma`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from zkmed.encoding import Reader, Writer
from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.formats import COMMITMENT, PEDERSEN_PARAMS
from zkmed.hazmat.groups import Element, FixedBase, Group, get_group

DEFAULT_LABEL = b"zkmed/v1/pedersen"
MAX_LABEL = 1024  # bytes of a parameter label accepted by the decoder
MAX_GROUP_NAME = 64


def derive_generators(group: Group, label: bytes, count: int, start: int = 0) -> list[Element]:
    """``count`` independent generators ``hash_to_element(label || u32(i))`` for i = start..start+count-1."""
    dst = b"zkmed-v1-generators-" + group.name.encode() + b"-XMD:SHA-256_SSWU_RO_"  # RFC 9380 DST
    return [group.hash_to_element(label + i.to_bytes(4, "big"), dst) for i in range(start, start + count)]


@dataclass(frozen=True, eq=False)
class PedersenParams:
    """Public parameters ``(G, H)`` for scalar commitments on one group, with the fixed bases :meth:`commit` uses."""

    group: Group
    label: bytes
    g: Element = field(repr=False)
    h: Element = field(repr=False)
    g_base: FixedBase = field(repr=False)
    h_base: FixedBase = field(repr=False)

    @classmethod
    def derive(cls, group: Group, label: bytes = DEFAULT_LABEL) -> PedersenParams:
        (h,) = derive_generators(group, label + b"/H", 1)
        g = group.generator()
        return cls(group=group, label=label, g=g, h=h, g_base=group.fixed_base(g), h_base=group.fixed_base(h))

    @classmethod
    def default(cls, group: Group | str | None = None) -> PedersenParams:
        grp = group if isinstance(group, Group) else get_group(group) if group else get_group()
        return _default_params(grp)

    def commit(self, value: int, blinding: int) -> Element:
        """``C = value·G + blinding·H`` (eq. 1) for secret integers (reduced mod q; 0 allowed).

        Both go through the fixed bases' ``mul_secret`` (constant-time paths), never
        ``mul`` or the MSM.  Point addition returns early for an identity operand
        (OpenSSL, GMP) and ``0·G`` is the identity, so the value is masked:
        ``C = (value + s)·G + blinding·H − s·G`` for a fresh random ``s`` (docs/constant-time.md).
        """
        g = self.group
        s = g.random_scalar()
        masked = g.add(self.g_base.mul_secret(value + s), self.h_base.mul_secret(blinding))
        return g.sub(masked, self.g_base.mul_secret(s))

    def commit_random(self, value: int) -> tuple[Element, Blinding]:
        r = self.group.random_scalar()
        return self.commit(value, r), Blinding(r)

    def open_check(self, commitment: Element, value: int, blinding: int) -> bool:
        """Whether ``commitment`` opens to ``(value, blinding)`` (not a verifier: a helper for provers)."""
        return self.group.eq(commitment, self.commit(value, blinding))

    def body(self) -> bytes:
        """The ``zkmed.pedersen-params`` v1 body: group name, label, G, H (docs/formats.md, "Commitments")."""
        g = self.group
        return Writer().text(g.name).bytes_lp(self.label).raw(self.g_base.encoding).raw(self.h_base.encoding).finish()

    def encode(self) -> bytes:
        """The parameters as a ``zkmed.pedersen-params`` artifact (format header, then :meth:`body`); also what transcripts absorb."""
        return PEDERSEN_PARAMS.wrap(self.body())

    @classmethod
    def decode(cls, data: bytes) -> PedersenParams:
        """Strict inverse of :meth:`encode`: the group must be known here, G its generator and H the one derived from the label."""
        r = Reader(PEDERSEN_PARAMS.unwrap(data), "pedersen-params")
        name, label = r.text(MAX_GROUP_NAME), r.bytes_lp(MAX_LABEL)
        try:
            group = get_group(name)
        except BackendUnavailable as exc:
            raise MalformedInput(f"pedersen-params: group {name!r} is not available here") from exc
        g_bytes, h_bytes = r.raw(group.element_size), r.raw(group.element_size)
        r.finish()
        params = cls.derive(group, label)
        if g_bytes != params.g_base.encoding or h_bytes != params.h_base.encoding:
            raise MalformedInput("pedersen-params: G is not the generator or H is not derived from the label")
        return params

    # homomorphic helpers -------------------------------------------------

    def add(self, a: Element, b: Element) -> Element:
        return self.group.add(a, b)

    def sub(self, a: Element, b: Element) -> Element:
        return self.group.sub(a, b)

    def scale(self, a: Element, k: int) -> Element:
        """``k·a`` for a *public* factor ``k`` (variable time)."""
        return self.group.mul(a, k)


@cache
def _default_params(group: Group) -> PedersenParams:
    return PedersenParams.derive(group)


def encode_commitment(group: Group, commitment: Element) -> bytes:
    """A commitment (scalar or vector) as a ``zkmed.commitment`` artifact: header, group name, the element."""
    if group.is_identity(commitment):
        raise MalformedInput("commitment: the identity is not a commitment zkmed writes")
    return COMMITMENT.wrap(Writer().text(group.name).raw(group.encode_element(commitment)).finish())


def decode_commitment(group: Group, data: bytes) -> Element:
    """Strict inverse of :func:`encode_commitment` for commitments on ``group`` (validated, non-identity)."""
    r = Reader(COMMITMENT.unwrap(data), "commitment")
    name = r.text(MAX_GROUP_NAME)
    if name != group.name:
        raise MalformedInput(f"commitment: made on group {name!r}, expected {group.name!r}")
    element = group.decode_element(r.raw(group.element_size))
    r.finish()
    return element


@dataclass(frozen=True, eq=False)
class VectorPedersenParams:
    """Public parameters ``(H, G_1..G_n)`` for vector commitments (eq. 2), with their fixed bases held explicitly."""

    group: Group
    label: bytes
    h: Element = field(repr=False)
    gs: tuple[Element, ...] = field(repr=False)
    h_base: FixedBase = field(repr=False)
    g_bases: tuple[FixedBase, ...] = field(repr=False)
    g_sum_base: FixedBase = field(repr=False)  # Σ G_i, for the mask in commit()

    @classmethod
    def derive(cls, group: Group, size: int, label: bytes = DEFAULT_LABEL + b"/vector") -> VectorPedersenParams:
        if size < 1:
            raise MalformedInput("vector commitment size must be at least 1")
        (h,) = derive_generators(group, label + b"/H", 1)
        gs = tuple(derive_generators(group, label + b"/G", size))
        return cls(
            group=group,
            label=label,
            h=h,
            gs=gs,
            h_base=group.fixed_base(h),
            g_bases=tuple(group.fixed_base(gi) for gi in gs),
            g_sum_base=group.fixed_base(group.sum(gs)),
        )

    @property
    def size(self) -> int:
        return len(self.gs)

    def commit(self, values: Sequence[int], blinding: int) -> Element:
        """``C = r·H + Σ v_i·G_i`` (eq. 2), secret: ``mul_secret`` on every term, masked as
        :meth:`PedersenParams.commit` (``r·H + Σ (v_i + s)·G_i − s·(Σ G_i)``)."""
        if len(values) != self.size:
            raise MalformedInput(f"vector commitment takes {self.size} values, got {len(values)}")
        g = self.group
        s = g.random_scalar()
        terms = [base.mul_secret(v + s) for base, v in zip(self.g_bases, values, strict=True)]
        return g.sub(g.sum([self.h_base.mul_secret(blinding), *terms]), self.g_sum_base.mul_secret(s))

    def encode(self) -> bytes:
        """Canonical bytes for transcripts: group name, label, H, u32 size, G_1..G_n."""
        w = Writer().text(self.group.name).bytes_lp(self.label).raw(self.h_base.encoding).u32(self.size)
        for base in self.g_bases:
            w.raw(base.encoding)
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
