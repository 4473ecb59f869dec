"""Stored Merkle trees: O(log n) roots and proofs from perfect-subtree hashes.

:class:`MerkleTree` answers RFC 9162 questions at any size up to the stored
one by reading *perfect* subtree hashes from a :class:`NodeSource`;
:class:`Frontier` is the right edge of a growing tree and reports the nodes
each leaf completes (what a store keeps); :class:`MemoryTree` keeps them in
lists.  Subtree ``(level, index)`` covers leaves ``[index·2^level,
(index+1)·2^level)``; level 0 holds the leaf hashes.  Results equal
:mod:`zkmed.ledger.merkle`'s (tested).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from zkmed.errors import MalformedInput
from zkmed.ledger.merkle import EMPTY_ROOT, LEAF_PREFIX, NODE_PREFIX, check_count, leaf_hash, node_hash, split_point


class NodeSource(Protocol):
    """Where a :class:`MerkleTree` reads perfect-subtree hashes from."""

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree over leaves ``[index·2^level, (index+1)·2^level)``."""
        ...


class MerkleTree:
    """RFC 9162 roots and proofs for any size ≤ ``size`` from stored node hashes.

    Every subtree the RFC recursion visits is either perfect (one look-up) or
    the ragged right edge, whose hash folds O(log n) perfect subtrees, so each
    proof costs O(log n) look-ups — the tree is never rebuilt.
    """

    def __init__(self, source: NodeSource, size: int) -> None:
        self.source = source
        self.size = size

    def _range(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` where ``start`` is aligned to a power of two ≥ ``end - start``."""
        n = end - start
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            return self.source.node(level, start >> level)
        k = split_point(n)
        return node_hash(self._range(start, start + k), self._range(start + k, end))

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        size = check_count(size, "tree size")
        if not 0 <= size <= self.size:
            raise MalformedInput(f"tree size {size} is outside 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        n = self._size(size)
        return EMPTY_ROOT if n == 0 else self._range(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        n = self._size(size)
        index = check_count(index, "index")
        if not 0 <= index < n:
            raise MalformedInput(f"index {index} is outside a tree of {n} entries")
        out: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = split_point(end - start)
            if index < start + k:
                out.append(self._range(start + k, end))
                end = start + k
            else:
                out.append(self._range(start, start + k))
                start += k
        out.reverse()
        return out

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        n = self._size(size2)
        m = check_count(size1, "size1")
        if not 0 < m <= n:
            raise MalformedInput(f"size1 must satisfy 0 < size1 <= {n}, got {m}")
        out: list[bytes] = []
        start, end, complete = 0, n, True
        while m != end - start:
            k = split_point(end - start)
            if m <= k:
                out.append(self._range(start + k, end))
                end = start + k
            else:
                out.append(self._range(start, start + k))
                start += k
                m -= k
                complete = False
        if not complete:
            out.append(self._range(start, end))
        out.reverse()
        return out


class Frontier:
    """The right edge of a growing tree: one perfect-subtree hash per set bit of the size.

    :meth:`append` adds a leaf hash and returns the hashes it completed, in
    the order ``leaf, level-1 parent, level-2 parent, …`` — exactly the nodes
    ``(0, i), (1, i >> 1), …`` a store must keep for :class:`MerkleTree`.
    """

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != bin(size).count("1"):
            raise MalformedInput("frontier hashes do not match the tree size")
        self.size = size
        #: perfect-subtree hashes, largest (leftmost) first
        self._hashes = list(hashes)

    @classmethod
    def load(cls, source: NodeSource, size: int) -> Frontier:
        """The frontier of the stored tree of ``size`` leaves: one subtree per set bit of ``size``, leftmost first."""
        hashes, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                hashes.append(source.node(level, start >> level))
                start += 1 << level
        return cls(size, hashes)

    def append(self, leaf: bytes) -> list[bytes]:
        record = self._extend((leaf,), False)[0]
        return [record[i : i + 32] for i in range(0, len(record), 32)]

    def extend(self, leaves: Iterable[bytes]) -> list[bytes]:
        """Append many leaf hashes; one record per leaf: what :meth:`append` returns, concatenated.

        A leaf's record is its leaf hash followed by the level-1, level-2, …
        parents it completed, ``32 · (1 + trailing ones of its index)`` bytes —
        what a store keeps next to the entry.
        """
        return self._extend(leaves, False)

    def extend_data(self, entries: Iterable[bytes]) -> list[bytes]:
        """:meth:`extend` with the entries' data, hashing each leaf on the way (the batch hot path)."""
        return self._extend(entries, True)

    def _extend(self, items: Iterable[bytes], hash_leaves: bool) -> list[bytes]:
        out: list[bytes] = []
        append = out.append
        hashes = self._hashes
        push, pop = hashes.append, hashes.pop
        n = self.size
        sha256 = hashlib.sha256
        for item in items:
            h = sha256(LEAF_PREFIX + item).digest() if hash_leaves else item
            if n & 1:
                record = h
                m = n
                while m & 1:
                    h = sha256(NODE_PREFIX + pop() + h).digest()
                    record += h
                    m >>= 1
                append(record)
            else:
                append(h)
            push(h)
            n += 1
        self.size = n
        return out

    def root(self) -> bytes:
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        sha256 = hashlib.sha256
        r = hashes[-1]
        for i in range(len(hashes) - 2, -1, -1):
            r = sha256(NODE_PREFIX + hashes[i] + r).digest()
        return r

    def copy(self) -> Frontier:
        return Frontier(self.size, self._hashes)


class MemoryTree(MerkleTree):
    """A :class:`MerkleTree` whose node hashes live in memory (tests, tools, replicas in RAM)."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]
        self._frontier = Frontier()
        super().__init__(self, 0)

    @classmethod
    def from_entries(cls, entries: Sequence[bytes]) -> MemoryTree:
        tree = cls()
        for data in entries:
            tree.append(data)
        return tree

    def append(self, data: bytes) -> int:
        """Append an entry's data; returns its index."""
        index = self._frontier.size
        for level, h in enumerate(self._frontier.append(leaf_hash(data))):
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(h)
        self.size += 1
        return index

    def node(self, level: int, index: int) -> bytes:
        try:
            return self._levels[level][index]
        except IndexError:
            raise MalformedInput(f"no stored node at level {level}, index {index}") from None
