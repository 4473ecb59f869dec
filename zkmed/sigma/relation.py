"""Linear relations: the statements proven by zkmed's sigma protocols.

This module implements §"Linear relations" of draft-irtf-cfrg-sigma-protocols:
:class:`Equation` / :class:`LinearRelation` are the sparse representation of
§"Representation" (``elements[0]`` is the generator); every relation is
validated on construction by the ten checks of §"Instance validation";
``serialize`` / ``deserialize`` are ``SerializeLinearRelation`` (§"Serialization")
and its strict inverse; ``image`` / ``evaluate`` are ``image(instance)`` and
``map(instance, scalars)`` (§"Map evaluation"); :class:`RelationBuilder`
compiles equations over variables (§"Specifying the relation").

Wire layout of a serialized relation (little-endian counts and indices,
``Ns``-byte coefficients in the group's scalar encoding, ``Ne``-byte elements)::

    u32le num_equations
    per equation:
        u32le len(image)  || (u32le element_index || coeff)*
        u32le len(terms)  || (u32le scalar_index || u32le element_index || coeff)*
    elements[1:]          (Ne bytes each; the generator is implicit)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zkmed.encoding import Reader, le_to_int, le_uint
from zkmed.errors import MalformedInput
from zkmed.groups.base import Element, Group

U32_LIMIT = 1 << 32


def _uint(value: Any, what: str, limit: int | None = U32_LIMIT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (limit is not None and value >= limit):
        raise MalformedInput(
            f"linear relation: {what} must be a non-negative integer" + (" below 2^32" if limit else "")
        )
    return value


@dataclass(frozen=True, slots=True)
class Equation:
    """One row of the linear map (§"Representation").

    ``image``: ``(element_index, coeff)`` pairs, the left-hand side;
    ``terms``: ``(scalar_index, element_index, coeff)`` triples, the right-hand side.
    Both are non-empty; coefficients are scalars in ``[0, q)`` (checked by the relation).
    """

    image: tuple[tuple[int, int], ...]
    terms: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        try:
            image = tuple((_uint(e, "element_index"), _uint(c, "coeff", None)) for e, c in self.image)
            terms = tuple(
                (_uint(s, "scalar_index"), _uint(e, "element_index"), _uint(c, "coeff", None)) for s, e, c in self.terms
            )
        except MalformedInput:
            raise
        except (TypeError, ValueError) as exc:
            raise MalformedInput("linear relation: malformed equation terms") from exc
        if not image or not terms:  # §Instance validation, check 2
            raise MalformedInput("linear relation: every equation needs non-empty image and terms")
        if len(image) >= U32_LIMIT or len(terms) >= U32_LIMIT:  # check 3
            raise MalformedInput("linear relation: too many terms")
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "terms", terms)


@dataclass(frozen=True, eq=False)
class LinearRelation:
    """A validated instance ``(M, image)`` of the draft's linear relation (§"Representation").

    Construction raises :class:`~zkmed.errors.MalformedInput` unless every
    check of §"Instance validation" passes.  Equality and hashing follow the
    serialization (§"Serialization"), so two relations are equal exactly when
    they serialize to the same bytes over the same group.
    """

    group: Group
    elements: tuple[Element, ...]
    equations: tuple[Equation, ...]

    def __post_init__(self) -> None:
        try:
            equations = tuple(eq if isinstance(eq, Equation) else Equation(*eq) for eq in self.equations)
            elements = tuple(self.elements)
        except TypeError as exc:
            raise MalformedInput("linear relation: elements and equations must be sequences") from exc
        object.__setattr__(self, "elements", elements)
        object.__setattr__(self, "equations", equations)
        self._validate()

    # ------------------------------------------------------------- shape

    @property
    def num_elements(self) -> int:
        return len(self.elements)

    @property
    def num_equations(self) -> int:
        return len(self.equations)

    @cached_property
    def num_scalars(self) -> int:
        """``1 + max(scalar_index)`` (§"Representation")."""
        return 1 + max(s for eq in self.equations for s, _, _ in eq.terms)

    # ------------------------------------------------------------- validation

    def _validate(self) -> None:
        """The ten checks of §"Instance validation", in the draft's numbering."""
        group, q = self.group, self.group.order
        if not self.equations:  # 1
            raise MalformedInput("linear relation: at least one equation is required")
        if self.num_equations >= U32_LIMIT:  # 3
            raise MalformedInput("linear relation: too many equations")
        # 2 and 3 hold by construction of Equation
        if not self.elements:  # 7 (first half)
            raise MalformedInput("linear relation: the element list is empty")
        used_elements: set[int] = {0}
        used_scalars: set[int] = set()
        for eq in self.equations:
            used_elements.update(e for e, _ in eq.image)
            used_elements.update(e for _, e, _ in eq.terms)
            used_scalars.update(s for s, _, _ in eq.terms)
            if any(c >= q for _, c in eq.image) or any(c >= q for _, _, c in eq.terms):
                raise MalformedInput("linear relation: non-canonical coefficient (>= q)")
        if max(used_elements) >= self.num_elements:  # 4
            raise MalformedInput("linear relation: an element index references no element")
        if len(used_elements) != self.num_elements:  # 5
            raise MalformedInput("linear relation: an element is not used by any equation")
        if len(used_scalars) != max(used_scalars) + 1:  # 6
            raise MalformedInput("linear relation: a scalar index is not used by any term")
        try:
            is_generator = group.eq(self.elements[0], group.generator())
            has_identity = any(group.is_identity(el) for el in self.elements)
        except Exception as exc:  # foreign objects in the element list
            raise MalformedInput(f"linear relation: elements are not {group.name} elements") from exc
        if not is_generator:  # 7
            raise MalformedInput("linear relation: elements[0] must be the group generator")
        if has_identity:  # 8
            raise MalformedInput("linear relation: the identity is not allowed as an instance element")
        for eq in self.equations:  # 9
            if not self._nonzero(_merge(eq.image, q)):
                raise MalformedInput("linear relation: an equation's image is the identity")
        columns: dict[int, list[list[tuple[int, int]]]] = {}
        for eq in self.equations:  # 10: per scalar, its column restricted to each equation
            per_scalar: dict[int, list[tuple[int, int]]] = {}
            for s, e, c in eq.terms:
                per_scalar.setdefault(s, []).append((e, c))
            for s, pairs in per_scalar.items():
                columns.setdefault(s, []).append(_merge(pairs, q))
        for s in range(self.num_scalars):
            if not any(self._nonzero(col) for col in columns[s]):
                raise MalformedInput(f"linear relation: column {s} of the linear map is the identity")

    def _nonzero(self, combination: list[tuple[int, int]]) -> bool:
        """Whether ``sum(c * elements[e])`` is not the identity (one non-zero term: always, prime order)."""
        live = [(e, c) for e, c in combination if c]
        if not live:
            return False
        if len(live) == 1:
            return True
        return not self.group.is_identity(self._msm(live))

    def _msm(self, pairs: Any) -> Element:
        if len(pairs) == 1 and pairs[0][0] and pairs[0][1] == 1:  # a lone instance element
            return self.elements[pairs[0][0]]
        gen, scalars, points = 0, [], []
        for e, k in pairs:
            if e == 0:
                gen = k
            else:
                scalars.append(k)
                points.append(self.elements[e])
        return self.group.msm(scalars, points, gen_scalar=gen)

    # ------------------------------------------------------------- evaluation

    @cached_property
    def _image(self) -> tuple[Element, ...]:
        return tuple(self._msm(_merge(eq.image, self.group.order)) for eq in self.equations)

    def image(self) -> list[Element]:
        """``image(instance)``: each equation's left-hand side (§"Map evaluation")."""
        return list(self._image)

    def evaluate(self, scalars: Sequence[int]) -> list[Element]:
        """``map(instance, scalars)`` (§"Map evaluation"), one MSM per equation.

        Variable time: use only with public scalars (responses, simulation).
        """
        scalars = self._check_scalars(scalars)
        q = self.group.order
        return [self._msm(_merge(((e, c * scalars[s]) for s, e, c in eq.terms), q)) for eq in self.equations]

    def _check_scalars(self, scalars: Sequence[int]) -> list[int]:
        out = list(scalars)
        if len(out) != self.num_scalars:
            raise MalformedInput(f"linear relation: expected {self.num_scalars} scalars, got {len(out)}")
        for k in out:
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < self.group.order:
                raise MalformedInput("linear relation: scalars must be integers in [0, q)")
        return out

    @cached_property
    def _plan(self) -> tuple[tuple[tuple[int, tuple[tuple[int, int], ...], int], ...], ...]:
        """Per equation, per element index: (index, [(scalar_index, coeff)], image coefficient)."""
        plan = []
        for eq in self.equations:
            rows: dict[int, tuple[list[tuple[int, int]], int]] = {}
            for s, e, c in eq.terms:
                rows.setdefault(e, ([], 0))[0].append((s, c))
            for e, c in eq.image:
                terms, img = rows.setdefault(e, ([], 0))
                rows[e] = (terms, (img + c) % self.group.order)
            plan.append(tuple((e, tuple(t), img) for e, (t, img) in rows.items()))
        return tuple(plan)

    def combination(self, response: Sequence[int], challenge: int) -> list[list[tuple[int, int]]]:
        """Per equation, ``(element_index, scalar)`` pairs summing to ``map(response) - challenge * image``.

        One MSM per equation (§"Efficiency considerations"); index 0 is the
        generator.  ``response`` must already be range-checked.
        """
        q = self.group.order
        out = []
        for rows in self._plan:
            pairs = []
            for e, terms, img in rows:
                k = (sum(c * response[s] for s, c in terms) - challenge * img) % q
                if k:
                    pairs.append((e, k))
            out.append(pairs)
        return out

    def simulate(self, response: Sequence[int], challenge: int) -> list[Element]:
        """``map(response)[i] - challenge * image[i]`` for every equation (§"Simulator")."""
        response = self._check_scalars(response)
        return [self._msm(pairs) for pairs in self.combination(response, challenge % self.group.order)]

    # ------------------------------------------------------------- serialization

    @cached_property
    def _serialized(self) -> bytes:
        enc = self.group.encode_scalar
        out = [le_uint(self.num_equations, 4)]
        for eq in self.equations:
            out.append(le_uint(len(eq.image), 4))
            out.extend(le_uint(e, 4) + enc(c) for e, c in eq.image)
            out.append(le_uint(len(eq.terms), 4))
            out.extend(le_uint(s, 4) + le_uint(e, 4) + enc(c) for s, e, c in eq.terms)
        out.append(self.group.encode_elements(self.elements[1:]))
        return b"".join(out)

    def serialize(self) -> bytes:
        """``SerializeLinearRelation(instance)`` (§"Serialization")."""
        return self._serialized

    @classmethod
    def deserialize(cls, group: Group, data: bytes) -> LinearRelation:
        """Strict inverse of :meth:`serialize`: canonical scalars and elements, no trailing bytes.

        ``num_elements = 1 + max(element_index)`` (checks 4 and 5 of §"Instance validation").
        """
        reader = Reader(data, "linear relation")
        ns = group.scalar_size

        def u32() -> int:
            return le_to_int(reader.raw(4))

        def coeff() -> int:
            return group.decode_scalar(reader.raw(ns))

        n_equations = u32()
        if n_equations == 0:
            raise MalformedInput("linear relation: at least one equation is required")
        equations = []
        for _ in range(n_equations):
            image = tuple((u32(), coeff()) for _ in range(u32()))
            terms = tuple((u32(), u32(), coeff()) for _ in range(u32()))
            equations.append(Equation(image, terms))
        max_index = max(max(e for e, _ in eq.image + tuple(t[1:] for t in eq.terms)) for eq in equations)
        rest = reader.raw(reader.remaining)
        if len(rest) != max_index * group.element_size:
            raise MalformedInput(f"linear relation: expected {max_index} elements, got {len(rest)} bytes")
        elements = (group.generator(), *group.decode_elements(rest, max_index))
        relation = cls(group, elements, tuple(equations))
        relation.__dict__["_serialized"] = bytes(data)  # canonical by construction
        return relation

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearRelation):
            return NotImplemented
        return self.group.name == other.group.name and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self.group.name, self.serialize()))

    def __repr__(self) -> str:
        shape = f"{self.num_elements} elements, {self.num_equations} equations, {self.num_scalars} scalars"
        return f"LinearRelation({self.group.name}, {shape})"


def _merge(pairs: Any, q: int) -> list[tuple[int, int]]:
    """Sum coefficients per element index (in order of first appearance), reduced mod ``q``."""
    merged: dict[int, int] = {}
    for e, c in pairs:
        merged[e] = merged.get(e, 0) + c
    return [(e, c % q) for e, c in merged.items()]


# ---------------------------------------------------------------------------
# builder


@dataclass(frozen=True, slots=True)
class ScalarVar:
    """A witness scalar allocated by a :class:`RelationBuilder` (its index in the witness)."""

    index: int


@dataclass(frozen=True, slots=True)
class ElementVar:
    """A group element allocated by a :class:`RelationBuilder` (its index in ``elements``)."""

    index: int


class RelationBuilder:
    """Compile equations over variables into a :class:`LinearRelation` (§"Specifying the relation").

    >>> b = RelationBuilder(group)                      # doctest: +SKIP
    >>> x = b.allocate_scalar()
    >>> X = b.allocate_element(x_point)
    >>> b.append_equation(X, [(x, b.generator)])        # X = x * G
    >>> relation = b.build()

    ``lhs`` is an :class:`ElementVar`, an ``(ElementVar, coeff)`` pair, or a list
    of those.  ``rhs_terms`` is a list of ``(ScalarVar, ElementVar[, coeff])``
    homomorphism terms and ``(ElementVar, coeff)`` / ``ElementVar`` constant terms;
    constants move to the image with their coefficient negated, as the draft
    compiles them.  Coefficients may be any integers and are reduced mod ``q``.
    Indices are assigned in allocation order; the witness follows scalar order.
    """

    def __init__(self, group: Group) -> None:
        self.group = group
        self._elements: list[Element] = [group.generator()]
        self._equations: list[Equation] = []
        self._num_scalars = 0

    @property
    def generator(self) -> ElementVar:
        return ElementVar(0)

    def allocate_scalar(self) -> ScalarVar:
        self._num_scalars += 1
        return ScalarVar(self._num_scalars - 1)

    def allocate_scalars(self, n: int) -> list[ScalarVar]:
        return [self.allocate_scalar() for _ in range(n)]

    def allocate_element(self, element: Element) -> ElementVar:
        self._elements.append(element)
        return ElementVar(len(self._elements) - 1)

    def allocate_elements(self, elements: Sequence[Element]) -> list[ElementVar]:
        return [self.allocate_element(e) for e in elements]

    def _element(self, var: Any) -> int:
        if not isinstance(var, ElementVar) or not 0 <= var.index < len(self._elements):
            raise MalformedInput("relation builder: expected an ElementVar of this builder")
        return var.index

    def _constant(self, item: Any) -> tuple[int, int]:
        if isinstance(item, ElementVar):
            return self._element(item), 1
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], int):
            return self._element(item[0]), item[1] % self.group.order
        raise MalformedInput("relation builder: expected ElementVar or (ElementVar, coeff)")

    def append_equation(self, lhs: Any, rhs_terms: Sequence[Any]) -> None:
        """Append ``lhs = rhs_terms`` (see the class docstring for the accepted forms)."""
        q = self.group.order
        image = [self._constant(t) for t in (lhs if isinstance(lhs, list) else [lhs])]
        terms = []
        for t in rhs_terms:
            if isinstance(t, tuple) and t and isinstance(t[0], ScalarVar):
                if len(t) not in (2, 3):
                    raise MalformedInput("relation builder: terms are (ScalarVar, ElementVar[, coeff])")
                coeff = t[2] if len(t) == 3 else 1
                if not isinstance(coeff, int):
                    raise MalformedInput("relation builder: coefficients must be integers")
                if not 0 <= t[0].index < self._num_scalars:
                    raise MalformedInput("relation builder: expected a ScalarVar of this builder")
                terms.append((t[0].index, self._element(t[1]), coeff % q))
            else:
                e, c = self._constant(t)
                image.append((e, -c % q))
        self._equations.append(Equation(tuple(image), tuple(terms)))

    def build(self) -> LinearRelation:
        """The validated relation (raises MalformedInput per §"Instance validation").

        Every allocated scalar must be used (§"Specifying the relation"), so
        that the witness has exactly ``num_scalars`` entries.
        """
        used = {s for eq in self._equations for s, _, _ in eq.terms}
        if len(used) != self._num_scalars:
            raise MalformedInput("relation builder: every allocated scalar must appear in a term")
        return LinearRelation(self.group, tuple(self._elements), tuple(self._equations))
