"""Threshold decryption: any k of n trustees decrypt; wrong, replayed or missing partial decryptions are caught."""

from __future__ import annotations

import dataclasses
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.ceremony import run_ceremony
from zkmed.elections.ceremony_messages import CeremonyParams
from zkmed.elections.decryption import (
    PartialDecryption,
    combine,
    lagrange_at_zero,
    partial_decrypt,
    verify_partial_decryption,
)
from zkmed.elections.elgamal import Ciphertext, encrypt, sum_ciphertexts
from zkmed.encoding import b64_encode
from zkmed.errors import MalformedInput, VerificationError

CTX = b"tally of election X"
VALUES = [0, 1, 2, 7, 20]


def _setup(group: str, n: int = 3, k: int = 2):
    params = CeremonyParams(group, n, k, b"ceremony")
    _, shares, joint = run_ceremony(params)
    g = params.group
    cts = [encrypt(g, joint.public_key, m, g.random_scalar()) for m in VALUES]
    return g, shares, joint, cts


@pytest.fixture(scope="module", params=["P256", "EG4096"])
def election(request):
    g, shares, joint, cts = _setup(request.param)
    partials = [partial_decrypt(g, s, cts, context=CTX) for s in shares]
    return g, shares, joint, cts, partials


def test_any_k_trustees_decrypt(election):
    g, _, joint, cts, partials = election
    for subset in combinations(partials, joint.k):
        result = combine(g, joint, cts, list(subset), context=CTX, max_value=20)
        assert result.values == tuple(VALUES)
        assert result.used == tuple(p.index for p in subset) and result.excluded == {}
    result = combine(g, joint, cts, partials, context=CTX, max_value=20)
    assert result.used == (1, 2)  # the first k valid indices
    for p in partials:
        verify_partial_decryption(g, joint, cts, p, context=CTX)
        again = PartialDecryption.from_payload(g, p.to_payload())
        assert again.to_payload() == p.to_payload()
        verify_partial_decryption(g, joint, cts, again, context=CTX)


def test_homomorphic_tally_decrypts():
    g, shares, joint, _ = _setup("P256", 5, 3)
    votes = [1, 0, 1, 1, 0, 1]
    tally = sum_ciphertexts(g, [encrypt(g, joint.public_key, v, g.random_scalar()) for v in votes])
    partials = [partial_decrypt(g, s, [tally], context=CTX) for s in shares[2:]]
    assert combine(g, joint, [tally], partials, context=CTX, max_value=len(votes)).values == (4,)


def _wrong_share(g, p: PartialDecryption, at: int) -> PartialDecryption:
    shares = list(p.shares)
    shares[at] = g.add(shares[at], g.generator())  # decrypts ciphertext `at` to one more
    return dataclasses.replace(p, shares=tuple(shares))


@pytest.mark.parametrize("at", [0, 4])
def test_wrong_partial_is_identified_and_excluded(election, at):
    g, _, joint, cts, partials = election
    bad = _wrong_share(g, partials[0], at)
    with pytest.raises(VerificationError, match="trustee 1: the Chaum–Pedersen proof is invalid"):
        verify_partial_decryption(g, joint, cts, bad, context=CTX)
    result = combine(g, joint, cts, [bad, *partials[1:]], context=CTX, max_value=20)
    assert result.values == tuple(VALUES) and result.used == (2, 3)
    assert result.excluded == {1: "the Chaum–Pedersen proof is invalid"}
    with pytest.raises(VerificationError, match="needs 2 valid partial decryptions, got 1 .*trustee 1"):
        combine(g, joint, cts, [bad, partials[2]], context=CTX, max_value=20)


@pytest.mark.parametrize("field", ["response", "t0", "t1"])
def test_tampered_proof_fields(election, field):
    g, _, joint, cts, partials = election
    p = partials[1]
    if field == "response":
        bad = dataclasses.replace(p, response=(p.response + 1) % g.order)
    elif field == "t0":
        bad = dataclasses.replace(p, commitments=(g.add(p.commitments[0], g.generator()), p.commitments[1]))
    else:
        bad = dataclasses.replace(p, commitments=(p.commitments[0], p.commitments[0]))
    with pytest.raises(VerificationError, match="trustee 2"):
        verify_partial_decryption(g, joint, cts, bad, context=CTX)
    assert combine(g, joint, cts, [partials[0], bad, partials[2]], context=CTX, max_value=20).excluded == {
        2: "the Chaum–Pedersen proof is invalid"
    }


def test_replays_fail(election):
    """Another context, another trustee's key, other ciphertexts (even only beta changed): rejected."""
    g, _, joint, cts, partials = election
    p = partials[0]
    with pytest.raises(VerificationError):
        verify_partial_decryption(g, joint, cts, p, context=CTX + b"!")
    with pytest.raises(VerificationError):
        verify_partial_decryption(g, joint, cts, dataclasses.replace(p, index=2), context=CTX)
    moved = [Ciphertext(c.alpha, g.add(c.beta, g.generator())) for c in cts]
    with pytest.raises(VerificationError):
        verify_partial_decryption(g, joint, moved, p, context=CTX)
    with pytest.raises(VerificationError):
        verify_partial_decryption(g, joint, [cts[1], cts[0], *cts[2:]], p, context=CTX)
    with pytest.raises(VerificationError, match="4 decryption shares for 5 ciphertexts|5 decryption shares for 4"):
        verify_partial_decryption(g, joint, cts[:4], p, context=CTX)
    with pytest.raises(VerificationError, match="needs 2"):
        combine(g, joint, cts, partials, context=b"another tally", max_value=20)


def test_fewer_than_k_and_duplicates(election):
    g, _, joint, cts, partials = election
    with pytest.raises(VerificationError, match="needs 2 valid partial decryptions, got 1"):
        combine(g, joint, cts, [partials[0]], context=CTX, max_value=20)
    with pytest.raises(VerificationError, match="got 0"):
        combine(g, joint, cts, [], context=CTX, max_value=20)
    with pytest.raises(VerificationError, match="got 1"):  # one trustee twice counts once
        combine(g, joint, cts, [partials[0], partials[0]], context=CTX, max_value=20)
    bad = _wrong_share(g, partials[0], 0)
    result = combine(g, joint, cts, [bad, partials[2], partials[0]], context=CTX, max_value=20)
    assert result.used == (1, 3) and result.excluded == {}  # trustee 1's valid second post is used


def test_values_above_the_bound(election):
    g, _, joint, cts, partials = election
    with pytest.raises(VerificationError, match=r"ciphertext 4: the decrypted value is not in \[0, 19\]"):
        combine(g, joint, cts, partials, context=CTX, max_value=19)
    with pytest.raises(MalformedInput):
        combine(g, joint, cts, partials, context=CTX, max_value=-1)


def test_argument_checks(election):
    g, shares, joint, cts, partials = election
    with pytest.raises(MalformedInput):
        partial_decrypt(g, shares[0], [], context=CTX)
    with pytest.raises(MalformedInput):
        partial_decrypt(g, shares[0], cts, context="text")  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        combine(g, joint, cts, [object()], context=CTX, max_value=20)  # type: ignore[list-item]
    with pytest.raises(MalformedInput):
        verify_partial_decryption(g, object(), cts, partials[0], context=CTX)  # type: ignore[arg-type]


def test_payload_validation(election):
    g, _, _, _, partials = election
    data = partials[0].to_payload()
    obj = parse_json(data)
    identity = b64_encode(g.encode_element(g.identity()))
    bad_edits = [
        {"extra": 1},
        {"trustee": 0},
        {"shares": []},
        {"shares": [identity]},
        {"shares": ["AAAA"]},
        {"proof": {"commitments": obj["proof"]["commitments"][:1], "response": obj["proof"]["response"]}},
        {"proof": {"commitments": obj["proof"]["commitments"], "response": b64_encode(g.order.to_bytes(32, "big"))}},
        {"proof": {**obj["proof"], "extra": 1}},
    ]
    modulus = getattr(g, "modulus", None)
    if modulus is not None:  # EG4096: values outside the order-q subgroup, and p itself
        outside = [x for x in (modulus - 1, 2, 3, 5, modulus) if x == modulus or pow(x, g.order, modulus) != 1]
        bad_edits += [{"shares": [b64_encode(x.to_bytes(g.element_size, "big"))]} for x in outside]
    else:  # P-256: x not on the curve, x >= p
        bad_edits += [{"shares": [b64_encode(b"\x02" + b"\xff" * 32)]}, {"shares": [b64_encode(b"\x04" + bytes(32))]}]
    for edit in bad_edits:
        with pytest.raises(MalformedInput):
            PartialDecryption.from_payload(g, canonical_json({**obj, **edit}))


def test_lagrange():
    q = 101
    assert lagrange_at_zero([1], q) == [1]
    lam = lagrange_at_zero([1, 2, 3], q)
    # f(x) = 5 + 3x + 7x^2: f(0) from f(1), f(2), f(3)
    assert sum(x * (5 + 3 * i + 7 * i * i) for x, i in zip(lam, [1, 2, 3], strict=True)) % q == 5


@settings(max_examples=25, deadline=None)
@given(present=st.lists(st.sampled_from([1, 2, 3, 4, 5]), max_size=8), bad=st.sets(st.sampled_from([1, 2, 3, 4, 5])))
def test_any_mix_of_present_and_invalid_trustees(five, present, bad):
    """Right values when at least k distinct valid trustees posted, else a VerificationError; never anything else."""
    g, joint, cts, partials = five
    posted = [_wrong_share(g, partials[i - 1], 1) if i in bad else partials[i - 1] for i in present]
    valid = {i for i in present if i not in bad}
    if len(valid) >= joint.k:
        result = combine(g, joint, cts, posted, context=CTX, max_value=20)
        assert result.values == tuple(VALUES) and set(result.used) <= valid and len(result.used) == joint.k
        assert set(result.excluded) == set(present) & bad - valid
    else:
        with pytest.raises(VerificationError, match=f"needs {joint.k} valid"):
            combine(g, joint, cts, posted, context=CTX, max_value=20)


@pytest.fixture(scope="module")
def five():
    g, shares, joint, cts = _setup("P256", 5, 3)
    return g, joint, cts, [partial_decrypt(g, s, cts, context=CTX) for s in shares]
