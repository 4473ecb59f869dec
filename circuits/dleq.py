"""Chaum–Pedersen proof of equality of discrete logarithms (Chaum and Pedersen, CRYPTO '92).

``PK{(x): X = x·B ∧ Y = x·H}`` (``B = G`` unless given).  With ``B = G`` this is
the draft's ``ChaumPedersen(H, X, Y)`` relation (draft-irtf-cfrg-sigma-protocols
§"Specifying the relation"): ``elements = [G, H, X, Y]``, two equations.
"""

from __future__ import annotations

from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.dsl import AndStatement, DLRep, element, elements, generator, secrets

NOTATION = "PK{(x): X = x·B ∧ Y = x·H}"


def dleq(group: Group, public: Element, h: Element, y: Element, base: Element | None = None) -> AndStatement:
    """``PK{(x): X = x·B ∧ Y = x·H}``, witness order ``(x,)``."""
    (x,) = secrets("x")
    B = generator(group) if base is None else element(group, "B", base)  # noqa: N806
    H, X, Y = elements(group, H=h, X=public, Y=y)  # noqa: N806
    return DLRep(X, x * B) & DLRep(Y, x * H)
