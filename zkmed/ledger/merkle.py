"""Merkle hash trees exactly as RFC 9162 §2.1 (= RFC 6962 §2.1) defines them (``docs/ledger.md`` §Model).

:func:`root`, :func:`inclusion_proof` and :func:`consistency_proof` are the
RFC's recursive definitions over a list, O(n) per call: the reference.  The
verifiers :func:`verify_inclusion` and :func:`verify_consistency` are strict
and raise :class:`~zkmed.errors.VerificationError` and nothing else.
O(log n) proofs from stored subtree hashes: :mod:`zkmed.ledger.tree`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from zkmed.errors import MalformedInput, VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n ≥ 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------
# the reference definitions over a list (O(n) per call)


def _mth(hashes: Sequence[bytes]) -> bytes:
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = split_point(n)
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _check_entries(entries: Sequence[bytes]) -> list[bytes]:
    if isinstance(entries, (bytes, bytearray, str)):
        raise MalformedInput("entries must be a sequence of byte strings, not a single string")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, (bytes, bytearray, memoryview)):
            raise MalformedInput(f"entry {i} is {type(e).__name__}, not bytes")
        out.append(leaf_hash(bytes(e)))
    return out


def check_count(value: object, what: str) -> int:
    """``value`` if it is an integer (not a bool), else MalformedInput naming ``what``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedInput(f"{what} must be an integer")
    return value


def root(entries: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` over the entries' data; ``SHA-256()`` for no entries."""
    return _mth(_check_entries(entries))


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return _path(m, hashes[:k]) + [_mth(hashes[k:])]
    return _path(m - k, hashes[k:]) + [_mth(hashes[:k])]


def inclusion_proof(entries: Sequence[bytes], index: int) -> list[bytes]:
    """``PATH(index, D[n])`` (RFC 9162 §2.1.3.1): sibling hashes, leaf level first."""
    hashes = _check_entries(entries)
    index = check_count(index, "index")
    if not 0 <= index < len(hashes):
        raise MalformedInput(f"index {index} is outside a tree of {len(hashes)} entries")
    return _path(index, hashes)


def _subproof(m: int, hashes: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if b else [_mth(hashes)]
    k = split_point(n)
    if m <= k:
        return _subproof(m, hashes[:k], b) + [_mth(hashes[k:])]
    return _subproof(m - k, hashes[k:], False) + [_mth(hashes[:k])]


def consistency_proof(entries: Sequence[bytes], size1: int) -> list[bytes]:
    """``PROOF(size1, D[n])`` (RFC 9162 §2.1.4.1) from the first ``size1`` entries to all of them."""
    hashes = _check_entries(entries)
    size1 = check_count(size1, "size1")
    if not 0 < size1 <= len(hashes):
        raise MalformedInput(f"size1 must satisfy 0 < size1 <= {len(hashes)}, got {size1}")
    return _subproof(size1, hashes, True)


# --------------------------------------------------------------------------
# verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2), strict


def _hash_arg(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise VerificationError(f"{what} must be a {HASH_SIZE}-byte hash")
    return bytes(value)


def _proof_arg(proof: object) -> list[bytes]:
    if isinstance(proof, (bytes, bytearray, str)) or not isinstance(proof, Sequence):
        raise VerificationError("proof must be a sequence of hashes")
    return [_hash_arg(p, f"proof[{i}]") for i, p in enumerate(proof)]


def _size_arg(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(f"{what} must be a non-negative integer")
    return value


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` leaves with ``root``.

    RFC 9162 §2.1.3.2, strict (``docs/ledger.md`` §Model): any deviation raises :class:`VerificationError`.
    """
    leaf = _hash_arg(leaf_hash, "leaf hash")
    expected = _hash_arg(root, "root")
    index = _size_arg(index, "index")
    tree_size = _size_arg(tree_size, "tree size")
    path = _proof_arg(proof)
    if index >= tree_size:
        raise VerificationError(f"index {index} is not below the tree size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof has extra elements")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is too short")
    if r != expected:
        raise VerificationError("inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree (``size1``, ``root1``) is a prefix of (``size2``, ``root2``).

    RFC 9162 §2.1.4.2, strict: ``0 < size1 <= size2``; equal sizes need an empty proof and equal roots.
    """
    first = _hash_arg(root1, "first root")
    second = _hash_arg(root2, "second root")
    size1 = _size_arg(size1, "size1")
    size2 = _size_arg(size2, "size2")
    path = _proof_arg(proof)
    if not 0 < size1 <= size2:
        raise VerificationError(f"consistency needs 0 < size1 <= size2, got {size1} and {size2}")
    if size1 == size2:
        if path:
            raise VerificationError("consistency proof between equal sizes must be empty")
        if first != second:
            raise VerificationError("trees of equal size have different roots")
        return
    if not path:
        raise VerificationError("consistency proof is empty")
    if size1 & (size1 - 1) == 0:
        path = [first, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof has extra elements")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is too short")
    if fr != first:
        raise VerificationError("consistency proof does not lead to the first root")
    if sr != second:
        raise VerificationError("consistency proof does not lead to the second root")
