"""Tests for zkmed.hazmat.groups.hash_to_curve against the RFC 9380 test vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups.hash_to_curve import (
    P256_XMD_SHA256_SSWU_RO,
    SECP256K1_XMD_SHA256_SSWU_RO,
    SSWUSuite,
    encode_to_curve,
    expand_message_xmd,
    hash_to_curve,
    hash_to_field,
    map_to_curve,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "hash-to-curve"

SUITE_FILES = {
    "P256_XMD_SHA-256_SSWU_RO_.json": P256_XMD_SHA256_SSWU_RO,
    "secp256k1_XMD_SHA-256_SSWU_RO_.json": SECP256K1_XMD_SHA256_SSWU_RO,
}
EXPAND_FILES = ("expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json")
SUITES = (P256_XMD_SHA256_SSWU_RO, SECP256K1_XMD_SHA256_SSWU_RO)


def _load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _expand_cases() -> list:
    cases = []
    for name in EXPAND_FILES:
        data = _load(name)
        assert data["hash"] == "SHA256" and data["name"] == "expand_message_xmd"
        for i, vec in enumerate(data["tests"]):
            cases.append(pytest.param(data["DST"], vec, id=f"{name}-{i}"))
    return cases


def _suite_cases() -> list:
    cases = []
    for name, suite in SUITE_FILES.items():
        data = _load(name)
        for i, vec in enumerate(data["vectors"]):
            cases.append(pytest.param(suite, data["dst"], vec, id=f"{suite.name}-{i}"))
    return cases


def _pt(obj: dict) -> tuple[int, int]:
    return int(obj["x"], 16), int(obj["y"], 16)


def test_vector_files_present() -> None:
    assert len(_expand_cases()) == 20
    assert len(_suite_cases()) == 10


# --- expand_message_xmd (RFC 9380 §5.3.1, Appendix K) ----------------------


@pytest.mark.parametrize(("dst", "vec"), _expand_cases())
def test_expand_message_xmd_vectors(dst: str, vec: dict) -> None:
    out = expand_message_xmd(vec["msg"].encode(), dst.encode(), int(vec["len_in_bytes"], 16))
    assert out.hex() == vec["uniform_bytes"]


def test_oversize_dst_is_hashed() -> None:
    long_dst = b"D" * 256
    short = hashlib.sha256(b"H2C-OVERSIZE-DST-" + long_dst).digest()
    assert expand_message_xmd(b"abc", long_dst, 64) == expand_message_xmd(b"abc", short, 64)
    # 255 bytes is still used verbatim.
    dst255 = b"D" * 255
    hashed = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst255).digest()
    assert expand_message_xmd(b"abc", dst255, 64) != expand_message_xmd(b"abc", hashed, 64)


def test_expand_message_xmd_lengths() -> None:
    for n in (1, 31, 32, 33, 255 * 32):
        out = expand_message_xmd(b"m", b"DST", n)
        assert len(out) == n
    # Output is a prefix-free function of len_in_bytes: shorter is not a prefix.
    assert expand_message_xmd(b"m", b"DST", 64)[:32] != expand_message_xmd(b"m", b"DST", 32)


@pytest.mark.parametrize("n", [0, -1, 255 * 32 + 1, 65535, 1 << 20])
def test_expand_message_xmd_bad_length(n: int) -> None:
    with pytest.raises(MalformedInput):
        expand_message_xmd(b"m", b"DST", n)


@pytest.mark.parametrize(
    ("msg", "dst", "n"),
    [("m", b"DST", 32), (b"m", "DST", 32), (b"m", b"", 32), (b"m", b"DST", 32.0), (b"m", b"DST", True)],
)
def test_expand_message_xmd_bad_types(msg: object, dst: object, n: object) -> None:
    with pytest.raises(MalformedInput):
        expand_message_xmd(msg, dst, n)  # type: ignore[arg-type]


def test_malformed_input_is_value_error() -> None:
    with pytest.raises(ValueError):
        expand_message_xmd(b"m", b"DST", 0)


# --- hash_to_field / map_to_curve / hash_to_curve (Appendix J) -------------


@pytest.mark.parametrize("name", list(SUITE_FILES))
def test_suite_parameters_match_vectors(name: str) -> None:
    data = _load(name)
    suite = SUITE_FILES[name]
    assert data["ciphersuite"] == suite.name
    assert int(data["field"]["p"], 16) == suite.p
    assert int(data["Z"], 16) == suite.z % suite.p
    assert int(data["L"], 16) == suite.L
    assert data["expand"] == "XMD" and data["hash"] == "sha256" and data["randomOracle"]


@pytest.mark.parametrize(("suite", "dst", "vec"), _suite_cases())
def test_hash_to_curve_vectors(suite: SSWUSuite, dst: str, vec: dict) -> None:
    msg, dst_b = vec["msg"].encode(), dst.encode()
    u = hash_to_field(msg, 2, dst_b, suite.p, suite.L)
    assert u == [int(x, 16) for x in vec["u"]]
    q0, q1 = map_to_curve(suite, u[0]), map_to_curve(suite, u[1])
    assert q0 == _pt(vec["Q0"])
    assert q1 == _pt(vec["Q1"])
    point = hash_to_curve(suite, msg, dst_b)
    assert point == _pt(vec["P"])
    for pt in (q0, q1, point):
        assert suite.is_on_curve(pt)
        assert all(type(c) is int for c in pt)


def test_hash_to_field_shape() -> None:
    p = P256_XMD_SHA256_SSWU_RO.p
    u = hash_to_field(b"x", 5, b"DST", p, 48)
    assert len(u) == 5 and all(0 <= x < p for x in u)
    # len_in_bytes is bound into the expansion, so a shorter request differs.
    assert hash_to_field(b"x", 2, b"DST", p, 48) != u[:2]
    assert hash_to_field(b"x", 1, b"DST", 7, 1) == [expand_message_xmd(b"x", b"DST", 1)[0] % 7]


@pytest.mark.parametrize(
    ("count", "p", "L"),
    [(0, 7, 1), (-1, 7, 1), (1, 1, 1), (1, 7, 0), (2, 7, 5000), ("1", 7, 1), (1, 7.0, 1)],
)
def test_hash_to_field_bad_args(count: object, p: object, L: object) -> None:
    with pytest.raises(MalformedInput):
        hash_to_field(b"m", count, b"DST", p, L)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_map_to_curve_bad_args(suite: SSWUSuite) -> None:
    for bad in (-1, suite.p, suite.p + 5, 1.0, True, "3", None):
        with pytest.raises(MalformedInput):
            map_to_curve(suite, bad)  # type: ignore[arg-type]
    for fn in (hash_to_curve, encode_to_curve):
        with pytest.raises(MalformedInput):
            fn("P256", b"m", b"DST")  # type: ignore[arg-type]
        with pytest.raises(MalformedInput):
            fn(suite, "m", b"DST")  # type: ignore[arg-type]
        with pytest.raises(MalformedInput):
            fn(suite, b"m", b"")
    with pytest.raises(MalformedInput):
        map_to_curve(object(), 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_sswu_exceptional_inputs(suite: SSWUSuite) -> None:
    p = suite.p
    # u = 0 hits the inv0(0) branch of §6.6.2 step 3.
    assert suite.is_on_curve(map_to_curve(suite, 0))
    # Z * u^2 == -1 also makes Z^2 u^4 + Z u^2 vanish (-1/Z is a square, p = 3 mod 4).
    t = (-pow(suite.z, -1, p)) % p
    u = pow(t, (p + 1) // 4, p)
    assert u * u % p == t
    assert suite.is_on_curve(map_to_curve(suite, u))
    assert suite.is_on_curve(map_to_curve(suite, p - u))
    # Negating u negates y (sgn0 convention, §4.1 / §6.6.2 step 9).
    for v in (1, 2, 12345):
        x0, y0 = map_to_curve(suite, v)
        x1, y1 = map_to_curve(suite, p - v)
        assert x0 == x1 and (y0 + y1) % p == 0
        # sgn0(y) == sgn0(u) holds on the SSWU curve (E' for secp256k1).
        assert h2c._sswu(suite, v)[1] % 2 == v % 2


def test_affine_addition_group_law() -> None:
    for suite in SUITES:
        p = suite.p
        a, b, c = (map_to_curve(suite, v) for v in (3, 5, 7))
        add = h2c._add
        assert add(suite, None, a) == a and add(suite, a, None) == a
        assert add(suite, a, (a[0], (p - a[1]) % p)) is None
        two_a = add(suite, a, a)
        assert suite.is_on_curve(two_a)
        assert add(suite, two_a, a) == add(suite, a, two_a)
        assert add(suite, add(suite, a, b), c) == add(suite, a, add(suite, b, c))
        assert add(suite, a, b) == add(suite, b, a)


def test_encode_to_curve_matches_definition() -> None:
    for suite in SUITES:
        (u,) = hash_to_field(b"nu", 1, b"DST-NU", suite.p, suite.L)
        assert encode_to_curve(suite, b"nu", b"DST-NU") == map_to_curve(suite, u)


def test_secp256k1_isogeny_maps_to_curve() -> None:
    # Points produced by SSWU lie on E'; their images must lie on secp256k1.
    suite = SECP256K1_XMD_SHA256_SSWU_RO
    A, B = suite.sswu_curve
    for u in range(1, 40):
        x, y = h2c._sswu(suite, u)
        assert (y * y - x**3 - A * x - B) % suite.p == 0
        assert suite.is_on_curve(map_to_curve(suite, u))


def test_suite_validation() -> None:
    p256 = P256_XMD_SHA256_SSWU_RO
    with pytest.raises(AttributeError):
        p256.z = 3  # type: ignore[misc]
    with pytest.raises(MalformedInput):  # a * b == 0 without an isogeny
        SSWUSuite("x", SECP256K1_XMD_SHA256_SSWU_RO.p, 0, 7, -11, 48)
    with pytest.raises(MalformedInput):  # Z = 4 is a square
        SSWUSuite("x", p256.p, p256.a, p256.b, 4, 48)
    with pytest.raises(MalformedInput):  # p = 1 mod 4 unsupported
        SSWUSuite("x", 13, 1, 1, 2, 1)
    with pytest.raises(MalformedInput):  # incomplete isogeny data
        SSWUSuite("x", p256.p, p256.a, p256.b, p256.z, 48, iso_a=1)
    with pytest.raises(MalformedInput):
        SSWUSuite("x", p256.p, p256.a, p256.b, p256.z, 0)


# --- property tests ---------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    suite=st.sampled_from(SUITES),
    msg=st.binary(max_size=300),
    dst=st.binary(min_size=1, max_size=300),
)
def test_hash_to_curve_on_curve(suite: SSWUSuite, msg: bytes, dst: bytes) -> None:
    point = hash_to_curve(suite, msg, dst)
    assert suite.is_on_curve(point)
    assert suite.is_on_curve(encode_to_curve(suite, msg, dst))


@settings(max_examples=60, deadline=None)
@given(suite=st.sampled_from(SUITES), data=st.data())
def test_map_to_curve_on_curve(suite: SSWUSuite, data: st.DataObject) -> None:
    u = data.draw(st.integers(min_value=0, max_value=suite.p - 1))
    assert suite.is_on_curve(map_to_curve(suite, u))
