"""Compiled statements: compiled once, bound per instance, validated on every bind; shapes are explicit values."""

from __future__ import annotations

import pytest

from zkmed.circuits import membership, pedersen, schnorr
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import compose
from zkmed.hazmat.sigma.dsl import DLRep, compile_statement, generator, public, secrets
from zkmed.hazmat.sigma.relation import Equation, LinearRelation
from zkmed.hazmat.sigma.shape import RelationShape

G = get_group("P256")
K1 = get_group("secp256k1")
PP = PedersenParams.default(G)
TAG = b"zkmed-test-compiled"


def test_one_compiled_statement_binds_over_every_group():
    for group in (G, K1, get_group("EG4096")):
        x = group.random_scalar()
        X = group.mul_gen(x)
        c, s = schnorr.DLOG.prove(group, [X], {"x": x}, TAG)
        schnorr.DLOG.verify(group, [X], TAG, c, s)


def test_multi_term_image_and_column_checks_run_on_every_bind():
    """Checks 9 and 10 depend on the elements: a compiled shape must re-run them for each instance."""
    (x,) = secrets("x")
    A, B, Y = public("A", "B", "Y")
    stmt = compile_statement(DLRep(A - B, x * Y))  # image A - B: identity when A == B (check 9)
    P, Q = G.mul_gen(3), G.mul_gen(4)
    stmt.bind(G, [P, Q, G.mul_gen(5)])
    with pytest.raises(MalformedInput, match="image is the identity"):
        stmt.bind(G, [P, P, G.mul_gen(5)])
    col = compile_statement(DLRep(Y, x * A - x * B))  # column x·(A - B): identity when A == B (check 10)
    col.bind(G, [P, Q, G.mul_gen(5)])
    with pytest.raises(MalformedInput, match="column"):
        col.bind(G, [P, P, G.mul_gen(5)])


def test_a_shape_refuses_a_group_too_small_for_its_coefficients():
    shape = RelationShape((Equation(((1, 1),), ((0, 0, 1 << 300),)),), 2)
    assert shape.bound > G.order
    with pytest.raises(MalformedInput, match="do not fit"):
        LinearRelation.from_shape(shape, G, (G.generator(), G.mul_gen(2)))
    residues = RelationShape((Equation(((1, 1),), ((0, 0, 5),)),), 2, modulus=G.order)
    with pytest.raises(MalformedInput, match="do not fit"):  # residues mod one order bind to that order only
        LinearRelation.from_shape(residues, K1, (K1.generator(), K1.mul_gen(2)))


def test_binding_refuses_foreign_and_identity_elements():
    with pytest.raises(MalformedInput):
        schnorr.DLOG.bind(G, [K1.mul_gen(5)])  # a point of another curve
    with pytest.raises(MalformedInput):
        schnorr.DLOG.bind(G, ["not an element"])
    with pytest.raises(MalformedInput):
        pedersen.OPENING.bind(G, [PP.h, G.identity()])


def test_or_statements_reject_wrong_h_other_sets_and_tampered_scalars():
    r = G.random_scalar()
    C = PP.commit(1, r)
    stmt = membership.disjunction(2)
    bound = membership.branch_elements(PP, C, (0, 1))
    scalars = stmt.prove(G, bound, 1, {"r": r}, TAG)
    stmt.verify(G, bound, TAG, scalars)
    other = PedersenParams.derive(G, b"zkmed-test/other-h")
    with pytest.raises(VerificationError):
        stmt.verify(G, membership.branch_elements(other, C, (0, 1)), TAG, scalars)
    with pytest.raises(VerificationError):
        stmt.verify(G, membership.branch_elements(PP, C, (1, 2)), TAG, scalars)
    with pytest.raises(VerificationError):
        stmt.verify(G, bound, TAG + b"x", scalars)
    for i in range(len(scalars)):
        bumped = list(scalars)
        bumped[i] = (bumped[i] + 1) % G.order
        with pytest.raises(VerificationError):
            stmt.verify(G, bound, TAG, bumped)
        bumped[i] = scalars[i] + G.order  # out of range, handed over as an object
        with pytest.raises(VerificationError, match="out of range"):
            stmt.verify(G, bound, TAG, bumped)
    with pytest.raises(VerificationError, match="number of scalars"):
        stmt.verify(G, bound, TAG, scalars[:-1])


def test_or_prover_checks_the_witness_before_drawing_randomness():
    r = G.random_scalar()
    bound = membership.branch_elements(PP, PP.commit(1, r), (0, 1))
    drawn = []

    def rng() -> int:
        drawn.append(1)
        return 7

    with pytest.raises(ProvingError, match="does not satisfy"):
        compose.prove_or_scalars(compose.full_tag(TAG, b"CDSOR", G), membership.disjunction(2).bind(G, bound), 0,
                                 [r], rng)  # fmt: skip
    assert drawn == []


def test_symbolic_statements_cannot_be_proven_without_binding():
    (x,) = secrets("x")
    (X,) = public("X")
    with pytest.raises(MalformedInput):
        DLRep(X, x * generator()).relation()
