"""Membership statements for Pedersen commitments, as CDS94 OR proofs (see ``docs/or-proofs.md``).

* bit (ballots: a selection is 0 or 1)::

      PK{(r): C = r·H ∨ C - G = r·H}

* one of a public set ``{v_1, ..., v_k}`` (e.g. a diagnosis code in {E10, E11})::

      PK{(r): C - v_1·G = r·H ∨ ... ∨ C - v_k·G = r·H}

* a consecutive range ``{lo, ..., hi}`` (small-range proofs, ballots ``0..R``)::

      PK{(r): D_0 = r·H ∨ ... ∨ D_R = r·H},   D_i = C - (lo + i)·G

  the same disjunction as ``one_of`` over ``range(lo, hi + 1)``, with each
  shifted commitment ``D_i`` computed up front (one MSM, then one
  subtraction per value) and bound to the branch as a public element.

Each branch is the draft's ``OpensTo(v_i, H, C)`` relation
(draft-irtf-cfrg-sigma-protocols §"Specifying the relation"): the public
value moves to the image as the constant term ``-v_i·G``.  A branch for
``v_i = 0`` is written ``C = r·H``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups.base import Element
from zkmed.hazmat.sigma import templates
from zkmed.hazmat.sigma.dsl import MAX_OR_BRANCHES, AndStatement, DLRep, OrStatement, element, elements, secrets

BIT = "PK{(r): C = r·H ∨ C - G = r·H}"
ONE_OF = "PK{(r): ∨_i C - v_i·G = r·H}"
CONSECUTIVE = "PK{(r): ∨_{i=0..hi-lo} D_i = r·H},  D_i = C - (lo+i)·G"


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


def shifted_commitments(params: PedersenParams, commitment: Element, lo: int, count: int) -> list[Element]:
    """``D_i = C - (lo + i)·G`` for ``i < count``: one MSM for ``D_0``, then one subtraction each."""
    g = params.group
    q = g.order
    if g.eq(params.g, g.generator()):
        first = g.msm([1], [commitment], gen_scalar=-lo % q)
    else:
        first = g.msm([1, -lo % q], [commitment, params.g])
    out = [first]
    for _ in range(count - 1):
        out.append(g.sub(out[-1], params.g))
    return out


def consecutive(params: PedersenParams, commitment: Element, lo: int, hi: int) -> OrStatement:
    """``PK{(r): ∨_i D_i = r·H}`` with ``D_i = C - (lo+i)·G``: membership in ``{lo, ..., hi}``.

    Branch ``i`` is the value ``lo + i``.  MalformedInput unless ``lo`` and
    ``hi`` are integers with ``2 <= hi - lo + 1 <= MAX_OR_BRANCHES``; a
    ``D_i`` equal to the identity (``C = (lo+i)·G``, blinding 0) fails the
    relation's instance validation, also with MalformedInput.
    """
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, hi)):
        raise MalformedInput("membership: the range bounds must be integers")
    if not 2 <= hi - lo + 1 <= MAX_OR_BRANCHES:
        raise MalformedInput(f"membership: a consecutive range needs 2 to {MAX_OR_BRANCHES} values")
    shifted = shifted_commitments(params, commitment, lo, hi - lo + 1)

    def build() -> OrStatement:
        (r,) = secrets("r")
        H = element(params.group, "H", params.h)  # noqa: N806
        return OrStatement(tuple(DLRep(element(params.group, "D", d), r * H) for d in shifted))

    # the structure depends only on the number of values: each branch D_i = r·H over (H, D_i)
    return templates.statement(params.group, ("membership.consecutive", len(shifted)), (params.h, *shifted), build)
