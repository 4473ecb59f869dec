"""The term algebra of the statement DSL (:mod:`zkmed.hazmat.sigma.dsl`): secrets, public elements, linear expressions.

Terms are written with Python operators in Camenisch–Stadler notation
(draft-irtf-cfrg-sigma-protocols §"Specifying the relation")::

    x, r = secrets("x", "r")
    G = generator(group)
    C, H = elements(group, C=c, H=h)
    rhs = x * G + r * H                  # an Expr; DLRep(C, rhs) makes it a statement

* :class:`Scalar` is ``Σ a_j·x_j + a_0``, a linear combination of named
  witness secrets plus a public integer constant;
* :class:`Point` is a named public group element bound to its value;
* :class:`Expr` is a linear combination ``coeff * secret * Point`` /
  ``coeff * Point`` of terms in the order written; a product of two secrets
  is refused (MalformedInput), ``secret * (A + B)`` distributes.

Every secret and point records its declaration order (a global counter):
compilation (:mod:`zkmed.hazmat.sigma.dsl`) assigns scalar and element indices in
that order.  The public names are re-exported by :mod:`zkmed.hazmat.sigma.dsl`.
"""

from __future__ import annotations

import itertools
from typing import Any

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.base import Element, Group

__all__ = ["Expr", "Point", "Scalar", "element", "elements", "generator", "public", "secret", "secrets"]

_SEQ = itertools.count()  # declaration order of secrets and points


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _coef(c: int) -> str:
    return "" if c == 1 else "-" if c == -1 else f"{c}·"


# ---------------------------------------------------------------------------
# expressions


class Scalar:
    """``Σ a_j·x_j + a_0``: a linear combination of named witness secrets plus a public constant."""

    __slots__ = ("terms", "const")

    def __init__(self, terms: tuple[tuple[str, int, int], ...] = (), const: int = 0) -> None:
        self.terms = terms  # (name, declaration seq, coeff)
        self.const = const

    def _scale(self, k: int) -> Scalar:
        return Scalar(tuple((n, s, c * k) for n, s, c in self.terms), self.const * k)

    def __add__(self, other: Any) -> Scalar:
        o = _as_scalar(other)
        return Scalar(self.terms + o.terms, self.const + o.const)

    def __radd__(self, other: Any) -> Scalar:
        return _as_scalar(other) + self

    def __neg__(self) -> Scalar:
        return self._scale(-1)

    def __sub__(self, other: Any) -> Scalar:
        return self + _as_scalar(other)._scale(-1)

    def __rsub__(self, other: Any) -> Scalar:
        return _as_scalar(other) + self._scale(-1)

    def __mul__(self, other: Any) -> Any:
        if _is_int(other):
            return self._scale(other)
        if isinstance(other, _Linear):
            return other._expr()._times(self)
        raise MalformedInput(f"statement DSL: cannot multiply a scalar by {type(other).__name__} (not linear)")

    __rmul__ = __mul__

    def __repr__(self) -> str:
        parts = [f"{_coef(c)}{n}" for n, _, c in self.terms] + ([str(self.const)] if self.const else [])
        return " + ".join(parts) or "0"


def _as_scalar(v: Any) -> Scalar:
    if isinstance(v, Scalar):
        return v
    if _is_int(v):
        return Scalar((), v)
    raise MalformedInput(f"statement DSL: expected a secret or an integer, got {type(v).__name__}")


class _Linear:
    """Operators shared by :class:`Point` and :class:`Expr`; results are always an :class:`Expr`."""

    __slots__ = ()

    def _expr(self) -> Expr:
        raise NotImplementedError

    def __add__(self, other: Any) -> Expr:
        return Expr(self._expr().terms + _as_expr(other).terms)

    def __radd__(self, other: Any) -> Expr:
        return Expr(_as_expr(other).terms + self._expr().terms)

    def __neg__(self) -> Expr:
        return self._expr()._times(Scalar((), -1))

    def __sub__(self, other: Any) -> Expr:
        return self + (-_as_expr(other))

    def __rsub__(self, other: Any) -> Expr:
        return _as_expr(other) + (-self._expr())

    def __mul__(self, other: Any) -> Expr:
        return self._expr()._times(_as_scalar(other))

    __rmul__ = __mul__


class Point(_Linear):
    """A named public group element: bound to its value, or symbolic (``value is None``).

    Symbolic points (:func:`public`, :func:`generator` without a group) are the
    parameters of a statement compiled once (:func:`~zkmed.hazmat.sigma.dsl.compile_statement`)
    and bound to values per instance.
    """

    __slots__ = ("name", "group", "value", "seq", "is_generator")

    def __init__(self, name: str, group: Group | None, value: Element | None, *, is_generator: bool = False) -> None:
        if not isinstance(name, str) or not name:
            raise MalformedInput("statement DSL: element names must be non-empty strings")
        if (group is None) != (value is None) or (group is not None and not isinstance(group, Group)):
            raise MalformedInput("statement DSL: a bound element needs a Group and a value")
        self.name, self.group, self.value, self.seq = name, group, value, next(_SEQ)
        self.is_generator = is_generator

    def _expr(self) -> Expr:
        return Expr(((1, None, self),))

    def __repr__(self) -> str:
        return self.name


class Expr(_Linear):
    """A linear combination of terms ``(coeff, (secret name, seq) or None, Point)``, in the order written."""

    __slots__ = ("terms",)

    def __init__(self, terms: tuple[tuple[int, tuple[str, int] | None, Point], ...]) -> None:
        self.terms = terms

    def _expr(self) -> Expr:
        return self

    def _times(self, k: Scalar) -> Expr:
        if not k.terms:
            return Expr(tuple((c * k.const, v, p) for c, v, p in self.terms))
        if any(v is not None for _, v, _ in self.terms):
            raise MalformedInput("statement DSL: a product of two secrets is not linear")
        out: list[tuple[int, tuple[str, int] | None, Point]]
        out = [(c * a, (n, s), p) for c, _, p in self.terms for n, s, a in k.terms]
        out += [(c * k.const, None, p) for c, _, p in self.terms] if k.const else []
        return Expr(tuple(out))

    def __repr__(self) -> str:
        out = ""
        for c, v, p in self.terms:
            body = f"{v[0]}·{p.name}" if v else p.name
            sign, mag = ("-", -c) if c < 0 else ("+", c)
            out += f" {sign} {_coef(mag)}{body}" if out else f"{'-' if c < 0 else ''}{_coef(mag)}{body}"
        return out


def _as_expr(v: Any) -> Expr:
    if isinstance(v, _Linear):
        return v._expr()
    raise MalformedInput(f"statement DSL: expected a group expression, got {type(v).__name__}")


def secrets(*names: str) -> tuple[Scalar, ...]:
    """Declare witness secrets, e.g. ``x, r = secrets("x", "r")``; indices follow this order."""
    if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
        raise MalformedInput("statement DSL: secret names must be distinct non-empty strings")
    return tuple(Scalar(((n, next(_SEQ), 1),)) for n in names)


def secret(name: str) -> Scalar:
    """One witness secret."""
    return secrets(name)[0]


def elements(group: Group, **named: Element) -> tuple[Point, ...]:
    """Bind public elements to names, in keyword order: ``C, H = elements(group, C=c, H=h)``."""
    return tuple(Point(name, group, value) for name, value in named.items())


def element(group: Group, name: str, value: Element) -> Point:
    """One named public element."""
    return Point(name, group, value)


def generator(group: Group | None = None) -> Point:
    """The generator ``G`` (element index 0 of every relation); symbolic without a group."""
    if group is None:
        return Point("G", None, None, is_generator=True)
    return Point("G", group, group.generator(), is_generator=True)


def public(*names: str) -> tuple[Point, ...]:
    """Declare symbolic public elements, bound per instance: ``X, H = public("X", "H")``."""
    if len(set(names)) != len(names):
        raise MalformedInput("statement DSL: element names must be distinct")
    return tuple(Point(name, None, None) for name in names)
