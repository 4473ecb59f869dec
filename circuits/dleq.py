"""Chaum–Pedersen proof of equality of discrete logarithms (Chaum and Pedersen, CRYPTO '92).

``PK{(x): X = x·B ∧ Y = x·H}`` (``B = G`` unless given).  With ``B = G`` this is
the draft's ``ChaumPedersen(H, X, Y)`` relation (draft-irtf-cfrg-sigma-protocols
§"Specifying the relation"): ``elements = [G, H, X, Y]``, two equations.
"""

from __future__ import annotations

from zkmed.hazmat.sigma.dsl import DLRep, compile_statement, generator, public, secret

NOTATION = "PK{(x): X = x·B ∧ Y = x·H}"

_x = secret("x")
_B, _H, _X, _Y = public("B", "H", "X", "Y")

#: ``PK{(x): X = x·G ∧ Y = x·H}``; bind with ``[H, X, Y]``
DLEQ = compile_statement(DLRep(_X, _x * generator()) & DLRep(_Y, _x * _H))
#: ``PK{(x): X = x·B ∧ Y = x·H}``; bind with ``[B, H, X, Y]``
DLEQ_BASE = compile_statement(DLRep(_X, _x * _B) & DLRep(_Y, _x * _H))
