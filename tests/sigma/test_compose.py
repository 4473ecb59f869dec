"""zkmed.hazmat.sigma.compose: AND composition and CDS94 OR proofs (compact form).

Completeness with the true branch at every position, AND-inside-OR, tampering
(every byte, every scalar made non-canonical, truncation, extension, swapped
branches/statements, other tags, forged identity commitments) and hypothesis
round trips of the wire format.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkmed.errors import BackendUnavailable, MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import RelationBuilder
from zkmed.hazmat.sigma.compose import OrProof, full_tag, or_instance, prove_or, verify_or
from zkmed.hazmat.sigma.dsl import DLRep, elements, generator, secrets
from zkmed.hazmat.sigma.relation import LinearRelation

P256 = get_group("P256")
TAG = full_tag(b"zkmed-test-compose", b"CDSOR", P256)


def _pyecc():
    try:
        return get_group("secp256k1-pyecc")
    except BackendUnavailable:  # pragma: no cover - the colleague's backend is missing
        return None


PYECC = _pyecc()
GROUPS = [
    pytest.param(P256, id="P256"),
    pytest.param(
        PYECC, id="secp256k1-pyecc", marks=pytest.mark.skipif(PYECC is None, reason="secp256k1-pyecc not importable")
    ),
]


def schnorr(group, x=None) -> tuple[LinearRelation, list[int]]:
    x = group.random_scalar() if x is None else x
    b = RelationBuilder(group)
    s = b.allocate_scalar()
    b.append_equation(b.allocate_element(group.mul_gen(x)), [(s, b.generator)])
    return b.build(), [x]


def dleq(group, x=None) -> tuple[LinearRelation, list[int]]:
    """An AND of two equations: X = x·G ∧ Y = x·H."""
    x = group.random_scalar() if x is None else x
    h = group.hash_to_element(b"compose-test-H", b"zkmed-test-compose-H")
    b = RelationBuilder(group)
    s = b.allocate_scalar()
    hv, xv, yv = b.allocate_elements([h, group.mul_gen(x), group.mul(h, x)])
    b.append_equation(xv, [(s, b.generator)])
    b.append_equation(yv, [(s, hv)])
    return b.build(), [x]


def opening(group) -> tuple[LinearRelation, list[int]]:
    """Two witness scalars: C = v·G + r·H."""
    v, r = group.random_scalar(), group.random_scalar()
    h = group.hash_to_element(b"compose-test-H", b"zkmed-test-compose-H")
    b = RelationBuilder(group)
    sv, sr = b.allocate_scalars(2)
    hv = b.allocate_element(h)
    b.append_equation(b.allocate_element(group.msm([r], [h], gen_scalar=v)), [(sv, b.generator), (sr, hv)])
    return b.build(), [v, r]


def mixed_branches(group, k: int):
    makers = [schnorr, dleq, opening]
    return [makers[i % 3](group) for i in range(k)]


# ---------------------------------------------------------------------------
# completeness


@pytest.mark.parametrize("k", [2, 3, 5])
def test_or_completeness_every_position_p256(k):
    branches = mixed_branches(P256, k)
    rels = [r for r, _ in branches]
    for real, (_, witness) in enumerate(branches):
        proof = prove_or(TAG, rels, real, witness)
        assert len(proof) == (k + sum(r.num_scalars for r in rels)) * 32
        assert verify_or(TAG, rels, proof) is None


@pytest.mark.parametrize("group", GROUPS)
def test_or_completeness_both_positions(group):
    tag = full_tag(b"zkmed-test-compose", b"CDSOR", group)
    branches = [schnorr(group), dleq(group)]  # AND inside OR on the second branch
    rels = [r for r, _ in branches]
    for real, (_, witness) in enumerate(branches):
        verify_or(tag, rels, prove_or(tag, rels, real, witness))


def test_challenges_sum_to_the_overall_challenge():
    branches = mixed_branches(P256, 4)
    rels = [r for r, _ in branches]
    proof = OrProof.from_bytes(rels, prove_or(TAG, rels, 2, branches[2][1]))
    assert sum(proof.challenges()) % P256.order == proof.challenge
    assert proof.to_bytes() == OrProof.from_bytes(rels, proof.to_bytes()).to_bytes()


def test_prover_knowing_both_witnesses_may_use_either_branch():
    (r0, w0), (r1, w1) = schnorr(P256), schnorr(P256)
    verify_or(TAG, [r0, r1], prove_or(TAG, [r0, r1], 0, w0))
    verify_or(TAG, [r0, r1], prove_or(TAG, [r0, r1], 1, w1))


def test_proofs_are_randomized():
    (r0, w0), (r1, _) = schnorr(P256), schnorr(P256)
    assert prove_or(TAG, [r0, r1], 0, w0) != prove_or(TAG, [r0, r1], 0, w0)


# ---------------------------------------------------------------------------
# prover refusals and bad parameters


def test_prover_refuses_a_false_witness():
    (r0, _), (r1, w1) = schnorr(P256), schnorr(P256)
    with pytest.raises(ProvingError):
        prove_or(TAG, [r0, r1], 0, w1)
    with pytest.raises(ProvingError):
        prove_or(TAG, [r0, r1], 1, [(w1[0] + 1) % P256.order])


@pytest.mark.parametrize("real", [-1, 2, True, "0"])
def test_prover_refuses_bad_branch_index(real):
    (r0, w0), (r1, _) = schnorr(P256), schnorr(P256)
    with pytest.raises(ProvingError):
        prove_or(TAG, [r0, r1], real, w0)


@pytest.mark.parametrize("witness", [[], [1, 2], [P256.order], [-1], ["1"]])
def test_prover_refuses_malformed_witness(witness):
    (r0, _), (r1, _) = schnorr(P256), schnorr(P256)
    with pytest.raises(ProvingError):
        prove_or(TAG, [r0, r1], 0, witness)


def test_branch_count_and_group_checks():
    (r0, w0), (r1, _) = schnorr(P256), schnorr(P256)
    with pytest.raises(MalformedInput):
        prove_or(TAG, [r0], 0, w0)
    with pytest.raises(MalformedInput):
        verify_or(TAG, [r0], b"")
    with pytest.raises(MalformedInput):
        prove_or(TAG, [r0, "not a relation"], 0, w0)
    if PYECC is not None:
        with pytest.raises(MalformedInput):
            prove_or(TAG, [r0, schnorr(PYECC)[0]], 0, w0)
    with pytest.raises(MalformedInput):
        prove_or("not bytes", [r0, r1], 0, w0)


# ---------------------------------------------------------------------------
# tampering


@pytest.fixture(scope="module")
def bit_like():
    branches = [schnorr(P256), dleq(P256)]
    rels = [r for r, _ in branches]
    return rels, prove_or(TAG, rels, 1, branches[1][1])


def test_every_byte_flip_is_rejected(bit_like):
    rels, proof = bit_like
    for i in range(len(proof)):
        for mask in (0x01, 0x80):
            bad = bytearray(proof)
            bad[i] ^= mask
            with pytest.raises(VerificationError):
                verify_or(TAG, rels, bytes(bad))


def test_non_canonical_scalars_are_rejected(bit_like):
    rels, proof = bit_like
    q = P256.order
    for at in range(0, len(proof), 32):
        value = int.from_bytes(proof[at : at + 32], "big")
        for bad_value in (value + q, q, 2**256 - 1):
            if bad_value >= 2**256:
                continue
            bad = proof[:at] + bad_value.to_bytes(32, "big") + proof[at + 32 :]
            with pytest.raises(VerificationError, match="non-canonical"):
                verify_or(TAG, rels, bad)


def test_truncated_extended_and_non_bytes_are_rejected(bit_like):
    rels, proof = bit_like
    for bad in (b"", proof[:-1], proof[:-32], proof + b"\x00", proof + bytes(32), proof * 2):
        with pytest.raises(VerificationError):
            verify_or(TAG, rels, bad)
    for bad in (None, 42, proof.hex()):
        with pytest.raises(VerificationError):
            verify_or(TAG, rels, bad)


def test_wrong_tag_statement_or_branch_order_is_rejected(bit_like):
    rels, proof = bit_like
    with pytest.raises(VerificationError):
        verify_or(full_tag(b"zkmed-test-compose-other", b"CDSOR", P256), rels, proof)
    with pytest.raises(VerificationError):
        verify_or(full_tag(b"zkmed-test-compose", b"CMPT", P256), rels, proof)
    with pytest.raises(VerificationError):
        verify_or(TAG, [rels[0], dleq(P256)[0]], proof)  # another statement, same shape
    # swapping the branches changes the shape here; swap two same-shape branches instead
    (a, wa), (b, _) = schnorr(P256), schnorr(P256)
    p = prove_or(TAG, [a, b], 0, wa)
    with pytest.raises(VerificationError):
        verify_or(TAG, [b, a], p)


def test_a_forged_identity_commitment_is_rejected():
    """s_0 = c_0·x makes A_0 = s_0·G - c_0·X the identity: refused before the challenge check."""
    (r0, (x,)), (r1, _) = schnorr(P256), schnorr(P256)
    q = P256.order
    c, c0 = P256.random_scalar(), P256.random_scalar()
    forged = OrProof(P256, c, (c0,), ((c0 * x % q,), (P256.random_scalar(),))).to_bytes()
    with pytest.raises(VerificationError, match="identity"):
        verify_or(TAG, [r0, r1], forged)


def test_instance_binds_every_branch_and_the_count():
    (a, _), (b, _), (c, _) = schnorr(P256), schnorr(P256), schnorr(P256)
    assert or_instance([a, b]) != or_instance([b, a])
    assert or_instance([a, b]) != or_instance([a, b, c])
    assert or_instance([a, b])[:4] == (2).to_bytes(4, "little")


# ---------------------------------------------------------------------------
# AND inside OR


def test_and_inside_or_with_a_multi_equation_branch():
    (x,) = secrets("x")
    (y,) = secrets("y")
    X, H, Y, Z = elements(P256, X=P256.mul_gen(5), H=P256.mul_gen(7), Y=P256.mul_gen(35), Z=P256.mul_gen(9))
    G = generator(P256)
    stmt = (DLRep(X, x * G) & DLRep(Y, x * H)) | DLRep(Z, y * G)  # (X = x·G ∧ Y = x·H) ∨ Z = y·G
    rels = stmt.relations()
    assert rels[0].num_equations == 2
    verify_or(TAG, rels, prove_or(TAG, rels, 0, [5]))
    verify_or(TAG, rels, prove_or(TAG, rels, 1, [9]))


# ---------------------------------------------------------------------------
# hypothesis: wire round trips and random witnesses

scalars = st.integers(min_value=0, max_value=P256.order - 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=scalars, c0=scalars, s=st.lists(scalars, min_size=3, max_size=3))
def test_or_proof_wire_round_trip(bit_like, c, c0, s):
    rels, _ = bit_like  # shapes: 1 scalar + 1 scalar
    proof = OrProof(P256, c, (c0,), ((s[0],), (s[1],)))
    data = proof.to_bytes()
    assert len(data) == 4 * 32
    assert OrProof.from_bytes(rels, data) == proof


@settings(max_examples=10, deadline=None)
@given(x=st.integers(min_value=1, max_value=P256.order - 1), real=st.integers(min_value=0, max_value=2))
def test_random_witnesses_verify(x, real):
    branches = [schnorr(P256) for _ in range(3)]
    branches[real] = schnorr(P256, x)
    rels = [r for r, _ in branches]
    verify_or(TAG, rels, prove_or(TAG, rels, real, [x]))
