"""A Camenisch–Stadler style statement DSL compiled to linear relations and OR statements.

Statements are written with Python operators, in the notation of Camenisch
and Stadler ("Efficient group signature schemes for large groups",
CRYPTO '97) and of draft-irtf-cfrg-sigma-protocols §"Specifying the relation"::

    x, r = secrets("x", "r")
    G = generator(group)
    C, H, Y, G2 = elements(group, C=c, H=h, Y=y, G2=g2)
    stmt = DLRep(C, x * G + r * H) & DLRep(Y, x * G2)     # PK{(x, r): C = x·G + r·H ∧ Y = x·G2}
    proof = stmt.prove(b"my-app-v1", {"x": x_value, "r": r_value})
    stmt.verify(b"my-app-v1", proof)                     # None, or raises VerificationError

* A term is ``coeff * secret * Point``, ``coeff * Point`` (a constant) or a
  sum of those; ``secret * (A + B)`` distributes; coefficients are Python
  ints, reduced mod ``q`` at compile time; constants may stand on either side.
* ``&`` is AND: equations are concatenated and **names are shared** (one
  secret or element per name, as the draft prescribes for AND composition).
* ``|`` is OR (CDS94, :mod:`zkmed.hazmat.sigma.compose`); each branch is an AND of
  equations, branches are independent name spaces; ``(a | b) & c`` is
  distributed into ``(a & c) | (b & c)``.
* Compilation follows the draft: scalar and element indices in declaration
  order (the order :func:`secrets` / :func:`elements` created them), the
  generator at index 0 (any point equal to it), terms with a secret go to the
  right-hand side and constants to the image, negated when they cross sides.
* The term algebra (:class:`Scalar`, :class:`Point`, :class:`Expr`,
  :func:`secrets`, :func:`elements`, :func:`generator`, ...) lives in
  :mod:`zkmed.hazmat.sigma.dsl_terms` and is re-exported here.

Proofs: an AND statement is proven with the draft's compact NARG
(:func:`zkmed.hazmat.sigma.nizk.prove_compact`), an OR statement with the compact
CDS94 proof of :func:`zkmed.hazmat.sigma.compose.prove_or`.  The caller's
application tag is completed as the draft requires (§"Tag and session
identifier")::

    tag || "-" || flavor || "-with-" || ciphersuite_id      flavor: CMPT (AND) | CDSOR (OR)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, overload

from zkmed.errors import MalformedInput, ProvingError
from zkmed.hazmat.groups.base import Group
from zkmed.hazmat.sigma import compose, nizk
from zkmed.hazmat.sigma.compose import full_tag
from zkmed.hazmat.sigma.dsl_terms import (
    Expr,
    Point,
    Scalar,
    _as_expr,
    _is_int,
    element,
    elements,
    generator,
    secret,
    secrets,
)
from zkmed.hazmat.sigma.relation import Equation, LinearRelation
from zkmed.hazmat.sigma.shape import RelationShape, relation_shape

__all__ = [
    "AndStatement", "DLRep", "Expr", "OrStatement", "Point", "Scalar", "Statement",
    "element", "elements", "generator", "secret", "secrets",
]  # fmt: skip

MAX_OR_BRANCHES = 256


# ---------------------------------------------------------------------------
# statements


class Statement(ABC):
    """A statement to prove knowledge of; compose with ``&`` (AND) and ``|`` (OR)."""

    group: Group

    @abstractmethod
    def prove(self, tag: bytes, witness: Mapping[str, int]) -> bytes:
        """Proof bytes; ProvingError if ``witness`` (name -> int, reduced mod q) does not satisfy the statement."""

    @abstractmethod
    def verify(self, tag: bytes, proof: bytes) -> None:
        """Return None or raise VerificationError (MalformedInput for a bad tag or an invalid statement)."""

    @abstractmethod
    def describe(self) -> str:
        """The statement in Camenisch–Stadler notation, e.g. ``PK{(x): X = x·G}``."""

    @abstractmethod
    def _branches(self) -> tuple[AndStatement, ...]: ...

    def validate(self) -> None:
        """Compile every branch now: MalformedInput unless the draft's instance validation passes."""
        for branch in self._branches():
            branch.compile()

    def __and__(self, other: Statement) -> Statement:
        if not isinstance(other, Statement):
            raise MalformedInput("statement DSL: '&' needs two statements")
        combos = [a._concat(b) for a in self._branches() for b in other._branches()]
        return combos[0] if len(combos) == 1 else OrStatement(tuple(combos))

    def __or__(self, other: Statement) -> OrStatement:
        if not isinstance(other, Statement):
            raise MalformedInput("statement DSL: '|' needs two statements")
        return OrStatement(self._branches() + other._branches())

    def __repr__(self) -> str:
        return self.describe()


def _witness_vector(names: Sequence[str], witness: Mapping[str, int], q: int) -> list[int] | None:
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


TEMPLATE_MAX_TERMS = 4096
TEMPLATE_CACHE_SIZE = 256
_TemplateKey = tuple[Any, tuple[str, ...], tuple[str, ...], tuple[bool, ...]]


def _build_template(g: Group, key: _TemplateKey) -> RelationShape:
    """Compile a statement shape (see ``AndStatement._compile``) to a validated relation shape.

    Follows the draft: scalar and element indices in declaration order, the
    generator (and every element equal to it) at index 0, secret terms on the
    right-hand side and constants in the image, negated when they cross sides.
    """
    q = g.order
    key_eqs, names, point_names, mask = key
    s_index = {n: i for i, n in enumerate(names)}
    e_index: dict[str, int] = {}
    following = 1
    for name, is_gen in zip(point_names, mask, strict=True):
        e_index[name] = 0 if is_gen else following
        following += not is_gen
    equations = []
    for lhs, rhs in key_eqs:
        sides = ((lhs, -1), (rhs, 1))  # secret terms end up on the right, constants on the left
        image = [(e_index[p], (-c * sgn) % q) for side, sgn in sides for c, v, p in side if v is None]
        terms = [(s_index[v], e_index[p], (c * sgn) % q) for side, sgn in sides for c, v, p in side if v is not None]
        equations.append(Equation(tuple(image), tuple(terms)))
    return relation_shape(g, tuple(equations), 1 + mask.count(False))


_template = lru_cache(maxsize=TEMPLATE_CACHE_SIZE)(_build_template)


class AndStatement(Statement):
    """A conjunction of equations ``lhs = rhs`` (one linear relation)."""

    __slots__ = ("equations", "group", "_compiled")

    def __init__(self, equations: tuple[tuple[Expr, Expr], ...]) -> None:
        points = [p for lhs, rhs in equations for _, _, p in lhs.terms + rhs.terms]
        if not equations or not points:
            raise MalformedInput("statement DSL: a statement needs at least one equation")
        self.group = points[0].group
        if any(p.group.name != self.group.name for p in points):
            raise MalformedInput("statement DSL: all elements of a statement must be over one group")
        self.equations = equations
        self._compiled: tuple[LinearRelation, tuple[str, ...]] | None = None

    def _branches(self) -> tuple[AndStatement, ...]:
        return (self,)

    @overload
    def __and__(self, other: AndStatement) -> AndStatement: ...
    @overload
    def __and__(self, other: Statement) -> Statement: ...
    def __and__(self, other: Statement) -> Statement:
        return super().__and__(other)

    def _concat(self, other: AndStatement) -> AndStatement:
        return AndStatement(self.equations + other.equations)

    def compile(self) -> tuple[LinearRelation, tuple[str, ...]]:
        """The :class:`LinearRelation` and the secret names in witness order (cached)."""
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled

    def relation(self) -> LinearRelation:
        return self.compile()[0]

    def _compile(self) -> tuple[LinearRelation, tuple[str, ...]]:
        """Compile via a cached template of the statement's shape; the instance checks run every time.

        The template key is everything the compiled equations depend on: the
        terms (coefficients, secret and element names, in order), the
        declaration order of secrets and elements, and which elements equal the
        generator (they take index 0).  The template holds the equations and
        their validated :class:`~zkmed.hazmat.sigma.shape.RelationShape`; checks 7–10
        run on this instance's elements in ``LinearRelation._from_shape``.
        """
        g = self.group
        by_name: dict[str, Point] = {}
        scalar_seq: dict[str, int] = {}
        key_eqs = []
        count = 0
        for lhs, rhs in self.equations:
            sides = []
            for side in (lhs.terms, rhs.terms):
                row: list[tuple[int, str | None, str]] = []
                for c, v, p in side:
                    seen = by_name.setdefault(p.name, p)
                    if seen is not p:
                        if not g.eq(seen.value, p.value):
                            raise MalformedInput(f"statement DSL: name {p.name!r} is bound to two different elements")
                        if p.seq < seen.seq:
                            by_name[p.name] = p
                    if v is None:
                        row.append((c, None, p.name))
                    else:
                        row.append((c, v[0], p.name))
                        scalar_seq[v[0]] = min(v[1], scalar_seq.get(v[0], v[1]))
                sides.append(tuple(row))
                count += len(row)
            key_eqs.append(tuple(sides))
        names = tuple(sorted(scalar_seq, key=scalar_seq.__getitem__))
        points = sorted(by_name.values(), key=lambda p: p.seq)
        gen = g.generator()
        mask = []
        for p in points:
            try:
                mask.append(p.value is gen or g.eq(p.value, gen))
            except Exception as exc:
                raise MalformedInput(f"statement DSL: {p.name!r} is not a {g.name} element") from exc
        key = (tuple(key_eqs), names, tuple(p.name for p in points), tuple(mask))
        shape = _template(g, key) if count <= TEMPLATE_MAX_TERMS else _build_template(g, key)
        values = (gen, *[p.value for p, m in zip(points, mask, strict=True) if not m])
        return LinearRelation._from_shape(shape, values), names

    def secret_names(self) -> tuple[str, ...]:
        return self.compile()[1]

    def prove(self, tag: bytes, witness: Mapping[str, int]) -> bytes:
        relation, names = self.compile()
        vector = _witness_vector(names, witness, self.group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: the witness must give {', '.join(names)}")
        return nizk.prove_compact(full_tag(tag, b"CMPT", self.group), relation, vector)

    def verify(self, tag: bytes, proof: bytes) -> None:
        nizk.verify_compact(full_tag(tag, b"CMPT", self.group), self.relation(), proof)

    def _body(self) -> str:
        return " ∧ ".join(f"{lhs!r} = {rhs!r}" for lhs, rhs in self.equations)

    def describe(self) -> str:
        return f"PK{{({', '.join(self.secret_names())}): {self._body()}}}"


class OrStatement(Statement):
    """A CDS94 disjunction of :class:`AndStatement` branches (independent name spaces)."""

    __slots__ = ("branches", "group")

    def __init__(self, branches: tuple[AndStatement, ...]) -> None:
        if not 2 <= len(branches) <= MAX_OR_BRANCHES:
            raise MalformedInput(f"statement DSL: an OR needs 2 to {MAX_OR_BRANCHES} branches")
        self.group = branches[0].group
        if any(b.group.name != self.group.name for b in branches):
            raise MalformedInput("statement DSL: all OR branches must be over one group")
        self.branches = branches

    def _branches(self) -> tuple[AndStatement, ...]:
        return self.branches

    def relations(self) -> list[LinearRelation]:
        return [b.relation() for b in self.branches]

    def find_branch(self, witness: Mapping[str, int]) -> int:
        """The first branch ``witness`` satisfies (every branch is evaluated); ProvingError if none."""
        q, g = self.group.order, self.group
        found = []
        for b in self.branches:  # same work per branch: no early exit
            relation, names = b.compile()
            vector = _witness_vector(names, witness, q)
            mapped = compose._map_secret(relation, vector or [0] * len(names))
            ok = all(g.eq(a, y) for a, y in zip(mapped, relation.image(), strict=True))
            found.append(int(ok and vector is not None))
        if not any(found):
            raise ProvingError("statement DSL: the witness satisfies no branch of the OR")
        return found.index(1)

    def prove(self, tag: bytes, witness: Mapping[str, int], *, branch: int | None = None) -> bytes:
        """Prove the OR; ``branch`` names the true branch (found from the witness when omitted)."""
        real = self.find_branch(witness) if branch is None else branch
        if not _is_int(real) or not 0 <= real < len(self.branches):
            raise ProvingError("statement DSL: the branch index is out of range")
        relation, names = self.branches[real].compile()
        vector = _witness_vector(names, witness, self.group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: branch {real} needs {', '.join(names)}")
        return compose.prove_or(full_tag(tag, b"CDSOR", self.group), self.relations(), real, vector)

    def verify(self, tag: bytes, proof: bytes) -> None:
        compose.verify_or(full_tag(tag, b"CDSOR", self.group), self.relations(), proof)

    def describe(self) -> str:
        names = list(dict.fromkeys(n for b in self.branches for n in b.secret_names()))
        return f"PK{{({', '.join(names)}): {' ∨ '.join(f'({b._body()})' for b in self.branches)}}}"


def DLRep(lhs: Point | Expr, rhs: Point | Expr) -> AndStatement:  # noqa: N802 - Camenisch–Stadler name
    """The equation ``lhs = rhs`` between two linear combinations (a discrete-log representation)."""
    return AndStatement(((_as_expr(lhs), _as_expr(rhs)),))
