"""Arbitrary intervals [lo, hi] and one-sided predicates on top of Bulletproofs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof, prove_aggregated
from zkmed.proofs.ranges import (
    interval_layout,
    predicate_interval,
    prove_at_least,
    prove_at_most,
    prove_greater_than,
    prove_interval,
    prove_less_than,
    prove_predicate,
    verify_at_least,
    verify_at_most,
    verify_greater_than,
    verify_interval,
    verify_less_than,
    verify_predicate,
)

HSETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _commit(params, v):
    r = params.group.random_scalar()
    return params.commit(v, r), r


def test_layout():
    assert interval_layout(0, 0) == (8, 2)
    assert interval_layout(0, 255) == (8, 1)
    assert interval_layout(0, 256) == (16, 2)
    assert interval_layout(-5, 250) == (8, 1)
    assert interval_layout(10, (1 << 64) + 9) == (64, 1)
    for bad in ((1, 0), (0, 1 << 64), (0, 1 << 130), (0.5, 3), (True, 3)):
        with pytest.raises(MalformedInput):
            interval_layout(*bad)


@pytest.mark.parametrize(
    ("lo", "hi", "v"),
    [
        (40, 64, 61),  # HbA1c in tenths of a percent
        (-40, 45, -12),  # a temperature below zero
        (19_000, 20_000, 19_723),  # a date as a day number
        (7, 7, 7),  # a single point
        (-(1 << 100), -(1 << 100) + 255, -(1 << 100) + 17),  # far from zero, width exactly 2^8
        (0, (1 << 64) - 2, (1 << 63)),
    ],
)
def test_interval_completeness(params, lo, hi, v):
    com, r = _commit(params, v)
    proof = prove_interval(params, com, lo, hi, v, r, context=b"lab")
    n, m = interval_layout(lo, hi)
    assert len(proof.to_bytes()) == 5 + (2 * ((n * (1 if m == 1 else 2)).bit_length() - 1) + 4) * 33 + 160
    assert verify_interval(params, com, lo, hi, proof, context=b"lab") is None
    # bound to the interval and to the context
    for other in ((lo - 1, hi), (lo, hi + 1), (lo + 1, hi + 1)):
        with pytest.raises(VerificationError):
            verify_interval(params, com, *other, proof, context=b"lab")
    with pytest.raises(VerificationError):
        verify_interval(params, com, lo, hi, proof, context=b"lab2")
    with pytest.raises(VerificationError):
        verify_interval(params, params.commit(v, r + 1), lo, hi, proof, context=b"lab")


@HSETTINGS
@given(
    lo=st.integers(min_value=-(1 << 40), max_value=1 << 40),
    width=st.one_of(st.integers(0, 300), st.integers(0, (1 << 33))),
    where=st.sampled_from(["lo", "hi", "mid"]),
)
def test_interval_edges_hypothesis(params, lo, width, where):
    hi = lo + width
    v = {"lo": lo, "hi": hi, "mid": lo + width // 2}[where]
    com, r = _commit(params, v)
    proof = prove_interval(params, com, lo, hi, v, r, context=b"")
    verify_interval(params, com, lo, hi, proof, context=b"")
    for outside in (lo - 1, hi + 1):
        c2, r2 = _commit(params, outside)
        with pytest.raises(ProvingError):
            prove_interval(params, c2, lo, hi, outside, r2, context=b"")


def test_prover_checks_the_opening(params):
    com, r = _commit(params, 50)
    with pytest.raises(ProvingError):
        prove_interval(params, com, 0, 100, 51, r, context=b"")
    with pytest.raises(ProvingError):
        prove_interval(params, com, 0, 100, 50, r + 1, context=b"")
    with pytest.raises(MalformedInput):
        prove_interval(params, com, 100, 0, 50, r, context=b"")
    for bad in (1 << 200, -(1 << 200)):
        with pytest.raises(ProvingError):
            prove_interval(params, com, 0, 100, bad, r, context=b"")
    for bad in (50.0, True, "50", None):
        with pytest.raises(MalformedInput):
            prove_interval(params, com, 0, 100, bad, r, context=b"")


def test_cheating_prover_cannot_escape_the_interval(params):
    """A value above hi: prove v − lo and (hi − v) mod 2^n anyway — the derived C_hi does not match."""
    g = params.group
    q = g.order
    lo, hi, v = 0, 100, 101
    com, r = _commit(params, v)
    n, _ = interval_layout(lo, hi)
    forged, _ = prove_aggregated(params, n, [v - lo, (hi - v) % (1 << n)], [r, (q - r) % q], context=b"")
    with pytest.raises(VerificationError):
        verify_interval(params, com, lo, hi, forged, context=b"")


def test_verifier_rejects_bad_statements(params):
    com, r = _commit(params, 5)
    proof = prove_interval(params, com, 0, 10, 5, r, context=b"")
    with pytest.raises(VerificationError):
        verify_interval(params, com, 10, 0, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_interval(params, com, 0, 1 << 70, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_interval(params, params.group.identity(), 0, 10, proof, context=b"")
    assert isinstance(RangeProof.from_bytes(params.group, proof.to_bytes()), RangeProof)
    for bad_type in ((0.0, 10), (0, "10"), (None, 10), (False, 10)):
        with pytest.raises(MalformedInput):
            verify_interval(params, com, *bad_type, proof, context=b"")


def test_predicate_intervals():
    assert predicate_interval(">=", 18) == (18, 18 + (1 << 64) - 1)
    assert predicate_interval(">", 18) == (19, 19 + (1 << 64) - 1)
    assert predicate_interval("<=", 18, bits=8) == (18 - 255, 18)
    assert predicate_interval("<", 18, bits=8) == (17 - 255, 17)
    for bad in (("==", 1, 64), (">=", 1, 12), (">=", 1.5, 64)):
        with pytest.raises(MalformedInput):
            predicate_interval(*bad)


@pytest.mark.parametrize(
    ("prove", "verify", "op", "bound"),
    [
        (prove_at_least, verify_at_least, ">=", 1000),
        (prove_at_most, verify_at_most, "<=", 1000),
        (prove_greater_than, verify_greater_than, ">", 1000),
        (prove_less_than, verify_less_than, "<", 1000),
    ],
)
def test_one_sided_edges(params, prove, verify, op, bound):
    holds = {">=": lambda v: v >= bound, "<=": lambda v: v <= bound, ">": lambda v: v > bound, "<": lambda v: v < bound}
    for v in (bound - 1, bound, bound + 1):
        com, r = _commit(params, v)
        if not holds[op](v):
            with pytest.raises(ProvingError):
                prove(params, com, bound, v, r, context=b"")
            continue
        proof = prove(params, com, bound, v, r, context=b"")
        assert len(proof.to_bytes()) == 693  # one 64-bit proof, m = 1 (5-byte header + 688)
        assert verify(params, com, bound, proof, context=b"") is None
        verify_predicate(params, com, op, bound, proof, context=b"")
        with pytest.raises(VerificationError):  # a stronger claim with the same proof
            verify(params, com, bound + (1 if op in (">=", ">") else -1), proof, context=b"")


def test_predicate_bits_and_bad_ops(params):
    com, r = _commit(params, 70)
    proof = prove_predicate(params, com, ">=", 18, 70, r, context=b"", bits=8)
    assert len(proof.to_bytes()) == 495
    verify_predicate(params, com, ">=", 18, proof, context=b"", bits=8)
    with pytest.raises(VerificationError):
        verify_predicate(params, com, ">=", 18, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_predicate(params, com, "!=", 18, proof, context=b"")
    with pytest.raises(ProvingError):  # 18 + 2^8 − 1 = 273 is the top of the ">= 18 (8 bits)" interval
        prove_predicate(params, params.commit(274, r), ">=", 18, 274, r, context=b"", bits=8)


def test_predicate_bad_types(params):
    com, r = _commit(params, 70)
    proof = prove_at_least(params, com, 18, 70, r, context=b"")
    for bad in (18.0, True, None, "18"):
        with pytest.raises(MalformedInput):
            prove_at_least(params, com, bad, 70, r, context=b"")
        with pytest.raises(MalformedInput):
            verify_at_least(params, com, bad, proof, context=b"")
    with pytest.raises(MalformedInput):
        verify_predicate(params, com, None, 18, proof, context=b"")
    with pytest.raises(VerificationError):  # well-typed but unsupported: a verification failure
        verify_predicate(params, com, ">=", 1 << 200, proof, context=b"")
    with pytest.raises(VerificationError):
        verify_predicate(params, com, ">=", 18, proof, context=b"", bits=12)
