"""Cross-backend agreement and RFC 9380 vectors.

* secp256k1 on petlib/OpenSSL and secp256k1 on py_ecc must produce
  byte-identical encodings for the same inputs (mul_gen, mul, add, neg, msm,
  encode/decode, hash_to_element) and reject the same malformed encodings.
* ``hash_to_element`` of every curve backend must reproduce the RFC 9380
  Appendix J suite vectors (``tests/vectors/hash-to-curve/``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.groups.base import Group

VECTORS = Path(__file__).parent.parent / "vectors" / "hash-to-curve"
SUITE_FILES = {
    "P256": "P256_XMD_SHA-256_SSWU_RO_.json",
    "secp256k1": "secp256k1_XMD_SHA-256_SSWU_RO_.json",
    "secp256k1-pyecc": "secp256k1_XMD_SHA-256_SSWU_RO_.json",
}


@pytest.fixture(scope="module")
def fast() -> Group:
    return get_group("secp256k1")


@pytest.fixture(scope="module")
def ref() -> Group:
    return get_group("secp256k1-pyecc")


def _k(fast: Group, ref: Group) -> int:
    assert fast.order == ref.order
    return fast.order


EDGE_SCALARS = [0, 1, 2, 3, 7, 2**128, 2**255, -1, -2, 0xFF, 0x80, 0x81]


def _edge(q: int) -> list[int]:
    return EDGE_SCALARS + [q - 1, q - 2, q, q + 1, 2 * q + 5, (q - 1) // 2, (q + 1) // 2]


def test_same_curve_parameters(fast: Group, ref: Group) -> None:
    assert fast.order == ref.order
    assert fast.field_prime == ref.field_prime  # type: ignore[attr-defined]
    assert fast.encode_element(fast.generator()) == ref.encode_element(ref.generator())
    assert fast.encode_element(fast.identity()) == ref.encode_element(ref.identity()) == bytes(33)
    assert (fast.element_size, fast.scalar_size) == (ref.element_size, ref.scalar_size)


def test_mul_gen_and_mul_agree_on_edge_scalars(fast: Group, ref: Group) -> None:
    q = _k(fast, ref)
    pf = fast.mul_gen(0xC0FFEE)
    pr = ref.mul_gen(0xC0FFEE)
    assert fast.encode_element(pf) == ref.encode_element(pr)
    for k in _edge(q):
        assert fast.encode_element(fast.mul_gen(k)) == ref.encode_element(ref.mul_gen(k)), k
        assert fast.encode_element(fast.mul(pf, k)) == ref.encode_element(ref.mul(pr, k)), k


@settings(max_examples=12, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=2**256 - 1), st.integers(min_value=1, max_value=2**256 - 1))
def test_mul_gen_mul_add_neg_agree(k: int, s: int) -> None:
    fast, ref = get_group("secp256k1"), get_group("secp256k1-pyecc")
    a_f, a_r = fast.mul_gen(k), ref.mul_gen(k)
    enc = fast.encode_element(a_f)
    assert enc == ref.encode_element(a_r)
    b_f, b_r = fast.mul(fast.generator(), s), ref.mul(ref.generator(), s)
    assert fast.encode_element(b_f) == ref.encode_element(b_r)
    assert fast.encode_element(fast.add(a_f, b_f)) == ref.encode_element(ref.add(a_r, b_r))
    assert fast.encode_element(fast.add(a_f, a_f)) == ref.encode_element(ref.add(a_r, a_r))
    assert fast.encode_element(fast.neg(a_f)) == ref.encode_element(ref.neg(a_r))
    assert fast.encode_element(fast.sub(a_f, b_f)) == ref.encode_element(ref.sub(a_r, b_r))
    assert fast.encode_element(fast.mul(a_f, s)) == ref.encode_element(ref.mul(a_r, s))


def test_add_special_cases_agree(fast: Group, ref: Group) -> None:
    a_f, a_r = fast.mul_gen(99), ref.mul_gen(99)
    cases_f = [fast.add(a_f, fast.neg(a_f)), fast.add(fast.identity(), a_f), fast.add(a_f, fast.identity())]
    cases_r = [ref.add(a_r, ref.neg(a_r)), ref.add(ref.identity(), a_r), ref.add(a_r, ref.identity())]
    assert [fast.encode_element(x) for x in cases_f] == [ref.encode_element(x) for x in cases_r]


@pytest.mark.parametrize("n", [0, 1, 2, 9])
def test_msm_agrees(fast: Group, ref: Group, n: int) -> None:
    rng = random.Random(n)
    q = _k(fast, ref)
    base = [rng.randrange(1, q) for _ in range(n)]
    scalars = [rng.randrange(-q, 2 * q) for _ in range(n)]
    for gen_scalar in (0, rng.randrange(q), q):
        out_f = fast.msm(scalars, [fast.mul_gen(b) for b in base], gen_scalar=gen_scalar)
        out_r = ref.msm(scalars, [ref.mul_gen(b) for b in base], gen_scalar=gen_scalar)
        assert fast.encode_element(out_f) == ref.encode_element(out_r)


def test_decode_agrees_on_valid_encodings(fast: Group, ref: Group) -> None:
    rng = random.Random(3)
    for _ in range(12):
        data = fast.encode_element(fast.mul_gen(rng.randrange(1, fast.order)))
        assert ref.encode_element(ref.decode_element(data)) == data
        assert fast.encode_element(fast.decode_element(data)) == data
        flipped = bytes([data[0] ^ 1]) + data[1:]
        assert ref.encode_element(ref.decode_element(flipped)) == fast.encode_element(fast.decode_element(flipped))


def _malformed(p: int) -> list[bytes]:
    out = [b"", bytes(32), bytes(34), b"\x04" + bytes(64), bytes(33)]
    for prefix in (0, 1, 4, 5, 6, 7, 0xFF):
        out.append(bytes([prefix]) + (5).to_bytes(32, "big"))
    out += [b"\x02" + p.to_bytes(32, "big"), b"\x03" + (p + 1).to_bytes(32, "big"), b"\x02" + bytes([0xFF]) * 32]
    rng = random.Random(11)
    out += [bytes([2 + rng.randrange(2)]) + rng.randbytes(32) for _ in range(20)]  # about half are off-curve
    return out


def test_decoders_reject_the_same_inputs(fast: Group, ref: Group) -> None:
    p = fast.field_prime  # type: ignore[attr-defined]
    rejected = 0
    for data in _malformed(p):
        verdicts = []
        for group in (fast, ref):
            try:
                verdicts.append(group.encode_element(group.decode_element(data)))
            except MalformedInput:
                verdicts.append(None)
        assert verdicts[0] == verdicts[1], data.hex()
        rejected += verdicts[0] is None
    assert rejected >= 15


@pytest.mark.parametrize("msg", [b"", b"abc", b"zkmed generator 0", bytes(range(256))])
@pytest.mark.parametrize("dst", [b"zkmed-v1", b"QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_", b"x" * 300])
def test_hash_to_element_agrees(fast: Group, ref: Group, msg: bytes, dst: bytes) -> None:
    assert fast.encode_element(fast.hash_to_element(msg, dst)) == ref.encode_element(ref.hash_to_element(msg, dst))


def _suite_vectors() -> list:
    cases = []
    for name, filename in SUITE_FILES.items():
        data = json.loads((VECTORS / filename).read_text(encoding="utf-8"))
        for i, vec in enumerate(data["vectors"]):
            cases.append(pytest.param(name, data["dst"], vec, id=f"{name}-{i}"))
    return cases


@pytest.mark.parametrize(("name", "dst", "vec"), _suite_vectors())
def test_hash_to_element_matches_rfc9380_vectors(name: str, dst: str, vec: dict) -> None:
    group = get_group(name)
    point = group.hash_to_element(vec["msg"].encode(), dst.encode())
    expected = (int(vec["P"]["x"], 16), int(vec["P"]["y"], 16))
    assert group.to_affine(point) == expected  # type: ignore[attr-defined]
    x, y = expected
    assert group.encode_element(point) == bytes([2 | (y & 1)]) + x.to_bytes(32, "big")


def test_pyecc_backend_leaves_the_recursion_limit_alone() -> None:
    """py_ecc raises it to 100000 on import; deep JSON would then crash the C stack instead of failing."""
    code = (
        "import sys; before = sys.getrecursionlimit(); "
        "from zkmed.hazmat.groups import get_group; get_group('secp256k1-pyecc').mul_gen(5); "
        "print(before, sys.getrecursionlimit())"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert before == after
