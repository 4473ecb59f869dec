"""zkmed.proofs.sigma: every typed proof — completeness, wire round trips, tampering, replay, refusals."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import BackendUnavailable, MalformedInput, ProvingError, UnsupportedVersion, VerificationError
from zkmed.hazmat.commitments import Blinding, PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.proofs import sigma as R

P256 = get_group("P256")
Q = P256.order
CTX = b"election-2026/ballot-7"


def _pyecc():
    try:
        return get_group("secp256k1-pyecc")
    except BackendUnavailable:  # pragma: no cover
        return None


def _eg4096():
    try:
        return get_group("EG4096")
    except BackendUnavailable:  # pragma: no cover
        return None


PYECC, EG4096 = _pyecc(), _eg4096()
GROUPS = [
    pytest.param(P256, id="P256"),
    pytest.param(PYECC, id="secp256k1-pyecc", marks=pytest.mark.skipif(PYECC is None, reason="no secp256k1-pyecc")),
    pytest.param(EG4096, id="EG4096", marks=pytest.mark.skipif(EG4096 is None, reason="no EG4096 backend")),
]


def other_params(group):
    return PedersenParams.derive(group, b"zkmed-test/other-params")


# ---------------------------------------------------------------------------
# one case per recipe: (prove() -> proof, verify(proof, context), proof class, from_bytes extra args)


def make_cases(group):
    pp = PedersenParams.default(group)
    pp2 = other_params(group)
    vp = VectorPedersenParams.derive(group, 3)
    vp2 = VectorPedersenParams.derive(group, 3, b"zkmed-test/other-vector")
    x, r, r2 = group.random_scalar(), group.random_scalar(), group.random_scalar()
    X, h = group.mul_gen(x), pp.h
    Y = group.mul(h, x)
    v = 1234567
    C, C2, C3 = pp.commit(v, r), pp2.commit(v, r2), pp.commit(v, r2)
    Cb = pp.commit(1, r)
    allowed = [1010, 1011, 1012]
    Cm = pp.commit(1011, r)
    vals = [5, 0, Q - 1]
    Cv, Cv2 = vp.commit(vals, r), vp2.commit(vals, r2)
    return {
        "dlog": (
            lambda: R.prove_dlog(group, X, x, context=CTX),
            lambda p, ctx=CTX: R.verify_dlog(group, X, p, context=ctx),
            R.DlogProof,
            (),
        ),
        "dleq": (
            lambda: R.prove_dleq(group, X, h, Y, x, context=CTX),
            lambda p, ctx=CTX: R.verify_dleq(group, X, h, Y, p, context=ctx),
            R.DleqProof,
            (),
        ),
        "opening": (
            lambda: R.prove_opening(pp, C, v, Blinding(r), context=CTX),
            lambda p, ctx=CTX: R.verify_opening(pp, C, p, context=ctx),
            R.OpeningProof,
            (),
        ),
        "equality": (
            lambda: R.prove_equality(pp, C, pp2, C2, v, r, r2, context=CTX),
            lambda p, ctx=CTX: R.verify_equality(pp, C, pp2, C2, p, context=ctx),
            R.EqualityProof,
            (),
        ),
        "equality-same-params": (
            lambda: R.prove_equality(pp, C, pp, C3, v, r, r2, context=CTX),
            lambda p, ctx=CTX: R.verify_equality(pp, C, pp, C3, p, context=ctx),
            R.EqualityProof,
            (),
        ),
        "bit": (
            lambda: R.prove_bit(pp, Cb, 1, r, context=CTX),
            lambda p, ctx=CTX: R.verify_bit(pp, Cb, p, context=ctx),
            R.BitProof,
            (),
        ),
        "membership": (
            lambda: R.prove_membership(pp, Cm, allowed, 1011, r, context=CTX),
            lambda p, ctx=CTX: R.verify_membership(pp, Cm, allowed, p, context=ctx),
            R.MembershipProof,
            (3,),
        ),
        "vector-opening": (
            lambda: R.prove_vector_opening(vp, Cv, vals, r, context=CTX),
            lambda p, ctx=CTX: R.verify_vector_opening(vp, Cv, p, context=ctx),
            R.VectorOpeningProof,
            (3,),
        ),
        "vector-equality": (
            lambda: R.prove_vector_equality(vp, Cv, vp2, Cv2, vals, r, r2, context=CTX),
            lambda p, ctx=CTX: R.verify_vector_equality(vp, Cv, vp2, Cv2, p, context=ctx),
            R.VectorEqualityProof,
            (3,),
        ),
    }


P256_CASES = make_cases(P256)
PROOFS = {name: case[0]() for name, case in P256_CASES.items()}
NAMES = sorted(P256_CASES)


def scalar_fields(proof) -> list[str]:
    return [f.name for f in dataclasses.fields(proof)][1:]


@pytest.mark.parametrize("group", GROUPS)
def test_completeness_every_recipe(group):
    cases = P256_CASES if group is P256 else make_cases(group)
    for name, (prove, verify, cls, extra) in cases.items():
        proof = PROOFS[name] if group is P256 else prove()
        assert isinstance(proof, cls), name
        assert verify(proof) is None, name
        assert cls.from_bytes(group, proof.to_bytes(), *extra) == proof, name


@pytest.mark.parametrize("name", NAMES)
def test_replay_into_another_context_fails(name):
    _, verify, _, _ = P256_CASES[name]
    for ctx in (b"", CTX + b"x", CTX[:-1], b"election-2026/ballot-8"):
        with pytest.raises(VerificationError):
            verify(PROOFS[name], ctx)


@pytest.mark.parametrize("name", NAMES)
def test_every_byte_flip_fails(name):
    _, verify, cls, extra = P256_CASES[name]
    data = PROOFS[name].to_bytes()
    for i in range(0, len(data), 3):
        bad = bytearray(data)
        bad[i] ^= 1 << (i % 8)
        try:
            forged = cls.from_bytes(P256, bytes(bad), *extra)
        except MalformedInput:
            continue  # a scalar >= q: refused by the decoder
        with pytest.raises(VerificationError):
            verify(forged)


@pytest.mark.parametrize("name", NAMES)
def test_every_field_tamper_fails(name):
    _, verify, _, _ = P256_CASES[name]
    proof = PROOFS[name]
    for field in scalar_fields(proof):
        value = getattr(proof, field)
        if isinstance(value, tuple):
            for j in range(len(value)):
                bumped = value[:j] + ((value[j] + 1) % Q,) + value[j + 1 :]
                with pytest.raises(VerificationError):
                    verify(dataclasses.replace(proof, **{field: bumped}))
        else:
            with pytest.raises(VerificationError):
                verify(dataclasses.replace(proof, **{field: (value + 1) % Q}))
            with pytest.raises(VerificationError):  # non-canonical: cannot even be encoded
                verify(dataclasses.replace(proof, **{field: value + Q}))


@pytest.mark.parametrize("name", NAMES)
def test_decoder_rejects_length_and_non_canonical(name):
    _, _, cls, extra = P256_CASES[name]
    data = PROOFS[name].to_bytes()
    for bad in (b"", data[:-1], data + b"\x00", data[:-32], data + bytes(32)):
        with pytest.raises(MalformedInput):
            cls.from_bytes(P256, bad, *extra)
    for at in range(5, len(data), 32):  # after the 5-byte format header
        bad = data[:at] + Q.to_bytes(32, "big") + data[at + 32 :]
        with pytest.raises(MalformedInput, match="non-canonical"):
            cls.from_bytes(P256, bad, *extra)
    with pytest.raises(MalformedInput):
        cls.from_bytes(P256, data.hex(), *extra)
    with pytest.raises(MalformedInput):  # the body without its format header
        cls.from_bytes(P256, data[5:], *extra)
    with pytest.raises(UnsupportedVersion):
        cls.from_bytes(P256, data[:4] + b"\x02" + data[5:], *extra)


def test_proofs_are_not_interchangeable_between_recipes():
    g = P256
    x = g.random_scalar()
    X = g.mul_gen(x)
    dlog = R.prove_dlog(g, g.mul_gen(x), x, context=CTX)
    with pytest.raises(MalformedInput, match="expected a zkmed.proof.dleq"):  # the format header says what it is
        R.DleqProof.from_bytes(g, dlog.to_bytes())
    as_dleq = R.DleqProof(g, dlog.challenge, dlog.response)
    with pytest.raises(VerificationError):
        R.verify_dleq(g, X, X, g.mul(X, x), as_dleq, context=CTX)
    with pytest.raises(VerificationError):  # right bytes, wrong class
        R.verify_dleq(g, X, X, g.mul(X, x), dlog, context=CTX)
    bit = PROOFS["bit"]
    as_membership = R.MembershipProof(g, bit.challenge, (bit.c0,), (bit.s0, bit.s1))
    pp = PedersenParams.default(g)
    with pytest.raises(VerificationError):
        R.verify_membership(pp, pp.commit(1, 1), [0, 1], as_membership, context=CTX)


def test_swapped_statements_and_wrong_generators_fail():
    g = P256
    pp, pp2 = PedersenParams.default(g), other_params(g)
    r = g.random_scalar()
    C = pp.commit(7, r)
    proof = R.prove_opening(pp, C, 7, r, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_opening(pp, pp.commit(7, r + 1), proof, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_opening(pp2, C, proof, context=CTX)
    x = g.random_scalar()
    dl = R.prove_dlog(g, g.mul_gen(x), x, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_dlog(g, g.mul(pp.h, x), dl, context=CTX, base=pp.h)
    with pytest.raises(VerificationError):
        R.verify_dlog(g, g.mul_gen(x + 1), dl, context=CTX)
    based = R.prove_dlog(g, g.mul(pp.h, x), x, context=CTX, base=pp.h)
    R.verify_dlog(g, g.mul(pp.h, x), based, context=CTX, base=pp.h)
    with pytest.raises(VerificationError):
        R.verify_dlog(g, g.mul(pp.h, x), based, context=CTX)


def test_identity_points_are_refused():
    g = P256
    pp = PedersenParams.default(g)
    dl = PROOFS["dlog"]
    with pytest.raises(VerificationError):
        R.verify_dlog(g, g.identity(), dl, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_dlog(g, g.identity(), 0, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_opening(pp, g.identity(), PROOFS["opening"], context=CTX)
    with pytest.raises(VerificationError):  # C = G makes the bit statement's second image the identity
        R.verify_bit(pp, g.generator(), PROOFS["bit"], context=CTX)
    with pytest.raises(ProvingError):
        R.prove_bit(pp, g.generator(), 1, 0, context=CTX)


def test_proof_for_another_group_or_garbage_is_rejected():
    k1 = get_group("secp256k1")
    x = k1.random_scalar()
    k1_proof = R.prove_dlog(k1, k1.mul_gen(x), x, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_dlog(P256, P256.mul_gen(x), k1_proof, context=CTX)
    for junk in (None, b"\x00" * 64, "proof"):
        with pytest.raises(VerificationError):
            R.verify_dlog(P256, P256.mul_gen(x), junk, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_dlog(P256, P256.mul_gen(x), PROOFS["dlog"], context="not bytes")


@pytest.mark.skipif(PYECC is None, reason="no secp256k1-pyecc")
def test_openssl_and_pure_python_secp256k1_interoperate():
    k1 = get_group("secp256k1")
    x = k1.random_scalar()
    proof = R.prove_dlog(k1, k1.mul_gen(x), x, context=CTX)
    R.verify_dlog(PYECC, PYECC.mul_gen(x), R.DlogProof.from_bytes(PYECC, proof.to_bytes()), context=CTX)


# ---------------------------------------------------------------------------
# bit and membership


@pytest.mark.parametrize("bit", [0, 1])
def test_bit_both_values(bit):
    pp = PedersenParams.default(P256)
    r = P256.random_scalar()
    C = pp.commit(bit, r)
    proof = R.prove_bit(pp, C, bit, r, context=CTX)
    R.verify_bit(pp, C, proof, context=CTX)
    assert len(proof.to_bytes()) == 5 + 128


def test_bit_prover_refusals():
    pp = PedersenParams.default(P256)
    r = P256.random_scalar()
    for value, claimed in ((2, 1), (1, 0), (0, 1)):
        with pytest.raises(ProvingError):
            R.prove_bit(pp, pp.commit(value, r), claimed, r, context=CTX)
    for claimed in (2, -1):
        with pytest.raises(ProvingError):
            R.prove_bit(pp, pp.commit(1, r), claimed, r, context=CTX)
    with pytest.raises(MalformedInput):
        R.prove_bit(pp, pp.commit(1, r), True, r, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_bit(pp, pp.commit(1, r), 1, r + 1, context=CTX)


@pytest.mark.parametrize("position", range(4))
def test_membership_at_every_position(position):
    pp = PedersenParams.default(P256)
    allowed = [1010, 1011, 1090, 2**200]
    r = P256.random_scalar()
    C = pp.commit(allowed[position], r)
    proof = R.prove_membership(pp, C, allowed, allowed[position], r, context=CTX)
    R.verify_membership(pp, C, allowed, proof, context=CTX)
    assert len(proof.to_bytes()) == 5 + 8 * 32
    with pytest.raises(VerificationError):
        R.verify_membership(pp, C, list(reversed(allowed)), proof, context=CTX)
    with pytest.raises(VerificationError):
        R.verify_membership(pp, C, allowed[:3], proof, context=CTX)


def test_membership_refusals_and_bad_sets():
    pp = PedersenParams.default(P256)
    r = P256.random_scalar()
    allowed = [10, 11]
    with pytest.raises(ProvingError):
        R.prove_membership(pp, pp.commit(12, r), allowed, 12, r, context=CTX)
    with pytest.raises(ProvingError):  # value in the set, but C commits to something else
        R.prove_membership(pp, pp.commit(12, r), allowed, 11, r, context=CTX)
    for bad in ([10], [10, 10], [10, 10 + Q], "ab", [1.0, 2.0]):
        with pytest.raises(MalformedInput):
            R.prove_membership(pp, pp.commit(10, r), bad, 10, r, context=CTX)
        with pytest.raises(VerificationError):
            R.verify_membership(pp, pp.commit(10, r), bad, PROOFS["membership"], context=CTX)
    with pytest.raises(MalformedInput):
        R.MembershipProof.from_bytes(P256, bytes(64), 1)


def test_prover_refuses_wrong_witnesses():
    g = P256
    pp, pp2 = PedersenParams.default(g), other_params(g)
    r, r2 = g.random_scalar(), g.random_scalar()
    with pytest.raises(ProvingError):
        R.prove_opening(pp, pp.commit(5, r), 6, r, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_equality(pp, pp.commit(5, r), pp2, pp2.commit(6, r2), 5, r, r2, context=CTX)
    vp = VectorPedersenParams.derive(g, 2)
    with pytest.raises(ProvingError):
        R.prove_vector_opening(vp, vp.commit([1, 2], r), [2, 1], r, context=CTX)
    with pytest.raises(ProvingError):
        R.prove_vector_opening(vp, vp.commit([1, 2], r), [1], r, context=CTX)
    with pytest.raises(MalformedInput):  # wrong types are malformed input, not a false statement
        R.prove_opening(pp, pp.commit(5, r), "5", r, context=CTX)
    with pytest.raises(MalformedInput):
        R.prove_opening(pp, pp.commit(5, r), 5, 1.5, context=CTX)
    with pytest.raises(MalformedInput):
        R.prove_opening("params", pp.commit(5, r), 5, r, context=CTX)
    with pytest.raises(MalformedInput):
        R.prove_opening(pp, pp.commit(5, r), 5, r, context="text")
    with pytest.raises(TypeError):  # context is required: no silent default
        R.prove_opening(pp, pp.commit(5, r), 5, r)  # type: ignore[call-arg]


# ---------------------------------------------------------------------------
# hypothesis

scalars = st.integers(min_value=0, max_value=Q - 1)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(scalars, min_size=6, max_size=6))
def test_wire_round_trips(values):
    g = P256
    c, a, b, d, e, f = values
    for proof, extra in (
        (R.DlogProof(g, c, a), ()),
        (R.DleqProof(g, c, a), ()),
        (R.OpeningProof(g, c, a, b), ()),
        (R.EqualityProof(g, c, a, b, d), ()),
        (R.BitProof(g, c, a, b, d), ()),
        (R.MembershipProof(g, c, (a, b), (d, e, f)), (3,)),
        (R.VectorOpeningProof(g, c, (a, b, d), e), (3,)),
        (R.VectorEqualityProof(g, c, (a, b), d, e), (2,)),
    ):
        data = proof.to_bytes()
        assert type(proof).from_bytes(g, data, *extra) == proof
        assert type(proof).from_bytes(g, data, *extra).to_bytes() == data


@settings(max_examples=8, deadline=None)
@given(
    v=st.integers(min_value=0, max_value=2**64), r=st.integers(min_value=1, max_value=Q - 1), ctx=st.binary(max_size=40)
)
def test_random_openings(v, r, ctx):
    pp = PedersenParams.default(P256)
    C = pp.commit(v, r)
    R.verify_opening(pp, C, R.prove_opening(pp, C, v, r, context=ctx), context=ctx)


def test_recipe_tags_are_injective():
    assert R.recipe_tag("bit", b"") != R.recipe_tag("bit", b"\x00")
    assert R.recipe_tag("bit", b"ab") != R.recipe_tag("bit-a", b"b")
    with pytest.raises(MalformedInput):
        R.recipe_tag("bit", "ctx")
