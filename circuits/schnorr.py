"""Schnorr proof of knowledge of a discrete logarithm (Schnorr, J. Cryptology 1991; RFC 8235).

``PK{(x): X = x·B}`` where ``B`` is the generator ``G`` unless another base is given.
Compiles (draft-irtf-cfrg-sigma-protocols §"Linear map") to ``elements = [G, X]``,
``equations = [Equation(image=[(1, 1)], terms=[(0, 0, 1)])]`` for ``B = G``, and to
``elements = [G, B, X]`` with another base.
"""

from __future__ import annotations

from zkmed.hazmat.sigma.dsl import DLRep, compile_statement, generator, public, secret

NOTATION = "PK{(x): X = x·B}"

_x = secret("x")
_B, _X = public("B", "X")

#: ``PK{(x): X = x·G}``; bind with ``[X]``
DLOG = compile_statement(DLRep(_X, _x * generator()))
#: ``PK{(x): X = x·B}``; bind with ``[B, X]``
DLOG_BASE = compile_statement(DLRep(_X, _x * _B))
