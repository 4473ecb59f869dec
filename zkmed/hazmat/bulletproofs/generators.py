"""Bulletproofs vector generators ``G_0..G_{N-1}``, ``H_0..H_{N-1}`` (Bünz et al. 2018, §4.1).

The range proof of Bünz et al. (S&P 2018, §4.1, eq. 36–45) commits to the bit
vectors ``a_L, a_R`` and the blinding vectors ``s_L, s_R`` with the vector
Pedersen commitments::

    A = α·H + <a_L, G> + <a_R, H_vec>                              (eq. 44)
    S = ρ·H + <s_L, G> + <s_R, H_vec>                              (eq. 47)

Binding of these commitments — and hence soundness of the whole protocol —
rests on nobody knowing a discrete-log relation among ``G_i``, ``H_i``, the
Pedersen bases ``G`` and ``H``.  zkmed therefore derives every vector
generator by RFC 9380 hash-to-curve from a *public label*
(:func:`zkmed.hazmat.commitments.derive_generators`)::

    G_i = hash_to_element(label || "/G" || u32(i))
    H_i = hash_to_element(label || "/H" || u32(i))

so anyone can re-derive and audit them and no generator has a known
discrete log.  Derivation is index-based, hence *prefix-stable*: the first
``N`` generators of a larger set are exactly the generators of size ``N``.
This lets one batch verify proofs of different sizes against one shared
prefix (§6.2).  Generators are cached per ``(group, label, size)``, and a
larger set extends the smaller one already derived instead of starting over.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import derive_generators
from zkmed.hazmat.groups import Element, Group

#: the public label the default Bulletproofs generators are derived from
DEFAULT_GENS_LABEL = b"zkmed/v1/bulletproofs/generators"

#: largest generator capacity handed out (n = 64 bits × m = 1024 values)
MAX_CAPACITY = 1 << 16


@dataclass(frozen=True, eq=False)
class BulletproofGens:
    """The public vector generators ``G_vec``, ``H_vec`` of one size, derived from ``label``."""

    group: Group
    label: bytes
    g_vec: tuple[Element, ...] = field(repr=False)
    h_vec: tuple[Element, ...] = field(repr=False)

    @property
    def capacity(self) -> int:
        """How many ``(G_i, H_i)`` pairs these generators hold (``n·m`` after padding)."""
        return len(self.g_vec)

    @classmethod
    def get(cls, group: Group, capacity: int, label: bytes = DEFAULT_GENS_LABEL) -> BulletproofGens:
        """The cached generators of exactly ``capacity`` pairs for ``(group, label)``."""
        if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
            raise MalformedInput(f"Bulletproofs generator capacity must be in [1, {MAX_CAPACITY}], got {capacity!r}")
        if not isinstance(label, (bytes, bytearray)) or not label:
            raise MalformedInput("Bulletproofs generator label must be non-empty bytes")
        return _cached_gens(group, bytes(label), capacity)

    def prefix(self, size: int) -> tuple[tuple[Element, ...], tuple[Element, ...]]:
        """``(G_0..G_{size-1}, H_0..H_{size-1})`` — index derivation makes prefixes consistent."""
        if not 0 <= size <= self.capacity:
            raise MalformedInput(f"asked for {size} generators, only {self.capacity} derived")
        return self.g_vec[:size], self.h_vec[:size]


_FULL: dict[tuple[Group, bytes], tuple[tuple[Element, ...], tuple[Element, ...]]] = {}
_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _cached_gens(group: Group, label: bytes, capacity: int) -> BulletproofGens:
    """Slice of the largest set derived so far for ``(group, label)``, extended (by index) when too short."""
    with _LOCK:
        g_vec, h_vec = _FULL.get((group, label), ((), ()))
        if len(g_vec) < capacity:
            start = len(g_vec)
            g_vec += tuple(derive_generators(group, label + b"/G", capacity - start, start))
            h_vec += tuple(derive_generators(group, label + b"/H", capacity - start, start))
            _FULL[(group, label)] = (g_vec, h_vec)
    return BulletproofGens(group=group, label=label, g_vec=g_vec[:capacity], h_vec=h_vec[:capacity])


__all__ = ["DEFAULT_GENS_LABEL", "MAX_CAPACITY", "BulletproofGens"]
