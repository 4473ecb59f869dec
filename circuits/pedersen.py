"""Statements about Pedersen commitments (Pedersen, CRYPTO '91); see :mod:`zkmed.hazmat.commitments`.

* opening (Okamoto, CRYPTO '92): ``PK{(v, r): C = v·G + r·H}`` — the draft's
  ``PedersenOpening(H, C)``;
* equality: ``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G' + r2·H'}`` (one
  ``v`` shared by both equations; ``G' = G``, ``H' = H`` when the parameters agree);
* vector opening: ``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``;
* vector equality: ``PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}``.
"""

from __future__ import annotations

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups.base import Element
from zkmed.hazmat.sigma.dsl import AndStatement, DLRep, Expr, Point, Scalar, element, elements, secrets

OPENING = "PK{(v, r): C = v·G + r·H}"
EQUALITY = "PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G' + r2·H'}"
VECTOR_OPENING = "PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}"
VECTOR_EQUALITY = "PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}"


def _same_params(a: PedersenParams | VectorPedersenParams, b: PedersenParams | VectorPedersenParams) -> bool:
    if a is b:
        return True
    g = a.group
    if g.name != b.group.name or type(a) is not type(b):
        return False
    if isinstance(a, VectorPedersenParams) and isinstance(b, VectorPedersenParams):
        return a.size == b.size and g.eq(a.h, b.h) and all(g.eq(x, y) for x, y in zip(a.gs, b.gs, strict=True))
    return g.eq(a.h, b.h) and g.eq(a.g, b.g)  # type: ignore[union-attr]


def opening(params: PedersenParams, commitment: Element) -> AndStatement:
    """``PK{(v, r): C = v·G + r·H}``, witness order ``(v, r)``."""
    v, r = secrets("v", "r")
    G = element(params.group, "G", params.g)  # noqa: N806
    H, C = elements(params.group, H=params.h, C=commitment)  # noqa: N806
    return DLRep(C, v * G + r * H)


def equality(params1: PedersenParams, c1: Element, params2: PedersenParams, c2: Element) -> AndStatement:
    """``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G' + r2·H'}``, witness order ``(v, r1, r2)``."""
    if params1.group.name != params2.group.name:
        raise MalformedInput("equality of commitments: both parameters must be over one group")
    v, r1, r2 = secrets("v", "r1", "r2")
    group = params1.group
    G, H = element(group, "G", params1.g), element(group, "H", params1.h)  # noqa: N806
    if _same_params(params1, params2):
        G2, H2 = G, H  # noqa: N806
    else:
        G2, H2 = element(group, "G'", params2.g), element(group, "H'", params2.h)  # noqa: N806
    C1, C2 = elements(group, C1=c1, C2=c2)  # noqa: N806
    return DLRep(C1, v * G + r1 * H) & DLRep(C2, v * G2 + r2 * H2)


def _vector_bases(params: VectorPedersenParams, prime: str) -> tuple[Point, list[Point]]:
    h = element(params.group, "H" + prime, params.h)
    return h, [element(params.group, f"G{prime}_{i + 1}", g) for i, g in enumerate(params.gs)]


def _vector_rhs(h: Point, gs: list[Point], r: Scalar, values: list[Scalar]) -> Expr:
    expr = r * h
    for v, g in zip(values, gs, strict=True):
        expr = expr + v * g
    return expr


def vector_opening(params: VectorPedersenParams, commitment: Element) -> AndStatement:
    """``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``, witness order ``(v_1, ..., v_n, r)``."""
    *values, r = secrets(*[f"v_{i + 1}" for i in range(params.size)], "r")
    h, gs = _vector_bases(params, "")
    C = element(params.group, "C", commitment)  # noqa: N806
    return DLRep(C, _vector_rhs(h, gs, r, values))


def vector_equality(
    params1: VectorPedersenParams, c1: Element, params2: VectorPedersenParams, c2: Element
) -> AndStatement:
    """Two vector commitments hold the same vector; witness order ``(v_1, ..., v_n, r1, r2)``."""
    if params1.group.name != params2.group.name or params1.size != params2.size:
        raise MalformedInput("vector equality: parameters must share the group and the size")
    *values, r1, r2 = secrets(*[f"v_{i + 1}" for i in range(params1.size)], "r1", "r2")
    h1, gs1 = _vector_bases(params1, "")
    h2, gs2 = (h1, gs1) if _same_params(params1, params2) else _vector_bases(params2, "'")
    C1, C2 = elements(params1.group, C1=c1, C2=c2)  # noqa: N806
    return DLRep(C1, _vector_rhs(h1, gs1, r1, values)) & DLRep(C2, _vector_rhs(h2, gs2, r2, values))
