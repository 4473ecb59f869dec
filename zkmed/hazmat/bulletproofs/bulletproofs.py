"""Bulletproofs range proofs (Bünz, Bootle, Boneh, Poelstra, Wuille, Maxwell — IEEE S&P 2018).

Statement (aggregated, §4.3): for Pedersen commitments ``V_j = v_j·G + γ_j·H``
(``j < m``) the prover knows ``v_j ∈ [0, 2^n)`` and ``γ_j``.  ``n ∈ {8,16,32,64}``;
any ``m ≥ 1`` — internally padded to ``m' = 2^⌈log2 m⌉`` with the public values
``v = γ = 0`` (commitment: the identity, which contributes nothing to the MSM).
``N = n·m'``; ``y^N = (1, y, …, y^{N-1})``; ``2^n = (1, 2, …, 2^{n-1})``.

Prover (§4.1, §4.3; equation numbers of the full version, ePrint 2017/1066)::

    a_L = bits of v_0 || … || v_{m'-1},   a_R = a_L − 1^N                  (eq. 36–38)
    A   = α·H + <a_L, G_vec> + <a_R, H_vec>                                 (eq. 44)
    S   = ρ·H + <s_L, G_vec> + <s_R, H_vec>        s_L, s_R random           (eq. 47)
    y, z  ← transcript(A, S)                                                 (eq. 49–50)
    l(X) = (a_L − z·1) + s_L·X
    r(X) = y^N ∘ (a_R + z·1 + s_R·X) + Σ_j z^{2+j}·(0^{jn} || 2^n || 0)      (eq. 70–71)
    t(X) = <l(X), r(X)> = t_0 + t_1·X + t_2·X²
    T_i  = t_i·G + τ_i·H   (i = 1, 2)                                        (eq. 52–53)
    x    ← transcript(T_1, T_2)
    l = l(x), r = r(x), t̂ = <l, r>, τ_x = τ_2·x² + τ_1·x + Σ_j z^{2+j}·γ_j,   μ = α + ρ·x
                                                                             (eq. 58–62, 72)
    w    ← transcript(t̂, τ_x, μ);  Q = w·G;   inner-product argument for
    P = <l, G_vec> + <r, H'> + t̂·Q  with  H'_i = y^{-i}·H_i                  (eq. 63–68, §4.2)

Verifier: with ``δ(y,z) = (z − z²)·<1^N, y^N> − Σ_j z^{3+j}·<1^n, 2^n>`` the checks::

    t̂·G + τ_x·H  ==  Σ_j z^{2+j}·V_j + δ(y,z)·G + x·T_1 + x²·T_2              (eq. 72)
    A + x·S − z·<1, G_vec> + <z·y^N + z·2-blocks, H'> − μ·H + t̂·Q  ==  IPA   (eq. 66–67)

are merged — IPA unrolled via the ``s`` vector (§3.1), the first check
weighted by a random ``c`` — into **one** multi-scalar multiplication of
``2N + 2·log2(N) + m + 6`` points (§6.2).  Batch verification sums those
MSMs with independent random weights drawn only after every proof has been
absorbed, so a batch costs one MSM over the shared ``G_vec, H_vec, G, H``.

Fiat–Shamir (§4.4): one :class:`~zkmed.hazmat.transcript.Transcript` whose instance
holds the protocol tag, the Pedersen parameters and the generators' label,
then — labelled — the caller's context, ``n``, ``m`` and every ``V_j``, before
any prover message (A, S, T1, T2, t̂, τ_x, μ, L_i, R_i).  Omitting V would
allow the "Frozen Heart" forgery (choose V after the challenges); see the tests.

Wire format, sizes and the statement transcript: :mod:`zkmed.hazmat.bulletproofs.proof`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import gmpy2

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens
from zkmed.hazmat.bulletproofs.inner_product import (
    IpaScalars,
    doubling,
    labelled,
    prove_inner_product,
    replay_ipa,
    squeeze_nonzero,
)
from zkmed.hazmat.bulletproofs.proof import (
    MAX_AGGREGATION,
    PROTOCOL_TAG,
    SUPPORTED_BITS,
    RangeProof,
    check_shape,
    commit,
    msm_g,
    padded_count,
    powers,
    proof_items,
    proof_size,
    resolve_params,
    statement_transcript,
)
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element

Rng = Callable[[], int]


# ------------------------------------------------------------------ prover


def prove_aggregated(
    values: Sequence[int],
    blindings: Sequence[Any],
    n: int = 64,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Rng | None = None,
) -> tuple[RangeProof, list[Element]]:
    """Prove ``values[j] ∈ [0, 2^n)`` for ``V_j = values[j]·G + blindings[j]·H``; returns ``(proof, [V_j])``.

    ``rng`` (tests only) replaces ``group.random_scalar``; it is called for
    α, ρ, s_L[0..N), s_R[0..N), τ_1, τ_2 — in that order.
    Raises :class:`ProvingError` for a value outside the range.
    """
    p = resolve_params(params)
    g, q = p.group, p.group.order
    m = len(values)
    check_shape(n, m, ProvingError)
    if len(blindings) != m:
        raise ProvingError("one blinding per value is required")
    vs = []
    for j, v in enumerate(values):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << n:
            raise ProvingError(f"value #{j} is outside the range [0, 2^{n}); refusing to prove", where=f"values[{j}]")
        vs.append(v)
    gammas = [int(b) % q for b in blindings]
    commitments = [commit(v, gm, p) for v, gm in zip(vs, gammas, strict=True)]
    if any(g.is_identity(c) for c in commitments):
        raise ProvingError("a commitment is the identity (value and blinding both zero)")
    rand = rng if rng is not None else g.random_scalar
    mp = padded_count(m)
    big_n = n * mp
    vs += [0] * (mp - m)
    gammas += [0] * (mp - m)
    gens = BulletproofGens.get(g, big_n, gens_label)
    t = statement_transcript(p, gens.label, context, n, commitments)

    a_l = [(vs[i // n] >> (i % n)) & 1 for i in range(big_n)]
    alpha, rho = rand() % q, rand() % q
    s_l = [rand() % q for _ in range(big_n)]
    s_r = [rand() % q for _ in range(big_n)]
    # A = α·H + Σ_{bit=1} G_i − Σ_{bit=0} H_i   (eq. 44 with a_R = a_L − 1)
    ones = g.sum([gens.g_vec[i] for i in range(big_n) if a_l[i]])
    zeros = g.sum([gens.h_vec[i] for i in range(big_n) if not a_l[i]])
    big_a = g.sub(g.add(g.mul(p.h, alpha), ones), zeros)  # α secret: constant-time (fixed-base) mul
    big_s = g.msm([rho, *s_l, *s_r], [p.h, *gens.g_vec, *gens.h_vec])  # eq. 47
    t.append_elements(b"A", g, [big_a])
    t.append_elements(b"S", g, [big_s])
    y = t.challenge_nonzero_scalar(q, b"y")
    z = t.challenge_nonzero_scalar(q, b"z")

    y_pow = powers(y, big_n, q)
    z_blocks = powers(z, mp + 2, q)[2:]  # z^{2+j}
    l0 = [(a_l[i] - z) % q for i in range(big_n)]
    r0 = [(y_pow[i] * (a_l[i] - 1 + z) + z_blocks[i // n] * (1 << (i % n))) % q for i in range(big_n)]
    r1 = [y_pow[i] * s_r[i] % q for i in range(big_n)]
    t1 = (sum(a * b for a, b in zip(l0, r1, strict=True)) + sum(a * b for a, b in zip(s_l, r0, strict=True))) % q
    t2 = sum(a * b for a, b in zip(s_l, r1, strict=True)) % q
    tau1, tau2 = rand() % q, rand() % q
    big_t1 = p.commit(t1, tau1)  # eq. 52–53; secret scalars: constant-time multiplications
    big_t2 = p.commit(t2, tau2)
    t.append_elements(b"T1", g, [big_t1])
    t.append_elements(b"T2", g, [big_t2])
    x = t.challenge_nonzero_scalar(q, b"x")

    l_vec = [(l0[i] + s_l[i] * x) % q for i in range(big_n)]
    r_vec = [(r0[i] + r1[i] * x) % q for i in range(big_n)]
    t_hat = sum(a * b for a, b in zip(l_vec, r_vec, strict=True)) % q
    tau_x = (tau2 * x * x + tau1 * x + sum(zb * gm for zb, gm in zip(z_blocks, gammas, strict=True))) % q
    mu = (alpha + rho * x) % q
    t.append_scalars(b"t_x", g, [t_hat, tau_x, mu])
    w = t.challenge_nonzero_scalar(q, b"w")
    q_point = msm_g(p, w, [], [])
    y_inv = pow(y, -1, q)
    ipa = prove_inner_product(t, g, q_point, gens.g_vec, gens.h_vec, l_vec, r_vec, h_factors=powers(y_inv, big_n, q))
    proof = RangeProof(g, big_a, big_s, big_t1, big_t2, t_hat, tau_x, mu, ipa)
    return proof, commitments


def prove_range(value: int, blinding: Any, n: int = 64, **kwargs: Any) -> tuple[RangeProof, Element]:
    """Single-value proof of ``value ∈ [0, 2^n)``; returns ``(proof, V)``.  Keywords as :func:`prove_aggregated`."""
    proof, (commitment,) = prove_aggregated([value], [blinding], n, **kwargs)
    return proof, commitment


# ------------------------------------------------------------------ verifier


class BatchEntry(NamedTuple):
    """One statement of a batch: ``proof`` for ``commitments`` with ``n`` bits under ``context``."""

    proof: RangeProof
    commitments: Sequence[Element]
    n: int
    context: bytes = b""


@dataclass(frozen=True)
class Challenges:
    """The Fiat–Shamir challenges a verifier replays for one proof (exposed for tests)."""

    y: int
    z: int
    x: int
    w: int
    ipa: IpaScalars


def replay_challenges(
    entry: BatchEntry, params: PedersenParams | None = None, gens_label: bytes = DEFAULT_GENS_LABEL
) -> Challenges:
    """Recompute y, z, x, w and the IPA scalars from the statement and the proof."""
    p = resolve_params(params)
    g = p.group
    proof, commitments, n = entry.proof, list(entry.commitments), entry.n
    check_shape(n, len(commitments), VerificationError)
    if proof.group.name != g.name:
        raise VerificationError(f"proof is for group {proof.group.name}, parameters for {g.name}")
    if any(g.is_identity(c) for c in commitments):
        raise VerificationError("a value commitment is the identity")
    t = statement_transcript(p, gens_label, entry.context, n, commitments)
    enc, q = proof.encoded_elements, g.order
    # the labelled appends between two challenges go in as one absorb (same bytes, same order)
    y = squeeze_nonzero(t, labelled(b"A", enc[0]) + labelled(b"S", enc[1]), b"y", q)
    z = squeeze_nonzero(t, b"", b"z", q)
    x = squeeze_nonzero(t, labelled(b"T1", enc[2]) + labelled(b"T2", enc[3]), b"x", q)
    scalars = g.encode_scalars([proof.t_x, proof.t_x_blinding, proof.e_blinding])
    w = squeeze_nonzero(t, labelled(b"t_x", scalars), b"w", q)
    ipa = replay_ipa(t, g, proof.ipa, n * padded_count(len(commitments)), enc[4:])
    return Challenges(y, z, x, w, ipa)


def _vector_coefficients(
    ch: Challenges, pr: RangeProof, n: int, mp: int, r_w: int, q: int
) -> tuple[list[int], list[int]]:
    """The ``G_i`` and ``H_i`` coefficients of one proof, weighted by ``r_w`` (not reduced: ``(−2q, 2q)``).

    ``r·(a·s_i + z)`` and ``r·(y^{-i}·(b·s_{N-1-i} − z^{2+⌊i/n⌋}·2^{i mod n}) − z)``: every
    product over ``i`` is a product over the bits of ``i``, so three doubling
    recurrences (``N − 1`` products each) replace the per-index products:

    * ``r·a·s_i``: start ``r·a·Π u_j^{-1}``, bit ``p`` → ``u_{k-p}²``
    * ``r·b·s_{N-1-i}·y^{-i}``: start ``r·b·Π u_j``, bit ``p`` → ``u_{k-p}^{-2}·y^{-2^p}``
    * ``r·z^{2+j}·2^t·y^{-i}`` (``i = j·n + t``): start ``r·z²``, bit ``p < log n`` →
      ``(2/y)^{2^p}``, bit ``log n + p'`` → ``(z·y^{-n})^{2^{p'}}``
    """
    u, u_inv, u_sq, u_inv_sq = ch.ipa.u, ch.ipa.u_inv, ch.ipa.u_sq, ch.ipa.u_inv_sq
    k = len(u)
    prod_u = prod_u_inv = 1
    for a, b in zip(u, u_inv, strict=True):
        prod_u = prod_u * a % q
        prod_u_inv = prod_u_inv * b % q
    y_inv = int(gmpy2.invert(ch.y, q))
    y_inv_2p = [y_inv]  # y^{-2^p}
    for _ in range(k - 1):
        y_inv_2p.append(y_inv_2p[-1] * y_inv_2p[-1] % q)
    log_n = n.bit_length() - 1
    two_y = [2 * y_inv % q]  # (2/y)^{2^p}
    for _ in range(log_n - 1):
        two_y.append(two_y[-1] * two_y[-1] % q)
    block = [ch.z * y_inv_2p[log_n] % q] if mp > 1 else []  # (z·y^{-n})^{2^{p'}}
    for _ in range(mp.bit_length() - 2):
        block.append(block[-1] * block[-1] % q)
    # the recurrences run on gmpy2 integers (a 256-bit product mod q is ~3× cheaper than on int);
    # the results go back to int unreduced — every backend's msm reduces its scalars mod q
    mq, mpz = gmpy2.mpz(q), gmpy2.mpz
    ga = doubling(mpz(r_w * pr.ipa.a * prod_u_inv % q), [mpz(f) for f in reversed(u_sq)], mq)
    hb_f = [mpz(u_inv_sq[k - 1 - p] * y_inv_2p[p] % q) for p in range(k)]
    hb = doubling(mpz(r_w * pr.ipa.b * prod_u % q), hb_f, mq)
    hc = doubling(mpz(r_w * ch.z * ch.z % q), [mpz(f) for f in two_y + block], mq)
    rz = mpz(r_w * ch.z % q)
    return [int(v + rz) for v in ga], [int(b - c - rz) for b, c in zip(hb, hc, strict=True)]


def _as_entries(entries: Sequence[BatchEntry | tuple[Any, ...]]) -> list[BatchEntry]:
    out = []
    for e in entries:
        if not isinstance(e, tuple) or not 3 <= len(e) <= 4:
            raise MalformedInput("batch entries are (proof, commitments, n[, context])")
        be = BatchEntry(*e)
        if not isinstance(be.proof, RangeProof):
            raise MalformedInput("batch entry does not hold a RangeProof")
        if not isinstance(be.commitments, (list, tuple)) or any(isinstance(c, (int, bytes)) for c in be.commitments):
            raise MalformedInput("batch entry commitments must be a list of group elements")
        out.append(be)
    return out


def batch_verify(
    entries: Sequence[BatchEntry | tuple[Any, ...]],
    *,
    params: PedersenParams | None = None,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    identify: bool = False,
) -> None:
    """Verify many proofs with **one** MSM (§6.2); raise :class:`VerificationError` if any is bad.

    Phase 1 absorbs every proof into its own transcript and replays all
    challenges; only then (phase 2) are the random weights drawn from the OS
    CSPRNG — per proof ``r_p`` for the IPA equation and ``c_p`` for the t̂
    equation — so no prover can adapt to them.  With ``identify=True`` a
    failing batch is re-checked proof by proof and the error names the first
    bad index (``where="batch[i]"``).
    """
    p = resolve_params(params)
    g, q = p.group, p.group.order
    items = _as_entries(entries)
    if not items:
        raise MalformedInput("batch_verify: nothing to verify")
    chals = []
    for i, e in enumerate(items):  # phase 1: absorb every statement and proof, replay all challenges
        try:
            chals.append(replay_challenges(e, p, gens_label))
        except VerificationError as exc:
            raise VerificationError(f"range proof #{i}: {exc.message}", where=f"batch[{i}]") from exc
    weights = [(g.random_scalar(), g.random_scalar()) for _ in items]  # phase 2: then draw weights
    max_n = max(e.n * padded_count(len(e.commitments)) for e in items)
    gens = BulletproofGens.get(g, max_n, gens_label)
    g_coef: list[int] = []
    h_coef: list[int] = []
    base_g = base_h = 0
    extra_scalars: list[int] = []
    extra_points: list[Element] = []
    for e, ch, (r_w, c_w) in zip(items, chals, weights, strict=True):
        pr, n, m = e.proof, e.n, len(e.commitments)
        mp = padded_count(m)
        big_n = n * mp
        y, z, x, w = ch.y, ch.z, ch.x, ch.w
        a, b = pr.ipa.a, pr.ipa.b
        z_blocks = powers(z, mp + 3, q)
        # <1^N, y^N> = Π_{t<log N} (1 + y^{2^t})
        sum_y, y_sq = 1, y
        for _ in range(big_n.bit_length() - 1):
            sum_y = sum_y * (1 + y_sq) % q
            y_sq = y_sq * y_sq % q
        delta = ((z - z * z) * sum_y - sum(z_blocks[3 : 3 + mp]) * ((1 << n) - 1)) % q
        # Coefficients of the one-MSM check (docs/rangeproofs.md), IPA part weighted by r_w, eq. (72) by c_w:
        #   G_i: r·(a·s_i + z)      H_i: r·(y^{-i}·(b·s_{N-1-i} − z^{2+⌊i/n⌋}·2^{i mod n}) − z)
        #   G: r·w·(a·b − t̂) + c·(t̂ − δ)     H: r·μ + c·τ_x
        #   A: −r  S: −r·x  L_j: −r·u_j²  R_j: −r·u_j^{-2}  V_j: −c·z^{2+j}  T1: −c·x  T2: −c·x²
        g_i, h_i = _vector_coefficients(ch, pr, n, mp, r_w, q)
        if not g_coef:
            g_coef, h_coef = g_i, h_i
        else:  # proofs of different sizes share the generator prefix
            g_coef[:big_n] = [(s + v) % q for s, v in zip(g_coef[:big_n], g_i, strict=True)]
            h_coef[:big_n] = [(s + v) % q for s, v in zip(h_coef[:big_n], h_i, strict=True)]
        g_coef += [0] * (max_n - len(g_coef))
        h_coef += [0] * (max_n - len(h_coef))
        base_g += r_w * w * (a * b - pr.t_x) + c_w * (pr.t_x - delta)
        base_h += r_w * pr.e_blinding + c_w * pr.t_x_blinding
        extra_scalars += [-r_w, -r_w * x, -c_w * x, -c_w * x * x]
        extra_points += [pr.A, pr.S, pr.T1, pr.T2]
        extra_scalars += [-c_w * z_blocks[2 + j] for j in range(m)]
        extra_points += list(e.commitments)
        extra_scalars += [-r_w * u for u in ch.ipa.u_sq] + [-r_w * u for u in ch.ipa.u_inv_sq]
        extra_points += [*pr.ipa.l_vec, *pr.ipa.r_vec]
    scalars = [*g_coef, *h_coef, *(k % q for k in (base_h, *extra_scalars))]
    points = [*gens.g_vec, *gens.h_vec, p.h, *extra_points]
    if g.is_identity(msm_g(p, base_g, scalars, points)):
        return
    if identify and len(items) > 1:
        for i, e in enumerate(items):
            try:
                batch_verify([e], params=p, gens_label=gens_label)
            except VerificationError as exc:
                raise VerificationError(f"range proof #{i} of the batch does not verify", where=f"batch[{i}]") from exc
    raise VerificationError("range proof batch does not verify" if len(items) > 1 else "range proof does not verify")


def verify(
    proof: RangeProof,
    commitments: Sequence[Element],
    n: int = 64,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Check an (aggregated) proof for the list ``commitments`` and ``n`` bits; None or VerificationError."""
    if not isinstance(proof, RangeProof):
        raise MalformedInput("verify: expected a RangeProof")
    if not isinstance(commitments, (list, tuple)):
        raise MalformedInput("verify: commitments must be a list (use verify_range for one commitment)")
    batch_verify([BatchEntry(proof, list(commitments), n, context)], params=params, gens_label=gens_label)


def verify_range(proof: RangeProof, commitment: Element, n: int = 64, **kwargs: Any) -> None:
    """Check a single-value proof from :func:`prove_range`; keywords as :func:`verify`."""
    verify(proof, [commitment], n, **kwargs)


__all__ = [
    "MAX_AGGREGATION",
    "PROTOCOL_TAG",
    "SUPPORTED_BITS",
    "BatchEntry",
    "Challenges",
    "RangeProof",
    "batch_verify",
    "commit",
    "msm_g",
    "padded_count",
    "proof_items",
    "proof_size",
    "prove_aggregated",
    "prove_range",
    "replay_challenges",
    "verify",
    "verify_range",
]
