"""Fixed-base tables for long-lived bases (Group.precompute): same results, constant-time path, safe fallbacks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import BACKENDS, get_group
from zkmed.hazmat.groups.base import Group


@pytest.fixture(scope="module", params=list(BACKENDS))
def group(request: pytest.FixtureRequest) -> Group:
    return get_group(request.param)


def test_precomputed_base_multiplies_like_any_other(group: Group) -> None:
    base = group.hash_to_element(b"fixed-base test", b"zkmed-test-fixed-base")
    twin = group.decode_element(group.encode_element(base))  # equal value, another object
    group.precompute(base)
    for k in (0, 1, 2, group.order - 1, group.order, group.order + 5, 2**300 + 7, -3):
        assert group.eq(group.mul(base, k), group.mul(twin, k)), k
        assert group.eq(
            group.mul(base, k), group.msm([k % group.order], [twin]) if k % group.order else group.identity()
        )


@settings(max_examples=25)
@given(st.integers(min_value=0, max_value=2**256))
def test_pedersen_h_table_matches_msm(k: int) -> None:
    params = PedersenParams.default(get_group("P256"))
    g = params.group
    assert g.eq(g.mul(params.h, k), g.msm([k % g.order], [params.h]) if k % g.order else g.identity())


def test_commit_is_unchanged_by_tables(group: Group) -> None:
    params = PedersenParams.default(group)
    v, r = 12345, group.random_scalar()
    assert group.eq(params.commit(v, r), group.msm([r], [params.h], gen_scalar=v))


def test_identity_and_repeated_precompute_are_harmless(group: Group) -> None:
    group.precompute(group.identity())
    base = group.mul_gen(99)
    group.precompute(base)
    group.precompute(base)
    assert group.eq(group.mul(base, 3), group.mul_gen(297))


def test_p256_builds_a_table_for_pedersen_h() -> None:
    g = get_group("P256")
    params = PedersenParams.default(g)
    fixed = getattr(g, "_fixed", {})
    assert id(params.h) in fixed and fixed[id(params.h)][0] is params.h
