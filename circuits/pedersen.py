"""Statements about Pedersen commitments (Pedersen, CRYPTO '91); see :mod:`zkmed.hazmat.commitments`.

* opening (Okamoto, CRYPTO '92): ``PK{(v, r): C = v·G + r·H}`` — the draft's
  ``PedersenOpening(H, C)``; bind with ``[H, C]``;
* equality: ``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G + r2·H'}`` (one ``v``
  shared by both equations); :data:`EQUALITY` binds ``[H, C1, C2]`` (one set of
  parameters), :data:`EQUALITY_2` binds ``[H, H', C1, C2]``;
* vector opening: ``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``, bind ``[H, G_1..G_n, C]``;
* vector equality: ``PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}``.

``G`` is the group generator (every :class:`~zkmed.hazmat.commitments.PedersenParams`
uses it).  The vector statements depend on ``n`` and are compiled by
:func:`vector_opening` / :func:`vector_equality` for the size asked.
"""

from __future__ import annotations

from zkmed.errors import MalformedInput
from zkmed.hazmat.sigma.dsl import (
    AndStatement,
    Compiled,
    DLRep,
    Expr,
    Point,
    Scalar,
    compile_statement,
    generator,
    public,
    secrets,
)

OPENING_NOTATION = "PK{(v, r): C = v·G + r·H}"
EQUALITY_NOTATION = "PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G + r2·H'}"
VECTOR_OPENING_NOTATION = "PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}"
VECTOR_EQUALITY_NOTATION = "PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}"
MAX_VECTOR = 1024

_G = generator()
_v, _r, _r1, _r2 = secrets("v", "r", "r1", "r2")
_H, _H2, _C, _C1, _C2 = public("H", "H'", "C", "C1", "C2")

#: ``PK{(v, r): C = v·G + r·H}``, witness ``(v, r)``
OPENING = compile_statement(DLRep(_C, _v * _G + _r * _H))
#: equality under one set of parameters, witness ``(v, r1, r2)``
EQUALITY = compile_statement(DLRep(_C1, _v * _G + _r1 * _H) & DLRep(_C2, _v * _G + _r2 * _H))
#: equality under two sets of parameters ``(G, H)`` and ``(G, H')``
EQUALITY_2 = compile_statement(DLRep(_C1, _v * _G + _r1 * _H) & DLRep(_C2, _v * _G + _r2 * _H2))


def _rhs(h: Point, gs: list[Point], r: Scalar, values: tuple[Scalar, ...]) -> Expr:
    expr = r * h
    for v, g in zip(values, gs, strict=True):
        expr = expr + v * g
    return expr


def _check_size(size: int) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_VECTOR:
        raise MalformedInput(f"vector statement: the size must be an integer in [1, {MAX_VECTOR}]")


def vector_opening(size: int) -> Compiled:
    """``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``, witness ``(v_1..v_n, r)``; bind ``[H, G_1..G_n, C]``."""
    _check_size(size)
    *values, r = secrets(*[f"v_{i + 1}" for i in range(size)], "r")
    h, *gs = public("H", *[f"G_{i + 1}" for i in range(size)])
    (c,) = public("C")
    return compile_statement(DLRep(c, _rhs(h, gs, r, tuple(values))))


def vector_equality(size: int, same_params: bool) -> Compiled:
    """Two vector commitments hold one vector, witness ``(v_1..v_n, r1, r2)``.

    Bind ``[H, G_1..G_n, C1, C2]`` (``same_params``) or ``[H, G_1..G_n, H', G'_1..G'_n, C1, C2]``.
    """
    _check_size(size)
    *values, r1, r2 = secrets(*[f"v_{i + 1}" for i in range(size)], "r1", "r2")
    h1, *gs1 = public("H", *[f"G_{i + 1}" for i in range(size)])
    h2, gs2 = h1, gs1
    if not same_params:
        h2, *gs2 = public("H'", *[f"G'_{i + 1}" for i in range(size)])
    c1, c2 = public("C1", "C2")
    stmt: AndStatement = DLRep(c1, _rhs(h1, gs1, r1, tuple(values))) & DLRep(c2, _rhs(h2, gs2, r2, tuple(values)))
    return compile_statement(stmt)
