"""Compiled statements: a statement's validated shape and names, bound per instance (prover and verifier share it).

:func:`zkmed.hazmat.sigma.dsl.compile_statement` produces these once, the way
``re.compile`` produces a pattern; :mod:`zkmed.circuits` keeps them as module
constants.  :class:`Compiled` is an AND statement (one linear relation),
:class:`CompiledOr` a CDS94 disjunction of compiled branches.  ``bind`` runs
checks 7–10 of draft-irtf-cfrg-sigma-protocols §"Instance validation" on the
instance's elements every time; ``prove`` / ``verify`` complete the caller's
tag with the flavor (``CMPT`` for AND, ``CDSOR`` for OR) and the ciphersuite
and run the one prover and verifier of :mod:`zkmed.hazmat.sigma.nizk` /
:mod:`zkmed.hazmat.sigma.compose`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from zkmed.errors import MalformedInput, ProvingError
from zkmed.hazmat.groups.base import Element, FixedBase, Group
from zkmed.hazmat.sigma import compose, nizk
from zkmed.hazmat.sigma.compose import full_tag
from zkmed.hazmat.sigma.nizk import Rng
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.sigma.shape import RelationShape

__all__ = ["MAX_OR_BRANCHES", "Compiled", "CompiledOr", "Encoded", "Value", "witness_vector"]

MAX_OR_BRANCHES = 256
_BYTES = (bytes, bytearray, memoryview)


class Encoded(NamedTuple):
    """An element together with its canonical encoding, e.g. just decoded from these very bytes."""

    point: Element
    encoding: bytes


#: what a compiled statement binds: an element, its canonical bytes, an :class:`Encoded` pair, or a fixed base
Value = Element | bytes | Encoded | FixedBase
_SPECIAL = (bytes, bytearray, memoryview, Encoded, FixedBase)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def witness_vector(names: Sequence[str], witness: Mapping[str, int], q: int) -> list[int] | None:
    """The witness in index order, reduced mod q; None if a name is missing."""
    if not isinstance(witness, Mapping):
        raise ProvingError("statement DSL: the witness must be a mapping name -> int")
    out = []
    for n in names:
        v = witness.get(n)
        if v is None:
            return None
        if not _is_int(v):
            raise ProvingError(f"statement DSL: witness {n!r} must be an integer")
        out.append(v % q)
    return out


@dataclass(frozen=True)
class Compiled:
    """An AND statement compiled once: witness names, public element names, and its validated shape.

    ``elements`` names the instance elements ``elements[1:]`` in index order
    (the generator is index 0); :meth:`bind` takes their values in that order.
    """

    notation: str
    secrets: tuple[str, ...]
    elements: tuple[str, ...]
    shape: RelationShape

    def bind(self, group: Group, values: Sequence[Value]) -> LinearRelation:
        """The relation over ``group`` and ``values`` (checks 7–10); MalformedInput if invalid.

        A value is an element, its canonical encoding (wire bytes: decoded
        with full validation), an :class:`Encoded` pair, or a
        :class:`~zkmed.hazmat.groups.base.FixedBase` of the group.  Bytes, pairs
        and fixed bases are serialized with the encoding the caller holds, so a verifier holding the wire form never encodes
        the statement again; provers multiply fixed bases with their tables.
        """
        if len(values) != len(self.elements):
            raise MalformedInput(f"statement: expected {len(self.elements)} elements ({', '.join(self.elements)})")
        if not any(isinstance(v, _SPECIAL) for v in values):
            return LinearRelation.from_shape(self.shape, group, (group.generator(), *values))
        elements: list[Element] = [group.generator()]
        encoded: list[bytes] = []
        bases: list[FixedBase | None] = [None]
        for v in values:
            base: FixedBase | None = None
            if isinstance(v, _BYTES):
                data = bytes(v)
                point = group.decode_element(data)
            elif isinstance(v, Encoded):
                point, data = v
            elif isinstance(v, FixedBase):
                if v.group is not group:
                    raise MalformedInput(f"statement: a fixed base of {v.group.name}, not {group.name}")
                point, data, base = v.point, v.encoding, v
            else:
                point, data = v, group.encode_element(v)
            elements.append(point)
            encoded.append(data)
            bases.append(base)
        return LinearRelation.from_shape(self.shape, group, elements, encoded, bases)

    def prove(
        self, group: Group, values: Sequence[Value], witness: Mapping[str, int], tag: bytes, rng: Rng | None = None
    ) -> tuple[int, list[int]]:
        """``(challenge, responses)`` of the compact NARG string; ProvingError for a false witness."""
        try:
            relation = self.bind(group, values)
        except MalformedInput as exc:
            raise ProvingError(f"cannot prove an invalid statement: {exc.message}") from exc
        vector = witness_vector(self.secrets, witness, group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: the witness must give {', '.join(self.secrets)}")
        return nizk.prove_compact_scalars(full_tag(tag, b"CMPT", group), relation, vector, rng)

    def verify(
        self, group: Group, values: Sequence[Value], tag: bytes, challenge: int, responses: Sequence[int]
    ) -> None:
        """Verify ``(challenge, responses)``; VerificationError (MalformedInput for an invalid statement)."""
        nizk.verify_compact_scalars(full_tag(tag, b"CMPT", group), self.bind(group, values), challenge, responses)


@dataclass(frozen=True)
class CompiledOr:
    """A CDS94 disjunction of compiled branches (independent name spaces), bound per instance."""

    branches: tuple[Compiled, ...]

    def __post_init__(self) -> None:
        if not 2 <= len(self.branches) <= MAX_OR_BRANCHES:
            raise MalformedInput(f"statement DSL: an OR needs 2 to {MAX_OR_BRANCHES} branches")

    @property
    def notation(self) -> str:
        return " ∨ ".join(f"({b.notation})" for b in self.branches)

    def bind(self, group: Group, values: Sequence[Sequence[Value]]) -> list[LinearRelation]:
        if len(values) != len(self.branches):
            raise MalformedInput(f"statement: expected elements for {len(self.branches)} branches")
        return [b.bind(group, v) for b, v in zip(self.branches, values, strict=True)]

    def prove(
        self,
        group: Group,
        values: Sequence[Sequence[Value]],
        branch: int,
        witness: Mapping[str, int],
        tag: bytes,
        rng: Rng | None = None,
    ) -> list[int]:
        """The proof's scalars ``c, c_0..c_{k-2}, s_0..s_{k-1}`` (compose's layout) for the true ``branch``."""
        try:
            relations = self.bind(group, values)
        except MalformedInput as exc:
            raise ProvingError(f"cannot prove an invalid statement: {exc.message}") from exc
        if not _is_int(branch) or not 0 <= branch < len(self.branches):
            raise ProvingError("statement DSL: the branch index is out of range")
        vector = witness_vector(self.branches[branch].secrets, witness, group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: branch {branch} needs {', '.join(self.branches[branch].secrets)}")
        return compose.prove_or_scalars(full_tag(tag, b"CDSOR", group), relations, branch, vector, rng)

    def verify(self, group: Group, values: Sequence[Sequence[Value]], tag: bytes, scalars: Sequence[int]) -> None:
        compose.verify_or_scalars(full_tag(tag, b"CDSOR", group), self.bind(group, values), scalars)
