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
from zkmed.hazmat.bulletproofs.bulletproofs import (
    BatchEntry,
    RangeProof,
    batch_verify,
    proof_size,
    prove_aggregated,
    prove_range,
    verify_aggregated,
    verify_range,
)
from zkmed.hazmat.bulletproofs.inner_product import InnerProductProof
from zkmed.proofs.ranges import prove_at_least, prove_interval, verify_at_least, verify_interval
from zkmed.proofs.small_range import SmallRangeProof, prove_in_range, verify_in_range

BACKENDS = ["secp256k1"]


@pytest.fixture(scope="module", params=BACKENDS)
def params(request):
    return params_for(request.param)


@pytest.fixture(scope="module")
def agg(params):
    g = params.group
    values = [3, 255, 0]
    proof, coms = prove_aggregated(params, 8, values, [g.random_scalar() for _ in values], context=b"k")
    return proof, coms


def test_completeness(params, agg):
    g = params.group
    proof, coms = agg
    verify_aggregated(params, coms, 8, proof, context=b"k")
    for v, n in ((0, 8), (65535, 16)):
        p1, c1 = prove_range(params, n, v, g.random_scalar(), context=b"")
        verify_range(params, c1, n, p1, context=b"")
        assert len(p1.to_bytes()) == proof_size(g, n, 1)
    with pytest.raises(ProvingError):
        prove_range(params, 8, 256, 1, context=b"")


def test_encoding(params, agg):
    g = params.group
    proof, coms = agg
    data = proof.to_bytes()
    assert len(data) == proof_size(g, 8, 3) == 5 + (2 * 5 + 4) * 33 + 5 * 32
    assert RangeProof.from_bytes(g, data) == proof
    for bad in (data[:-1], data + b"\x00", data[:5] + bytes(33) + data[38:], data[:-32] + g.order.to_bytes(32, "big")):
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
            verify_aggregated(params, coms, 8, bad, context=b"k")
    for bad_coms, n, ctx in (
        ([coms[1], coms[0], coms[2]], 8, b"k"),
        (coms, 16, b"k"),
        (coms, 8, b"j"),
        (coms[:2], 8, b"k"),
    ):
        with pytest.raises(VerificationError):
            verify_aggregated(params, bad_coms, n, proof, context=ctx)


def test_batch_identifies_bad_proof(params, agg):
    g = params.group
    proof, coms = agg
    p1, c1 = prove_range(params, 8, 17, g.random_scalar(), context=b"")
    entries = [BatchEntry([c1], 8, p1, b""), BatchEntry(coms, 8, proof, b"k")]
    batch_verify(params, entries)
    entries[1] = entries[1]._replace(proof=dataclasses.replace(proof, S=other_point(g)))
    with pytest.raises(VerificationError) as info:
        batch_verify(params, entries, identify=True)
    assert info.value.where == "batch[1]"


def test_intervals_predicates_small_ranges(params):
    g = params.group
    r = g.random_scalar()
    com = params.commit(-7, r)
    proof = prove_interval(params, com, -10, 20, -7, r, context=b"")
    verify_interval(params, com, -10, 20, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_interval(params, com, -6, 20, proof, context=b"")
    with pytest.raises(ProvingError):
        prove_interval(params, com, -6, 20, -7, r, context=b"")
    at_least = prove_at_least(params, com, -8, -7, r, context=b"", bits=8)
    verify_at_least(params, com, -8, at_least, context=b"", bits=8)
    small = prove_in_range(params, com, -8, -5, -7, r, context=b"")
    assert isinstance(small, SmallRangeProof)
    verify_in_range(params, com, -8, -5, small.to_bytes(), context=b"")
    with pytest.raises(VerificationError):
        verify_in_range(params, com, -9, -6, small, context=b"")


def test_secp256k1_backends_produce_byte_identical_proofs() -> None:
    """The OpenSSL and pure-Python secp256k1 backends share one wire identity."""
    from rp_helpers import seeded_rng

    from zkmed.hazmat.commitments import PedersenParams
    from zkmed.hazmat.groups import get_group

    out = []
    for key in ("secp256k1", "secp256k1-pyecc"):
        group = get_group(key)
        params = PedersenParams.default(group)
        proof, com = prove_range(params, 8, 77, 4242, context=b"x", rng=seeded_rng(group, b"cross"))
        out.append((proof.to_bytes(), group.encode_element(com)))
        verify_range(params, com, 8, proof, context=b"x")
    assert out[0] == out[1]
