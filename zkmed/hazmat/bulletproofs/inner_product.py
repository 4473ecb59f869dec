"""The Bulletproofs inner-product argument (Bünz et al., S&P 2018, §3, Protocol 2).

Proves knowledge of ``a, b`` with ``P = <a, G'> + <b, H'> + <a, b>·Q`` (§3, eq. 3),
where ``G'_i = g_i·G_i`` and ``H'_i = h_i·H_i`` for public factors.  The verifier
unrolls the ``k`` rounds with ``s_i = Π_j u_j^{±1}`` (+ when bit ``k−j`` of ``i`` is
set; ``s_i^{-1} = s_{n-1-i}``) into one MSM (§3.1, §6.2).  Rounds and the MSM:
``docs/rangeproofs.md`` §"The inner-product argument".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import gmpy2

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.checks import canonical_scalar, element_bytes
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.transcript import Transcript

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

    The factors (the range proof's ``H'_i = y^{-i}·H_i``, eq. 63) are folded into
    the scalars of round one; the folded generators are explicit after it.
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
    """What the verifier needs from an IPA transcript: the challenges ``u_j``, their inverses and squares."""

    u: tuple[int, ...]
    u_inv: tuple[int, ...]
    u_sq: tuple[int, ...]
    u_inv_sq: tuple[int, ...]


def s_vector(sc: IpaScalars, order: int) -> list[int]:
    """``s_i = Π_j u_j^{b(i,j)}`` (§3.1) by doubling: ``s_0 = Π u_j^{-1}``, bit ``p`` of ``i`` multiplies by ``u_{k-p}²``."""
    s0 = 1
    for v in sc.u_inv:
        s0 = s0 * v % order
    return doubling(s0, reversed(sc.u_sq), order)


def doubling(start: int, factors: Iterable[int], order: int) -> list[int]:
    """``v_i = start · Π_{p: bit p of i set} factors[p]`` for ``i < 2^len(factors)``: ``2^k − 1`` products, in index order."""
    out = [start]
    for f in factors:
        out += [v * f % order for v in out]
    return out


def ipa_encodings(group: Group, proof: object, err: type[Exception], rounds: int | None = None) -> list[bytes]:
    """Check an inner-product proof object; the encodings ``L_1, R_1, …, L_k, R_k``.

    ``err`` unless it is an :class:`InnerProductProof` with ``rounds`` (or 1 to
    :data:`MAX_ROUNDS`) valid non-identity ``L`` and ``R`` and scalars ``a, b`` in ``[0, q)``.
    """
    if not isinstance(proof, InnerProductProof):
        raise err("the inner-product argument is not an InnerProductProof")
    l_vec, r_vec = proof.l_vec, proof.r_vec
    if not isinstance(l_vec, (tuple, list)) or not isinstance(r_vec, (tuple, list)):
        raise err("inner-product proof: L and R must be sequences of elements")
    k = len(l_vec)
    if len(r_vec) != k or (k != rounds if rounds is not None else not 1 <= k <= MAX_ROUNDS):
        need = f"{rounds}" if rounds is not None else f"1 to {MAX_ROUNDS}"
        raise err(f"inner-product proof has {k} L and {len(r_vec)} R points, the statement needs {need}")
    canonical_scalar(group, proof.a, "inner-product scalar a", err)
    canonical_scalar(group, proof.b, "inner-product scalar b", err)
    out = []
    for j in range(k):
        out.append(element_bytes(group, l_vec[j], f"inner-product L[{j}]", err))
        out.append(element_bytes(group, r_vec[j], f"inner-product R[{j}]", err))
    return out


def replay_ipa(transcript: Transcript, group: Group, n: int, lr_encoded: Sequence[bytes]) -> IpaScalars:
    """The prover's appends and challenges again (``ipa-n``, then ``L_j``, ``R_j`` → ``u_j``) from checked encodings."""
    q = group.order
    transcript.append_u64(b"ipa-n", n)
    us = []
    for j in range(len(lr_encoded) // 2):
        transcript.append_message(b"L", lr_encoded[2 * j])
        transcript.append_message(b"R", lr_encoded[2 * j + 1])
        us.append(transcript.challenge_nonzero_scalar(q, b"u"))
    u_inv = batch_invert(us, q) if us else []
    return IpaScalars(
        u=tuple(us),
        u_inv=tuple(u_inv),
        u_sq=tuple(u * u % q for u in us),
        u_inv_sq=tuple(v * v % q for v in u_inv),
    )


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
    """Check a stand-alone inner-product proof with one MSM (§3.1); None or VerificationError.

    (The range-proof verifier merges the same terms into its own MSM instead.)
    """
    q = group.order
    n = len(g_vec)
    if n == 0 or n & (n - 1) or len(h_vec) != n:
        raise VerificationError("inner-product statement: generator vectors must have one power-of-two length")
    encoded = ipa_encodings(group, proof, VerificationError, n.bit_length() - 1)
    sc = replay_ipa(transcript, group, n, encoded)
    s = s_vector(sc, q)
    gf = g_factors if g_factors is not None else [1] * n
    hf = h_factors if h_factors is not None else [1] * n
    scalars = [proof.a * s[i] * gf[i] % q for i in range(n)]
    scalars += [proof.b * s[n - 1 - i] * hf[i] % q for i in range(n)]
    scalars += [proof.a * proof.b % q, q - 1]
    scalars += [q - x for x in sc.u_sq] + [q - x for x in sc.u_inv_sq]
    points = [*g_vec, *h_vec, q_point, p_point, *proof.l_vec, *proof.r_vec]
    if not group.is_identity(group.msm(scalars, points)):
        raise VerificationError("inner-product proof does not verify")


__all__ = [
    "InnerProductProof", "IpaScalars", "batch_invert", "doubling", "ipa_encodings", "prove_inner_product",
    "replay_ipa", "s_vector", "verify_inner_product",
]  # fmt: skip
