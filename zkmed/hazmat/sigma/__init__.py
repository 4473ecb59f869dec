"""Sigma protocols for linear relations (draft-irtf-cfrg-sigma-protocols), Fiat–Shamir compiled.

Byte-level entry points: :func:`verify_nizk` and :func:`prove_nizk`.  Relations
are built with :class:`RelationBuilder` or deserialized with
:meth:`LinearRelation.deserialize`; :mod:`zkmed.hazmat.sigma.nizk` has the
interactive protocol and the simulator, :mod:`zkmed.hazmat.sigma.batch` batch
verification.
"""

from zkmed.hazmat.sigma.batch import batch_verify
from zkmed.hazmat.sigma.builder import ElementVar, RelationBuilder, ScalarVar
from zkmed.hazmat.sigma.ciphersuites import (
    CIPHERSUITES,
    DEFAULT_CIPHERSUITE,
    FLAVORS,
    Ciphersuite,
    get_ciphersuite,
    prove_nizk,
    verify_nizk,
)
from zkmed.hazmat.sigma.nizk import (
    BatchableProof,
    CompactProof,
    ProverState,
    derive_challenge,
    prove_batchable,
    prove_compact,
    prover_commitment,
    prover_response,
    simulate_commitment,
    simulate_response,
    verifier,
    verify_batchable,
    verify_compact,
)
from zkmed.hazmat.sigma.relation import Equation, LinearRelation, RelationShape

__all__ = [
    "CIPHERSUITES",
    "DEFAULT_CIPHERSUITE",
    "FLAVORS",
    "BatchableProof",
    "Ciphersuite",
    "CompactProof",
    "ElementVar",
    "Equation",
    "LinearRelation",
    "RelationShape",
    "ProverState",
    "RelationBuilder",
    "ScalarVar",
    "batch_verify",
    "derive_challenge",
    "get_ciphersuite",
    "prove_batchable",
    "prove_compact",
    "prove_nizk",
    "prover_commitment",
    "prover_response",
    "simulate_commitment",
    "simulate_response",
    "verifier",
    "verify_batchable",
    "verify_compact",
    "verify_nizk",
]
