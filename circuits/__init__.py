"""Named statements, declared once and shared by provers and verifiers.

Every circuit is a factory that returns a :mod:`zkmed.hazmat.sigma.dsl` statement;
:mod:`zkmed.proofs.sigma` proves and verifies exactly these statements, so a
statement is written in one place only.  ``REGISTRY`` maps a stable name to
its factory and its Camenisch–Stadler notation:

* ``schnorr``: ``PK{(x): X = x·B}``
* ``dleq``: ``PK{(x): X = x·B ∧ Y = x·H}``
* ``pedersen.opening``: ``PK{(v, r): C = v·G + r·H}``
* ``pedersen.equality``: ``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G' + r2·H'}``
* ``pedersen.vector_opening``: ``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``
* ``pedersen.vector_equality``: ``PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}``
* ``membership.bit``: ``PK{(r): C = r·H ∨ C - G = r·H}``
* ``membership.one_of``: ``PK{(r): ∨_i C - v_i·G = r·H}``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zkmed.circuits import dleq, membership, pedersen, schnorr
from zkmed.errors import MalformedInput
from zkmed.hazmat.sigma.dsl import Statement


@dataclass(frozen=True)
class Circuit:
    """A named statement factory and its notation."""

    name: str
    notation: str
    factory: Callable[..., Statement]

    def __call__(self, *args: object, **kwargs: object) -> Statement:
        return self.factory(*args, **kwargs)


REGISTRY: dict[str, Circuit] = {
    c.name: c
    for c in (
        Circuit("schnorr", schnorr.NOTATION, schnorr.dlog),
        Circuit("dleq", dleq.NOTATION, dleq.dleq),
        Circuit("pedersen.opening", pedersen.OPENING, pedersen.opening),
        Circuit("pedersen.equality", pedersen.EQUALITY, pedersen.equality),
        Circuit("pedersen.vector_opening", pedersen.VECTOR_OPENING, pedersen.vector_opening),
        Circuit("pedersen.vector_equality", pedersen.VECTOR_EQUALITY, pedersen.vector_equality),
        Circuit("membership.bit", membership.BIT, membership.bit),
        Circuit("membership.one_of", membership.ONE_OF, membership.one_of),
    )
}


def get_circuit(name: str) -> Circuit:
    """The circuit called ``name``; MalformedInput for an unknown name."""
    circuit = REGISTRY.get(name) if isinstance(name, str) else None
    if circuit is None:
        raise MalformedInput(f"unknown circuit {name!r}; known: {', '.join(REGISTRY)}")
    return circuit


__all__ = ["REGISTRY", "Circuit", "get_circuit"]
