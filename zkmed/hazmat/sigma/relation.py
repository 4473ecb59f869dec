"""Linear relations: the statements proven by zkmed's sigma protocols.

This module implements §"Linear relations" of draft-irtf-cfrg-sigma-protocols.
A relation is split, explicitly, into the two halves of §"Instance validation"
(the shape lives in :mod:`zkmed.hazmat.sigma.shape`):

* :class:`RelationShape` — the structure, checks 1–6, built once (its module
  says how and why);
* :class:`LinearRelation` — a shape bound to a group and to the instance's
  elements (``elements[0]`` is the generator).  :meth:`LinearRelation.from_shape`
  runs checks 7–10 on the elements, every time.

Wire layout of a serialized relation (``SerializeLinearRelation``, little-endian
counts and indices, ``Ns``-byte coefficients reduced mod ``q`` in the group's
scalar encoding, ``Ne``-byte elements)::

    u32le num_equations
    per equation:
        u32le len(image)  || (u32le element_index || coeff)*
        u32le len(terms)  || (u32le scalar_index || u32le element_index || coeff)*
    elements[1:]          (Ne bytes each; the generator is implicit)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkmed.encoding import Reader, le_to_int
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, FixedBase, Group
from zkmed.hazmat.sigma.shape import Equation, RelationShape, merge

__all__ = ["Equation", "LinearRelation", "RelationShape"]


class LinearRelation:
    """A validated instance ``(M, image)`` of the draft's linear relation (§"Representation").

    Construction raises :class:`~zkmed.errors.MalformedInput` unless every
    check of §"Instance validation" passes.  Equality and hashing follow the
    serialization, so two relations are equal exactly when they serialize to
    the same bytes over the same group.  Immutable.
    """

    __slots__ = ("group", "shape", "encoded", "bases", "elements")

    group: Group
    shape: RelationShape
    #: the canonical encodings of ``elements[1:]`` when the caller supplied them (wire bytes), else None
    encoded: tuple[bytes, ...] | None
    #: per element, the caller's fixed-base multiplier for it (secret multiplications by provers), or None
    bases: tuple[FixedBase | None, ...] | None
    elements: tuple[Element, ...]

    def __init__(self, group: Group, elements: Sequence[Element], equations: Sequence[Equation]) -> None:
        """The generic constructor: coefficients are residues mod ``q`` (checks 1–10 all run)."""
        try:
            elements, equations = tuple(elements), tuple(equations)
        except TypeError as exc:
            raise MalformedInput("linear relation: elements and equations must be sequences") from exc
        if not isinstance(group, Group):
            raise MalformedInput("linear relation: expected a Group")
        shape = RelationShape(equations, len(elements), group.order)
        self._init(shape, group, elements, None, None)

    @classmethod
    def from_shape(
        cls,
        shape: RelationShape,
        group: Group,
        elements: Sequence[Element],
        encoded: Sequence[bytes] | None = None,
        bases: Sequence[FixedBase | None] | None = None,
    ) -> LinearRelation:
        """The relation of ``shape`` over ``group`` and ``elements`` (checks 7–10); MalformedInput if invalid.

        ``encoded``: the canonical encodings of ``elements[1:]`` when the caller
        holds them (decoded from these very bytes, or a fixed base's
        encoding): they are serialized as given instead of being encoded again.
        ``bases``: per element, a :class:`~zkmed.hazmat.groups.base.FixedBase`
        of it or None, used by provers for constant-time secret multiplications.
        """
        relation = cls.__new__(cls)
        relation._init(
            shape, group, tuple(elements), None if encoded is None else tuple(encoded),
            None if bases is None else tuple(bases),
        )  # fmt: skip
        return relation

    def _init(
        self,
        shape: RelationShape,
        group: Group,
        elements: tuple[Element, ...],
        encoded: tuple[bytes, ...] | None,
        bases: tuple[FixedBase | None, ...] | None,
    ) -> None:
        if (
            len(elements) != shape.num_elements
            or (encoded is not None and len(encoded) != len(elements) - 1)
            or (bases is not None and len(bases) != len(elements))
        ):
            raise MalformedInput("linear relation: wrong number of elements for this shape")
        q = group.order
        if (shape.modulus is not None and shape.modulus != q) or (shape.modulus is None and shape.bound >= q):
            raise MalformedInput(f"linear relation: the shape's coefficients do not fit {group.name}")
        setattr_ = object.__setattr__  # construction: the immutability guard below refuses later writes
        setattr_(self, "group", group)
        setattr_(self, "shape", shape)
        setattr_(self, "encoded", encoded)
        setattr_(self, "bases", bases)
        setattr_(self, "elements", elements)
        self._check_instance()

    def _check_instance(self) -> None:
        """Checks 7–10 (the element-dependent half of §"Instance validation")."""
        group, elements, shape = self.group, self.elements, self.shape
        g = group.generator()
        if not all(group.is_element(el) for el in elements[elements[0] is g :]):  # foreign objects, other curves
            raise MalformedInput(f"linear relation: elements are not {group.name} elements")
        is_generator = elements[0] is g or group.eq(elements[0], g)
        has_identity = any(group.is_identity(el) for el in elements)
        if not is_generator:  # 7
            raise MalformedInput("linear relation: elements[0] must be the group generator")
        if has_identity:  # 8
            raise MalformedInput("linear relation: the identity is not allowed as an instance element")
        q = group.order
        for _, img in shape.image_checks:  # 9 (single-term images are non-identity: prime order)
            if not img or group.is_identity(self._msm([(e, c % q) for e, c in img])):
                raise MalformedInput("linear relation: an equation's image is the identity")
        for s, cols in shape.column_checks:  # 10
            if not any(not group.is_identity(self._msm([(e, c % q) for e, c in col])) for col in cols):
                raise MalformedInput(f"linear relation: column {s} of the linear map is the identity")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("LinearRelation is immutable")

    # ------------------------------------------------------------- shape

    @property
    def equations(self) -> tuple[Equation, ...]:
        """The equations with coefficients reduced mod ``q`` (the draft's representation)."""
        if self.shape.modulus is not None:
            return self.shape.equations
        q = self.group.order
        return tuple(
            Equation(tuple((e, c % q) for e, c in eq.image), tuple((s, e, c % q) for s, e, c in eq.terms))
            for eq in self.shape.equations
        )

    @property
    def num_elements(self) -> int:
        return len(self.elements)

    @property
    def num_equations(self) -> int:
        return len(self.shape.equations)

    @property
    def num_scalars(self) -> int:
        return self.shape.num_scalars

    # ------------------------------------------------------------- evaluation

    def _msm(self, pairs: Sequence[tuple[int, int]]) -> Element:
        """``Σ k·elements[e]`` for **public** ``(e, k)`` pairs, ``k`` in ``[0, q)`` (variable time).

        Combinations whose instance coefficients are all ``±1`` (images such as
        ``C - D``) are summed with additions and at most one ``mul_gen``;
        anything else is one MSM with the generator in the generator slot.
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
                g = group.generator()
                acc = g if gen == 1 else group.neg(g) if gen == minus_one else group.mul_gen(gen)
            for k, point in zip(scalars, points, strict=True):
                term = point if k == 1 else group.neg(point)
                acc = term if acc is None else group.add(acc, term)
            return group.identity() if acc is None else acc
        return group.msm(scalars, points, gen_scalar=gen)

    def image(self) -> list[Element]:
        """``image(instance)``: each equation's left-hand side (§"Map evaluation")."""
        q = self.group.order
        return [self._msm([(e, c % q) for e, c in img]) for img in self.shape.images]

    def evaluate(self, scalars: Sequence[int]) -> list[Element]:
        """``map(instance, scalars)`` (§"Map evaluation"), one MSM per equation.

        Variable time: use only with public scalars (responses, simulation).
        """
        scalars = self._check_scalars(scalars)
        q = self.group.order
        return [self._msm(merge(((e, c * scalars[s]) for s, e, c in eq.terms), q)) for eq in self.shape.equations]

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
        for rows in self.shape.plan:
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
        if self.encoded is not None:
            return self.shape.prefix(self.group) + b"".join(self.encoded)
        return self.shape.prefix(self.group) + self.group.encode_elements(self.elements[1:])

    @classmethod
    def deserialize(cls, group: Group, data: bytes) -> LinearRelation:
        """Strict inverse of :meth:`serialize`: canonical scalars and elements, no trailing bytes.

        ``num_elements = 1 + max(element_index)`` (checks 4 and 5 of §"Instance validation").
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MalformedInput(f"linear relation: expected bytes, got {type(data).__name__}")
        reader = Reader(bytes(data), "linear relation")
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
        return cls(group, elements, tuple(equations))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearRelation):
            return NotImplemented
        return self.group.name == other.group.name and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self.group.name, self.serialize()))

    def __repr__(self) -> str:
        shape = f"{self.num_elements} elements, {self.num_equations} equations, {self.num_scalars} scalars"
        return f"LinearRelation({self.group.name}, {shape})"
