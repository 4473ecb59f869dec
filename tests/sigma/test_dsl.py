"""zkmed.hazmat.sigma.dsl: operator algebra, compilation to the draft's LinearRelation, AND/OR proofs.

The compilation tests follow the worked examples of draft-irtf-cfrg-sigma-protocols
§"Specifying the relation" (ChaumPedersen, PedersenOpening, OpensTo,
ElGamalDecryption, AggregateEncryption, Bit).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import BackendUnavailable, MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import verify_compact
from zkmed.hazmat.sigma.compose import ciphersuite_id, full_tag, verify_or
from zkmed.hazmat.sigma.dsl import AndStatement, DLRep, OrStatement, element, elements, generator, secret, secrets

G_ = get_group("P256")
Q = G_.order
TAG = b"zkmed-test-dsl"


def pt(label: bytes, group=G_):
    return group.hash_to_element(label, b"zkmed-test-dsl-points")


def _pyecc():
    try:
        return get_group("secp256k1-pyecc")
    except BackendUnavailable:  # pragma: no cover
        return None


PYECC = _pyecc()


def eqs(stmt: AndStatement):
    return [(e.image, e.terms) for e in stmt.relation().equations]


# ---------------------------------------------------------------------------
# compilation (draft examples)


def test_chaum_pedersen_compiles_like_the_draft():
    (x,) = secrets("x")
    G = generator(G_)
    H, X, Y = elements(G_, H=pt(b"H"), X=pt(b"X"), Y=pt(b"Y"))
    stmt = DLRep(X, x * G) & DLRep(Y, x * H)
    rel = stmt.relation()
    assert rel.num_elements == 4
    assert eqs(stmt) == [(((2, 1),), ((0, 0, 1),)), (((3, 1),), ((0, 1, 1),))]
    assert stmt.describe() == "PK{(x): X = x·G ∧ Y = x·H}"


def test_pedersen_opening_and_opens_to():
    m, r = secrets("m", "r")
    G = generator(G_)
    H, C = elements(G_, H=pt(b"H"), C=pt(b"C"))
    assert eqs(DLRep(C, m * G + r * H)) == [(((2, 1),), ((0, 0, 1), (1, 1, 1)))]
    assert eqs(DLRep(C, 5 * G + r * H)) == [(((2, 1), (0, Q - 5)), ((0, 1, 1),))]
    # a constant on either side compiles identically
    assert DLRep(C - 5 * G, r * H).relation() == DLRep(C, 5 * G + r * H).relation()


def test_elgamal_decryption_constant_crosses_sides():
    (x,) = secrets("x")
    G = generator(G_)
    X, E0, E1, M = elements(G_, X=pt(b"X"), E0=pt(b"E0"), E1=pt(b"E1"), M=pt(b"M"))
    stmt = DLRep(X, x * G) & DLRep(M, x * E0 - E1)
    assert eqs(stmt)[1] == (((4, 1), (3, 1)), ((0, 2, 1),))
    assert (DLRep(X, x * G) & DLRep(M + E1, x * E0)).relation() == stmt.relation()


def test_aggregate_encryption_distributes_the_scalar():
    (r,) = secrets("r")
    G = generator(G_)
    X1, X2, M, E0, E1 = elements(G_, X1=pt(b"X1"), X2=pt(b"X2"), M=pt(b"M"), E0=pt(b"E0"), E1=pt(b"E1"))
    stmt = DLRep(E0, r * G) & DLRep(M + E1, r * (X1 + X2))
    assert eqs(stmt)[1] == (((3, 1), (5, 1)), ((0, 1, 1), (0, 2, 1)))


def test_bit_relation_with_element_as_base():
    b, r, s = secrets("b", "r", "s")
    G = generator(G_)
    H, C = elements(G_, H=pt(b"H"), C=pt(b"C"))
    stmt = DLRep(C, b * G + r * H) & DLRep(C, b * C + s * H)
    assert eqs(stmt) == [(((2, 1),), ((0, 0, 1), (1, 1, 1))), (((2, 1),), ((0, 2, 1), (2, 1, 1)))]


def test_coefficients_secret_sums_and_negation():
    x, y = secrets("x", "y")
    G = generator(G_)
    (X,) = elements(G_, X=pt(b"X"))
    a = DLRep(X, (x + 2 * y) * G).relation()
    b = DLRep(X, x * G + y * (2 * G)).relation()
    assert a == b
    assert DLRep(X, (Q + 3) * x * G).relation() == DLRep(X, 3 * x * G).relation()
    assert eqs(DLRep(X, -x * G)) == [(((1, 1),), ((0, 0, Q - 1),))]
    assert eqs(DLRep(-X, x * G)) == [(((1, Q - 1),), ((0, 0, 1),))]
    with pytest.raises(MalformedInput):  # x·G - x·G: the column of x is the identity
        DLRep(X, x * G - x * G).relation()


def test_secret_on_the_left_moves_right_negated():
    (x,) = secrets("x")
    G = generator(G_)
    (X,) = elements(G_, X=pt(b"X"))
    assert DLRep(X - x * G, 2 * G).relation() == DLRep(X - 2 * G, x * G).relation()


def test_declaration_order_and_generator_aliases():
    r, x = secrets("r", "x")  # r declared first: witness order (r, x)
    B, A = elements(G_, B=pt(b"B"), A=pt(b"A"))
    G2 = element(G_, "G2", G_.generator())  # equal to the generator: index 0
    stmt = DLRep(A, x * G2 + r * B)
    assert stmt.secret_names() == ("r", "x")
    assert eqs(stmt) == [(((2, 1),), ((1, 0, 1), (0, 1, 1)))]


def test_shared_names_share_indices_across_and():
    x, r1, r2 = secrets("x", "r1", "r2")
    G = generator(G_)
    H, C1, C2 = elements(G_, H=pt(b"H"), C1=pt(b"C1"), C2=pt(b"C2"))
    stmt = DLRep(C1, x * G + r1 * H) & DLRep(C2, x * G + r2 * H)
    assert stmt.relation().num_scalars == 3
    assert stmt.relation().num_elements == 4


@pytest.mark.parametrize(
    "build",
    [
        lambda x, y, G, X: DLRep(X, x * y * G),  # not linear
        lambda x, y, G, X: DLRep(X, x * (y * G)),
        lambda x, y, G, X: DLRep(X, 1.5 * x * G),  # float coefficient
        lambda x, y, G, X: DLRep(X, x * G * G),
        lambda x, y, G, X: DLRep(X, x * G + 3),  # an int is not a group term
        lambda x, y, G, X: DLRep(X, "x"),
        lambda x, y, G, X: DLRep(x * G, y * X),  # empty image
        lambda x, y, G, X: DLRep(X, 0 * G).relation(),  # no witness term
        lambda x, y, G, X: DLRep(X, x * G) & "stmt",
        lambda x, y, G, X: DLRep(X, x * G) | 3,
    ],
)
def test_malformed_statements(build):
    x, y = secrets("x", "y")
    G = generator(G_)
    (X,) = elements(G_, X=pt(b"X"))
    with pytest.raises(MalformedInput):
        stmt = build(x, y, G, X)
        stmt.relation()


def test_name_bound_to_two_elements_and_mixed_groups():
    (x,) = secrets("x")
    X1 = element(G_, "X", pt(b"X1"))
    X2 = element(G_, "X", pt(b"X2"))
    with pytest.raises(MalformedInput):
        (DLRep(X1, x * generator(G_)) & DLRep(X2, x * generator(G_))).relation()
    with pytest.raises(MalformedInput):
        DLRep(element(G_, "I", G_.identity()), x * generator(G_)).relation()
    with pytest.raises(MalformedInput):
        secrets("x", "x")
    with pytest.raises(MalformedInput):
        element(G_, "", pt(b"X"))
    if PYECC is not None:
        with pytest.raises(MalformedInput):
            DLRep(X1, x * generator(PYECC))


# ---------------------------------------------------------------------------
# proving and verifying


def schnorr_stmt(value=None):
    value = G_.random_scalar() if value is None else value
    (x,) = secrets("x")
    (X,) = elements(G_, X=G_.mul_gen(value))
    return DLRep(X, x * generator(G_)), value


def test_and_statement_round_trip_and_interop_with_nizk():
    stmt, x = schnorr_stmt()
    proof = stmt.prove(TAG, {"x": x, "unused": 5})
    assert len(proof) == 64
    assert stmt.verify(TAG, proof) is None
    verify_compact(full_tag(TAG, b"CMPT", G_), stmt.relation(), proof)
    assert full_tag(TAG, b"CMPT", G_) == TAG + b"-CMPT-with-sigma-proofs_Shake128_P256"
    with pytest.raises(VerificationError):
        stmt.verify(TAG + b"x", proof)
    with pytest.raises(VerificationError):
        schnorr_stmt()[0].verify(TAG, proof)
    with pytest.raises(MalformedInput):
        stmt.verify(b"", proof)
    with pytest.raises(VerificationError):
        stmt.verify(TAG, proof[:-1])


def test_witness_is_reduced_and_checked():
    stmt, x = schnorr_stmt()
    stmt.verify(TAG, stmt.prove(TAG, {"x": x + Q}))
    for bad in ({}, {"x": x + 1}, {"x": "1"}, {"x": True}, [x]):
        with pytest.raises(ProvingError):
            stmt.prove(TAG, bad)


def test_or_statement_finds_the_branch():
    stmts = [schnorr_stmt() for _ in range(3)]
    for i in range(3):
        names = [f"x{j}" for j in range(3)]
        branches = []
        for j, (s, _) in enumerate(stmts):
            (xj,) = secrets(names[j])
            X = s.equations[0][0].terms[0][2]
            branches.append(DLRep(X, xj * generator(G_)))
        stmt = branches[0] | branches[1] | branches[2]
        assert isinstance(stmt, OrStatement) and len(stmt.branches) == 3
        witness = {names[i]: stmts[i][1]}
        assert stmt.find_branch(witness) == i
        proof = stmt.prove(TAG, witness)
        stmt.verify(TAG, proof)
        verify_or(full_tag(TAG, b"CDSOR", G_), stmt.relations(), proof)
        with pytest.raises(VerificationError):
            stmt.verify(TAG + b"!", proof)
    with pytest.raises(ProvingError):
        stmt.prove(TAG, {"x0": 1})
    with pytest.raises(ProvingError):
        stmt.prove(TAG, {"x0": stmts[0][1]}, branch=1)
    with pytest.raises(ProvingError):
        stmt.prove(TAG, {"x0": stmts[0][1]}, branch=3)


def test_bit_statement_describe_and_prove():
    (r,) = secrets("r")
    G = generator(G_)
    h = pt(b"H")
    rv = G_.random_scalar()
    for b in (0, 1):
        C, H = elements(G_, C=G_.msm([rv], [h], gen_scalar=b), H=h)
        stmt = DLRep(C, r * H) | DLRep(C - G, r * H)
        assert stmt.describe() == "PK{(r): (C = r·H) ∨ (C - G = r·H)}"
        stmt.verify(TAG, stmt.prove(TAG, {"r": rv}))
        # the proof is not an AND proof, and the AND verifier is not fooled
        with pytest.raises(VerificationError):
            stmt.branches[b].verify(TAG, stmt.prove(TAG, {"r": rv})[:64])


def test_and_of_or_distributes():
    (x,), (y,), (z,) = secrets("x"), secrets("y"), secrets("z")
    G = generator(G_)
    xv, zv = G_.random_scalar(), G_.random_scalar()
    X, Y, Z = elements(G_, X=G_.mul_gen(xv), Y=pt(b"Y"), Z=G_.mul_gen(zv))
    stmt = (DLRep(X, x * G) | DLRep(Y, y * G)) & DLRep(Z, z * G)
    assert isinstance(stmt, OrStatement) and len(stmt.branches) == 2
    assert stmt.describe() == "PK{(x, z, y): (X = x·G ∧ Z = z·G) ∨ (Y = y·G ∧ Z = z·G)}"
    stmt.verify(TAG, stmt.prove(TAG, {"x": xv, "z": zv}))
    with pytest.raises(ProvingError):
        stmt.prove(TAG, {"x": xv})
    product = (DLRep(X, x * G) | DLRep(Y, y * G)) & (DLRep(Z, z * G) | DLRep(Y, y * G))
    assert len(product.branches) == 4


def test_ciphersuite_ids():
    assert ciphersuite_id(G_) == "sigma-proofs_Shake128_P256"
    if PYECC is not None:
        assert ciphersuite_id(PYECC) == ciphersuite_id(get_group("secp256k1"))


@pytest.mark.skipif(PYECC is None, reason="secp256k1-pyecc not importable")
def test_pyecc_and_and_or_proofs_interoperate_with_openssl():
    k1 = get_group("secp256k1")
    xv, rv = PYECC.random_scalar(), PYECC.random_scalar()

    def build(group):
        x, r = secrets("x", "r")
        G = generator(group)
        h = pt(b"H", group)
        X, H, C = elements(group, X=group.mul_gen(xv), H=h, C=group.msm([rv], [h], gen_scalar=1))
        return DLRep(X, x * G), DLRep(C, r * H) | DLRep(C - G, r * H)

    (and_py, or_py), (and_k1, or_k1) = build(PYECC), build(k1)
    p_and = and_py.prove(TAG, {"x": xv})
    p_or = or_py.prove(TAG, {"r": rv})
    and_k1.verify(TAG, p_and)
    or_k1.verify(TAG, p_or)
    or_py.verify(TAG, or_k1.prove(TAG, {"r": rv}))


@settings(max_examples=15, deadline=None)
@given(
    v=st.integers(min_value=-(2**70), max_value=2**70),
    r=st.integers(min_value=1, max_value=Q - 1),
    k=st.integers(min_value=-5, max_value=5),
)
def test_random_openings_with_constants(v, r, k):
    vs, rs = secrets("v", "r")
    G = generator(G_)
    h = pt(b"H")
    H, C = elements(G_, H=h, C=G_.msm([r], [h], gen_scalar=(v + k) % Q))
    stmt = DLRep(C - k * G, vs * G + rs * H)
    stmt.verify(TAG, stmt.prove(TAG, {"v": v, "r": r}))


def test_single_secret_helper():
    x = secret("x")
    assert x.terms[0][0] == "x"
    assert repr(3 * x + 2) == "3·x + 2"


def test_foreign_values_are_malformed():
    (x,) = secrets("x")
    with pytest.raises(MalformedInput):
        DLRep(element(G_, "X", b"\x02" * 33), x * generator(G_)).relation()
    with pytest.raises(MalformedInput):
        element("P256", "X", pt(b"X"))
