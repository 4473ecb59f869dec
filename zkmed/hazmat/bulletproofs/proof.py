"""Bulletproofs range proofs: the proof object, its canonical bytes, and the statement transcript.

Shared by the prover and the verifier in :mod:`zkmed.hazmat.bulletproofs.bulletproofs`
(Bünz et al., IEEE S&P 2018).

Wire format (fixed layout, ``k = log2(N)``; ``Ne``/``Ns`` the group's sizes)::

    A ‖ S ‖ T1 ‖ T2 ‖ t̂ ‖ τ_x ‖ μ ‖ L_1 ‖ R_1 ‖ … ‖ L_k ‖ R_k ‖ a ‖ b
    = (2k + 4)·Ne + 5·Ns bytes  —  2k + 9 items  (P-256, n = 64, m = 1: 688 bytes)

Every element is decoded with full validation and the identity is rejected
(an honest prover outputs it with negligible probability); every scalar must
be canonical (``< q``).  ``k`` follows from the length, ``3 ≤ k ≤ 14``
(``n·m' = 8 … 64·256``); :meth:`RangeProof.from_bytes` with ``n``/``m`` also
checks the length against that statement.

Statement transcript (strong Fiat–Shamir, §4.4): tag
``b"zkmed/v1/bulletproofs/" || group name``; instance = ``lp(tag) ‖ Pedersen
parameters (group, label, G, H) ‖ lp(generators' label)``; then the labelled
appends ``context``, ``n``, ``m``, ``V`` (all commitments) — all before the
first prover message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from zkmed.encoding import Writer
from zkmed.errors import MalformedInput
from zkmed.hazmat.bulletproofs.inner_product import InnerProductProof, labelled
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group, get_group
from zkmed.hazmat.transcript import Transcript

PROTOCOL_TAG = b"zkmed/v1/bulletproofs"
SUPPORTED_BITS = (8, 16, 32, 64)
MAX_AGGREGATION = 256


def padded_count(m: int) -> int:
    """``m' = 2^⌈log2 m⌉``: the number of value slots after padding."""
    return 1 << (m - 1).bit_length()


def proof_items(n: int, m: int) -> int:
    """Elements + scalars in a proof: ``2·⌈log2(n·m)⌉ + 9``."""
    return 2 * (n * padded_count(m)).bit_length() - 2 + 9


def proof_size(group: Group, n: int, m: int) -> int:
    """Bytes of a proof: ``(2k + 4)·Ne + 5·Ns`` with ``k = ⌈log2(n·m)⌉``."""
    k = (n * padded_count(m)).bit_length() - 1
    return (2 * k + 4) * group.element_size + 5 * group.scalar_size


@dataclass(frozen=True, eq=False)
class RangeProof:
    """A (possibly aggregated) Bulletproofs range proof; see the module docstring for the layout."""

    group: Group
    A: Element
    S: Element
    T1: Element
    T2: Element
    t_x: int
    t_x_blinding: int
    e_blinding: int
    ipa: InnerProductProof

    @cached_property
    def encoded_elements(self) -> tuple[bytes, ...]:
        """Encodings of ``A, S, T1, T2, L_1, R_1, …, L_k, R_k`` (computed once; the transcript reuses them)."""
        g = self.group
        if len(self.ipa.l_vec) != len(self.ipa.r_vec):
            raise MalformedInput("range proof: the inner-product argument has unequal L and R counts")
        points = [self.A, self.S, self.T1, self.T2]
        for big_l, big_r in zip(self.ipa.l_vec, self.ipa.r_vec, strict=True):
            points += [big_l, big_r]
        return tuple(g.encode_element(e) for e in points)

    def to_bytes(self) -> bytes:
        g, enc = self.group, self.encoded_elements
        w = Writer().raw(b"".join(enc[:4]))
        w.raw(g.encode_scalars([self.t_x, self.t_x_blinding, self.e_blinding]))
        w.raw(b"".join(enc[4:]))
        return w.raw(g.encode_scalars([self.ipa.a, self.ipa.b])).finish()

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, *, n: int | None = None, m: int | None = None) -> RangeProof:
        """Parse and validate; with ``n``/``m`` the length must match that statement exactly."""
        if not isinstance(data, (bytes, bytearray)):
            raise MalformedInput("range proof: expected bytes")
        data = bytes(data)
        ne, ns = group.element_size, group.scalar_size
        rest = len(data) - 4 * ne - 5 * ns
        k, odd = divmod(rest, 2 * ne) if rest >= 0 else (-1, 0)
        if odd or not 3 <= k <= 14:
            raise MalformedInput(f"range proof: {len(data)} bytes is not a valid proof length")
        if n is not None and m is not None and len(data) != proof_size(group, n, m):
            raise MalformedInput(f"range proof: expected {proof_size(group, n, m)} bytes for n={n}, m={m}")
        a, s, t1, t2 = group.decode_elements(data[: 4 * ne], 4)
        off = 4 * ne
        t_x, t_x_blinding, e_blinding = group.decode_scalars(data[off : off + 3 * ns], 3)
        off += 3 * ns
        lr = group.decode_elements(data[off : off + 2 * k * ne], 2 * k)
        off += 2 * k * ne
        ipa_a, ipa_b = group.decode_scalars(data[off:], 2)
        ipa = InnerProductProof(l_vec=tuple(lr[0::2]), r_vec=tuple(lr[1::2]), a=ipa_a, b=ipa_b)
        return cls(group, a, s, t1, t2, t_x, t_x_blinding, e_blinding, ipa)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RangeProof)
            and self.group.name == other.group.name
            and self.to_bytes() == other.to_bytes()
        )

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"RangeProof({self.group.name}, rounds={self.ipa.rounds}, {len(self.to_bytes())} bytes)"


# ------------------------------------------------------------------ helpers


def resolve_params(params: PedersenParams | None) -> PedersenParams:
    """The caller's parameters, or the default Pedersen parameters on the default group (P-256)."""
    return params if params is not None else PedersenParams.default(get_group())


def msm_g(p: PedersenParams, g_scalar: int, scalars: Sequence[int], points: Sequence[Element]) -> Element:
    """``g_scalar·G + Σ scalars_i·points_i``, with ``G`` in the backend's fixed-base generator slot.

    ``PedersenParams`` use the standard generator as ``G``; should a caller
    hand in parameters with another ``G`` it is passed as an ordinary point.
    """
    g = p.group
    if p.g is g.generator() or g.eq(p.g, g.generator()):
        return g.msm(scalars, points, gen_scalar=g_scalar % g.order)
    return g.msm([*scalars, g_scalar % g.order], [*points, p.g])


def commit(value: int, blinding: Any, params: PedersenParams | None = None) -> Element:
    """``V = value·G + blinding·H`` — the same point as ``PedersenParams.commit``."""
    p = resolve_params(params)
    return p.commit(int(value), int(blinding))


def check_shape(n: int, m: int, err: type[Exception]) -> None:
    """``n ∈ {8, 16, 32, 64}`` and ``1 ≤ m ≤ MAX_AGGREGATION``, else ``err``."""
    if not isinstance(n, int) or isinstance(n, bool) or n not in SUPPORTED_BITS:
        raise err(f"range proofs support n in {SUPPORTED_BITS} bits, got {n!r}")
    if not 1 <= m <= MAX_AGGREGATION:
        raise err(f"range proofs aggregate 1..{MAX_AGGREGATION} commitments, got {m}")


@lru_cache(maxsize=32)
def _instance(p: PedersenParams, gens_label: bytes) -> bytes:
    return Writer().bytes_lp(PROTOCOL_TAG).raw(p.encode()).bytes_lp(gens_label).finish()


@lru_cache(maxsize=32)
def _after_instance(p: PedersenParams, gens_label: bytes) -> Transcript:
    """The transcript right after tag and instance — never absorbed into; callers take a copy."""
    return Transcript(PROTOCOL_TAG + b"/" + p.group.name.encode(), _instance(p, gens_label))


def statement_transcript(
    p: PedersenParams, gens_label: bytes, context: bytes, n: int, commitments: Sequence[Element]
) -> Transcript:
    """The statement, absorbed before any prover message (strong Fiat–Shamir, §4.4).

    Same bytes as ``append_message(context)``, ``append_u64(n)``, ``append_u64(m)``,
    ``append_elements(V)`` on a fresh ``Transcript(tag, instance)``; the state
    after the instance is cached and copied, the four appends are one absorb.
    """
    g = p.group
    if not isinstance(context, (bytes, bytearray)) or not isinstance(gens_label, (bytes, bytearray)):
        raise MalformedInput("context and generators' label must be bytes")
    t = _after_instance(p, bytes(gens_label)).copy()
    t.absorb(
        labelled(b"context", bytes(context))
        + labelled(b"n", n.to_bytes(8, "big"))
        + labelled(b"m", len(commitments).to_bytes(8, "big"))
        + labelled(b"V", g.encode_elements(commitments))
    )
    return t


def powers(base: int, count: int, q: int) -> list[int]:
    """``(1, base, base², …, base^{count-1}) mod q``."""
    out = [1] * count
    for i in range(1, count):
        out[i] = out[i - 1] * base % q
    return out


__all__ = [
    "MAX_AGGREGATION",
    "check_shape",
    "powers",
    "resolve_params",
    "statement_transcript",
    "PROTOCOL_TAG",
    "SUPPORTED_BITS",
    "RangeProof",
    "commit",
    "msm_g",
    "padded_count",
    "proof_items",
    "proof_size",
]
