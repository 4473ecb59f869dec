"""Hazardous materials: the low-level building blocks, re-exported in one place.

These are easy to misuse — a relation with a missing public value, a nonce
reused across two proofs, an MSM fed a secret scalar, a transcript that does
not absorb the statement — and each of those breaks soundness or leaks a
secret.  Prefer the recipes, which validate everything they are given:

* proofs about commitments and keys: :mod:`zkmed.proofs.sigma`
* range proofs and predicates: :mod:`zkmed.proofs`
* the ledger: :mod:`zkmed.ledger`

Reach for this module only to build a new protocol, and then follow
``docs/verification.md``.
"""

from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.groups.hash_to_curve import expand_message_xmd, hash_to_curve, hash_to_field
from zkmed.hazmat.sigma.nizk import (
    prover_commitment,
    prover_response,
    simulate_commitment,
    simulate_response,
    verifier,
)
from zkmed.hazmat.sigma.builder import RelationBuilder
from zkmed.hazmat.sigma.relation import Equation, LinearRelation
from zkmed.hazmat.transcript import DuplexSponge, Transcript, derive_session_id

__all__ = [
    "DuplexSponge",
    "Element",
    "Equation",
    "Group",
    "LinearRelation",
    "RelationBuilder",
    "Transcript",
    "derive_session_id",
    "expand_message_xmd",
    "hash_to_curve",
    "hash_to_field",
    "prover_commitment",
    "prover_response",
    "simulate_commitment",
    "simulate_response",
    "verifier",
]
