"""Range proofs: Bulletproofs (Bünz et al., IEEE S&P 2018), arbitrary intervals, small-range OR proofs.

=============================  ==================================================
:mod:`.bulletproofs`           ``v_j ∈ [0, 2^n)`` for n ∈ {8,16,32,64}, any m, batch
:mod:`.ranges`                 ``v ∈ [lo, hi]`` for any integers; ``≥ ≤ > <``
:mod:`.small_range`            ``v ∈ {lo..hi}`` for tiny ranges (CDS OR proof);
                               ``*_in_range_auto`` picks the cheaper construction
:mod:`.inner_product`          the inner-product argument (§3)
:mod:`.generators`             ``G_i, H_i`` by hash-to-curve from a public label
=============================  ==================================================

Every verifier returns ``None`` or raises :class:`~zkmed.errors.VerificationError`;
provers raise :class:`~zkmed.errors.ProvingError` for a value outside the range.
See ``docs/rangeproofs.md`` for the mathematics, the byte layouts and the
construction of arbitrary intervals.
"""

from zkmed.hazmat.bulletproofs.bulletproofs import (
    MAX_AGGREGATION,
    SUPPORTED_BITS,
    BatchEntry,
    RangeProof,
    batch_verify,
    commit,
    proof_items,
    proof_size,
    prove_aggregated,
    prove_range,
    verify,
    verify_range,
)
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens
from zkmed.proofs.ranges import (
    interval_batch_entry,
    interval_layout,
    predicate_interval,
    prove_at_least,
    prove_at_most,
    prove_greater_than,
    prove_interval,
    prove_less_than,
    prove_predicate,
    verify_at_least,
    verify_at_most,
    verify_greater_than,
    verify_interval,
    verify_less_than,
    verify_predicate,
)
from zkmed.proofs.small_range import (
    OR_MAX_VALUES,
    SmallRangeProof,
    auto_method,
    prove_in_range_auto,
    prove_small_range,
    verify_in_range_auto,
    verify_small_range,
)

__all__ = [
    "DEFAULT_GENS_LABEL",
    "MAX_AGGREGATION",
    "OR_MAX_VALUES",
    "SUPPORTED_BITS",
    "BatchEntry",
    "BulletproofGens",
    "RangeProof",
    "SmallRangeProof",
    "auto_method",
    "batch_verify",
    "commit",
    "interval_batch_entry",
    "interval_layout",
    "predicate_interval",
    "proof_items",
    "proof_size",
    "prove_aggregated",
    "prove_at_least",
    "prove_at_most",
    "prove_greater_than",
    "prove_in_range_auto",
    "prove_interval",
    "prove_less_than",
    "prove_predicate",
    "prove_range",
    "prove_small_range",
    "verify",
    "verify_at_least",
    "verify_at_most",
    "verify_greater_than",
    "verify_in_range_auto",
    "verify_interval",
    "verify_less_than",
    "verify_predicate",
    "verify_range",
    "verify_small_range",
]
