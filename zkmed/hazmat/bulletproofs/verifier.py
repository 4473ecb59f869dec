"""The Bulletproofs range-proof verifier: one MSM per proof, one MSM per batch (Bünz et al. 2018, §4.2, §6.2).

The equations are in :mod:`zkmed.hazmat.bulletproofs.bulletproofs`, the
recurrences of the single MSM in :func:`_vector_coefficients`.  Every proof
object and commitment is checked field by field first (:meth:`~.proof.RangeProof.encodings`),
as the wire decoder would; errors follow :mod:`.checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import gmpy2

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens
from zkmed.hazmat.bulletproofs.inner_product import IpaScalars, doubling, replay_ipa
from zkmed.hazmat.bulletproofs.proof import (
    RangeProof,
    check_shape,
    msm_g,
    padded_count,
    powers,
    statement_transcript,
)
from zkmed.hazmat.checks import (
    element_bytes,
    require_bytes,
    require_elements,
    require_int,
    require_params,
)
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group


class BatchEntry(NamedTuple):
    """One statement of a batch, in the order of :func:`verify_aggregated`'s arguments."""

    commitments: Sequence[Element]
    n: int
    proof: RangeProof
    context: bytes


@dataclass(frozen=True)
class Challenges:
    """The Fiat–Shamir challenges a verifier replays for one proof (exposed for tests)."""

    y: int
    z: int
    x: int
    w: int
    ipa: IpaScalars


def _entry(group: Group, e: Any, where: str) -> BatchEntry:
    """The argument types of one entry (MalformedInput)."""
    if not isinstance(e, tuple) or len(e) != 4:
        raise MalformedInput(f"{where}: batch entries are (commitments, n, proof, context)")
    commitments, n, proof, context = e
    if not isinstance(proof, RangeProof):
        raise MalformedInput(f"{where}: expected a RangeProof, got {type(proof).__name__}")
    return BatchEntry(
        require_elements(group, commitments, f"{where} commitments"),
        require_int(n, f"{where} n"),
        proof,
        require_bytes(context, f"{where} context"),
    )


def replay_challenges(
    params: PedersenParams, entry: BatchEntry, *, gens_label: bytes = DEFAULT_GENS_LABEL
) -> Challenges:
    """Check the statement and the proof object (VerificationError), then recompute y, z, x, w and the IPA scalars."""
    p = require_params(params)
    g, q = p.group, p.group.order
    e = _entry(g, entry, "range proof")
    commitments, n, proof = e.commitments, e.n, e.proof
    check_shape(n, len(commitments), VerificationError)
    v_enc = [element_bytes(g, c, f"value commitment[{i}]", VerificationError) for i, c in enumerate(commitments)]
    points, lr = proof.encodings(g, VerificationError)
    big_n = n * padded_count(len(commitments))
    if len(lr) != 2 * (big_n.bit_length() - 1):
        raise VerificationError(f"the proof has {len(lr) // 2} inner-product rounds, the statement needs log2({big_n})")
    t = statement_transcript(p, require_bytes(gens_label, "gens_label"), e.context, n, v_enc)
    t.append_message(b"A", points[0])
    t.append_message(b"S", points[1])
    y = t.challenge_nonzero_scalar(q, b"y")
    z = t.challenge_nonzero_scalar(q, b"z")
    t.append_message(b"T1", points[2])
    t.append_message(b"T2", points[3])
    x = t.challenge_nonzero_scalar(q, b"x")
    t.append_scalars(b"t_x", g, [proof.t_x, proof.t_x_blinding, proof.e_blinding])
    w = t.challenge_nonzero_scalar(q, b"w")
    return Challenges(y, z, x, w, replay_ipa(t, g, big_n, lr))


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


def batch_verify(
    params: PedersenParams,
    entries: Sequence[BatchEntry | tuple[Any, ...]],
    *,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    identify: bool = False,
) -> None:
    """Verify many proofs with **one** MSM (§6.2); raise :class:`VerificationError` if any is bad.

    Phase 1 checks every statement and proof and replays all challenges; only
    then (phase 2) are the weights drawn from the OS CSPRNG (per proof ``r_p`` for
    the IPA equation, ``c_p`` for the t̂ equation), so no prover can adapt to them.
    ``identify=True`` re-checks a failing batch proof by proof (``where="batch[i]"``).
    """
    p = require_params(params)
    g, q = p.group, p.group.order
    if not isinstance(entries, (list, tuple)) or not entries:
        raise MalformedInput("batch_verify: expected a non-empty list of entries")
    items = [_entry(g, e, f"batch[{i}]") for i, e in enumerate(entries)]
    chals = []
    for i, e in enumerate(items):  # phase 1: absorb every statement and proof, replay all challenges
        try:
            chals.append(replay_challenges(p, e, gens_label=gens_label))
        except VerificationError as exc:
            if len(items) == 1:
                raise
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
                batch_verify(p, [e], gens_label=gens_label)
            except VerificationError as exc:
                raise VerificationError(f"range proof #{i} of the batch does not verify", where=f"batch[{i}]") from exc
    raise VerificationError("range proof batch does not verify" if len(items) > 1 else "range proof does not verify")


def verify_aggregated(
    params: PedersenParams,
    commitments: Sequence[Element],
    n: int,
    proof: RangeProof,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Check an (aggregated) proof for the list ``commitments`` and ``n`` bits; None or VerificationError."""
    batch_verify(params, [BatchEntry(commitments, n, proof, context)], gens_label=gens_label)


def verify_range(
    params: PedersenParams,
    commitment: Element,
    n: int,
    proof: RangeProof,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Check a single-value proof from :func:`~.prover.prove_range`; None or VerificationError."""
    verify_aggregated(params, [commitment], n, proof, context=context, gens_label=gens_label)


__all__ = [
    "BatchEntry", "Challenges", "batch_verify", "replay_challenges", "verify_aggregated", "verify_range",
]  # fmt: skip
