"""Explicit fixed bases (Group.fixed_base) and the OpenSSL binding behind P-256's tables.

Same results as a plain multiplication for any scalar; immutable objects, no
state left in the group; the second libcrypto binding is proven to be petlib's
own, and a simulated mismatch is refused (no tables, plain path, reported).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import BACKENDS, FixedBase, get_group, openssl_fixed_base, selfcheck
from zkmed.hazmat.groups.base import Group

SCALARS = (0, 1, 2, 255, 256, -3, 2**300 + 7)


@pytest.fixture(scope="module", params=list(BACKENDS))
def group(request: pytest.FixtureRequest) -> Group:
    return get_group(request.param)


def test_fixed_base_multiplies_like_any_other(group: Group) -> None:
    base = group.hash_to_element(b"fixed-base test", b"zkmed-test-fixed-base")
    fixed = group.fixed_base(base)
    twin = group.decode_element(group.encode_element(base))  # equal value, another object
    q = group.order
    for k in (*SCALARS, q - 1, q, q + 5):
        expected = group.msm([k % q], [twin]) if k % q else group.identity()
        assert group.eq(fixed.mul(k), expected), k
        assert group.eq(fixed.mul_secret(k), expected), k
        assert group.eq(group.mul(base, k), expected), k
    assert fixed.encoding == group.encode_element(base)
    assert fixed.point is base and fixed.group is group


def test_generator_fixed_base_uses_the_generator_paths(group: Group) -> None:
    fixed = group.fixed_base(group.generator())
    assert fixed.kind == "generator"
    for k in (*SCALARS, group.order - 1):
        assert group.eq(fixed.mul_secret(k), group.mul_gen(k))
        assert group.eq(fixed.mul(k), group.mul_gen(k))


def test_fixed_base_is_immutable_and_leaves_no_state_in_the_group(group: Group) -> None:
    before = dict(vars(group))
    fixed = group.fixed_base(group.mul_gen(99))
    with pytest.raises(AttributeError):
        fixed.point = group.generator()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del fixed.encoding
    assert dict(vars(group)).keys() == before.keys()  # nothing registered inside the group
    assert "FixedBase" in repr(fixed) and group.name in repr(fixed)


def test_identity_fixed_base_is_harmless(group: Group) -> None:
    fixed = group.fixed_base(group.identity())
    assert group.is_identity(fixed.mul(5)) and group.is_identity(fixed.mul_secret(5))


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**256))
def test_pedersen_h_table_matches_msm(k: int) -> None:
    params = PedersenParams.default(get_group("P256"))
    g = params.group
    expected = g.msm([k % g.order], [params.h]) if k % g.order else g.identity()
    assert g.eq(params.h_base.mul_secret(k), expected)


def test_p256_pedersen_h_has_an_openssl_table() -> None:
    params = PedersenParams.default(get_group("P256"))
    assert openssl_fixed_base.binding_state().ok, openssl_fixed_base.binding_state().detail
    assert params.h_base.kind == "openssl-table"
    assert params.g_base.kind == "generator"
    assert "tables on" in get_group("P256").fixed_base_state()


def test_secp256k1_needs_no_table() -> None:
    g = get_group("secp256k1")
    assert g.fixed_base(g.mul_gen(5)).kind == "plain"  # OpenSSL's generator slot is the ladder there


def test_binding_proves_it_is_petlibs_libcrypto() -> None:
    state = openssl_fixed_base.binding_state()
    assert state.ok and "libcrypto" in state.library and "same libcrypto as petlib" in state.detail


def _refused(monkeypatch: pytest.MonkeyPatch, **fakes: object) -> openssl_fixed_base.BindingState:
    monkeypatch.setattr(openssl_fixed_base, "_state", None)
    monkeypatch.setattr(openssl_fixed_base, "_binding", None)
    for name, fake in fakes.items():
        monkeypatch.setattr(openssl_fixed_base, name, fake)
    return openssl_fixed_base.binding_state()


def test_mismatched_libcrypto_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A different anchor address (as another libcrypto copy would give) refuses the binding."""
    real = openssl_fixed_base._petlib_anchor()
    state = _refused(monkeypatch, _petlib_anchor=lambda: real + 64)
    assert not state.ok and "refused" in state.detail
    g = get_group("P256")
    base = g.mul_gen(1234)
    fixed = g.fixed_base(base)
    assert type(fixed) is FixedBase and fixed.kind == "plain"  # the plain constant-time path
    assert g.eq(fixed.mul_secret(7), g.mul_gen(7 * 1234))
    assert openssl_fixed_base.build_table(415, 0) is None  # no pointer ever crosses
    assert "tables off" in g.fixed_base_state() and "refused" in g.fixed_base_state()
    p256 = next(r for r in selfcheck.self_check_all() if r.name == "P256")
    assert p256.ok and "refused" in p256.fixed_base


def test_other_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    state = _refused(monkeypatch, _petlib_version_num=lambda: 0x1010100F)
    assert not state.ok and "OPENSSL_VERSION_NUMBER" in state.detail

    def no_library(address: int) -> str:
        raise OSError("dladdr cannot place petlib's libcrypto")

    state = _refused(monkeypatch, _library_of=no_library)
    assert not state.ok and "OSError" in state.detail

    state = _refused(monkeypatch, _library_of=lambda address: "/nonexistent/libcrypto.so.3")
    assert not state.ok  # RTLD_NOLOAD: a library that is not already mapped is never loaded


def test_state_is_restored_after_the_simulation() -> None:
    assert openssl_fixed_base.binding_state().ok
    assert get_group("P256").fixed_base(get_group("P256").mul_gen(3)).kind == "openssl-table"


def test_eg4096_fixed_base_has_its_own_table() -> None:
    g = get_group("EG4096")
    key = g.mul_gen(0xC0FFEE)
    fixed = g.fixed_base(key)
    assert fixed.kind == "table" and g.fixed_base(g.generator()).kind == "generator"
    for k in (0, 1, 2, 255, 256, g.order - 1, g.order, 3 * g.order + 7, 1 << 300):
        assert fixed.mul(k) == g.mul(key, k) and fixed.mul_secret(k) == g.mul(key, k)
    with pytest.raises(MalformedInput):
        g.fixed_base(0)
