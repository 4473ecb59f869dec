"""Recipe fast path: a circuit's compiled shape, learned once from its DSL declaration.

A recipe proves one statement of :mod:`zkmed.circuits`; for given public inputs the
compiled relation depends only on the circuit (and its structural arguments,
e.g. a membership set), the group, and which inputs equal the generator (the
DSL puts those at element index 0).  :func:`instantiate` therefore compiles the
circuit's statement through the DSL the first time per
``(group, circuit key, generator mask)`` and remembers, per branch, the
validated :class:`~zkmed.hazmat.sigma.shape.RelationShape`, where each instance
element comes from among the inputs, and the witness names.  Later calls skip
the DSL and build each relation with ``LinearRelation._from_shape``, which
still runs checks 7–10 of §"Instance validation" on the new elements (checks
1–6 are the shape's, validated when it was learned), so a cached path accepts
exactly what the DSL path accepts.

The element map is learned by object identity: every instance element of the
compiled relation must be exactly one of the inputs.  If two inputs are the
same object the map is ambiguous and nothing is cached (that call and any
later one with the same key fall back to the DSL).  The cache is a bounded LRU
keyed on the group object and immutable data only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, TypeVar

from zkmed.encoding import u32
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma import compose, nizk
from zkmed.hazmat.sigma.dsl import OrStatement, Statement, _witness_vector
from zkmed.hazmat.sigma.relation import LinearRelation, _gen_multiple
from zkmed.hazmat.sigma.shape import RelationShape

__all__ = ["Compiled", "cache_clear", "instantiate", "recipe_tag", "statement", "suite_tag"]

TEMPLATE_CACHE_SIZE = 256
S = TypeVar("S", bound=Statement)

_Branch = tuple[RelationShape, tuple[int, ...], tuple[str, ...]]
_Template = tuple[bool, tuple[_Branch, ...]]
_cache: OrderedDict[Hashable, _Template] = OrderedDict()
_FIELDS: dict[type, tuple[str, ...]] = {}  # proof class -> its response fields (after group, challenge)


@lru_cache(maxsize=1024)
def suite_tag(tag: bytes, flavor: bytes, group: Group) -> bytes:
    """:func:`~zkmed.hazmat.sigma.compose.full_tag`, memoized (a pure function of immutable bytes and the group)."""
    return compose.full_tag(tag, flavor, group)


@dataclass(frozen=True, slots=True)
class Compiled:
    """The validated relations of a circuit instance (one per OR branch) and their witness names."""

    group: Group
    relations: tuple[LinearRelation, ...]
    names: tuple[tuple[str, ...], ...]
    is_or: bool

    def prove_and(self, tag: bytes, witness: Mapping[str, int], *, check_witness: bool = True) -> tuple[int, list[int]]:
        """``(challenge, response)`` of the compact NARG string ``AndStatement.prove`` would serialize."""
        names = self.names[0]
        vector = _witness_vector(names, witness, self.group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: the witness must give {', '.join(names)}")
        full = suite_tag(bytes(tag), b"CMPT", self.group)
        return nizk._prove_compact_scalars(full, self.relations[0], vector, None, check_witness)

    def prove_or(self, tag: bytes, witness: Mapping[str, int], branch: int) -> bytes:
        """The proof bytes ``OrStatement.prove(tag, witness, branch=branch)`` returns."""
        return self.group.encode_scalars(self.prove_or_scalars(tag, witness, branch))

    def prove_or_scalars(self, tag: bytes, witness: Mapping[str, int], branch: int) -> list[int]:
        """:meth:`prove_or` before serialization: ``c, c_0..c_{k-2}, s_0..s_{k-1}`` (compose's layout)."""
        if not isinstance(branch, int) or isinstance(branch, bool) or not 0 <= branch < len(self.relations):
            raise ProvingError("statement DSL: the branch index is out of range")
        vector = _witness_vector(self.names[branch], witness, self.group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: branch {branch} needs {', '.join(self.names[branch])}")
        full = suite_tag(bytes(tag), b"CDSOR", self.group)
        return compose._prove_scalars(full, self.relations, self.group, branch, vector, None)

    def verify(self, tag: bytes, proof: Any) -> None:
        """``Statement.verify(tag, proof.to_bytes())`` for a recipe proof object (fields: group, scalars...).

        The proof reaches the verifier as its scalars, without the byte round
        trip; they are checked as ``to_bytes`` would (integers in ``[0, q)``)
        and, for an OR, counted as the parser would.
        """
        names = _FIELDS.get(type(proof))
        if names is None:
            names = _FIELDS[type(proof)] = tuple(f.name for f in fields(proof)[2:])
        if self.is_or:
            scalars = [proof.challenge]
            for name in names:
                value = getattr(proof, name)
                if isinstance(value, tuple):
                    scalars.extend(value)
                else:
                    scalars.append(value)
            q = self.group.order
            if not all(isinstance(k, int) and 0 <= k < q for k in scalars):
                raise VerificationError("OR proof rejected: scalar out of range [0, q)")
            rels = self.relations
            if len(scalars) != len(rels) + sum(r.num_scalars for r in rels):
                raise VerificationError("OR proof rejected: wrong number of scalars for this statement")
            compose._verify_scalars(suite_tag(bytes(tag), b"CDSOR", self.group), rels, self.group, scalars)
            return
        full = suite_tag(bytes(tag), b"CMPT", self.group)
        nizk._verify_compact_scalars(full, self.relations[0], proof.challenge, [getattr(proof, n) for n in names])


def _mask(group: Group, inputs: Sequence[Element], gen: Element) -> tuple[bool, ...]:
    try:
        return tuple(p is gen or group.eq(p, gen) for p in inputs)
    except Exception as exc:  # foreign objects, as in the DSL's compile
        raise MalformedInput(f"statement DSL: the statement's elements are not {group.name} elements") from exc


def instantiate(
    group: Group, circuit: Hashable, inputs: tuple[Element, ...], build: Callable[[], Statement]
) -> Compiled:
    """The relations of ``build()`` (a circuit over ``inputs``); MalformedInput if the instance is invalid.

    ``circuit`` must determine, together with the group and the generator
    mask of ``inputs``, the statement's structure (names, coefficients and the
    positions of the inputs); ``build`` must declare its statement over
    exactly these input objects.
    """
    gen = group.generator()
    key = (group, circuit, _mask(group, inputs, gen))
    template = _cache.get(key)
    if template is None:
        return _learn(key, group, inputs, build)
    try:
        _cache.move_to_end(key)
    except KeyError:  # evicted by another thread meanwhile
        pass
    is_or, branches = template
    relations = tuple(
        LinearRelation._from_shape(shape, (gen, *[inputs[i] for i in where])) for shape, where, _ in branches
    )
    return Compiled(group, relations, tuple(b[2] for b in branches), is_or)


def _learn(key: Hashable, group: Group, inputs: tuple[Element, ...], build: Callable[[], Statement]) -> Compiled:
    stmt = build()
    if stmt.group is not group:
        raise MalformedInput("recipe: the circuit's statement is over another group")
    compiled = [b.compile() for b in stmt._branches()]  # full validation through the DSL
    is_or = isinstance(stmt, OrStatement)
    learned: list[_Branch] = []
    for relation, names in compiled:
        where = []
        for el in relation.elements[1:]:
            hits = [i for i, p in enumerate(inputs) if p is el]
            if len(hits) != 1:  # ambiguous (or foreign) element: do not cache
                break
            where.append(hits[0])
        else:
            learned.append((relation._shape, tuple(where), names))
            continue
        break
    else:
        _cache[key] = (is_or, tuple(learned))
        while len(_cache) > TEMPLATE_CACHE_SIZE:
            _cache.popitem(last=False)
    return Compiled(group, tuple(r for r, _ in compiled), tuple(n for _, n in compiled), is_or)


def statement(group: Group, circuit: Hashable, inputs: tuple[Element, ...], build: Callable[[], S]) -> S:
    """``build()`` (a circuit's statement over ``inputs``) with its branches already compiled where a template fits.

    For circuits that must return a :class:`~zkmed.hazmat.sigma.dsl.Statement`: the
    DSL objects are built as usual, but each branch's relation comes from the
    cached template (:func:`instantiate`'s contract for ``circuit`` and
    ``inputs``), so ``relations()`` / ``prove`` / ``verify`` skip compilation.
    Compilation stays lazy where it fails: an invalid instance raises
    MalformedInput when the statement is compiled, exactly as without the
    template.
    """
    stmt = build()
    try:
        gen = group.generator()
        key = (group, circuit, _mask(group, inputs, gen))
    except MalformedInput:
        return stmt
    template = _cache.get(key)
    branches = stmt._branches()
    if template is None:
        if stmt.group is group:
            try:
                _learn(key, group, inputs, lambda: stmt)
            except MalformedInput:
                pass  # the DSL raises it again when the statement is compiled
        return stmt
    is_or, learned = template
    if len(learned) != len(branches) or is_or != isinstance(stmt, OrStatement):
        return stmt
    try:
        relations = [
            LinearRelation._from_shape(shape, (gen, *[inputs[i] for i in where])) for shape, where, _ in learned
        ]
    except MalformedInput:
        return stmt
    for branch, relation, (_, _, names) in zip(branches, relations, learned, strict=True):
        branch._compiled = (relation, names)
    return stmt


def cache_clear() -> None:
    """Forget every learned template (tests)."""
    _cache.clear()
    suite_tag.cache_clear()
    _gen_multiple.cache_clear()


# ---------------------------------------------------------------------------
# shared by zkmed.proofs.sigma


def recipe_tag(recipe: str, context: bytes) -> bytes:
    """``"zkmed/v1/" || recipe || "/" || u32be(len(context)) || context``."""
    if not isinstance(context, (bytes, bytearray)):
        raise MalformedInput("recipe: the context must be bytes")
    return b"zkmed/v1/" + recipe.encode() + b"/" + u32(len(context)) + bytes(context)


@contextmanager
def _verifying(what: str) -> Iterator[None]:
    """Everything that goes wrong while verifying is a VerificationError (the statement is input too)."""
    try:
        yield
    except VerificationError:
        raise
    except MalformedInput as exc:
        raise VerificationError(f"{what} rejected: {exc.message}") from exc


def _check_proof(name: str, group: Group, proof: Any, kind: type) -> None:
    if type(proof) is not kind:
        raise VerificationError(f"{name} proof: expected a {kind.__name__}")
    typed: Any = proof
    if typed.group.order != group.order:
        raise VerificationError(f"{name} proof: made for another group")


# The recipes' fast path: ``factory(*args)`` (the circuit) is compiled through
# the DSL once per (group, name, key, generator mask of ``inputs``); later instances reuse its
# validated shape and still pass checks 7-10.  ``key`` is what else the statement's structure depends on.
Fast = tuple[Group, tuple, tuple, Callable[..., Statement], tuple]  # group, key, inputs, factory, args


def _compiled(name: str, fast: Fast) -> Compiled:
    group, key, inputs, factory, args = fast
    return instantiate(group, (name, *key), inputs, lambda: factory(*args))


def _prove_fast(name: str, context: bytes, fast: Fast) -> tuple[bytes, Compiled]:
    """The recipe tag and the instance to prove; an invalid statement is a ProvingError (as ``recipes._prove``)."""
    tag = recipe_tag(name, context)
    try:
        return tag, _compiled(name, fast)
    except MalformedInput as exc:
        raise ProvingError(f"{name}: cannot prove an invalid statement: {exc.message}") from exc


def _verify_fast(name: str, context: bytes, fast: Fast, proof: Any, kind: type) -> None:
    """``recipes._verify`` through the fast path; AND proofs reach the verifier as scalars (no byte round trip)."""
    with _verifying(f"{name} proof"):
        _check_proof(name, fast[0], proof, kind)
        _compiled(name, fast).verify(recipe_tag(name, context), proof)
