"""The inner-product argument on its own: completeness, soundness checks, the s-vector (§3.1)."""

from __future__ import annotations

import pytest
from rp_helpers import other_point

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.inner_product import (
    InnerProductProof,
    batch_invert,
    doubling,
    ipa_encodings,
    prove_inner_product,
    replay_ipa,
    s_vector,
    verify_inner_product,
)
from zkmed.hazmat.commitments import derive_generators
from zkmed.hazmat.transcript import Transcript


def _statement(params, n, with_factors):
    g = params.group
    q = g.order
    gs = derive_generators(g, b"ipa-test/G", n)
    hs = derive_generators(g, b"ipa-test/H", n)
    (qp,) = derive_generators(g, b"ipa-test/Q", 1)
    a = [g.random_scalar() for _ in range(n)]
    b = [g.random_scalar() for _ in range(n)]
    gf = [g.random_scalar() for _ in range(n)] if with_factors else None
    hf = [g.random_scalar() for _ in range(n)] if with_factors else None
    gfs = gf or [1] * n
    hfs = hf or [1] * n
    c = sum(x * y for x, y in zip(a, b, strict=True)) % q
    p_point = g.msm([a[i] * gfs[i] % q for i in range(n)] + [b[i] * hfs[i] % q for i in range(n)] + [c], [*gs, *hs, qp])
    return gs, hs, qp, a, b, gf, hf, p_point


def _t():
    return Transcript(b"zkmed-test/ipa", b"instance")


@pytest.mark.parametrize("n", [1, 2, 4, 8, 32])
@pytest.mark.parametrize("with_factors", [False, True])
def test_completeness(params, n, with_factors):
    g = params.group
    gs, hs, qp, a, b, gf, hf, p_point = _statement(params, n, with_factors)
    proof = prove_inner_product(_t(), g, qp, gs, hs, a, b, g_factors=gf, h_factors=hf)
    assert proof.rounds == (n - 1).bit_length()
    assert verify_inner_product(_t(), g, qp, gs, hs, p_point, proof, g_factors=gf, h_factors=hf) is None


def test_tampering_rejected(params):
    g = params.group
    n = 8
    gs, hs, qp, a, b, gf, hf, p_point = _statement(params, n, True)
    proof = prove_inner_product(_t(), g, qp, gs, hs, a, b, g_factors=gf, h_factors=hf)
    bad_point = other_point(g)
    variants = [
        InnerProductProof(proof.l_vec, proof.r_vec, (proof.a + 1) % g.order, proof.b),
        InnerProductProof(proof.l_vec, proof.r_vec, proof.a, (proof.b + 1) % g.order),
        InnerProductProof((bad_point, *proof.l_vec[1:]), proof.r_vec, proof.a, proof.b),
        InnerProductProof(proof.l_vec, (*proof.r_vec[:-1], bad_point), proof.a, proof.b),
        InnerProductProof(proof.r_vec, proof.l_vec, proof.a, proof.b),
        InnerProductProof(proof.l_vec[:-1], proof.r_vec[:-1], proof.a, proof.b),
        InnerProductProof(proof.l_vec, proof.r_vec, proof.a + g.order, proof.b),  # same value mod q
        InnerProductProof(proof.l_vec, proof.r_vec, proof.a, proof.b + g.order),
        InnerProductProof(proof.l_vec, proof.r_vec, -1, proof.b),
        InnerProductProof(proof.l_vec, proof.r_vec, True, proof.b),
        InnerProductProof((g.identity(), *proof.l_vec[1:]), proof.r_vec, proof.a, proof.b),
        InnerProductProof((None, *proof.l_vec[1:]), proof.r_vec, proof.a, proof.b),
        InnerProductProof(proof.l_vec, proof.r_vec[:-1], proof.a, proof.b),
    ]
    for bad in variants:
        with pytest.raises(VerificationError):
            verify_inner_product(_t(), g, qp, gs, hs, p_point, bad, g_factors=gf, h_factors=hf)
    with pytest.raises(VerificationError):  # a different statement P
        verify_inner_product(_t(), g, qp, gs, hs, g.add(p_point, qp), proof, g_factors=gf, h_factors=hf)
    with pytest.raises(VerificationError):  # a different transcript state
        verify_inner_product(
            Transcript(b"zkmed-test/ipa", b"other"), g, qp, gs, hs, p_point, proof, g_factors=gf, h_factors=hf
        )


def test_s_vector_matches_definition(params):
    """s_i = Π_j u_j^{b(i,j)}, b(i,j) = +1 iff bit (k−j) of i is set (§3.1)."""
    g = params.group
    q = g.order
    n = 8
    gs, hs, qp, a, b, _, _, _ = _statement(params, n, False)
    proof = prove_inner_product(_t(), g, qp, gs, hs, a, b)
    t = _t()
    sc = replay_ipa(t, g, n, ipa_encodings(g, proof, VerificationError, 3))
    s = s_vector(sc, q)
    k = 3
    t = _t()
    t.append_u64(b"ipa-n", n)
    us = []
    for big_l, big_r in zip(proof.l_vec, proof.r_vec, strict=True):
        t.append_elements(b"L", g, [big_l])
        t.append_elements(b"R", g, [big_r])
        us.append(t.challenge_nonzero_scalar(q, b"u"))
    for i in range(n):
        expected = 1
        for j in range(1, k + 1):
            bit = (i >> (k - j)) & 1
            expected = expected * (us[j - 1] if bit else pow(us[j - 1], -1, q)) % q
        assert s[i] == expected
        assert s[n - 1 - i] * s[i] % q == 1


def test_prover_rejects_bad_shapes(params):
    g = params.group
    gs, hs, qp, a, b, _, _, _ = _statement(params, 4, False)
    with pytest.raises(ProvingError):
        prove_inner_product(_t(), g, qp, gs[:3], hs[:3], a[:3], b[:3])
    with pytest.raises(ProvingError):
        prove_inner_product(_t(), g, qp, gs, hs, a, b[:2])
    with pytest.raises(ProvingError):
        prove_inner_product(_t(), g, qp, [], [], [], [])


def test_batch_invert(params):
    q = params.group.order
    xs = [params.group.random_scalar() for _ in range(9)]
    assert [x * y % q for x, y in zip(xs, batch_invert(xs, q), strict=True)] == [1] * 9
    assert batch_invert([], q) == []
    with pytest.raises(MalformedInput):
        batch_invert([3, 0], q)


def test_generators_are_prefix_stable_and_hash_derived(params):
    from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens

    g = params.group
    small = BulletproofGens.get(g, 8)
    big = BulletproofGens.get(g, 64)
    again = BulletproofGens.get(g, 8)
    assert again is small and small.capacity == 8 and big.capacity == 64
    assert all(g.eq(a, b) for a, b in zip(small.g_vec + small.h_vec, big.g_vec[:8] + big.h_vec[:8], strict=True))
    assert g.eq(big.g_vec[5], derive_generators(g, DEFAULT_GENS_LABEL + b"/G", 1, 5)[0])
    assert g.eq(big.h_vec[63], derive_generators(g, DEFAULT_GENS_LABEL + b"/H", 1, 63)[0])
    encodings = {g.encode_element(e) for e in (*big.g_vec, *big.h_vec, params.g, params.h)}
    assert len(encodings) == 2 * 64 + 2
    other = BulletproofGens.get(g, 8, b"zkmed/other-label")
    assert not g.eq(other.g_vec[0], small.g_vec[0])
    for bad in (0, -1, 1 << 20):
        with pytest.raises(MalformedInput):
            BulletproofGens.get(g, bad)
    with pytest.raises(MalformedInput):
        BulletproofGens.get(g, 8, b"")
    with pytest.raises(MalformedInput):
        small.prefix(9)
    assert len(big.prefix(4)[0]) == 4


def test_doubling_is_the_bitwise_product(params):
    q = params.group.order
    factors = [3, 5, 7, 11]
    got = doubling(2, factors, q)
    for i, v in enumerate(got):
        expected = 2
        for p, f in enumerate(factors):
            if i >> p & 1:
                expected *= f
        assert v == expected % q
    assert doubling(9, [], q) == [9]
