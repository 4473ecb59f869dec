"""Small-range CDS OR proofs and the automatic choice between them and Bulletproofs."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rp_helpers import seeded_rng

from zkmed.circuits import membership
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof
from zkmed.hazmat.sigma.compose import OrProof, verify_or
from zkmed.proofs.small_range import (
    OR_MAX_VALUES,
    SmallRangeProof,
    auto_method,
    prove_in_range,
    prove_small_range,
    statement_tag,
    verify_in_range,
    verify_small_range,
)


def _commit(params, v):
    r = params.group.random_scalar()
    return params.commit(v, r), r


@pytest.mark.parametrize("big_r", [1, 2, 3, 5, 16])
def test_completeness_every_value(params, big_r):
    for v in range(big_r + 1):
        com, r = _commit(params, v)
        proof = prove_small_range(params, com, 0, big_r, v, r, context=b"ballot-7")
        assert len(proof.to_bytes()) == 5 + 2 * (big_r + 1) * 32
        assert verify_small_range(params, com, 0, big_r, proof, context=b"ballot-7") is None


def test_shifted_range_and_binding(params):
    com, r = _commit(params, -3)
    proof = prove_small_range(params, com, -5, 2, -3, r, context=b"")
    verify_small_range(params, com, -5, 2, proof, context=b"")
    for lo, hi in ((-4, 3), (-6, 1)):  # same size, shifted: D_i differ and lo/hi are absorbed
        with pytest.raises(VerificationError):
            verify_small_range(params, com, lo, hi, proof, context=b"")
    with pytest.raises(VerificationError):  # a different size
        verify_small_range(params, com, -5, 3, proof, context=b"")
    with pytest.raises(VerificationError):  # the context is bound
        verify_small_range(params, com, -5, 2, proof, context=b"x")
    with pytest.raises(VerificationError):  # the commitment is bound
        verify_small_range(params, params.commit(-3, r + 1), -5, 2, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_small_range(params, params.group.identity(), -5, 2, proof, context=b"")


def test_is_the_shared_or_proof(params):
    """The bytes are compose's OR proof over the consecutive-membership circuit, under the statement tag."""
    g = params.group
    com, r = _commit(params, 3)
    proof = prove_small_range(params, com, 1, 6, 3, r, context=b"ctx")
    relations = membership.disjunction(6).bind(g, membership.consecutive_elements(params, com, 1, 6))
    data = proof.to_bytes()[5:]  # the body after the format header
    parsed = OrProof.from_bytes(relations, data)
    assert parsed.challenges() == list(proof.challenges) and [s for (s,) in parsed.responses] == list(proof.responses)
    assert verify_or(statement_tag(params, b"ctx", 1, 6, com), relations, data) is None
    as_members = membership.branch_elements(params, com, range(1, 7))
    for shifted, member in zip(membership.consecutive_elements(params, com, 1, 6), as_members, strict=True):
        assert g.eq(shifted[1], member[1])  # D_i = C - (lo+i)·G, as for the set {1..6}


def test_tamper_each_scalar(params):
    q = params.group.order
    com, r = _commit(params, 2)
    proof = prove_small_range(params, com, 0, 4, 2, r, context=b"")
    for field in ("challenges", "responses"):
        for i in range(5):
            vals = list(getattr(proof, field))
            vals[i] = (vals[i] + 1) % q
            with pytest.raises(VerificationError):
                verify_small_range(params, com, 0, 4, dataclasses.replace(proof, **{field: tuple(vals)}), context=b"")
    swapped = dataclasses.replace(proof, challenges=proof.challenges[::-1], responses=proof.responses[::-1])
    with pytest.raises(VerificationError):
        verify_small_range(params, com, 0, 4, swapped, context=b"")
    data = proof.to_bytes()
    for i in range(5 + 31, len(data), 32):  # the low byte of every scalar, the challenge c included
        tampered = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
        with pytest.raises(VerificationError):
            verify_in_range(params, com, 0, 4, tampered, context=b"")


def test_prover_refusals(params):
    com, r = _commit(params, 5)
    for bad_v in (-1, 5):
        with pytest.raises(ProvingError):
            prove_small_range(params, params.commit(bad_v, r), 0, 4, bad_v, r, context=b"")
    with pytest.raises(ProvingError):
        prove_small_range(params, com, 0, 4, 4, r, context=b"")  # does not open
    with pytest.raises(ProvingError):  # blinding 0: D_2 is the identity, an invalid statement
        prove_small_range(params, params.commit(2, 0), 0, 4, 2, 0, context=b"")
    for lo, hi in ((0, 0), (3, 1), (0, 64), (0.0, 4), (None, 4), (0, True)):
        with pytest.raises(MalformedInput):
            prove_small_range(params, com, lo, hi, 5, r, context=b"")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.integers(-1000, 1000), size=st.integers(1, 16), edge=st.sampled_from(["lo", "hi"]))
def test_edges_hypothesis(params, lo, size, edge):
    hi = lo + size
    v = lo if edge == "lo" else hi
    com, r = _commit(params, v)
    verify_small_range(params, com, lo, hi, prove_small_range(params, com, lo, hi, v, r, context=b""), context=b"")
    outside = lo - 1 if edge == "lo" else hi + 1
    with pytest.raises(ProvingError):
        prove_small_range(params, params.commit(outside, r), lo, hi, outside, r, context=b"")


def test_encoding(params):
    g = params.group
    com, r = _commit(params, 1)
    proof = prove_small_range(params, com, 0, 2, 1, r, context=b"")
    data = proof.to_bytes()
    again = SmallRangeProof.from_bytes(g, data, branches=3)
    assert again == proof and hash(again) == hash(proof) and "branches=3" in repr(proof)
    q_bytes = g.order.to_bytes(32, "big")
    head, body = data[:5], data[5:]
    bad_inputs = [
        b"",
        data[:-1],
        data + b"\x00",
        data[: 5 + 64],
        data + bytes(64) * 63,
        head + q_bytes + body[32:],
        data[:-32] + b"\xff" * 32,
        body,  # no header
        b"ZK\x01\x10\x01" + body,  # a range-proof header
    ]
    for bad in bad_inputs:
        with pytest.raises(MalformedInput):
            SmallRangeProof.from_bytes(g, bad)
    with pytest.raises(MalformedInput):
        SmallRangeProof.from_bytes(g, data, branches=4)
    with pytest.raises(MalformedInput):
        SmallRangeProof.from_bytes(g, "text")  # type: ignore[arg-type]


def test_deterministic_rng(params):
    g = params.group
    com = params.commit(3, 99)
    a = prove_small_range(params, com, 0, 5, 3, 99, context=b"", rng=seeded_rng(g, b"s"))
    b = prove_small_range(params, com, 0, 5, 3, 99, context=b"", rng=seeded_rng(g, b"s"))
    assert a == b
    with pytest.raises(ProvingError):  # the shared OR prover checks the rng's output
        prove_small_range(params, com, 0, 5, 3, 99, context=b"", rng=lambda: g.order)


# ------------------------------------------------------------------ automatic choice


def test_auto_method_rule():
    assert auto_method(0, 1) == "or"
    assert auto_method(0, OR_MAX_VALUES - 1) == "or"
    assert auto_method(0, OR_MAX_VALUES) == "bulletproofs"
    assert auto_method(5, 5) == "bulletproofs"
    with pytest.raises(MalformedInput):
        auto_method(3, 2)


@pytest.mark.parametrize(
    ("lo", "hi", "kind"),
    [
        (0, 1, SmallRangeProof),
        (0, OR_MAX_VALUES - 1, SmallRangeProof),
        (0, OR_MAX_VALUES, RangeProof),
        (-10, 10_000, RangeProof),
    ],
)
def test_auto_roundtrip(params, lo, hi, kind):
    v = hi
    com, r = _commit(params, v)
    proof = prove_in_range(params, com, lo, hi, v, r, context=b"c")
    assert isinstance(proof, kind)
    assert verify_in_range(params, com, lo, hi, proof, context=b"c") is None
    assert verify_in_range(params, com, lo, hi, proof.to_bytes(), context=b"c") is None
    with pytest.raises(VerificationError):
        verify_in_range(params, com, lo, hi, proof, context=b"d")
    with pytest.raises(ProvingError):
        prove_in_range(params, params.commit(hi + 1, r), lo, hi, hi + 1, r, context=b"")


def test_auto_rejects_the_wrong_kind(params):
    com, r = _commit(params, 1)
    small = prove_in_range(params, com, 0, 2, 1, r, context=b"")
    big = prove_in_range(params, com, 0, 100, 1, r, context=b"")
    with pytest.raises(VerificationError):
        verify_in_range(params, com, 0, 2, big, context=b"")
    with pytest.raises(VerificationError):
        verify_in_range(params, com, 0, 100, small, context=b"")
    with pytest.raises(VerificationError):  # decoded by its header, then refused as the wrong kind
        verify_in_range(params, com, 0, 2, big.to_bytes(), context=b"")
    with pytest.raises(MalformedInput):
        verify_in_range(params, com, 0, 2, big.to_bytes()[5:], context=b"")
    with pytest.raises(VerificationError):
        verify_in_range(params, com, 2, 0, small, context=b"")
