"""zkmed's public proofs: safe recipes with one calling convention (the layer above :mod:`zkmed.hazmat`).

Every recipe follows one convention::

    prove_X(params, <public statement...>, <witness...>, *, context, rng=None) -> proof
    verify_X(params, <public statement...>, proof, *, context) -> None

``params`` is a :class:`PedersenParams` (a :class:`~zkmed.hazmat.groups.base.Group`
for the key recipes ``dlog``/``dleq``), ``context`` (bytes, required) binds
the proof to its application (election id, record id, ...), every verifier
returns ``None`` or raises :class:`~zkmed.errors.VerificationError`, and every
prover raises :class:`~zkmed.errors.ProvingError` for a false statement.
Every proof has ``to_bytes()`` / ``from_bytes()`` with a format header
(``docs/formats.md``).

=============================  ==================================================
keys and commitments           ``dlog``, ``dleq``, ``opening``, ``equality``,
                               ``bit``, ``membership``, vector commitments
                               (:mod:`zkmed.proofs.sigma`)
ranges and predicates          ``[lo, hi]``, ``>= <= > <`` (Bulletproofs),
                               small ranges (OR proofs), automatic choice
                               (:mod:`zkmed.proofs.ranges`,
                               :mod:`zkmed.proofs.small_range`)
=============================  ==================================================
"""

from zkmed.hazmat.bulletproofs.proof import RangeProof
from zkmed.hazmat.commitments import Blinding, PedersenParams, VectorPedersenParams
from zkmed.proofs.ranges import (
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
from zkmed.proofs.sigma import (
    BitProof,
    DleqProof,
    DlogProof,
    EqualityProof,
    MembershipProof,
    OpeningProof,
    VectorEqualityProof,
    VectorOpeningProof,
    prove_bit,
    prove_dleq,
    prove_dlog,
    prove_equality,
    prove_membership,
    prove_opening,
    prove_vector_equality,
    prove_vector_opening,
    verify_bit,
    verify_dleq,
    verify_dlog,
    verify_equality,
    verify_membership,
    verify_opening,
    verify_vector_equality,
    verify_vector_opening,
)
from zkmed.proofs.small_range import (
    SmallRangeProof,
    prove_in_range,
    prove_small_range,
    verify_in_range,
    verify_small_range,
)

__all__ = [
    # parameters and secrets
    "Blinding", "PedersenParams", "VectorPedersenParams",
    # proof objects (to_bytes / from_bytes with a format header)
    "BitProof", "DleqProof", "DlogProof", "EqualityProof", "MembershipProof", "OpeningProof", "RangeProof",
    "SmallRangeProof", "VectorEqualityProof", "VectorOpeningProof",
    # keys and commitments
    "prove_bit", "prove_dleq", "prove_dlog", "prove_equality", "prove_membership", "prove_opening",
    "prove_vector_equality", "prove_vector_opening",
    "verify_bit", "verify_dleq", "verify_dlog", "verify_equality", "verify_membership", "verify_opening",
    "verify_vector_equality", "verify_vector_opening",
    # ranges and predicates
    "prove_at_least", "prove_at_most", "prove_greater_than", "prove_in_range", "prove_interval", "prove_less_than",
    "prove_predicate", "prove_small_range",
    "verify_at_least", "verify_at_most", "verify_greater_than", "verify_in_range", "verify_interval",
    "verify_less_than", "verify_predicate", "verify_small_range",
]  # fmt: skip
