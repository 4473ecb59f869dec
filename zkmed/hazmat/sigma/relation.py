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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from zkmed.encoding import Reader, le_to_int
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.shape import U32_LIMIT, RelationShape, relation_shape
from zkmed.hazmat.sigma.shape import merge as _merge

GEN_MULTIPLE_CACHE_SIZE = 1024


@lru_cache(maxsize=GEN_MULTIPLE_CACHE_SIZE)
def _gen_multiple(group: Group, k: int) -> Element:
    """``k·G`` for a **public** structural coefficient ``k`` (``G`` and ``-G`` cost no multiplication).

    Keyed on the group object and the integer (bounded LRU): the images of
    recurring shapes (``C - v·G`` for the values of a public set) reuse the
    constant ``v·G`` instead of a fixed-base multiplication per instance.
    """
    if k == 1:
        return group.generator()
    if k == group.order - 1:
        return group.neg(group.generator())
    return group.mul_gen(k)


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
    # derived in __post_init__ / _from_shape (not constructor arguments)
    _shape: RelationShape = field(init=False, repr=False, compare=False)
    num_scalars: int = field(init=False, repr=False, compare=False)
    _plan: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            equations = tuple(eq if isinstance(eq, Equation) else Equation(*eq) for eq in self.equations)
            elements = tuple(self.elements)
        except TypeError as exc:
            raise MalformedInput("linear relation: elements and equations must be sequences") from exc
        object.__setattr__(self, "elements", elements)
        object.__setattr__(self, "equations", equations)
        self._validate()

    @classmethod
    def _from_shape(cls, shape: RelationShape, elements: tuple[Element, ...]) -> LinearRelation:
        """A relation of a validated ``shape`` (checks 1–6); checks 7–10 run here, as in the constructor."""
        if len(elements) != shape.num_elements:
            raise MalformedInput("linear relation: wrong number of elements for this shape")
        relation = cls.__new__(cls)
        d = relation.__dict__
        d["group"], d["elements"], d["equations"] = shape.group, elements, shape.equations
        d["_shape"], d["num_scalars"], d["_plan"] = shape, shape.num_scalars, shape.plan
        shape.check_instance(relation)
        return relation

    # ------------------------------------------------------------- shape

    @property
    def num_elements(self) -> int:
        return len(self.elements)

    @property
    def num_equations(self) -> int:
        return len(self.equations)

    # ------------------------------------------------------------- validation

    def _validate(self) -> None:
        """The ten checks of §"Instance validation", in the draft's numbering.

        Checks 1–6 depend on the shape only and are memoized per shape
        (:mod:`zkmed.hazmat.sigma.shape`); checks 7–10 run for every instance.
        """
        shape = relation_shape(self.group, self.equations, self.num_elements)
        d = self.__dict__
        d["_shape"], d["num_scalars"], d["_plan"] = shape, shape.num_scalars, shape.plan
        shape.check_instance(self)

    def _msm(self, pairs: Any, fixed: bool = False) -> Element:
        """``Σ k·elements[e]`` for **public** ``(e, k)`` pairs (variable time).

        Combinations whose instance coefficients are all ``±1`` (images such as
        ``C - v·G``) are summed with additions and one fixed-base ``mul_gen``
        (none for ``±G``); anything else is one MSM with the generator in the
        generator slot.  ``fixed``: the coefficients are the relation's own
        (structure, not responses), so ``v·G`` may come from a bounded cache.
        """
        if len(pairs) == 1 and pairs[0][0] and pairs[0][1] == 1:  # a lone instance element
            return self.elements[pairs[0][0]]
        group, elements = self.group, self.elements
        minus_one = group.order - 1
        gen, scalars, points = 0, [], []
        for e, k in pairs:
            if e == 0:
                gen = k
            else:
                scalars.append(k)
                points.append(elements[e])
        if len(points) <= 4 and all(k == 1 or k == minus_one for k in scalars):
            acc: Element | None = None
            if gen:
                cached = fixed or gen == 1 or gen == minus_one
                acc = _gen_multiple(group, gen) if cached else group.mul_gen(gen)
            for k, point in zip(scalars, points, strict=True):
                term = point if k == 1 else group.neg(point)
                acc = term if acc is None else group.add(acc, term)
            return group.identity() if acc is None else acc
        return group.msm(scalars, points, gen_scalar=gen)

    # ------------------------------------------------------------- evaluation

    def _images(self) -> tuple[Element, ...]:
        image = self.__dict__.get("_image")
        if image is None:
            known = self.__dict__.get("_image_known", {})
            image = tuple(
                known[i] if i in known else self._msm(pairs, True) for i, pairs in enumerate(self._shape.images)
            )
            self.__dict__["_image"] = image
        return image

    def image(self) -> list[Element]:
        """``image(instance)``: each equation's left-hand side (§"Map evaluation")."""
        return list(self._images())

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
        q = self.group.order
        for k in out:
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < q:
                raise MalformedInput("linear relation: scalars must be integers in [0, q)")
        return out

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

    def serialize(self) -> bytes:
        """``SerializeLinearRelation(instance)`` (§"Serialization"): the shape's prefix, then ``elements[1:]``."""
        data = self.__dict__.get("_serialized")
        if data is None:
            encode = self.group.encode_element
            data = self._shape.prefix + b"".join([encode(e) for e in self.elements[1:]])
            self.__dict__["_serialized"] = data
        return data

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
