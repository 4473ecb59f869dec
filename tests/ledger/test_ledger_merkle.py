"""RFC 9162 Merkle trees (merkle.py) and stored trees (tree.py): known answers, properties, strictness, O(log n) proofs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger import merkle
from zkmed.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from zkmed.ledger.tree import Frontier, MemoryTree, MerkleTree

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "ledger" / "merkle-rfc6962.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots"]]


def _data(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


# -- known answers -------------------------------------------------------------------


def test_empty_root_is_sha256_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == ROOTS[0]
    assert MemoryTree().root() == EMPTY_ROOT


@pytest.mark.parametrize("n", range(9))
def test_reference_roots(n: int) -> None:
    assert root(LEAVES[:n]) == ROOTS[n]
    assert MemoryTree.from_entries(LEAVES[:n]).root() == ROOTS[n]


def test_leaf_hash_of_empty_leaf_is_the_size_one_root() -> None:
    assert leaf_hash(b"") == ROOTS[1]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['tree_size']}")
def test_reference_inclusion_proofs(case: dict) -> None:
    n, i = case["tree_size"], case["index"]
    want = [bytes.fromhex(h) for h in case["proof"]]
    assert inclusion_proof(LEAVES[:n], i) == want
    assert MemoryTree.from_entries(LEAVES[:n]).inclusion_proof(i) == want
    assert verify_inclusion(leaf_hash(LEAVES[i]), i, n, want, ROOTS[n]) is None


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_reference_consistency_proofs(case: dict) -> None:
    m, n = case["size1"], case["size2"]
    want = [bytes.fromhex(h) for h in case["proof"]]
    assert consistency_proof(LEAVES[:n], m) == want
    assert MemoryTree.from_entries(LEAVES[:n]).consistency_proof(m) == want
    assert verify_consistency(m, n, want, ROOTS[m], ROOTS[n]) is None


# -- the Go suite's corruption probes, applied to every reference vector ----------------


def _inclusion_probes(i: int, n: int, proof: list[bytes], r: bytes, leaf: bytes) -> list[tuple]:
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (i - 1, n, proof, r, leaf),
        (i + 1, n, proof, r, leaf),
        (i ^ 2, n, proof, r, leaf),
        (i, n * 2, proof, r, leaf),
        (i, n // 2, proof, r, leaf),
        (i, n, proof, r, b"WrongLeaf"),
        (i, n, proof, EMPTY_ROOT, leaf),
        (i, n, proof, some, leaf),
        (i, n, [*proof, b""], r, leaf),
        (i, n, [*proof, r], r, leaf),
        (i, n, [b"", *proof], r, leaf),
        (i, n, [r, *proof], r, leaf),
    ]
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 8]) + bad[k][1:]
        probes.append((i, n, bad, r, leaf))
    if proof:
        probes.append((i, n, proof[:-1], r, leaf))
    if len(proof) > 1:
        probes.append((i, n, [proof[0], some, *proof[1:]], r, leaf))
    return [p for p in probes if p[0] >= 0]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['tree_size']}")
def test_inclusion_rejects_every_corruption(case: dict) -> None:
    n, i = case["tree_size"], case["index"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    for idx, size, pr, r, leaf in _inclusion_probes(i, n, proof, ROOTS[n], leaf_hash(LEAVES[i])):
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, idx, size, pr, r)


@pytest.mark.parametrize(
    "case", [c for c in VECTORS["consistency"] if c["proof"]], ids=lambda c: f"{c['size1']}-to-{c['size2']}"
)
def test_consistency_rejects_every_corruption(case: dict) -> None:
    m, n = case["size1"], case["size2"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    r1, r2 = ROOTS[m], ROOTS[n]
    probes = [
        (m - 1, n, proof, r1, r2),
        (m + 1, n, proof, r1, r2),
        (m ^ 2, n, proof, r1, r2),
        (m, n * 2, proof, r1, r2),
        (m, n // 2, proof, r1, r2),
        (m, n, proof, b"WrongRoot", r2),
        (m, n, proof, r1, b"WrongRoot"),
        (m, n, proof, r2, r1),
        (m, n, [], r1, r2),
        (m, n, [*proof, b""], r1, r2),
        (m, n, [*proof, r1], r1, r2),
        (m, n, [*proof, r2], r1, r2),
        (m, n, [b"", *proof], r1, r2),
        (m, n, [r1, *proof], r1, r2),
        (m, n, [r2, *proof], r1, r2),
        (m, n, [proof[0], *proof], r1, r2),
        (m, n, proof[:-1], r1, r2),
    ]
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 16]) + bad[k][1:]
        probes.append((m, n, bad, r1, r2))
    for s1, s2, pr, a, b in probes:
        with pytest.raises(VerificationError):
            verify_consistency(s1, s2, pr, a, b)


# -- strictness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (b"\x00" * 31, 0, 1, [], ROOTS[1]),  # short leaf hash
        (ROOTS[1], 0, 1, [], ROOTS[1][:31]),  # short root
        (ROOTS[1], 0, 0, [], ROOTS[1]),  # index == tree size
        (ROOTS[1], 1, 1, [], ROOTS[1]),
        (ROOTS[1], -1, 1, [], ROOTS[1]),
        (ROOTS[1], True, 2, [ROOTS[1]], ROOTS[1]),  # bools are not indices
        (ROOTS[1], 0, 1, b"\x00" * 32, ROOTS[1]),  # a bytes object is not a proof list
        (ROOTS[1], 0, 1, ["not bytes"], ROOTS[1]),
        (ROOTS[1], 0, 1, None, ROOTS[1]),
        ("text", 0, 1, [], ROOTS[1]),
    ],
)
def test_verify_inclusion_is_strict(args: tuple) -> None:
    with pytest.raises(VerificationError):
        verify_inclusion(*args)


@pytest.mark.parametrize(
    "args",
    [
        (0, 0, [], EMPTY_ROOT, EMPTY_ROOT),  # size1 must be > 0
        (0, 1, [], EMPTY_ROOT, ROOTS[1]),
        (2, 1, [], ROOTS[2], ROOTS[1]),  # time travel
        (1, 1, [ROOTS[1]], ROOTS[1], ROOTS[1]),  # equal sizes need an empty proof
        (1, 1, [], ROOTS[1], ROOTS[2]),  # equal sizes need equal roots
        (1, 2, [], ROOTS[1], ROOTS[2]),  # missing proof
        (1, 2, [ROOTS[1][:31]], ROOTS[1], ROOTS[2]),
        (1, 2, "x", ROOTS[1], ROOTS[2]),
        (-1, 2, [], ROOTS[1], ROOTS[2]),
    ],
)
def test_verify_consistency_is_strict(args: tuple) -> None:
    with pytest.raises(VerificationError):
        verify_consistency(*args)


def test_verifiers_return_none_not_bool() -> None:
    assert verify_inclusion(leaf_hash(LEAVES[0]), 0, 1, [], ROOTS[1]) is None
    assert verify_consistency(3, 3, [], ROOTS[3], ROOTS[3]) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: inclusion_proof(LEAVES, 8),
        lambda: inclusion_proof(LEAVES, -1),
        lambda: inclusion_proof([], 0),
        lambda: inclusion_proof(LEAVES, "0"),
        lambda: consistency_proof(LEAVES, 0),
        lambda: consistency_proof(LEAVES, 9),
        lambda: root(b"abc"),
        lambda: root(["abc"]),
        lambda: MemoryTree.from_entries(LEAVES).inclusion_proof(3, 9),
        lambda: MemoryTree.from_entries(LEAVES).consistency_proof(0),
        lambda: MemoryTree().node(0, 0),
    ],
)
def test_generators_reject_bad_parameters(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedInput):
        call()


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_inclusion_proofs_verify_and_match_the_reference(n: int, data: st.DataObject) -> None:
    entries = _data(n)
    tree = MemoryTree.from_entries(entries)
    r = root(entries)
    assert tree.root() == r
    i = data.draw(st.integers(0, n - 1))
    proof = tree.inclusion_proof(i)
    assert proof == inclusion_proof(entries, i)
    verify_inclusion(leaf_hash(entries[i]), i, n, proof, r)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = list(proof)
        bad[k] = bad[k][: bit // 8] + bytes([bad[k][bit // 8] ^ (1 << bit % 8)]) + bad[k][bit // 8 + 1 :]
        with pytest.raises(VerificationError):
            verify_inclusion(leaf_hash(entries[i]), i, n, bad, r)
        with pytest.raises(VerificationError):
            verify_inclusion(leaf_hash(entries[i]), i, n, [*proof, proof[0]], r)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_consistency_proofs_verify_and_match_the_reference(n: int, data: st.DataObject) -> None:
    entries = _data(n)
    m = data.draw(st.integers(1, n))
    tree = MemoryTree.from_entries(entries)
    proof = tree.consistency_proof(m)
    assert proof == consistency_proof(entries, m)
    r1, r2 = root(entries[:m]), root(entries)
    assert tree.root(m) == r1
    verify_consistency(m, n, proof, r1, r2)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 0x80]) + bad[k][1:]
        with pytest.raises(VerificationError):
            verify_consistency(m, n, bad, r1, r2)
        with pytest.raises(VerificationError):
            verify_consistency(m, n, proof[:-1], r1, r2)


@settings(max_examples=40, deadline=None)
@given(proof=st.lists(st.binary(min_size=0, max_size=40), max_size=6), i=st.integers(-3, 40), n=st.integers(-3, 40))
def test_verifiers_only_ever_raise_verification_error(proof: list[bytes], i: int, n: int) -> None:
    for call in (
        lambda: verify_inclusion(EMPTY_ROOT, i, n, proof, EMPTY_ROOT),
        lambda: verify_consistency(i, n, proof, EMPTY_ROOT, EMPTY_ROOT),
    ):
        try:
            call()
        except VerificationError:
            pass


def test_frontier_tracks_every_size() -> None:
    entries = _data(70)
    f = Frontier()
    tree = MemoryTree()
    recorded: list[bytes] = []
    for n, e in enumerate(entries, 1):
        created = f.append(leaf_hash(e))
        recorded.append(b"".join(created))
        tree.append(e)
        assert f.root() == root(entries[:n])
        assert created[0] == leaf_hash(e) and len(created) == (n & -n).bit_length()
        assert Frontier.load(tree, n).root() == f.root()
    g = Frontier()
    assert g.extend_data(entries) == recorded
    h = Frontier()
    assert h.extend(leaf_hash(e) for e in entries) == recorded and h.root() == f.root()
    assert g.root() == f.root() and g.size == 70


def test_split_point() -> None:
    assert [merkle.split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]


def test_stored_tree_uses_logarithmic_lookups() -> None:
    """A proof at size 2^20 touches O(log n) stored nodes, never the whole tree."""

    class CountingSource:
        def __init__(self) -> None:
            self.calls = 0

        def node(self, level: int, index: int) -> bytes:
            self.calls += 1
            return leaf_hash(f"{level}/{index}".encode())

    src = CountingSource()
    n = (1 << 20) + 12345
    tree = MerkleTree(src, n)
    tree.inclusion_proof(777_777)
    assert src.calls <= 2 * n.bit_length()
    src.calls = 0
    tree.consistency_proof(654_321)
    assert src.calls <= 3 * n.bit_length()
