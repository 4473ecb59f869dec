"""Relation shapes: the structure-only half of §"Instance validation", computed once per shape.

A linear relation's ten validation checks (draft-irtf-cfrg-sigma-protocols
§"Instance validation") split in two:

* checks 1–6 and the coefficient range depend only on the *shape*: the group
  (its order ``q``), the equations and the number of elements;
* checks 7–10 depend on the element values.

:func:`relation_shape` runs the first half once per shape (bounded LRU, keyed
on the group object and the immutable :class:`~zkmed.hazmat.sigma.relation.Equation`
tuple) and precomputes everything else that is structure only: the
serialization prefix (``SerializeLinearRelation`` without the elements), the
verification plan, ``num_scalars``, and the residue of checks 9 and 10 that
needs group operations.  :meth:`RelationShape.check_instance` is the second
half and runs for **every** relation built, so the cache changes cost, never
the outcome: a relation is accepted exactly when all ten checks pass.

Checks 9 and 10 ask whether ``Σ c·elements[e]`` is the identity.  After
merging coefficients per element index (mod ``q``), a combination with no
non-zero coefficient is the identity whatever the elements; one with exactly
one non-zero coefficient is not (prime order, and check 8 / the generator make
its element non-identity); only combinations with two or more live terms need
an MSM, and only those are evaluated per instance.  An equation's image MSM is
kept as the relation's ``image()``, so it is not computed twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from zkmed.encoding import le_uint
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, Group

if TYPE_CHECKING:
    from zkmed.hazmat.sigma.relation import Equation, LinearRelation

U32_LIMIT = 1 << 32
#: shapes with more terms than this are validated without being cached
SHAPE_CACHE_MAX_TERMS = 4096
SHAPE_CACHE_SIZE = 512

Pairs = tuple[tuple[int, int], ...]


def merge(pairs: Any, q: int) -> list[tuple[int, int]]:
    """Sum coefficients per element index (in order of first appearance), reduced mod ``q``."""
    merged: dict[int, int] = {}
    for e, c in pairs:
        merged[e] = merged.get(e, 0) + c
    return [(e, c % q) for e, c in merged.items()]


def _live(pairs: list[tuple[int, int]]) -> Pairs:
    return tuple((e, c) for e, c in pairs if c)


class RelationShape:
    """Checks 1–6 (and coefficient range) passed for ``(group, equations, num_elements)``; see the module doc."""

    __slots__ = ("group", "equations", "num_elements", "num_scalars", "plan", "prefix", "images", "image_checks",
                 "column_checks")  # fmt: skip

    def __init__(self, group: Group, equations: tuple[Equation, ...], num_elements: int) -> None:
        q = group.order
        if not equations:  # 1
            raise MalformedInput("linear relation: at least one equation is required")
        if len(equations) >= U32_LIMIT:  # 3
            raise MalformedInput("linear relation: too many equations")
        # 2 and 3 hold by construction of Equation
        if not num_elements:  # 7 (first half)
            raise MalformedInput("linear relation: the element list is empty")
        used_elements: set[int] = {0}
        used_scalars: set[int] = set()
        for eq in equations:
            used_elements.update(e for e, _ in eq.image)
            used_elements.update(e for _, e, _ in eq.terms)
            used_scalars.update(s for s, _, _ in eq.terms)
            if any(c >= q for _, c in eq.image) or any(c >= q for _, _, c in eq.terms):
                raise MalformedInput("linear relation: non-canonical coefficient (>= q)")
        if max(used_elements) >= num_elements:  # 4
            raise MalformedInput("linear relation: an element index references no element")
        if len(used_elements) != num_elements:  # 5
            raise MalformedInput("linear relation: an element is not used by any equation")
        if len(used_scalars) != max(used_scalars) + 1:  # 6
            raise MalformedInput("linear relation: a scalar index is not used by any term")
        self.group, self.equations, self.num_elements = group, equations, num_elements
        self.num_scalars = len(used_scalars)
        # 9: per equation its live image terms; only multi-term images need a group operation
        self.images = tuple(_live(merge(eq.image, q)) for eq in equations)
        self.image_checks = tuple((i, img) for i, img in enumerate(self.images) if len(img) != 1)
        # 10: per scalar, its column restricted to each equation; trivially non-zero if one has one live term
        columns: dict[int, list[Pairs]] = {}
        for eq in equations:
            per_scalar: dict[int, list[tuple[int, int]]] = {}
            for s, e, c in eq.terms:
                per_scalar.setdefault(s, []).append((e, c))
            for s, pairs in per_scalar.items():
                columns.setdefault(s, []).append(_live(merge(pairs, q)))
        checks = []
        for s in range(self.num_scalars):
            if not any(len(col) == 1 for col in columns[s]):
                checks.append((s, tuple(col for col in columns[s] if len(col) > 1)))
        self.column_checks = tuple(checks)
        self.plan = _plan(equations, q)
        self.prefix = _prefix(group, equations)

    def check_instance(self, relation: LinearRelation) -> None:
        """Checks 7–10 for ``relation`` (of this shape); fills its image where check 9 computed it."""
        group, elements = self.group, relation.elements
        try:
            g = group.generator()
            is_generator = elements[0] is g or group.eq(elements[0], g)
            has_identity = any(group.is_identity(el) for el in elements)
        except Exception as exc:  # foreign objects in the element list
            raise MalformedInput(f"linear relation: elements are not {group.name} elements") from exc
        if not is_generator:  # 7
            raise MalformedInput("linear relation: elements[0] must be the group generator")
        if has_identity:  # 8
            raise MalformedInput("linear relation: the identity is not allowed as an instance element")
        computed: dict[int, Element] = {}
        for i, img in self.image_checks:  # 9 (single-term images are non-identity: prime order)
            if not img:
                raise MalformedInput("linear relation: an equation's image is the identity")
            point = computed[i] = relation._msm(img, True)
            if group.is_identity(point):
                raise MalformedInput("linear relation: an equation's image is the identity")
        for s, cols in self.column_checks:  # 10
            if not any(not group.is_identity(relation._msm(col, True)) for col in cols):
                raise MalformedInput(f"linear relation: column {s} of the linear map is the identity")
        if computed:
            relation.__dict__["_image_known"] = computed


def _plan(equations: tuple[Equation, ...], q: int) -> tuple[tuple[tuple[int, Pairs, int], ...], ...]:
    """Per equation, per element index: (index, [(scalar_index, coeff)], image coefficient)."""
    plan = []
    for eq in equations:
        rows: dict[int, tuple[list[tuple[int, int]], int]] = {}
        for s, e, c in eq.terms:
            rows.setdefault(e, ([], 0))[0].append((s, c))
        for e, c in eq.image:
            terms, img = rows.setdefault(e, ([], 0))
            rows[e] = (terms, (img + c) % q)
        plan.append(tuple((e, tuple(t), img) for e, (t, img) in rows.items()))
    return tuple(plan)


def _prefix(group: Group, equations: tuple[Equation, ...]) -> bytes:
    """``SerializeLinearRelation`` up to (excluding) the elements."""
    enc = group.encode_scalar
    out = [le_uint(len(equations), 4)]
    for eq in equations:
        out.append(le_uint(len(eq.image), 4))
        out.extend(le_uint(e, 4) + enc(c) for e, c in eq.image)
        out.append(le_uint(len(eq.terms), 4))
        out.extend(le_uint(s, 4) + le_uint(e, 4) + enc(c) for s, e, c in eq.terms)
    return b"".join(out)


@lru_cache(maxsize=SHAPE_CACHE_SIZE)
def _cached_shape(group: Group, equations: tuple[Equation, ...], num_elements: int) -> RelationShape:
    return RelationShape(group, equations, num_elements)


def relation_shape(group: Group, equations: tuple[Equation, ...], num_elements: int) -> RelationShape:
    """The validated shape (checks 1–6); MalformedInput if they fail.  Small shapes are memoized (LRU).

    The key is the group object (identity) and the immutable equations, so
    shapes never mix groups; exceptions are not cached.
    """
    if sum(len(eq.image) + len(eq.terms) for eq in equations) > SHAPE_CACHE_MAX_TERMS:
        return RelationShape(group, equations, num_elements)
    return _cached_shape(group, equations, num_elements)


def cache_clear() -> None:
    """Empty the shape cache (tests)."""
    _cached_shape.cache_clear()
