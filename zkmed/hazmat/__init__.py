"""Hazardous materials: the low-level building blocks, re-exported in one place.

These are easy to misuse — a relation with a missing public value, a nonce
reused across two proofs, an MSM fed a secret scalar, a transcript that does
not absorb the statement — and each of those breaks soundness or leaks a
secret.  Prefer the recipes of :mod:`zkmed.proofs` (keys, commitments,
membership, ranges and predicates, one calling convention), which validate
everything they are given, and :mod:`zkmed.ledger`.

=================================  ==========================================================
:mod:`zkmed.hazmat.groups`         prime-order groups (P-256, secp256k1, EG4096), secret vs
                                   public operations, fixed bases, hash-to-curve, MSMs
:mod:`zkmed.hazmat.transcript`     the one Fiat–Shamir transcript (IETF duplex sponge)
:mod:`zkmed.hazmat.commitments`    Pedersen parameters and commitments
:mod:`zkmed.hazmat.sigma`          linear relations, NARG strings, OR/AND, the statement DSL,
                                   compiled statements, batch verification
:mod:`zkmed.hazmat.bulletproofs`   the Bulletproofs prover and verifier, inner-product argument
=================================  ==========================================================

Reach for these only to build a new protocol, and then follow
``docs/verification.md``.
"""

from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.groups.hash_to_curve import expand_message_xmd, hash_to_curve, hash_to_field
from zkmed.hazmat.sigma.builder import RelationBuilder
from zkmed.hazmat.sigma.nizk import (
    prover_commitment,
    prover_response,
    simulate_commitment,
    simulate_response,
    verifier,
)
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
