"""Ballot statements: an exponential-ElGamal ciphertext encrypts a value in ``lo..hi`` (CDS94 OR proofs).

A ciphertext ``(alpha, beta) = (r·G, r·K + v·G)`` under the election key ``K`` encrypts
``v``; for each candidate value ``v`` one branch, the disjunctive Chaum–Pedersen relation
with the public value folded into the bound element ``D_v = beta − v·G``::

    PK{(r): alpha = r·G ∧ D_v = r·K}

and the OR over ``v ∈ {lo, …, hi}``::

    PK{(r): ∨_{v=lo..hi} (alpha = r·G ∧ beta − v·G = r·K)}

used for a selection's range ``0..R`` (R = the contest's ``option_limit``) and for a
contest's homomorphic sum in ``0..L`` (L = its ``selection_limit``, the witness being the
sum of the selections' nonces).  The verifier computes ``lo`` and ``hi`` from the
manifest, never from the proof.  :mod:`zkmed.elections.ballot_proofs` proves these (the
challenge over the OR instance of the bound branches, exactly as
:mod:`zkmed.hazmat.sigma.compose` derives it) and verifies them one by one or in one random
linear combination; ``verify_range_with_compose`` verifies through compose itself.
"""

from __future__ import annotations

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.compiled import Encoded, Value
from zkmed.hazmat.sigma.dsl import MAX_OR_BRANCHES, CompiledOr, DLRep, compile_statement, generator, public, secret

NOTATION = "PK{(r): alpha = r·G ∧ D = r·K},  D = beta - v·G"
RANGE = "PK{(r): ∨_{v=lo..hi} (alpha = r·G ∧ beta - v·G = r·K)}"

_K, _A, _D = public("K", "alpha", "D")
_r = secret("r")
#: one branch ``PK{(r): alpha = r·G ∧ D = r·K}``, witness ``(r,)``; bind ``[K, alpha, D]``
BRANCH = compile_statement(DLRep(_A, _r * generator()) & DLRep(_D, _r * _K))


def disjunction(count: int) -> CompiledOr:
    """The OR of ``count`` copies of :data:`BRANCH` (2 to ``MAX_OR_BRANCHES``)."""
    if not isinstance(count, int) or isinstance(count, bool) or not 2 <= count <= MAX_OR_BRANCHES:
        raise MalformedInput(f"ballot range: an OR needs 2 to {MAX_OR_BRANCHES} values")
    return CompiledOr((BRANCH,) * count)


def range_elements(group: Group, key: Value, alpha: Value, beta: Element, lo: int, hi: int) -> list[list[Value]]:
    """Per value ``v`` of ``lo..hi``, the values ``[K, alpha, beta − v·G]`` its branch binds.

    One multiplication for ``v = lo`` (none for 0), then one subtraction per value; each ``D_v`` is
    bound as an :class:`Encoded` pair, so its canonical bytes are computed once.
    """
    if not (isinstance(lo, int) and isinstance(hi, int)) or not 0 <= lo < hi or hi - lo + 1 > MAX_OR_BRANCHES:
        raise MalformedInput(f"ballot range: invalid range {lo}..{hi}")
    d = beta if lo == 0 else group.sub(beta, group.mul_gen(lo))
    g = group.generator()
    points = [d]
    for _ in range(hi - lo):
        points.append(group.sub(points[-1], g))
    # each D_v is encoded once here: the relations serialize these bytes (prover, verifier and compose alike)
    return [[key, alpha, Encoded(p, group.encode_element(p))] for p in points]
