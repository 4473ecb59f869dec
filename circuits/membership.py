"""Membership statements for Pedersen commitments, as CDS94 OR proofs (see ``docs/or-proofs.md``).

Every branch is one compiled statement, :data:`BRANCH`: ``PK{(r): D = r·H}``,
the draft's ``OpensTo(v, H, C)`` relation (draft-irtf-cfrg-sigma-protocols
§"Specifying the relation") with the public value folded into the bound
element ``D = C - v·G``.  An OR over ``k`` values binds ``k`` copies of it:

* bit (ballots: a selection is 0 or 1)::

      PK{(r): C = r·H ∨ C - G = r·H}

* one of a public set ``{v_1, ..., v_k}`` (e.g. a diagnosis code in {E10, E11})::

      PK{(r): C - v_1·G = r·H ∨ ... ∨ C - v_k·G = r·H}

* a consecutive range ``{lo, ..., hi}`` (small-range proofs, ballots ``0..R``):
  the same disjunction over ``range(lo, hi + 1)``; the shifted commitments
  ``D_i = C - (lo + i)·G`` cost one MSM, then one subtraction per value.

A ``D_i`` at the identity (``C = v_i·G``, blinding 0) fails the relation's
instance validation (check 8) with MalformedInput.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups.base import Element
from zkmed.hazmat.sigma.compiled import Encoded, Value
from zkmed.hazmat.sigma.dsl import MAX_OR_BRANCHES, CompiledOr, DLRep, compile_statement, generator, public, secret

NOTATION = "PK{(r): D = r·H},  D = C - v·G"
BIT = "PK{(r): C = r·H ∨ C - G = r·H}"
ONE_OF = "PK{(r): ∨_i C - v_i·G = r·H}"
CONSECUTIVE = "PK{(r): ∨_{i=0..hi-lo} D_i = r·H},  D_i = C - (lo+i)·G"

_H, _D, _C = public("H", "D", "C")
_r = secret("r")
#: one branch ``PK{(r): D = r·H}``, witness ``(r,)``; bind ``[H, D]``
BRANCH = compile_statement(DLRep(_D, _r * _H))
#: the bit statement ``PK{(r): C = r·H ∨ C - G = r·H}`` with ``G`` in the image (no shifted point to
#: compute or encode); each branch binds ``[H, C]`` (:func:`bit_elements`)
BIT_STATEMENT = compile_statement(DLRep(_C, _r * _H) | DLRep(_C - generator(), _r * _H))


def disjunction(count: int) -> CompiledOr:
    """The OR of ``count`` copies of :data:`BRANCH` (2 to ``MAX_OR_BRANCHES``)."""
    if not isinstance(count, int) or isinstance(count, bool) or not 2 <= count <= MAX_OR_BRANCHES:
        raise MalformedInput(f"membership: an OR needs 2 to {MAX_OR_BRANCHES} values")
    return CompiledOr((BRANCH,) * count)


def canonical_set(params: PedersenParams, allowed: Sequence[int]) -> tuple[int, ...]:
    """The public set reduced mod q, in the given order; 2 to ``MAX_OR_BRANCHES`` distinct values."""
    q = params.group.order
    if isinstance(allowed, (str, bytes)) or not isinstance(allowed, Sequence):
        raise MalformedInput("membership: the public set must be a sequence of integers")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in allowed):
        raise MalformedInput("membership: the public set must be a sequence of integers")
    values = tuple(v % q for v in allowed)
    if not 2 <= len(values) <= MAX_OR_BRANCHES or len(set(values)) != len(values):
        raise MalformedInput(f"membership: the public set needs 2 to {MAX_OR_BRANCHES} distinct values (mod q)")
    return values


def branch_elements(params: PedersenParams, commitment: Element | bytes, values: Sequence[int]) -> list[list[Value]]:
    """Per value ``v``, the values ``[H, C - v·G]`` its branch binds (H as its fixed base; public: variable time).

    ``commitment`` may be the element or its canonical bytes (decoded with full validation).
    """
    g = params.group
    wire = commitment if isinstance(commitment, (bytes, bytearray, memoryview)) else None
    point = g.decode_element(bytes(wire)) if wire is not None else commitment
    shifted: list[Value] = []
    for v in values:  # C itself binds as the caller's bytes when given: no encoding again
        shifted.append((wire or point) if v == 0 else g.sub(point, params.g if v == 1 else g.mul_gen(v)))
    return [[params.h_base, d] for d in shifted]


def bit_elements(params: PedersenParams, commitment: Element | bytes) -> list[list[Value]]:
    """``[H, C]`` for both branches of :data:`BIT_STATEMENT`; ``C`` (element or bytes) is decoded or encoded once."""
    g = params.group
    if isinstance(commitment, (bytes, bytearray, memoryview)):
        data = bytes(commitment)
        c = Encoded(g.decode_element(data), data)
    elif g.is_element(commitment) and not g.is_identity(commitment):
        c = Encoded(commitment, g.encode_element(commitment))
    else:
        raise MalformedInput(f"bit statement: the commitment is not a non-identity {g.name} element")
    return [[params.h_base, c], [params.h_base, c]]


def consecutive_elements(params: PedersenParams, commitment: Element, lo: int, hi: int) -> list[list[Value]]:
    """Per value of ``{lo..hi}``, the elements ``[H, C - v·G]``: one MSM for ``v = lo``, then one subtraction each."""
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, hi)):
        raise MalformedInput("membership: the range bounds must be integers")
    count = hi - lo + 1
    if not 2 <= count <= MAX_OR_BRANCHES:
        raise MalformedInput(f"membership: a consecutive range needs 2 to {MAX_OR_BRANCHES} values")
    g = params.group
    out = [g.msm([1], [commitment], gen_scalar=-lo % g.order)]
    for _ in range(count - 1):
        out.append(g.sub(out[-1], params.g))
    return [[params.h_base, d] for d in out]
