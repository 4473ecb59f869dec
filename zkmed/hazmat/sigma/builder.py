"""Build linear relations from variables (draft-irtf-cfrg-sigma-protocols §"Specifying the relation").

:class:`RelationBuilder` allocates scalar and element variables and appends
equations over them, as the draft's ``LinearRelation`` interface does; the
result is a :class:`~zkmed.hazmat.sigma.relation.LinearRelation` validated
by every check of §"Instance validation".  The statement DSL
(:mod:`zkmed.hazmat.sigma.dsl`) is the friendlier way to write statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.relation import Equation, LinearRelation

__all__ = ["ElementVar", "RelationBuilder", "ScalarVar"]


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
