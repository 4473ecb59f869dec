"""Membership statements for Pedersen commitments, as CDS94 OR proofs (see ``docs/or-proofs.md``).

* bit (ballots: a selection is 0 or 1)::

      PK{(r): C = r·H ∨ C - G = r·H}

* one of a public set ``{v_1, ..., v_k}`` (e.g. a diagnosis code in {E10, E11})::

      PK{(r): C - v_1·G = r·H ∨ ... ∨ C - v_k·G = r·H}

Each branch is the draft's ``OpensTo(v_i, H, C)`` relation
(draft-irtf-cfrg-sigma-protocols §"Specifying the relation"): the public
value moves to the image as the constant term ``-v_i·G``.  A branch for
``v_i = 0`` is written ``C = r·H``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkmed.commitments import PedersenParams
from zkmed.errors import MalformedInput
from zkmed.groups.base import Element
from zkmed.sigma.dsl import AndStatement, DLRep, OrStatement, element, elements, secrets

BIT = "PK{(r): C = r·H ∨ C - G = r·H}"
ONE_OF = "PK{(r): ∨_i C - v_i·G = r·H}"


def canonical_set(params: PedersenParams, allowed: Sequence[int]) -> tuple[int, ...]:
    """The public set reduced mod q, in the given order; at least two distinct values."""
    q = params.group.order
    if isinstance(allowed, (str, bytes)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in allowed):
        raise MalformedInput("membership: the public set must be a sequence of integers")
    values = tuple(v % q for v in allowed)
    if len(values) < 2 or len(set(values)) != len(values):
        raise MalformedInput("membership: the public set needs at least two distinct values (mod q)")
    return values


def _branch(params: PedersenParams, commitment: Element, value: int) -> AndStatement:
    (r,) = secrets("r")
    G = element(params.group, "G", params.g)  # noqa: N806
    H, C = elements(params.group, H=params.h, C=commitment)  # noqa: N806
    return DLRep(C, r * H) if value == 0 else DLRep(C - value * G, r * H)


def one_of(params: PedersenParams, commitment: Element, allowed: Sequence[int]) -> OrStatement:
    """``PK{(r): ∨_i C - v_i·G = r·H}``; branch ``i`` is the ``i``-th value of the set."""
    return OrStatement(tuple(_branch(params, commitment, v) for v in canonical_set(params, allowed)))


def bit(params: PedersenParams, commitment: Element) -> OrStatement:
    """``PK{(r): C = r·H ∨ C - G = r·H}``: branch 0 for a 0 bit, branch 1 for a 1 bit."""
    return one_of(params, commitment, (0, 1))
