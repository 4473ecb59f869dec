"""circuits: the named statements, compiled once and shared by provers and verifiers."""

from __future__ import annotations

import pytest

from zkmed import circuits
from zkmed.circuits import dleq, membership, pedersen, schnorr
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.commitments import PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma.dsl import Compiled, CompiledOr, DLRep, elements, generator, secrets

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
        "ballot.range",
    }
    for name, circuit in circuits.REGISTRY.items():
        assert circuit.name == name
        assert circuit.notation.startswith("PK{(") and circuit.notation.endswith("}")
        assert circuit.notation in (circuits.__doc__ or "")
    assert circuits.get_circuit("dleq") is circuits.REGISTRY["dleq"]
    assert circuits.get_circuit("schnorr")() is schnorr.DLOG  # a module constant, compiled once
    assert isinstance(circuits.get_circuit("pedersen.vector_opening")(3), Compiled)
    assert isinstance(circuits.get_circuit("membership.one_of")(4), CompiledOr)
    for bad in ("nope", None, 3):
        with pytest.raises(MalformedInput):
            circuits.get_circuit(bad)


def test_compiled_statements_are_immutable_constants():
    with pytest.raises(AttributeError):
        schnorr.DLOG.secrets = ("y",)  # type: ignore[misc]
    rel = schnorr.DLOG.bind(G, [G.mul_gen(5)])
    with pytest.raises(AttributeError):
        rel.elements = ()  # type: ignore[misc]


def test_statement_shapes():
    x, r = G.random_scalar(), G.random_scalar()
    X = G.mul_gen(x)
    assert schnorr.DLOG.secrets == ("x",) and schnorr.DLOG.elements == ("X",)
    rel = schnorr.DLOG.bind(G, [X])
    assert (rel.num_elements, rel.num_equations, rel.num_scalars) == (2, 1, 1)
    d = dleq.DLEQ.bind(G, [PP.h, X, G.mul(PP.h, x)])
    assert (d.num_elements, d.num_equations, d.num_scalars) == (4, 2, 1)
    assert pedersen.OPENING.notation == "PK{(v, r): C = v·G + r·H}"
    o = pedersen.OPENING.bind(G, [PP.h, PP.commit(3, r)])
    assert [(e.image, e.terms) for e in o.equations] == [(((2, 1),), ((0, 0, 1), (1, 1, 1)))]
    e = pedersen.EQUALITY.bind(G, [PP.h, PP.commit(3, r), PP.commit(3, x)])
    assert (e.num_elements, e.num_equations, e.num_scalars) == (4, 2, 3)
    e2 = pedersen.EQUALITY_2.bind(G, [PP.h, G.mul_gen(7), PP.commit(3, r), PP.commit(3, x)])
    assert (e2.num_elements, e2.num_equations, e2.num_scalars) == (5, 2, 3)
    vo = pedersen.vector_opening(3)
    assert (vo.shape.num_elements, vo.shape.num_scalars) == (1 + 1 + 3 + 1, 4)
    ve = pedersen.vector_equality(3, True)
    assert (ve.shape.num_elements, len(ve.shape.equations), ve.shape.num_scalars) == (1 + 1 + 3 + 2, 2, 5)
    assert len(membership.disjunction(3).branches) == 3
    assert all(b is membership.BRANCH for b in membership.disjunction(5).branches)


def test_a_compiled_statement_matches_the_bound_dsl():
    """The same statement written with bound values compiles to the same relation bytes."""
    x = G.random_scalar()
    X = G.mul_gen(x)
    (xs,) = secrets("x")
    (Xp,) = elements(G, X=X)
    assert DLRep(Xp, xs * generator(G)).relation() == schnorr.DLOG.bind(G, [X])
    Hp, Xp, Yp = elements(G, H=PP.h, X=X, Y=G.mul(PP.h, x))
    dsl = DLRep(Xp, xs * generator(G)) & DLRep(Yp, xs * Hp)
    assert dsl.relation() == dleq.DLEQ.bind(G, [PP.h, X, G.mul(PP.h, x)])


def test_every_circuit_proves_and_verifies():
    x, r, r2 = G.random_scalar(), G.random_scalar(), G.random_scalar()
    X = G.mul_gen(x)
    vp = VectorPedersenParams.derive(G, 2)
    cases = [
        (schnorr.DLOG, [X], {"x": x}),
        (schnorr.DLOG_BASE, [PP.h, G.mul(PP.h, x)], {"x": x}),
        (dleq.DLEQ, [PP.h, X, G.mul(PP.h, x)], {"x": x}),
        (pedersen.OPENING, [PP.h, PP.commit(9, r)], {"v": 9, "r": r}),
        (pedersen.EQUALITY, [PP.h, PP.commit(9, r), PP.commit(9, r2)], {"v": 9, "r1": r, "r2": r2}),
        (pedersen.vector_opening(2), [vp.h, *vp.gs, vp.commit([4, 5], r)], {"v_1": 4, "v_2": 5, "r": r}),
    ]
    for stmt, values, witness in cases:
        c, s = stmt.prove(G, values, witness, TAG)
        stmt.verify(G, values, TAG, c, s)
        with pytest.raises(VerificationError):
            stmt.verify(G, values, TAG + b"/other", c, s)
        with pytest.raises(ProvingError):
            stmt.prove(G, values, {k: v + 1 for k, v in witness.items()}, TAG)
    C = PP.commit(12, r)
    values = [12, 10, 11]
    bound = membership.branch_elements(PP, C, values)
    scalars = membership.disjunction(3).prove(G, bound, 0, {"r": r}, TAG)
    membership.disjunction(3).verify(G, bound, TAG, scalars)
    with pytest.raises(VerificationError):
        membership.disjunction(3).verify(G, membership.branch_elements(PP, C, [11, 10, 12]), TAG, scalars)
    with pytest.raises(ProvingError):
        membership.disjunction(3).prove(G, bound, 1, {"r": r}, TAG)


def test_binding_checks_the_instance_every_time():
    with pytest.raises(MalformedInput):
        schnorr.DLOG.bind(G, [G.identity()])  # check 8
    with pytest.raises(MalformedInput):
        schnorr.DLOG.bind(G, [])  # wrong number of elements
    with pytest.raises(MalformedInput):  # a D_i at the identity (C = v·G): the branch is refused
        membership.disjunction(2).bind(G, membership.branch_elements(PP, PP.commit(1, 0), (0, 1)))


def test_bad_circuit_parameters():
    with pytest.raises(MalformedInput):
        membership.disjunction(1)
    with pytest.raises(MalformedInput):
        membership.canonical_set(PP, [1])
    with pytest.raises(MalformedInput):
        membership.canonical_set(PP, [1, True])
    with pytest.raises(MalformedInput):
        pedersen.vector_opening(0)
    with pytest.raises(MalformedInput):
        membership.consecutive_elements(PP, PP.commit(1, 1), 5, 5)
    assert membership.canonical_set(PP, [1, G.order + 2]) == (1, 2)
