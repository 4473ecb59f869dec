"""Small-range CDS OR proofs and the automatic choice between them and Bulletproofs."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rp_helpers import seeded_rng

from zkmed.circuits import membership
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof, commit
from zkmed.hazmat.sigma.compose import OrProof, verify_or
from zkmed.proofs.small_range import (
    OR_MAX_VALUES,
    SmallRangeProof,
    auto_method,
    prove_in_range_auto,
    prove_small_range,
    statement_tag,
    verify_in_range_auto,
    verify_small_range,
)


def _commit(params, v):
    r = params.group.random_scalar()
    return commit(v, r, params), r


@pytest.mark.parametrize("big_r", [1, 2, 3, 5, 16])
def test_completeness_every_value(params, big_r):
    for v in range(big_r + 1):
        com, r = _commit(params, v)
        proof = prove_small_range(com, v, r, 0, big_r, params=params, context=b"ballot-7")
        assert len(proof.to_bytes()) == 2 * (big_r + 1) * 32
        assert verify_small_range(proof, com, 0, big_r, params=params, context=b"ballot-7") is None


def test_shifted_range_and_binding(params):
    com, r = _commit(params, -3)
    proof = prove_small_range(com, -3, r, -5, 2, params=params)
    verify_small_range(proof, com, -5, 2, params=params)
    for lo, hi in ((-4, 3), (-6, 1)):  # same size, shifted: D_i differ and lo/hi are absorbed
        with pytest.raises(VerificationError):
            verify_small_range(proof, com, lo, hi, params=params)
    with pytest.raises(VerificationError):  # a different size
        verify_small_range(proof, com, -5, 3, params=params)
    with pytest.raises(VerificationError):  # the context is bound
        verify_small_range(proof, com, -5, 2, params=params, context=b"x")
    with pytest.raises(VerificationError):  # the commitment is bound
        verify_small_range(proof, commit(-3, r + 1, params), -5, 2, params=params)
    with pytest.raises(VerificationError):
        verify_small_range(proof, params.group.identity(), -5, 2, params=params)


def test_is_the_shared_or_proof(params):
    """The bytes are compose's OR proof over the consecutive-membership circuit, under the statement tag."""
    g = params.group
    com, r = _commit(params, 3)
    proof = prove_small_range(com, 3, r, 1, 6, params=params, context=b"ctx")
    relations = membership.consecutive(params, com, 1, 6).relations()
    data = proof.to_bytes()
    parsed = OrProof.from_bytes(relations, data)
    assert parsed.challenges() == list(proof.challenges) and [s for (s,) in parsed.responses] == list(proof.responses)
    assert verify_or(statement_tag(params, b"ctx", 1, 6, com), relations, data) is None
    as_members = membership.one_of(params, com, range(1, 7)).relations()
    for shifted, member in zip(relations, as_members, strict=True):  # D_i = C - (lo+i)·G, as in one_of
        assert g.eq(shifted.image()[0], member.image()[0])


def test_tamper_each_scalar(params):
    q = params.group.order
    com, r = _commit(params, 2)
    proof = prove_small_range(com, 2, r, 0, 4, params=params)
    for field in ("challenges", "responses"):
        for i in range(5):
            vals = list(getattr(proof, field))
            vals[i] = (vals[i] + 1) % q
            with pytest.raises(VerificationError):
                verify_small_range(dataclasses.replace(proof, **{field: tuple(vals)}), com, 0, 4, params=params)
    swapped = dataclasses.replace(proof, challenges=proof.challenges[::-1], responses=proof.responses[::-1])
    with pytest.raises(VerificationError):
        verify_small_range(swapped, com, 0, 4, params=params)
    data = proof.to_bytes()
    for i in range(31, len(data), 32):  # the low byte of every scalar, the challenge c included
        tampered = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
        with pytest.raises(VerificationError):
            verify_in_range_auto(tampered, com, 0, 4, params=params)


def test_prover_refusals(params):
    com, r = _commit(params, 5)
    for bad_v in (-1, 5):
        with pytest.raises(ProvingError):
            prove_small_range(commit(bad_v, r, params), bad_v, r, 0, 4, params=params)
    with pytest.raises(ProvingError):
        prove_small_range(com, 4, r, 0, 4, params=params)  # does not open
    with pytest.raises(ProvingError):  # blinding 0: D_2 is the identity, an invalid statement
        prove_small_range(commit(2, 0, params), 2, 0, 0, 4, params=params)
    for lo, hi in ((0, 0), (3, 1), (0, 64), (0.0, 4)):
        with pytest.raises(ProvingError):
            prove_small_range(com, 5, r, lo, hi, params=params)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.integers(-1000, 1000), size=st.integers(1, 16), edge=st.sampled_from(["lo", "hi"]))
def test_edges_hypothesis(params, lo, size, edge):
    hi = lo + size
    v = lo if edge == "lo" else hi
    com, r = _commit(params, v)
    verify_small_range(prove_small_range(com, v, r, lo, hi, params=params), com, lo, hi, params=params)
    outside = lo - 1 if edge == "lo" else hi + 1
    with pytest.raises(ProvingError):
        prove_small_range(commit(outside, r, params), outside, r, lo, hi, params=params)


def test_encoding(params):
    g = params.group
    com, r = _commit(params, 1)
    proof = prove_small_range(com, 1, r, 0, 2, params=params)
    data = proof.to_bytes()
    again = SmallRangeProof.from_bytes(g, data, branches=3)
    assert again == proof and hash(again) == hash(proof) and "branches=3" in repr(proof)
    q_bytes = g.order.to_bytes(32, "big")
    bad_inputs = [
        b"",
        data[:-1],
        data + b"\x00",
        data[:64],
        data + bytes(64) * 63,
        q_bytes + data[32:],
        data[:-32] + b"\xff" * 32,
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
    com = commit(3, 99, params)
    a = prove_small_range(com, 3, 99, 0, 5, params=params, rng=seeded_rng(g, b"s"))
    b = prove_small_range(com, 3, 99, 0, 5, params=params, rng=seeded_rng(g, b"s"))
    assert a == b
    with pytest.raises(ProvingError):  # the shared OR prover checks the rng's output
        prove_small_range(com, 3, 99, 0, 5, params=params, rng=lambda: g.order)


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
    proof = prove_in_range_auto(com, v, r, lo, hi, params=params, context=b"c")
    assert isinstance(proof, kind)
    assert verify_in_range_auto(proof, com, lo, hi, params=params, context=b"c") is None
    assert verify_in_range_auto(proof.to_bytes(), com, lo, hi, params=params, context=b"c") is None
    with pytest.raises(VerificationError):
        verify_in_range_auto(proof, com, lo, hi, params=params, context=b"d")
    with pytest.raises(ProvingError):
        prove_in_range_auto(commit(hi + 1, r, params), hi + 1, r, lo, hi, params=params)


def test_auto_rejects_the_wrong_kind(params):
    com, r = _commit(params, 1)
    small = prove_in_range_auto(com, 1, r, 0, 2, params=params)
    big = prove_in_range_auto(com, 1, r, 0, 100, params=params)
    with pytest.raises(VerificationError):
        verify_in_range_auto(big, com, 0, 2, params=params)
    with pytest.raises(VerificationError):
        verify_in_range_auto(small, com, 0, 100, params=params)
    with pytest.raises(MalformedInput):
        verify_in_range_auto(big.to_bytes(), com, 0, 2, params=params)
    with pytest.raises(VerificationError):
        verify_in_range_auto(small, com, 2, 0, params=params)
