"""Bulletproofs range proofs (Bünz et al., IEEE S&P 2018): the package's public names.

Statement (aggregated, §4.3): for ``V_j = v_j·G + γ_j·H`` (``j < m``) the prover knows
``v_j ∈ [0, 2^n)``, ``n ∈ {8, 16, 32, 64}``.  Protocol, padding, the one-MSM verifier,
batching and the Fiat–Shamir transcript (every ``V_j`` before any prover message:
no Frozen Heart): ``docs/rangeproofs.md``.  Modules: :mod:`.prover`, :mod:`.verifier`,
:mod:`.inner_product`, :mod:`.proof` (wire format, transcript), :mod:`.generators`;
the argument checks are :mod:`zkmed.hazmat.checks`.
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
