"""circuits: the registry of named statements shared by provers and verifiers."""

from __future__ import annotations

import pytest

from zkmed import circuits
from zkmed.circuits import dleq, membership, pedersen, schnorr
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.commitments import PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma.dsl import AndStatement, OrStatement

G = get_group("P256")
PP = PedersenParams.default(G)
TAG = b"zkmed-test-circuits"


def test_registry_lists_every_circuit_with_notation():
    assert set(circuits.REGISTRY) == {
        "schnorr",
        "dleq",
        "pedersen.opening",
        "pedersen.equality",
        "pedersen.vector_opening",
        "pedersen.vector_equality",
        "membership.bit",
        "membership.one_of",
    }
    for name, circuit in circuits.REGISTRY.items():
        assert circuit.name == name
        assert circuit.notation.startswith("PK{(") and circuit.notation.endswith("}")
        assert circuit.notation in (circuits.__doc__ or "")
        assert circuit.factory.__doc__
    assert circuits.get_circuit("dleq") is circuits.REGISTRY["dleq"]
    for bad in ("nope", None, 3):
        with pytest.raises(MalformedInput):
            circuits.get_circuit(bad)


def test_statement_shapes():
    x, r = G.random_scalar(), G.random_scalar()
    X = G.mul_gen(x)
    s = circuits.get_circuit("schnorr")(G, X)
    assert isinstance(s, AndStatement) and s.describe() == "PK{(x): X = x·G}"
    rel = s.relation()
    assert (rel.num_elements, rel.num_equations, rel.num_scalars) == (2, 1, 1)
    d = dleq.dleq(G, X, PP.h, G.mul(PP.h, x)).relation()
    assert (d.num_elements, d.num_equations, d.num_scalars) == (4, 2, 1)
    o = pedersen.opening(PP, PP.commit(3, r))
    assert o.describe() == "PK{(v, r): C = v·G + r·H}"
    assert [(e.image, e.terms) for e in o.relation().equations] == [(((2, 1),), ((0, 0, 1), (1, 1, 1)))]
    e = pedersen.equality(PP, PP.commit(3, r), PP, PP.commit(3, x)).relation()
    assert (e.num_elements, e.num_equations, e.num_scalars) == (4, 2, 3)
    other = PedersenParams.derive(G, b"zkmed-test/circuits-other")
    e2 = pedersen.equality(PP, PP.commit(3, r), other, other.commit(3, x)).relation()
    assert (e2.num_elements, e2.num_equations, e2.num_scalars) == (5, 2, 3)
    vp = VectorPedersenParams.derive(G, 3)
    vo = pedersen.vector_opening(vp, vp.commit([1, 2, 3], r)).relation()
    assert (vo.num_elements, vo.num_scalars) == (1 + 1 + 3 + 1, 4)
    ve = pedersen.vector_equality(vp, vp.commit([1, 2, 3], r), vp, vp.commit([1, 2, 3], x)).relation()
    assert (ve.num_elements, ve.num_equations, ve.num_scalars) == (1 + 1 + 3 + 2, 2, 5)
    b = membership.bit(PP, PP.commit(1, r))
    assert isinstance(b, OrStatement) and b.describe() == "PK{(r): (C = r·H) ∨ (C - G = r·H)}"
    m = membership.one_of(PP, PP.commit(11, r), [10, 11, 12])
    assert len(m.relations()) == 3


def test_every_circuit_proves_and_verifies():
    x, r, r2 = G.random_scalar(), G.random_scalar(), G.random_scalar()
    X = G.mul_gen(x)
    vp = VectorPedersenParams.derive(G, 2)
    cases = [
        (schnorr.dlog(G, X), {"x": x}),
        (schnorr.dlog(G, G.mul(PP.h, x), PP.h), {"x": x}),
        (dleq.dleq(G, X, PP.h, G.mul(PP.h, x)), {"x": x}),
        (pedersen.opening(PP, PP.commit(9, r)), {"v": 9, "r": r}),
        (pedersen.equality(PP, PP.commit(9, r), PP, PP.commit(9, r2)), {"v": 9, "r1": r, "r2": r2}),
        (pedersen.vector_opening(vp, vp.commit([4, 5], r)), {"v_1": 4, "v_2": 5, "r": r}),
        (
            pedersen.vector_equality(vp, vp.commit([4, 5], r), vp, vp.commit([4, 5], r2)),
            {"v_1": 4, "v_2": 5, "r1": r, "r2": r2},
        ),
        (membership.bit(PP, PP.commit(0, r)), {"r": r}),
        (membership.one_of(PP, PP.commit(12, r), [10, 11, 12]), {"r": r}),
    ]
    for stmt, witness in cases:
        proof = stmt.prove(TAG, witness)
        stmt.verify(TAG, proof)
        with pytest.raises(VerificationError):
            stmt.verify(TAG + b"/other", proof)


def test_statements_are_deterministic_across_calls():
    r = G.random_scalar()
    C = PP.commit(1, r)
    assert membership.bit(PP, C).relations() == membership.bit(PP, C).relations()
    assert pedersen.opening(PP, C).relation() == pedersen.opening(PP, C).relation()


def test_bad_circuit_parameters():
    k1 = get_group("secp256k1")
    with pytest.raises(MalformedInput):
        pedersen.equality(PP, PP.commit(1, 1), PedersenParams.default(k1), PedersenParams.default(k1).commit(1, 1))
    vp2, vp3 = VectorPedersenParams.derive(G, 2), VectorPedersenParams.derive(G, 3)
    with pytest.raises(MalformedInput):
        pedersen.vector_equality(vp2, vp2.commit([1, 2], 1), vp3, vp3.commit([1, 2, 3], 1))
    with pytest.raises(MalformedInput):
        membership.one_of(PP, PP.commit(1, 1), [1])
    assert membership.canonical_set(PP, [1, G.order + 2]) == (1, 2)
