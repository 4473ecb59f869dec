"""Bulletproofs vector generators ``G_0..G_{N-1}``, ``H_0..H_{N-1}`` (Bünz et al. 2018, §4.1).

``G_i = hash_to_element(label || "/G" || u32(i))``, ``H_i`` likewise with ``"/H"``
(:func:`zkmed.hazmat.commitments.derive_generators`): no known discrete-log relation,
prefix-stable.  Kept per ``(group name, label)`` — by value, never by object identity —
and a larger set extends them.  Why and how: ``docs/rangeproofs.md`` §"Generators".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import derive_generators
from zkmed.hazmat.groups import Element, Group

#: the public label the default Bulletproofs generators are derived from
DEFAULT_GENS_LABEL = b"zkmed/v1/bulletproofs/generators"

#: largest generator capacity handed out (n = 64 bits × m = 1024 values)
MAX_CAPACITY = 1 << 16


@dataclass(frozen=True, eq=False)
class BulletproofGens:
    """The public vector generators ``G_vec``, ``H_vec`` of one size, derived from ``label``.

    ``p_vec`` holds ``P_i = G_i + H_i`` and ``a_offset`` is ``Σ P_i + Σ H_i``, for the
    prover's ``A = α·H + Σ (a_i + 1)·P_i − a_offset`` (:mod:`.prover`).
    """

    group: Group
    label: bytes
    g_vec: tuple[Element, ...] = field(repr=False)
    h_vec: tuple[Element, ...] = field(repr=False)
    p_vec: tuple[Element, ...] = field(repr=False)
    a_offset: Element = field(repr=False)

    @property
    def capacity(self) -> int:
        """How many ``(G_i, H_i)`` pairs these generators hold (``n·m'`` after padding)."""
        return len(self.g_vec)

    @classmethod
    def get(cls, group: Group, capacity: int, label: bytes = DEFAULT_GENS_LABEL) -> BulletproofGens:
        """The generators of exactly ``capacity`` pairs for ``(group, label)`` (derived once per group and label)."""
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
            raise MalformedInput(f"Bulletproofs generator capacity must be in [1, {MAX_CAPACITY}], got {capacity!r}")
        if not isinstance(label, (bytes, bytearray)) or not label:
            raise MalformedInput("Bulletproofs generator label must be non-empty bytes")
        if not isinstance(group, Group):
            raise MalformedInput(f"expected a Group, got {type(group).__name__}")
        return _generators(group, bytes(label), capacity)

    def prefix(self, size: int) -> tuple[tuple[Element, ...], tuple[Element, ...]]:
        """``(G_0..G_{size-1}, H_0..H_{size-1})`` — index derivation makes prefixes consistent."""
        if not 0 <= size <= self.capacity:
            raise MalformedInput(f"asked for {size} generators, only {self.capacity} derived")
        return self.g_vec[:size], self.h_vec[:size]


@dataclass
class _Derived:
    """Everything derived so far for one ``(group name, label)``: the longest vectors and the sets handed out."""

    group: Group
    g_vec: tuple[Element, ...] = ()
    h_vec: tuple[Element, ...] = ()
    p_vec: tuple[Element, ...] = ()
    sets: dict[int, BulletproofGens] = field(default_factory=dict)


#: keyed by value — the group's name and the label — never by object identity
_DERIVED: dict[tuple[str, bytes], _Derived] = {}
_LOCK = threading.Lock()
#: how many differently sized sets one (group, label) keeps
_MAX_SETS = 64


def _generators(group: Group, label: bytes, capacity: int) -> BulletproofGens:
    """The set of ``capacity`` pairs, extending (by index) the longest vectors derived so far when too short."""
    with _LOCK:
        d = _DERIVED.get((group.name, label))
        if d is None or d.group is not group:  # another instance under the same name: start over for it
            d = _DERIVED[(group.name, label)] = _Derived(group)
        found = d.sets.get(capacity)
        if found is not None:
            return found
        if len(d.g_vec) < capacity:
            start = len(d.g_vec)
            new_g = derive_generators(group, label + b"/G", capacity - start, start)
            new_h = derive_generators(group, label + b"/H", capacity - start, start)
            d.g_vec += tuple(new_g)
            d.h_vec += tuple(new_h)
            d.p_vec += tuple(group.add(a, b) for a, b in zip(new_g, new_h, strict=True))
        p_vec = d.p_vec[:capacity]
        gens = BulletproofGens(
            group=group,
            label=label,
            g_vec=d.g_vec[:capacity],
            h_vec=d.h_vec[:capacity],
            p_vec=p_vec,
            a_offset=group.sum([*p_vec, *d.h_vec[:capacity]]),
        )
        if len(d.sets) >= _MAX_SETS:
            d.sets.pop(next(iter(d.sets)))
        d.sets[capacity] = gens
        return gens


__all__ = ["DEFAULT_GENS_LABEL", "MAX_CAPACITY", "BulletproofGens"]
