"""Schnorr proof of knowledge of a discrete logarithm (Schnorr, J. Cryptology 1991; RFC 8235).

``PK{(x): X = x·B}`` where ``B`` is the generator ``G`` unless another base is given.
Compiles (draft-irtf-cfrg-sigma-protocols §"Linear map") to ``elements = [G, X]``,
``equations = [Equation(image=[(1, 1)], terms=[(0, 0, 1)])]`` for ``B = G``.
"""

from __future__ import annotations

from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.dsl import AndStatement, DLRep, element, elements, generator, secrets

NOTATION = "PK{(x): X = x·B}"


def dlog(group: Group, public: Element, base: Element | None = None) -> AndStatement:
    """``PK{(x): X = x·B}``, witness order ``(x,)``."""
    (x,) = secrets("x")
    B = generator(group) if base is None else element(group, "B", base)  # noqa: N806
    (X,) = elements(group, X=public)  # noqa: N806
    return DLRep(X, x * B)
