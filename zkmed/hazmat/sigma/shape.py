"""Relation shapes: the structure of a linear relation, validated and laid out once, explicitly.

A :class:`RelationShape` is the linear map of draft-irtf-cfrg-sigma-protocols
§"Representation" without the instance elements: equations over scalar and
element *indices* with integer coefficients, and the number of elements.
Its constructor runs checks 1–6 of §"Instance validation" and precomputes
everything that depends on structure only (the verification plan, the
serialization layout); :meth:`LinearRelation.from_shape <zkmed.hazmat.sigma.relation.LinearRelation.from_shape>`
binds it to a group and elements and runs checks 7–10 on them, every time.  Shapes are immutable and built once by their
owner (the circuits hold theirs as module constants); nothing is cached
behind the caller's back.

Coefficients are either residues modulo a given ``modulus`` (relations
decoded from the wire or built with
:class:`~zkmed.hazmat.sigma.builder.RelationBuilder`: bound only to a group of
that order) or small signed integers (compiled statements: bound to any group
whose order exceeds :attr:`RelationShape.bound`, which guarantees that every
coefficient and merged sum the checks looked at is non-zero modulo ``q``
exactly when it is non-zero as an integer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.encoding import le_uint
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Group

__all__ = ["U32_LIMIT", "Equation", "RelationShape", "merge"]

U32_LIMIT = 1 << 32
Pairs = tuple[tuple[int, int], ...]


def _uint(value: Any, what: str, limit: int | None = U32_LIMIT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (limit is not None and value >= limit):
        raise MalformedInput(
            f"linear relation: {what} must be a non-negative integer" + (" below 2^32" if limit else "")
        )
    return value


def _coeff(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedInput("linear relation: coefficients must be integers")
    return value


@dataclass(frozen=True, slots=True)
class Equation:
    """One row of the linear map (§"Representation").

    ``image``: ``(element_index, coeff)`` pairs, the left-hand side;
    ``terms``: ``(scalar_index, element_index, coeff)`` triples, the right-hand side.
    Both are non-empty (§"Instance validation", checks 2–3).
    """

    image: tuple[tuple[int, int], ...]
    terms: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        try:
            image = tuple((_uint(e, "element_index"), _coeff(c)) for e, c in self.image)
            terms = tuple((_uint(s, "scalar_index"), _uint(e, "element_index"), _coeff(c)) for s, e, c in self.terms)
        except MalformedInput:
            raise
        except (TypeError, ValueError) as exc:
            raise MalformedInput("linear relation: malformed equation terms") from exc
        if not image or not terms:  # check 2
            raise MalformedInput("linear relation: every equation needs non-empty image and terms")
        if len(image) >= U32_LIMIT or len(terms) >= U32_LIMIT:  # check 3
            raise MalformedInput("linear relation: too many terms")
        if image != self.image or terms != self.terms:  # normalise lists to tuples, once, at construction
            object.__setattr__(self, "image", image)
            object.__setattr__(self, "terms", terms)


def merge(pairs: Iterable[tuple[int, int]], modulus: int | None) -> list[tuple[int, int]]:
    """Sum coefficients per index (in order of first appearance), reduced mod ``modulus`` when given."""
    merged: dict[int, int] = {}
    for e, c in pairs:
        merged[e] = merged.get(e, 0) + c
    if modulus is None:
        return list(merged.items())
    return [(e, c % modulus) for e, c in merged.items()]


def _live(pairs: list[tuple[int, int]]) -> Pairs:
    return tuple((e, c) for e, c in pairs if c)


class RelationShape:
    """Checks 1–6 of §"Instance validation" passed for ``(equations, num_elements)``; see the module doc.

    ``modulus``: the coefficients are residues mod this group order (``None``:
    small signed integers, valid for any group of order above :attr:`bound`).
    Immutable after construction.
    """

    __slots__ = ("equations", "num_elements", "num_scalars", "modulus", "bound", "plan", "images",
                 "image_checks", "column_checks", "_prefix_parts", "_prefix_coeffs")  # fmt: skip

    def __init__(self, equations: Sequence[Equation], num_elements: int, modulus: int | None = None) -> None:
        try:
            eqs = tuple(eq if isinstance(eq, Equation) else Equation(*eq) for eq in equations)
        except TypeError as exc:
            raise MalformedInput("linear relation: equations must be (image, terms) pairs") from exc
        if not eqs:  # 1
            raise MalformedInput("linear relation: at least one equation is required")
        if len(eqs) >= U32_LIMIT:  # 3
            raise MalformedInput("linear relation: too many equations")
        if not num_elements:  # 7 (first half)
            raise MalformedInput("linear relation: the element list is empty")
        used_elements: set[int] = {0}
        used_scalars: set[int] = set()
        coeffs: list[int] = []
        for eq in eqs:
            used_elements.update(e for e, _ in eq.image)
            used_elements.update(e for _, e, _ in eq.terms)
            used_scalars.update(s for s, _, _ in eq.terms)
            coeffs.extend(c for _, c in eq.image)
            coeffs.extend(c for _, _, c in eq.terms)
        if modulus is not None and any(not 0 <= c < modulus for c in coeffs):
            raise MalformedInput("linear relation: non-canonical coefficient (not in [0, q))")
        if max(used_elements) >= num_elements:  # 4
            raise MalformedInput("linear relation: an element index references no element")
        if len(used_elements) != num_elements:  # 5
            raise MalformedInput("linear relation: an element is not used by any equation")
        if len(used_scalars) != max(used_scalars) + 1:  # 6
            raise MalformedInput("linear relation: a scalar index is not used by any term")
        self.equations, self.num_elements, self.modulus = eqs, num_elements, modulus
        self.num_scalars = len(used_scalars)
        # 9: per equation its live image terms; only multi-term images need a group operation per instance
        self.images = tuple(_live(merge(eq.image, modulus)) for eq in eqs)
        self.image_checks = tuple((i, img) for i, img in enumerate(self.images) if len(img) != 1)
        # 10: per scalar its column restricted to each equation; trivially non-zero if one has one live term
        columns: dict[int, list[Pairs]] = {}
        for eq in eqs:
            per_scalar: dict[int, list[tuple[int, int]]] = {}
            for s, e, c in eq.terms:
                per_scalar.setdefault(s, []).append((e, c))
            for s, pairs in per_scalar.items():
                columns.setdefault(s, []).append(_live(merge(pairs, modulus)))
        self.column_checks = tuple(
            (s, tuple(col for col in columns[s] if len(col) > 1))
            for s in range(self.num_scalars)
            if not any(len(col) == 1 for col in columns[s])
        )
        self.plan = _plan(eqs, modulus)
        # every coefficient and every merged sum the checks rely on is below the bound in absolute value
        self.bound = 1 + sum(abs(c) for c in coeffs)
        self._prefix_parts, self._prefix_coeffs = _prefix_layout(eqs)

    def prefix(self, group: Group) -> bytes:
        """``SerializeLinearRelation`` up to (excluding) the elements, coefficients reduced mod ``q``."""
        enc, q, parts = group.encode_scalar, group.order, self._prefix_parts
        out = [parts[0]]
        for c, part in zip(self._prefix_coeffs, parts[1:], strict=True):
            out.append(enc(c % q))
            out.append(part)
        return b"".join(out)


def _plan(equations: tuple[Equation, ...], modulus: int | None) -> tuple[tuple[tuple[int, Pairs, int], ...], ...]:
    """Per equation, per element index: ``(index, ((scalar_index, coeff), ...), image coefficient)``."""
    plan = []
    for eq in equations:
        rows: dict[int, tuple[list[tuple[int, int]], int]] = {}
        for s, e, c in eq.terms:
            rows.setdefault(e, ([], 0))[0].append((s, c))
        for e, c in eq.image:
            terms, img = rows.setdefault(e, ([], 0))
            rows[e] = (terms, img + c if modulus is None else (img + c) % modulus)
        plan.append(tuple((e, tuple(t), img) for e, (t, img) in rows.items()))
    return tuple(plan)


def _prefix_layout(equations: tuple[Equation, ...]) -> tuple[tuple[bytes, ...], tuple[int, ...]]:
    """The serialization prefix as byte fragments around the coefficients (encoded per group)."""
    parts: list[bytes] = []
    coeffs: list[int] = []
    cur = [le_uint(len(equations), 4)]
    for eq in equations:
        cur.append(le_uint(len(eq.image), 4))
        for e, c in eq.image:
            cur.append(le_uint(e, 4))
            parts.append(b"".join(cur))
            coeffs.append(c)
            cur = []
        cur.append(le_uint(len(eq.terms), 4))
        for s, e, c in eq.terms:
            cur.append(le_uint(s, 4) + le_uint(e, 4))
            parts.append(b"".join(cur))
            coeffs.append(c)
            cur = []
    parts.append(b"".join(cur))
    return tuple(parts), tuple(coeffs)
