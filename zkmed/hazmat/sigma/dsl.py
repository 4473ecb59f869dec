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

Statements can also be **compiled once** and bound per instance, the way
``re.compile`` is used: declare the public elements symbolically and compile
the statement into an immutable :class:`Compiled` (or :class:`CompiledOr`)
object that prover and verifier share::

    x = secret("x")
    X = public("X")[0]
    DLOG = compile_statement(DLRep(X, x * generator()))     # a module constant
    relation = DLOG.bind(group, [x_point])                  # checks 7-10 of the draft, per instance

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
from typing import overload

from zkmed.errors import MalformedInput, ProvingError
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma import compose, nizk
from zkmed.hazmat.sigma.compiled import MAX_OR_BRANCHES, Compiled, CompiledOr, witness_vector
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
    public,
    secret,
    secrets,
)
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.sigma.shape import Equation, RelationShape

__all__ = [
    "AndStatement", "Compiled", "CompiledOr", "DLRep", "Expr", "OrStatement", "Point", "Scalar", "Statement",
    "compile_statement", "element", "elements", "generator", "public", "secret", "secrets",
]  # fmt: skip


def _compile_and(stmt: AndStatement, modulus: int | None) -> tuple[Compiled, tuple[Element, ...] | None]:
    """Compile an AND statement; also the element values in index order when every element is bound.

    Follows the draft: scalar and element indices in declaration order, the
    generator (and, for bound statements, every element equal to it) at index
    0, secret terms on the right-hand side and constants in the image,
    negated when they cross sides.  Coefficients are reduced mod ``modulus``
    when it is given (bound statements), else kept as integers.
    """
    by_name: dict[str, Point] = {}
    for lhs, rhs in stmt.equations:
        for _, _, p in lhs.terms + rhs.terms:
            seen = by_name.setdefault(p.name, p)
            if seen is p:
                continue
            if (seen.value is None) != (p.value is None) or seen.is_generator != p.is_generator:
                raise MalformedInput(f"statement DSL: name {p.name!r} is bound to two different elements")
            if seen.group is not None and not seen.group.eq(seen.value, p.value):
                raise MalformedInput(f"statement DSL: name {p.name!r} is bound to two different elements")
            if p.seq < seen.seq:
                by_name[p.name] = p
    points = sorted(by_name.values(), key=lambda p: p.seq)
    index: dict[str, int] = {}
    values: list[Element] = []
    for p in points:
        if p.is_generator or (p.group is not None and _is_generator(p)):
            index[p.name] = 0
        else:
            index[p.name] = len(values) + 1
            values.append(p.value)
    names = stmt.secret_names()
    s_index = {n: i for i, n in enumerate(names)}

    def red(c: int) -> int:
        return c % modulus if modulus is not None else c

    equations = []
    for lhs, rhs in stmt.equations:
        sides = ((lhs.terms, -1), (rhs.terms, 1))  # secret terms end up on the right, constants on the left
        image = [(index[p.name], red(-c * sgn)) for side, sgn in sides for c, v, p in side if v is None]
        terms = [(s_index[v[0]], index[p.name], red(c * sgn)) for side, sgn in sides for c, v, p in side if v]
        equations.append(Equation(tuple(image), tuple(terms)))
    shape = RelationShape(tuple(equations), 1 + len(values), modulus)
    elements = tuple(p.name for p in points if index[p.name])
    bound = None if any(v is None for v in values) else tuple(values)
    return Compiled(stmt.describe(), names, elements, shape), bound


def _is_generator(p: Point) -> bool:
    g = p.group
    if g is None:
        return False
    try:
        gen = g.generator()
        return p.value is gen or g.eq(p.value, gen)
    except Exception as exc:  # a foreign object bound to the name
        raise MalformedInput(f"statement DSL: {p.name!r} is not a {g.name} element") from exc


@overload
def compile_statement(stmt: AndStatement) -> Compiled: ...
@overload
def compile_statement(stmt: OrStatement) -> CompiledOr: ...
def compile_statement(stmt: Statement) -> Compiled | CompiledOr:
    """Compile ``stmt`` once into an immutable object that binds instances (checks 1–6 run here).

    Coefficients stay integers, so the result binds over any group whose
    order exceeds the shape's bound; elements bound to values in ``stmt``
    are ignored (pass the values to ``bind``).
    """
    if isinstance(stmt, AndStatement):
        return _compile_and(stmt, None)[0]
    if isinstance(stmt, OrStatement):
        return CompiledOr(tuple(_compile_and(b, None)[0] for b in stmt.branches))
    raise MalformedInput("statement DSL: expected a statement")


# ---------------------------------------------------------------------------
# statements


class Statement(ABC):
    """A statement to prove knowledge of; compose with ``&`` (AND) and ``|`` (OR)."""

    group: Group | None

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


def _common_group(groups: Sequence[Group | None], what: str) -> Group | None:
    bound = [g for g in groups if g is not None]
    if any(g.name != bound[0].name for g in bound):
        raise MalformedInput(f"statement DSL: all {what} must be over one group")
    return bound[0] if bound else None


class AndStatement(Statement):
    """A conjunction of equations ``lhs = rhs`` (one linear relation)."""

    __slots__ = ("equations", "group")

    def __init__(self, equations: tuple[tuple[Expr, Expr], ...]) -> None:
        points = [p for lhs, rhs in equations for _, _, p in lhs.terms + rhs.terms]
        if not equations or not points:
            raise MalformedInput("statement DSL: a statement needs at least one equation")
        self.group = _common_group([p.group for p in points], "elements of a statement")
        self.equations = equations

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
        """The :class:`LinearRelation` of this bound statement and the secret names in witness order."""
        if self.group is None:
            raise MalformedInput("statement DSL: a symbolic statement is compiled with compile_statement()")
        compiled, values = _compile_and(self, self.group.order)
        if values is None:
            raise MalformedInput("statement DSL: every element must be bound to a value (or use compile_statement)")
        return LinearRelation.from_shape(
            compiled.shape, self.group, (self.group.generator(), *values)
        ), compiled.secrets

    def relation(self) -> LinearRelation:
        return self.compile()[0]

    def secret_names(self) -> tuple[str, ...]:
        """The secrets in witness order (declaration order)."""
        seq: dict[str, int] = {}
        for lhs, rhs in self.equations:
            for _, v, _ in lhs.terms + rhs.terms:
                if v is not None:
                    seq[v[0]] = min(v[1], seq.get(v[0], v[1]))
        return tuple(sorted(seq, key=seq.__getitem__))

    def prove(self, tag: bytes, witness: Mapping[str, int]) -> bytes:
        relation, names = self.compile()
        group = relation.group
        vector = witness_vector(names, witness, group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: the witness must give {', '.join(names)}")
        return nizk.prove_compact(full_tag(tag, b"CMPT", group), relation, vector)

    def verify(self, tag: bytes, proof: bytes) -> None:
        relation = self.relation()
        nizk.verify_compact(full_tag(tag, b"CMPT", relation.group), relation, proof)

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
        self.group = _common_group([b.group for b in branches], "OR branches")
        self.branches = branches

    def _branches(self) -> tuple[AndStatement, ...]:
        return self.branches

    def relations(self) -> list[LinearRelation]:
        return [b.relation() for b in self.branches]

    def find_branch(self, witness: Mapping[str, int]) -> int:
        """The first branch ``witness`` satisfies (every branch is evaluated); ProvingError if none."""
        found = []
        for b in self.branches:  # same work per branch: no early exit
            relation, names = b.compile()
            g = relation.group
            vector = witness_vector(names, witness, g.order)
            mapped = nizk.map_secret(relation, vector or [0] * len(names))
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
        relations = self.relations()
        names = self.branches[real].secret_names()
        group = relations[0].group
        vector = witness_vector(names, witness, group.order)
        if vector is None:
            raise ProvingError(f"statement DSL: branch {real} needs {', '.join(names)}")
        return compose.prove_or(full_tag(tag, b"CDSOR", group), relations, real, vector)

    def verify(self, tag: bytes, proof: bytes) -> None:
        relations = self.relations()
        compose.verify_or(full_tag(tag, b"CDSOR", relations[0].group), relations, proof)

    def describe(self) -> str:
        names = list(dict.fromkeys(n for b in self.branches for n in b.secret_names()))
        return f"PK{{({', '.join(names)}): {' ∨ '.join(f'({b._body()})' for b in self.branches)}}}"


def DLRep(lhs: Point | Expr, rhs: Point | Expr) -> AndStatement:  # noqa: N802 - Camenisch–Stadler name
    """The equation ``lhs = rhs`` between two linear combinations (a discrete-log representation)."""
    return AndStatement(((_as_expr(lhs), _as_expr(rhs)),))
