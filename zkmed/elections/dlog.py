"""Bounded discrete logarithms for exponential ElGamal: baby-step/giant-step sized from ``max_value``.

To find ``m ∈ [0, max_value]`` with ``m·G = Y``: with ``b = ⌊√max_value⌋ + 1`` baby steps,
the table maps ``encode(j·G) → j`` for ``j ∈ [0, b)``; the giant steps test
``Y − i·b·G`` for ``i = 0, 1, …, ⌊max_value / b⌋`` against it.  Cost ``O(√max_value)`` group
additions and encodings, table ``b`` entries keyed by 16 bytes of the encoding (a hit is confirmed
with one multiplication); tables are cached per (group, max_value).
Only public values go through here (decrypted tallies).
"""

from __future__ import annotations

from functools import lru_cache
from math import isqrt

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import Element, Group, get_group

__all__ = ["MAX_VALUE", "DlogTable", "discrete_log", "dlog_table"]

#: the largest bound accepted (a table of 2^18 entries)
MAX_VALUE = (1 << 36) - 1
#: table keys: the last 16 bytes of an element's encoding (a match is confirmed by one multiplication)
_KEY = 16


class DlogTable:
    """Baby-step/giant-step solver for ``m·G = Y`` with ``0 <= m <= max_value`` (public values only)."""

    __slots__ = ("_baby", "_giant", "baby_steps", "giant_steps", "group", "max_value")

    def __init__(self, group: Group, max_value: int) -> None:
        if not isinstance(max_value, int) or isinstance(max_value, bool) or not 0 <= max_value <= MAX_VALUE:
            raise MalformedInput(f"discrete log: max_value must be an integer in [0, {MAX_VALUE}]")
        self.group = group
        self.max_value = max_value
        self.baby_steps = isqrt(max_value) + 1
        self.giant_steps = max_value // self.baby_steps + 1
        encode, add, gen = group.encode_element, group.add, group.generator()
        baby: dict[bytes, int] = {}
        point = group.identity()
        for j in range(self.baby_steps):
            baby.setdefault(encode(point)[-_KEY:], j)
            point = add(point, gen)
        self._baby = baby
        self._giant = group.neg(point)  # -b·G

    def solve(self, point: Element) -> int | None:
        """``m`` with ``m·G = point`` and ``0 <= m <= max_value``, or None."""
        group = self.group
        encode, add, baby, giant = group.encode_element, group.add, self._baby, self._giant
        target = point
        for i in range(self.giant_steps):
            j = baby.get(encode(point)[-_KEY:])
            if j is not None:
                m = i * self.baby_steps + j
                if group.eq(group.mul_gen(m), target):  # the key is a truncated encoding: confirm
                    return m if m <= self.max_value else None
            point = add(point, giant)
        return None


@lru_cache(maxsize=8)
def _table(group_name: str, max_value: int) -> DlogTable:
    return DlogTable(get_group(group_name), max_value)


def dlog_table(group: Group, max_value: int) -> DlogTable:
    """The (cached) table for ``group`` and ``max_value``."""
    if not isinstance(max_value, int) or isinstance(max_value, bool):
        raise MalformedInput("discrete log: max_value must be an integer")
    return _table(group.name, max_value)


def discrete_log(group: Group, point: Element, max_value: int) -> int:
    """``m ∈ [0, max_value]`` with ``m·G = point``; VerificationError when there is none."""
    m = dlog_table(group, max_value).solve(point)
    if m is None:
        raise VerificationError(f"discrete log: the value is not in [0, {max_value}]")
    return m
