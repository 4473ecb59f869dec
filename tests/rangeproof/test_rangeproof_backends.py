"""A cross-section of the range-proof suite on secp256k1 (OpenSSL).

The full suite (``test_bulletproofs``, ``test_ranges``, ``test_small_range``,
``test_inner_product``) runs on P-256 and on the pure-Python reference backend
``secp256k1-pyecc`` (see ``conftest.SUITE_BACKENDS``); this module adds the
other OpenSSL curve: prove, verify, encode/decode, tampering, batch with
identification, intervals, predicates, OR proofs and the automatic choice.
"""

from __future__ import annotations

import dataclasses

import pytest
from rp_helpers import other_point, params_for

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.inner_product import InnerProductProof
from zkmed.proofs import (
    BatchEntry,
    RangeProof,
    SmallRangeProof,
    batch_verify,
    commit,
    proof_size,
    prove_aggregated,
    prove_at_least,
    prove_in_range_auto,
    prove_interval,
    prove_range,
    verify,
    verify_at_least,
    verify_in_range_auto,
    verify_interval,
    verify_range,
)

BACKENDS = ["secp256k1"]


@pytest.fixture(scope="module", params=BACKENDS)
def params(request):
    return params_for(request.param)


@pytest.fixture(scope="module")
def agg(params):
    g = params.group
    values = [3, 255, 0]
    proof, coms = prove_aggregated(values, [g.random_scalar() for _ in values], 8, params=params, context=b"k")
    return proof, coms


def test_completeness(params, agg):
    g = params.group
    proof, coms = agg
    verify(proof, coms, 8, params=params, context=b"k")
    for v, n in ((0, 8), (65535, 16)):
        p1, c1 = prove_range(v, g.random_scalar(), n, params=params)
        verify_range(p1, c1, n, params=params)
        assert len(p1.to_bytes()) == proof_size(g, n, 1)
    with pytest.raises(ProvingError):
        prove_range(256, 1, 8, params=params)


def test_encoding(params, agg):
    g = params.group
    proof, coms = agg
    data = proof.to_bytes()
    assert len(data) == proof_size(g, 8, 3) == (2 * 5 + 4) * 33 + 5 * 32
    assert RangeProof.from_bytes(g, data) == proof
    for bad in (data[:-1], data + b"\x00", bytes(33) + data[33:], data[:-32] + g.order.to_bytes(32, "big")):
        with pytest.raises(MalformedInput):
            RangeProof.from_bytes(g, bad)


def test_tampering_and_statement_changes(params, agg):
    g = params.group
    q = g.order
    proof, coms = agg
    pt = other_point(g)
    ipa = proof.ipa
    bad_proofs = [
        dataclasses.replace(proof, A=pt),
        dataclasses.replace(proof, T1=pt),
        dataclasses.replace(proof, t_x=(proof.t_x + 1) % q),
        dataclasses.replace(proof, e_blinding=(proof.e_blinding + 1) % q),
        dataclasses.replace(proof, ipa=InnerProductProof((pt, *ipa.l_vec[1:]), ipa.r_vec, ipa.a, ipa.b)),
        dataclasses.replace(proof, ipa=InnerProductProof(ipa.l_vec, ipa.r_vec, ipa.a, (ipa.b + 1) % q)),
    ]
    for bad in bad_proofs:
        with pytest.raises(VerificationError):
            verify(bad, coms, 8, params=params, context=b"k")
    for bad_coms, n, ctx in (
        ([coms[1], coms[0], coms[2]], 8, b"k"),
        (coms, 16, b"k"),
        (coms, 8, b"j"),
        (coms[:2], 8, b"k"),
    ):
        with pytest.raises(VerificationError):
            verify(proof, bad_coms, n, params=params, context=ctx)


def test_batch_identifies_bad_proof(params, agg):
    g = params.group
    proof, coms = agg
    p1, c1 = prove_range(17, g.random_scalar(), 8, params=params)
    entries = [BatchEntry(p1, [c1], 8), BatchEntry(proof, coms, 8, b"k")]
    batch_verify(entries, params=params)
    entries[1] = entries[1]._replace(proof=dataclasses.replace(proof, S=other_point(g)))
    with pytest.raises(VerificationError) as info:
        batch_verify(entries, params=params, identify=True)
    assert info.value.where == "batch[1]"


def test_intervals_predicates_small_ranges(params):
    g = params.group
    r = g.random_scalar()
    com = commit(-7, r, params)
    proof = prove_interval(com, -7, r, -10, 20, params=params)
    verify_interval(proof, com, -10, 20, params=params)
    with pytest.raises(VerificationError):
        verify_interval(proof, com, -6, 20, params=params)
    with pytest.raises(ProvingError):
        prove_interval(com, -7, r, -6, 20, params=params)
    at_least = prove_at_least(com, -7, r, -8, bits=8, params=params)
    verify_at_least(at_least, com, -8, bits=8, params=params)
    small = prove_in_range_auto(com, -7, r, -8, -5, params=params)
    assert isinstance(small, SmallRangeProof)
    verify_in_range_auto(small.to_bytes(), com, -8, -5, params=params)
    with pytest.raises(VerificationError):
        verify_in_range_auto(small, com, -9, -6, params=params)


def test_secp256k1_backends_produce_byte_identical_proofs() -> None:
    """The OpenSSL and pure-Python secp256k1 backends share one wire identity."""
    from rp_helpers import seeded_rng

    from zkmed.hazmat.commitments import PedersenParams
    from zkmed.hazmat.groups import get_group

    out = []
    for key in ("secp256k1", "secp256k1-pyecc"):
        group = get_group(key)
        params = PedersenParams.default(group)
        proof, com = prove_range(77, 4242, 8, params=params, context=b"x", rng=seeded_rng(group, b"cross"))
        out.append((proof.to_bytes(), group.encode_element(com)))
        verify_range(proof, com, 8, params=params, context=b"x")
    assert out[0] == out[1]
