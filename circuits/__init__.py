"""Named statements, declared once and shared by provers and verifiers (installed as ``zkmed.circuits``).

Every circuit is compiled once, at import, into an immutable
:class:`~zkmed.hazmat.sigma.dsl.Compiled` (or :class:`~zkmed.hazmat.sigma.dsl.CompiledOr`)
module constant; statements whose shape depends on a size (vectors,
disjunctions over a set) are compiled for the size asked.
:mod:`zkmed.proofs` proves and verifies exactly these statements, so a
statement is written in one place only.  ``REGISTRY`` maps a stable name to
its notation and to a function returning the compiled statement:

* ``schnorr``: ``PK{(x): X = x·B}``
* ``dleq``: ``PK{(x): X = x·B ∧ Y = x·H}``
* ``pedersen.opening``: ``PK{(v, r): C = v·G + r·H}``
* ``pedersen.equality``: ``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G + r2·H'}``
* ``pedersen.vector_opening``: ``PK{(v_1..v_n, r): C = r·H + Σ v_i·G_i}``
* ``pedersen.vector_equality``: ``PK{(v_1..v_n, r1, r2): C1 = r1·H + Σ v_i·G_i ∧ C2 = r2·H' + Σ v_i·G'_i}``
* ``membership.bit``: ``PK{(r): C = r·H ∨ C - G = r·H}``
* ``membership.one_of``: ``PK{(r): ∨_i C - v_i·G = r·H}``
* ``ballot.range``: ``PK{(r): ∨_{v=lo..hi} (alpha = r·G ∧ beta - v·G = r·K)}`` (ElGamal ciphertext in a range)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zkmed.circuits import ballot, dleq, membership, pedersen, schnorr
from zkmed.errors import MalformedInput
from zkmed.hazmat.sigma.dsl import Compiled, CompiledOr


@dataclass(frozen=True)
class Circuit:
    """A named statement: its notation and the function that returns it compiled."""

    name: str
    notation: str
    compiled: Callable[..., Compiled | CompiledOr]

    def __call__(self, *args: int | bool) -> Compiled | CompiledOr:
        return self.compiled(*args)


REGISTRY: dict[str, Circuit] = {
    c.name: c
    for c in (
        Circuit("schnorr", schnorr.NOTATION, lambda: schnorr.DLOG),
        Circuit("dleq", dleq.NOTATION, lambda: dleq.DLEQ),
        Circuit("pedersen.opening", pedersen.OPENING_NOTATION, lambda: pedersen.OPENING),
        Circuit("pedersen.equality", pedersen.EQUALITY_NOTATION, lambda: pedersen.EQUALITY),
        Circuit("pedersen.vector_opening", pedersen.VECTOR_OPENING_NOTATION, pedersen.vector_opening),
        Circuit("pedersen.vector_equality", pedersen.VECTOR_EQUALITY_NOTATION, pedersen.vector_equality),
        Circuit("membership.bit", membership.BIT, lambda: membership.BIT_STATEMENT),
        Circuit("membership.one_of", membership.ONE_OF, membership.disjunction),
        Circuit("ballot.range", ballot.RANGE, ballot.disjunction),
    )
}


def get_circuit(name: str) -> Circuit:
    """The circuit called ``name``; MalformedInput for an unknown name."""
    circuit = REGISTRY.get(name) if isinstance(name, str) else None
    if circuit is None:
        raise MalformedInput(f"unknown circuit {name!r}; known: {', '.join(REGISTRY)}")
    return circuit


__all__ = ["REGISTRY", "Circuit", "get_circuit"]
