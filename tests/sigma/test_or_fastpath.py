"""The OR recipes' fast path (bit, membership, consecutive ranges) against the DSL path.

The cached templates must build exactly the DSL's relations (same bytes,
same proofs for the same randomness), proofs must verify across both paths,
and every instance check must still run per branch once a template is warm.
"""

from __future__ import annotations

import pytest

from zkmed.circuits import membership
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import compose, relation, templates
from zkmed.proofs import sigma as R
from zkmed.proofs.small_range import prove_small_range, verify_small_range

P256 = get_group("P256")
K1 = get_group("secp256k1")
PP = PedersenParams.default(P256)
CTX = b"or-fastpath"


def seeded(group, seed: int):
    state = [seed]

    def rng() -> int:
        state[0] = (state[0] * 6364136223846793005 + 1442695040888963407) % (1 << 256)
        return state[0] % group.order

    return rng


def dsl_relations(stmt):
    """The statement compiled by the DSL alone (no template)."""
    return [b._compile()[0] for b in stmt._branches()]


@pytest.fixture
def warm():
    templates.cache_clear()
    yield
    templates.cache_clear()


def test_bit_template_relations_and_proof_bytes_match_the_dsl(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(1, r)
    R.prove_bit(PP, c, 1, r, context=CTX)  # learn
    fast = R._prove_fast("bit", CTX, R._bit_fast(PP, c))[1].relations
    dsl = dsl_relations(membership.bit(PP, c))
    assert [x.serialize() for x in fast] == [x.serialize() for x in dsl]
    tag = templates.suite_tag(R.recipe_tag("bit", CTX), b"CDSOR", P256)
    a = compose.prove_or(tag, fast, 1, [r], seeded(P256, 7))
    b = compose.prove_or(tag, dsl, 1, [r], seeded(P256, 7))
    assert a == b
    compose.verify_or(tag, dsl, a)


@pytest.mark.parametrize("bit", [0, 1])
def test_bit_proofs_cross_verify(warm, bit: int) -> None:
    r = P256.random_scalar()
    c = PP.commit(bit, r)
    for _ in range(2):  # cold, then warm template
        fast = R.prove_bit(PP, c, bit, r, context=CTX)
        membership.bit(PP, c).verify(R.recipe_tag("bit", CTX), fast.to_bytes())
        dsl = membership.bit(PP, c).prove(R.recipe_tag("bit", CTX), {"r": r}, branch=bit)
        R.verify_bit(PP, c, R.BitProof.from_bytes(P256, dsl), context=CTX)


def test_membership_proofs_cross_verify(warm) -> None:
    allowed = (3, 10, 17, 42)
    r = P256.random_scalar()
    c = PP.commit(17, r)
    for _ in range(2):
        fast = R.prove_membership(PP, c, 17, r, allowed, context=CTX)
        tag = R.recipe_tag("membership", CTX)
        membership.one_of(PP, c, allowed).verify(tag, fast.to_bytes())
        dsl = membership.one_of(PP, c, allowed).prove(tag, {"r": r}, branch=2)
        R.verify_membership(PP, c, allowed, R.MembershipProof.from_bytes(P256, dsl, 4), context=CTX)


def test_consecutive_template_matches_the_dsl(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(4, r)
    cold = membership.consecutive(PP, c, 2, 8).relations()
    warm_ = membership.consecutive(PP, c, 2, 8).relations()
    assert [x.serialize() for x in cold] == [x.serialize() for x in warm_]
    templates.cache_clear()
    plain = [b._compile()[0] for b in membership.consecutive(PP, c, 2, 8)._branches()]
    assert [x.serialize() for x in plain] == [x.serialize() for x in warm_]


def test_identity_branch_rejected_with_a_warm_template(warm) -> None:
    r = P256.random_scalar()
    R.verify_bit(PP, PP.commit(1, r), R.prove_bit(PP, PP.commit(1, r), 1, r, context=CTX), context=CTX)
    good = R.prove_bit(PP, PP.commit(1, r), 1, r, context=CTX)
    degenerate = P256.generator()  # C = 1·G + 0·H: the branch image C - G is the identity
    with pytest.raises(VerificationError):
        R.verify_bit(PP, degenerate, good, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_bit(PP, degenerate, 1, 0, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_bit(PP, P256.identity(), good, context=CTX)
    allowed = (5, 6, 7)
    R.prove_membership(PP, PP.commit(6, r), 6, r, allowed, context=CTX)  # warm
    mp = R.prove_membership(PP, PP.commit(6, r), 6, r, allowed, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(PP, P256.mul_gen(6), allowed, mp, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_membership(PP, P256.mul_gen(6), 6, 0, allowed, context=CTX)


def test_consecutive_identity_branch_rejected_with_a_warm_template(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(3, r)
    proof = prove_small_range(c, 3, r, 0, 8, params=PP)
    verify_small_range(proof, c, 0, 8, params=PP)  # warm
    with pytest.raises(MalformedInput, match="identity"):
        membership.consecutive(PP, P256.mul_gen(3), 0, 8).relations()
    with pytest.raises(VerificationError):
        verify_small_range(proof, P256.mul_gen(3), 0, 8, params=PP)
    with pytest.raises(ProvingError):
        prove_small_range(P256.mul_gen(3), 3, 0, 0, 8, params=PP)


def test_wrong_h_rejected(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(1, r)
    bit = R.prove_bit(PP, c, 1, r, context=CTX)
    other = PedersenParams.derive(P256, b"another-h")
    R.verify_bit(PP, c, bit, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_bit(other, c, bit, context=CTX)
    mp = R.prove_membership(PP, c, 1, r, (0, 1, 2), context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(other, c, (0, 1, 2), mp, context=CTX)
    sr = prove_small_range(c, 1, r, 0, 3, params=PP)
    with pytest.raises(VerificationError):
        verify_small_range(sr, c, 0, 3, params=other)


def test_another_groups_element_rejected(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(1, r)
    bit = R.prove_bit(PP, c, 1, r, context=CTX)
    R.verify_bit(PP, c, bit, context=CTX)
    foreign = K1.mul_gen(5)
    with pytest.raises(VerificationError):
        R.verify_bit(PP, foreign, bit, context=CTX)
    mp = R.prove_membership(PP, c, 1, r, (0, 1, 2), context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(PP, foreign, (0, 1, 2), mp, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_bit(PP, c, R.BitProof(K1, bit.challenge, bit.c0, bit.s0, bit.s1), context=CTX)


def test_proof_for_another_set_or_range_rejected(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(10, r)
    mp = R.prove_membership(PP, c, 10, r, (3, 10, 17), context=CTX)
    R.verify_membership(PP, c, (3, 10, 17), mp, context=CTX)
    for other in ((3, 10, 18), (10, 3, 17), (4, 10, 17)):
        with pytest.raises(VerificationError):
            R.verify_membership(PP, c, other, mp, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(PP, c, (3, 10, 17, 20), mp, context=CTX)
    sr = prove_small_range(c, 10, r, 8, 11, params=PP)
    verify_small_range(sr, c, 8, 11, params=PP)
    with pytest.raises(VerificationError):
        verify_small_range(sr, c, 9, 12, params=PP)


def test_wrong_context_rejected(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(0, r)
    bit = R.prove_bit(PP, c, 0, r, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_bit(PP, c, bit, context=CTX + b"!")
    mp = R.prove_membership(PP, c, 0, r, (0, 9), context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(PP, c, (0, 9), mp, context=b"other")
    sr = prove_small_range(c, 0, r, 0, 3, params=PP, context=CTX)
    with pytest.raises(VerificationError):
        verify_small_range(sr, c, 0, 3, params=PP, context=b"other")


def test_tampered_and_out_of_range_scalars_rejected(warm) -> None:
    r = P256.random_scalar()
    c = PP.commit(1, r)
    bit = R.prove_bit(PP, c, 1, r, context=CTX)
    q = P256.order
    for bad in (
        R.BitProof(P256, bit.challenge, bit.c0, bit.s0, (bit.s1 + 1) % q),
        R.BitProof(P256, bit.challenge, bit.c0, bit.s0, bit.s1 + q),
        R.BitProof(P256, bit.challenge, -1, bit.s0, bit.s1),
        R.BitProof(P256, bit.challenge, bit.c0, bit.s0, "x"),  # type: ignore[arg-type]
    ):
        with pytest.raises(VerificationError):
            R.verify_bit(PP, c, bad, context=CTX)
    mp = R.prove_membership(PP, c, 1, r, (0, 1, 2), context=CTX)
    short = R.MembershipProof(P256, mp.challenge, mp.branch_challenges[:1], mp.responses)
    with pytest.raises(VerificationError):
        R.verify_membership(PP, c, (0, 1, 2), short, context=CTX)


def test_compose_rejects_malformed_bytes() -> None:
    r = P256.random_scalar()
    rels = membership.bit(PP, PP.commit(1, r)).relations()
    tag = compose.full_tag(b"t", b"CDSOR", P256)
    proof = compose.prove_or(tag, rels, 1, [r])
    compose.verify_or(tag, rels, proof)
    for bad in (proof[:-1], proof + b"\0", b"\xff" * len(proof), bytearray(proof[:-1]) + b"\1"):
        with pytest.raises(VerificationError):
            compose.verify_or(tag, rels, bytes(bad))
    with pytest.raises(VerificationError):
        compose.verify_or(tag, rels, "not bytes")  # type: ignore[arg-type]


def test_caches_are_bounded() -> None:
    assert relation._gen_multiple.cache_info().maxsize == relation.GEN_MULTIPLE_CACHE_SIZE
    assert templates.suite_tag.cache_info().maxsize is not None
    assert templates.TEMPLATE_CACHE_SIZE > 0
