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

are merged (IPA unrolled via ``s``, §3.1; the first check weighted by a random
``c``) into **one** MSM of ``2N + 2·log2(N) + m + 6`` points (§6.2); a batch sums
those with weights drawn after every proof is absorbed: one MSM in all.

Fiat–Shamir (§4.4): the transcript's instance holds the protocol tag, the Pedersen
parameters and the generators' label, then come the context, ``n``, ``m`` and every
``V_j``, before any prover message; omitting V would allow the "Frozen Heart"
forgery.  Full derivation: ``docs/rangeproofs.md``.  Modules: :mod:`.prover`,
:mod:`.verifier`, :mod:`.inner_product`, :mod:`.proof` (wire format, transcript),
:mod:`.checks` (the error rule), :mod:`.generators`; this one gathers their names.
"""

from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens
from zkmed.hazmat.bulletproofs.proof import (
    MAX_AGGREGATION,
    PROTOCOL_TAG,
    SUPPORTED_BITS,
    RangeProof,
    padded_count,
    proof_items,
    proof_size,
)
from zkmed.hazmat.bulletproofs.prover import prove_aggregated, prove_range
from zkmed.hazmat.bulletproofs.verifier import (
    BatchEntry,
    Challenges,
    batch_verify,
    replay_challenges,
    verify_aggregated,
    verify_range,
)

__all__ = [
    "DEFAULT_GENS_LABEL", "MAX_AGGREGATION", "PROTOCOL_TAG", "SUPPORTED_BITS", "BatchEntry", "BulletproofGens",
    "Challenges", "RangeProof", "batch_verify", "padded_count", "proof_items", "proof_size", "prove_aggregated",
    "prove_range", "replay_challenges", "verify_aggregated", "verify_range",
]  # fmt: skip
