"""Bulletproofs range proofs: the proof object, its one encoder and decoder, and the statement transcript.

The byte layout (``zkmed.proof.range``) is :meth:`RangeProof.to_bytes` /
:meth:`RangeProof.from_bytes`, listed in ``docs/formats.md``; the verifier applies
the decoder's checks to any :class:`RangeProof` object (:meth:`RangeProof.encodings`).
The statement transcript (everything bound before the first prover message):
``docs/rangeproofs.md`` §"Fiat–Shamir transcript".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.encoding import Reader, Writer
from zkmed.errors import MalformedInput
from zkmed.formats import HEADER_SIZE, RANGE_PROOF
from zkmed.hazmat.bulletproofs.inner_product import InnerProductProof, ipa_encodings
from zkmed.hazmat.checks import ByteEquality, canonical_scalar, element_bytes, same_group
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.transcript import Transcript

PROTOCOL_TAG = b"zkmed/v1/bulletproofs"
SUPPORTED_BITS = (8, 16, 32, 64)
MAX_AGGREGATION = 256


#: inner-product rounds of a proof: ``log2(8)`` to ``log2(64 · MAX_AGGREGATION)``
MIN_ROUNDS, MAX_ROUNDS = 3, 14


def padded_count(m: int) -> int:
    """``m' = 2^⌈log2 m⌉``: the number of value slots after padding."""
    return 1 << (m - 1).bit_length()


def proof_items(n: int, m: int) -> int:
    """Elements + scalars in a proof: ``2·⌈log2(n·m)⌉ + 9``."""
    return 2 * (n * padded_count(m)).bit_length() - 2 + 9


def proof_size(group: Group, n: int, m: int) -> int:
    """Bytes of :meth:`RangeProof.to_bytes`: the 5-byte header and ``(2k + 4)·Ne + 5·Ns`` with ``k = ⌈log2(n·m)⌉``."""
    k = (n * padded_count(m)).bit_length() - 1
    return HEADER_SIZE + (2 * k + 4) * group.element_size + 5 * group.scalar_size


@dataclass(frozen=True, eq=False)
class RangeProof(ByteEquality):
    """A (possibly aggregated) Bulletproofs range proof; layout: :meth:`to_bytes` (docs/formats.md)."""

    group: Group
    A: Element
    S: Element
    T1: Element
    T2: Element
    t_x: int
    t_x_blinding: int
    e_blinding: int
    ipa: InnerProductProof

    def encodings(self, group: Group, err: type[Exception] = MalformedInput) -> tuple[list[bytes], list[bytes]]:
        """Check every field for ``group``; ``([A, S, T1, T2] encodings, [L_1, R_1, …] encodings)``.

        ``err`` (MalformedInput when encoding, VerificationError when verifying)
        unless the proof is for ``group``, its points and every ``L_j, R_j`` are
        valid non-identity elements, there are as many ``L`` as ``R``
        (:data:`MIN_ROUNDS` to :data:`MAX_ROUNDS`) and ``t̂, τ_x, μ, a, b`` are in ``[0, q)``.
        """
        same_group(group, self.group, "the range proof", err)
        for name in ("t_x", "t_x_blinding", "e_blinding"):
            canonical_scalar(group, getattr(self, name), f"range proof {name}", err)
        lr = ipa_encodings(group, self.ipa, err)
        if not MIN_ROUNDS <= len(lr) // 2 <= MAX_ROUNDS:
            raise err(f"range proof: {len(lr) // 2} inner-product rounds, a proof has {MIN_ROUNDS} to {MAX_ROUNDS}")
        points = [element_bytes(group, getattr(self, name), f"range proof {name}", err) for name in _POINTS]
        return points, lr

    def to_bytes(self) -> bytes:
        """``RANGE_PROOF`` header ‖ body; MalformedInput for an object that is not a valid proof."""
        g = self.group
        if not isinstance(g, Group):
            raise MalformedInput("range proof: no group")
        points, lr = self.encodings(g)
        w = Writer().raw(b"".join(points))
        w.raw(g.encode_scalars([self.t_x, self.t_x_blinding, self.e_blinding]))
        w.raw(b"".join(lr)).raw(g.encode_scalars([self.ipa.a, self.ipa.b]))
        return RANGE_PROOF.wrap(w.finish())

    @classmethod
    def from_bytes(cls, group: Group, data: Any, *, n: int | None = None, m: int | None = None) -> RangeProof:
        """Parse and validate; with ``n``/``m`` the length must match that statement exactly.

        MalformedInput for anything but a ``RANGE_PROOF`` of this build's version
        (:class:`~zkmed.errors.UnsupportedVersion` for another version).
        """
        if not isinstance(group, Group):
            raise MalformedInput(f"range proof: expected a Group, got {type(group).__name__}")
        body = RANGE_PROOF.unwrap(data)
        ne, ns = group.element_size, group.scalar_size
        rest = len(body) - 4 * ne - 5 * ns
        k, odd = divmod(rest, 2 * ne) if rest >= 0 else (-1, 0)
        if odd or not MIN_ROUNDS <= k <= MAX_ROUNDS:
            raise MalformedInput(f"range proof: a {len(body)}-byte body is not a valid proof length")
        if n is not None and m is not None and len(body) + HEADER_SIZE != proof_size(group, n, m):
            raise MalformedInput(f"range proof: expected {proof_size(group, n, m)} bytes for n={n}, m={m}")
        r = Reader(body, "range proof")
        a, s, t1, t2 = group.decode_elements(r.raw(4 * ne), 4)
        t_x, t_x_blinding, e_blinding = group.decode_scalars(r.raw(3 * ns), 3)
        lr = group.decode_elements(r.raw(2 * k * ne), 2 * k)
        ipa_a, ipa_b = group.decode_scalars(r.raw(2 * ns), 2)
        r.finish()
        ipa = InnerProductProof(l_vec=tuple(lr[0::2]), r_vec=tuple(lr[1::2]), a=ipa_a, b=ipa_b)
        return cls(group, a, s, t1, t2, t_x, t_x_blinding, e_blinding, ipa)

    def __repr__(self) -> str:
        name = self.group.name if isinstance(self.group, Group) else "?"
        rounds = len(self.ipa.l_vec) if isinstance(self.ipa, InnerProductProof) else "?"
        return f"RangeProof({name}, rounds={rounds})"


_POINTS = ("A", "S", "T1", "T2")


# ------------------------------------------------------------------ statement


def check_shape(n: int, m: int, err: type[Exception]) -> None:
    """``n ∈ {8, 16, 32, 64}`` and ``1 ≤ m ≤ MAX_AGGREGATION``, else ``err``."""
    if n not in SUPPORTED_BITS:
        raise err(f"range proofs support n in {SUPPORTED_BITS} bits, got {n!r}")
    if not 1 <= m <= MAX_AGGREGATION:
        raise err(f"range proofs aggregate 1..{MAX_AGGREGATION} commitments, got {m}")


def statement_transcript(
    p: PedersenParams, gens_label: bytes, context: bytes, n: int, v_encoded: Sequence[bytes]
) -> Transcript:
    """The statement, absorbed before any prover message (strong Fiat–Shamir, §4.4); ``v_encoded``: the ``V_j``'s bytes."""
    instance = Writer().bytes_lp(PROTOCOL_TAG).raw(p.encode()).bytes_lp(gens_label).finish()
    t = Transcript(PROTOCOL_TAG + b"/" + p.group.name.encode(), instance)
    t.append_message(b"context", context)
    t.append_u64(b"n", n)
    t.append_u64(b"m", len(v_encoded))
    t.append_message(b"V", b"".join(v_encoded))
    return t


def msm_g(p: PedersenParams, g_scalar: int, scalars: Sequence[int], points: Sequence[Element]) -> Element:
    """``g_scalar·G + Σ scalars_i·points_i`` (public scalars), ``G`` in the generator slot (another ``G``: a plain point)."""
    g = p.group
    if p.g is g.generator() or g.eq(p.g, g.generator()):
        return g.msm(scalars, points, gen_scalar=g_scalar % g.order)
    return g.msm([*scalars, g_scalar % g.order], [*points, p.g])


def powers(base: int, count: int, q: int) -> list[int]:
    """``(1, base, base², …, base^{count-1}) mod q``."""
    out = [1] * count
    for i in range(1, count):
        out[i] = out[i - 1] * base % q
    return out


__all__ = [
    "MAX_AGGREGATION", "MAX_ROUNDS", "MIN_ROUNDS", "PROTOCOL_TAG", "SUPPORTED_BITS", "RangeProof", "check_shape",
    "msm_g", "padded_count", "powers", "proof_items", "proof_size", "statement_transcript",
]  # fmt: skip
