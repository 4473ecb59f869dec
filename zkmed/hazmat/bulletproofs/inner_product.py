"""The Bulletproofs inner-product argument (Bünz et al., S&P 2018, §3, Protocol 2).

Statement.  For generator vectors ``G, H`` of length ``n = 2^k`` (optionally
scaled by public factors, ``G'_i = g_i·G_i`` and ``H'_i = h_i·H_i``) and a
point ``Q``, the prover knows ``a, b ∈ Z_q^n`` with::

    P = <a, G'> + <b, H'> + <a, b>·Q                                  (§3, eq. 3)

Prover (Protocol 2, one round; ``lo``/``hi`` are the halves, ``n' = n/2``)::

    c_L = <a_lo, b_hi>              c_R = <a_hi, b_lo>
    L   = <a_lo, G'_hi> + <b_hi, H'_lo> + c_L·Q
    R   = <a_hi, G'_lo> + <b_lo, H'_hi> + c_R·Q
    u   = challenge(L, R)                                  (Fiat–Shamir, §4.4)
    G'' = u^{-1}·G'_lo + u·G'_hi        H'' = u·H'_lo + u^{-1}·H'_hi
    a'  = u·a_lo + u^{-1}·a_hi          b'  = u^{-1}·b_lo + u·b_hi
    P'  = u²·L + P + u^{-2}·R

and recurses until ``n = 1``, when it sends the scalars ``a, b``.

Verifier (§3.1 "inner-product verification through multi-exponentiation").
Unrolling the ``k`` rounds, the final generators are ``Σ s_i·G'_i`` and
``Σ s_i^{-1}·H'_i`` with::

    s_i = Π_{j=1..k} u_j^{b(i,j)},   b(i,j) = +1 if bit (k-j) of i is 1, else -1

so the whole recursion collapses into **one** multi-scalar multiplication::

    Σ (a·s_i·g_i)·G_i + Σ (b·s_i^{-1}·h_i)·H_i + (a·b)·Q
        - P - Σ_j (u_j²·L_j + u_j^{-2}·R_j)  ==  0                  (§3.1, §6.2)

The verifier never recurses.  ``s`` costs ``n - 1`` multiplications (each
challenge doubles the list) and ``s_i^{-1} = s_{n-1-i}`` because complementing
all bits inverts every exponent; only ``k`` inversions are needed (batched).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import gmpy2

from zkmed.encoding import length_prefixed
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.transcript import Transcript, challenge_length

#: deepest recursion accepted (2^32 generators — far beyond any real proof)
MAX_ROUNDS = 32


@dataclass(frozen=True, eq=False)
class InnerProductProof:
    """``(L_1, R_1), …, (L_k, R_k), a, b`` — ``2k`` elements and 2 scalars."""

    l_vec: tuple[Element, ...]
    r_vec: tuple[Element, ...]
    a: int
    b: int

    @property
    def rounds(self) -> int:
        return len(self.l_vec)


#: ``lp(label)`` of the labels the range-proof verifier absorbs (u32 big-endian length ‖ label)
_LABEL_LP = {
    lb: length_prefixed(lb)
    for lb in (b"A", b"S", b"T1", b"T2", b"t_x", b"ipa-n", b"L", b"R", b"y", b"z", b"x", b"w", b"u")
}


def labelled(label: bytes, data: bytes) -> bytes:
    """Exactly the bytes ``Transcript.append_message(label, data)`` absorbs: ``lp(label) ‖ lp(data)``.

    The verifier concatenates these and absorbs each run between two
    challenges at once (the sponge absorbs ``x`` then ``y`` as ``x ‖ y``).
    """
    lp = _LABEL_LP.get(label)
    return (length_prefixed(label) if lp is None else lp) + len(data).to_bytes(4, "big") + data


def squeeze_nonzero(t: Transcript, pending: bytes, label: bytes, order: int) -> int:
    """``absorb(pending)`` then ``challenge_nonzero_scalar(order, label)`` — the same bytes, one absorb."""
    lp = _LABEL_LP.get(label)
    t.absorb(pending + (length_prefixed(label) if lp is None else lp))
    c = int.from_bytes(t.challenge_bytes(challenge_length(order)), "little") % order
    return c if c else 1


def batch_invert(values: Sequence[int], order: int) -> list[int]:
    """Inverses of non-zero ``values`` mod ``order`` with one modular inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for v in values:
        if v % order == 0:
            raise MalformedInput("batch_invert: zero has no inverse")
        prefix.append(acc)
        acc = acc * v % order
    inv = int(gmpy2.invert(acc, order))  # ~10× faster than pow(acc, -1, order) on CPython 3.11
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = inv * prefix[i] % order
        inv = inv * values[i] % order
    return out


def _inner(x: Sequence[int], y: Sequence[int], order: int) -> int:
    return sum(p * q for p, q in zip(x, y, strict=True)) % order


def prove_inner_product(
    transcript: Transcript,
    group: Group,
    q_point: Element,
    g_vec: Sequence[Element],
    h_vec: Sequence[Element],
    a_vec: Sequence[int],
    b_vec: Sequence[int],
    *,
    g_factors: Sequence[int] | None = None,
    h_factors: Sequence[int] | None = None,
) -> InnerProductProof:
    """Protocol 2 prover for ``P = <a, G'> + <b, H'> + <a,b>·Q`` (``G'_i = g_factors_i·G_i`` …).

    The factors let the range proof use ``H'_i = y^{-i}·H_i`` (eq. 63)
    without first multiplying ``n`` points: they are folded into the
    scalars of round one, after which the folded generators are explicit.
    """
    q = group.order
    n = len(a_vec)
    if n == 0 or n & (n - 1) or n.bit_length() - 1 > MAX_ROUNDS:
        raise ProvingError(f"inner-product argument needs a power-of-two length, got {n}")
    if not len(b_vec) == len(g_vec) == len(h_vec) == n:
        raise ProvingError("inner-product argument: vector lengths differ")
    a = [x % q for x in a_vec]
    b = [x % q for x in b_vec]
    gs, hs = list(g_vec), list(h_vec)
    gf = [x % q for x in g_factors] if g_factors is not None else [1] * n
    hf = [x % q for x in h_factors] if h_factors is not None else [1] * n
    if len(gf) != n or len(hf) != n:
        raise ProvingError("inner-product argument: factor vectors have the wrong length")
    transcript.append_u64(b"ipa-n", n)
    l_out: list[Element] = []
    r_out: list[Element] = []
    while n > 1:
        h2 = n // 2
        a_lo, a_hi, b_lo, b_hi = a[:h2], a[h2:], b[:h2], b[h2:]
        c_l = _inner(a_lo, b_hi, q)
        c_r = _inner(a_hi, b_lo, q)
        # L = <a_lo, G'_hi> + <b_hi, H'_lo> + c_L·Q ;  R = <a_hi, G'_lo> + <b_lo, H'_hi> + c_R·Q
        big_l = group.msm(
            [a_lo[i] * gf[h2 + i] % q for i in range(h2)] + [b_hi[i] * hf[i] % q for i in range(h2)] + [c_l],
            gs[h2:] + hs[:h2] + [q_point],
        )
        big_r = group.msm(
            [a_hi[i] * gf[i] % q for i in range(h2)] + [b_lo[i] * hf[h2 + i] % q for i in range(h2)] + [c_r],
            gs[:h2] + hs[h2:] + [q_point],
        )
        l_out.append(big_l)
        r_out.append(big_r)
        transcript.append_elements(b"L", group, [big_l])
        transcript.append_elements(b"R", group, [big_r])
        u = transcript.challenge_nonzero_scalar(q, b"u")
        u_inv = pow(u, -1, q)
        a = [(u * a_lo[i] + u_inv * a_hi[i]) % q for i in range(h2)]
        b = [(u_inv * b_lo[i] + u * b_hi[i]) % q for i in range(h2)]
        if h2 > 1:  # the last fold's generators are never used
            gs = [group.msm([u_inv * gf[i] % q, u * gf[h2 + i] % q], [gs[i], gs[h2 + i]]) for i in range(h2)]
            hs = [group.msm([u * hf[i] % q, u_inv * hf[h2 + i] % q], [hs[i], hs[h2 + i]]) for i in range(h2)]
            gf = hf = [1] * h2
        n = h2
    return InnerProductProof(l_vec=tuple(l_out), r_vec=tuple(r_out), a=a[0], b=b[0])


@dataclass(frozen=True)
class IpaScalars:
    """What the verifier needs from an IPA transcript: the challenges ``u_j``, their inverses and squares.

    The ``s`` vector (§3.1) is built on first use; the range-proof verifier
    never builds it (it folds ``s`` into its coefficient recurrences).
    """

    u: tuple[int, ...]
    u_inv: tuple[int, ...]
    u_sq: tuple[int, ...]
    u_inv_sq: tuple[int, ...]
    order: int

    @cached_property
    def s(self) -> tuple[int, ...]:
        """``s_i = Π_j u_j^{b(i,j)}`` by doubling: ``s_0 = Π u_j^{-1}``, bit ``p`` of ``i`` multiplies by ``u_{k-p}²``."""
        q = self.order
        s0 = 1
        for v in self.u_inv:
            s0 = s0 * v % q
        return tuple(doubling(s0, reversed(self.u_sq), q))

    def s_inv(self, i: int) -> int:
        """``s_i^{-1} = s_{n-1-i}`` (bit complement, §3.1)."""
        return self.s[len(self.s) - 1 - i]


def doubling(start: int, factors: Iterable[int], order: int) -> list[int]:
    """``v_i = start · Π_{p: bit p of i set} factors[p]`` for ``i < 2^len(factors)`` — ``2^k − 1`` products.

    Each factor doubles the list (``v_{i + 2^p} = v_i · factors[p]``), so the
    vector comes out in index order without any bit reversal.
    """
    out = [start]
    for f in factors:
        out += [v * f % order for v in out]
    return out


def replay_ipa(
    transcript: Transcript, group: Group, proof: InnerProductProof, n: int, lr_encoded: Sequence[bytes] | None
) -> IpaScalars:
    """Absorb ``ipa-n`` and every ``(L_j, R_j)``, squeeze the ``u_j``; invert them all with one inversion."""
    q = group.order
    k = proof.rounds
    if n < 1 or n != 1 << k or len(proof.r_vec) != k:
        raise VerificationError(f"inner-product proof has {k} rounds, the statement needs log2({n})")
    if lr_encoded is None or len(lr_encoded) != 2 * k:
        lr_encoded = [group.encode_element(e) for pair in zip(proof.l_vec, proof.r_vec, strict=True) for e in pair]
    pending = labelled(b"ipa-n", n.to_bytes(8, "big"))
    us = []
    for j in range(k):
        pending += labelled(b"L", lr_encoded[2 * j]) + labelled(b"R", lr_encoded[2 * j + 1])
        us.append(squeeze_nonzero(transcript, pending, b"u", q))
        pending = b""
    if pending:  # k = 0: ipa-n is still absorbed
        transcript.absorb(pending)
    u_inv = batch_invert(us, q) if us else []
    return IpaScalars(
        u=tuple(us),
        u_inv=tuple(u_inv),
        u_sq=tuple(u * u % q for u in us),
        u_inv_sq=tuple(v * v % q for v in u_inv),
        order=q,
    )


def verification_scalars(
    transcript: Transcript,
    group: Group,
    proof: InnerProductProof,
    n: int,
    *,
    lr_encoded: Sequence[bytes] | None = None,
) -> IpaScalars:
    """Replay the IPA challenges for a length-``n`` statement (§3.1); ``s`` is available as ``.s``.

    ``lr_encoded`` may carry the encodings ``L_1, R_1, …`` already at hand
    (they are exactly what ``append_elements`` would absorb).
    """
    return replay_ipa(transcript, group, proof, n, lr_encoded)


def verify_inner_product(
    transcript: Transcript,
    group: Group,
    q_point: Element,
    g_vec: Sequence[Element],
    h_vec: Sequence[Element],
    p_point: Element,
    proof: InnerProductProof,
    *,
    g_factors: Sequence[int] | None = None,
    h_factors: Sequence[int] | None = None,
) -> None:
    """Check a stand-alone inner-product proof with one MSM (§3.1); raise VerificationError on failure.

    The range-proof verifier does not call this: it merges the same terms into
    its own single MSM (§4.2 eq. 67–68, §6.2).
    """
    q = group.order
    n = len(g_vec)
    if len(h_vec) != n:
        raise VerificationError("inner-product statement: generator vectors differ in length")
    sc = verification_scalars(transcript, group, proof, n)
    gf = g_factors if g_factors is not None else [1] * n
    hf = h_factors if h_factors is not None else [1] * n
    scalars = [proof.a * sc.s[i] * gf[i] % q for i in range(n)]
    scalars += [proof.b * sc.s_inv(i) * hf[i] % q for i in range(n)]
    scalars += [proof.a * proof.b % q, q - 1]
    scalars += [q - x for x in sc.u_sq] + [q - x for x in sc.u_inv_sq]
    points = [*g_vec, *h_vec, q_point, p_point, *proof.l_vec, *proof.r_vec]
    if not group.is_identity(group.msm(scalars, points)):
        raise VerificationError("inner-product proof does not verify")


__all__ = [
    "InnerProductProof",
    "IpaScalars",
    "batch_invert",
    "doubling",
    "labelled",
    "prove_inner_product",
    "replay_ipa",
    "squeeze_nonzero",
    "verification_scalars",
    "verify_inner_product",
]
