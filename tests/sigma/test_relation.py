"""zkmed.hazmat.sigma.relation: representation, instance validation, serialization and the builder.

Section names refer to draft-irtf-cfrg-sigma-protocols.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from zkmed.encoding import le_uint
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import ElementVar, Equation, LinearRelation, RelationBuilder, ScalarVar

G = get_group("P256")
Q = G.order


def pt(k: int):
    return G.mul_gen(k)


GEN = G.generator()
H, X, Y, C, E0, E1, M = (pt(k) for k in (11, 22, 33, 44, 55, 66, 77))


def schnorr() -> LinearRelation:
    return LinearRelation(G, (GEN, X), (Equation(((1, 1),), ((0, 0, 1),)),))


# --------------------------------------------------------------------------- §Specifying the relation examples


def test_chaum_pedersen_compiles_as_in_the_draft() -> None:
    b = RelationBuilder(G)
    Hv, Xv, Yv = b.allocate_elements([H, X, Y])
    x = b.allocate_scalar()
    b.append_equation(Xv, [(x, b.generator)])
    b.append_equation(Yv, [(x, Hv)])
    rel = b.build()
    assert rel.equations == (Equation(((2, 1),), ((0, 0, 1),)), Equation(((3, 1),), ((0, 1, 1),)))
    assert (rel.num_elements, rel.num_equations, rel.num_scalars) == (4, 2, 1)
    one = G.encode_scalar(1)
    expected = (
        le_uint(2, 4)
        + le_uint(1, 4) + le_uint(2, 4) + one
        + le_uint(1, 4) + le_uint(0, 4) + le_uint(0, 4) + one
        + le_uint(1, 4) + le_uint(3, 4) + one
        + le_uint(1, 4) + le_uint(0, 4) + le_uint(1, 4) + one
        + G.encode_elements([H, X, Y])
    )  # fmt: skip
    assert rel.serialize() == expected


def test_pedersen_opening_and_opens_to() -> None:
    b = RelationBuilder(G)
    Hv, Cv = b.allocate_elements([H, C])
    m, r = b.allocate_scalars(2)
    b.append_equation(Cv, [(m, b.generator), (r, Hv)])
    assert b.build().equations == (Equation(((2, 1),), ((0, 0, 1), (1, 1, 1))),)
    # OpensTo(m, H, C): the public m * G crosses to the image as (0, -m)
    b = RelationBuilder(G)
    Hv, Cv = b.allocate_elements([H, C])
    r = b.allocate_scalar()
    b.append_equation(Cv, [(b.generator, 5), (r, Hv)])
    assert b.build().equations == (Equation(((2, 1), (0, Q - 5)), ((0, 1, 1),)),)


def test_elgamal_decryption_constant_crosses_sides() -> None:
    b = RelationBuilder(G)
    Xv, E0v, E1v, Mv = b.allocate_elements([X, E0, E1, M])
    x = b.allocate_scalar()
    b.append_equation(Xv, [(x, b.generator)])
    b.append_equation(Mv, [(x, E0v), (E1v, -1)])  # M = x * E0 - E1
    assert b.build().equations[1] == Equation(((4, 1), (3, 1)), ((0, 2, 1),))
    b2 = RelationBuilder(G)
    Xv, E0v, E1v, Mv = b2.allocate_elements([X, E0, E1, M])
    x = b2.allocate_scalar()
    b2.append_equation(Xv, [(x, b2.generator)])
    b2.append_equation([Mv, E1v], [(x, E0v)])  # M + E1 = x * E0
    assert b2.build() == b.build()


def test_aggregate_encryption_and_bit() -> None:
    b = RelationBuilder(G)
    X1, X2, Mv, E0v, E1v = b.allocate_elements([X, Y, M, E0, E1])
    r = b.allocate_scalar()
    b.append_equation(E0v, [(r, b.generator)])
    b.append_equation([Mv, E1v], [(r, X1), (r, X2)])
    assert b.build().equations[1] == Equation(((3, 1), (5, 1)), ((0, 1, 1), (0, 2, 1)))
    b = RelationBuilder(G)
    Hv, Cv = b.allocate_elements([H, C])
    bit, r, s = b.allocate_scalars(3)
    b.append_equation(Cv, [(bit, b.generator), (r, Hv)])
    b.append_equation(Cv, [(bit, Cv), (s, Hv)])
    assert b.build().equations == (
        Equation(((2, 1),), ((0, 0, 1), (1, 1, 1))),
        Equation(((2, 1),), ((0, 2, 1), (2, 1, 1))),
    )


def test_builder_rejects_foreign_variables() -> None:
    b = RelationBuilder(G)
    Xv = b.allocate_element(X)
    x = b.allocate_scalar()
    with pytest.raises(MalformedInput):
        b.append_equation(Xv, [(ScalarVar(5), b.generator)])
    with pytest.raises(MalformedInput):
        b.append_equation(Xv, [(x, ElementVar(9))])
    with pytest.raises(MalformedInput):
        b.append_equation(Xv, [(x, b.generator, 1, 2)])
    with pytest.raises(MalformedInput):
        b.append_equation(3, [(x, b.generator)])
    with pytest.raises(MalformedInput):
        b.append_equation(Xv, [(x, b.generator, "1")])


def test_builder_requires_every_allocated_scalar() -> None:
    b = RelationBuilder(G)
    Xv = b.allocate_element(X)
    x, _unused = b.allocate_scalars(2)
    b.append_equation(Xv, [(x, b.generator)])
    with pytest.raises(MalformedInput):
        b.build()
    with pytest.raises(MalformedInput):  # and every allocated element (check 5)
        b2 = RelationBuilder(G)
        Xv, _ = b2.allocate_elements([X, Y])
        b2.append_equation(Xv, [(b2.allocate_scalar(), b2.generator)])
        b2.build()


# --------------------------------------------------------------------------- §Instance validation


def _eq(image, terms) -> Equation:
    return Equation(tuple(image), tuple(terms))


INVALID = {
    "1 no equations": lambda: LinearRelation(G, (GEN, X), ()),
    "2 empty image": lambda: LinearRelation(G, (GEN, X), (_eq([], [(0, 0, 1)]),)),
    "2 empty terms": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1)], []),)),
    "3 index >= 2^32": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1)], [(2**32, 0, 1)]),)),
    "3 negative index": lambda: LinearRelation(G, (GEN, X), (_eq([(-1, 1)], [(0, 0, 1)]),)),
    "4 element out of range": lambda: LinearRelation(G, (GEN, X), (_eq([(2, 1)], [(0, 0, 1)]),)),
    "5 unused element": lambda: LinearRelation(G, (GEN, X, Y), (_eq([(1, 1)], [(0, 0, 1)]),)),
    "6 unused scalar": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1)], [(1, 0, 1)]),)),
    "7 empty elements": lambda: LinearRelation(G, (), (_eq([(1, 1)], [(0, 0, 1)]),)),
    "7 elements[0] not G": lambda: LinearRelation(G, (H, X), (_eq([(1, 1)], [(0, 0, 1)]),)),
    "8 identity element": lambda: LinearRelation(G, (GEN, G.identity()), (_eq([(1, 1)], [(0, 0, 1)]),)),
    "9 zero image coeff": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 0)], [(0, 0, 1)]),)),
    "9 image cancels": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1), (1, Q - 1)], [(0, 0, 1)]),)),
    "9 image cancels (msm)": lambda: LinearRelation(G, (GEN, X, G.neg(X)), (_eq([(1, 1), (2, 1)], [(0, 0, 1)]),)),
    "10 zero column": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1)], [(0, 0, 0)]),)),
    "10 column cancels": lambda: LinearRelation(G, (GEN, X, H, G.neg(H)), (_eq([(1, 1)], [(0, 2, 1), (0, 3, 1)]),)),
    "coeff >= q": lambda: LinearRelation(G, (GEN, X), (_eq([(1, Q)], [(0, 0, 1)]),)),
    "negative coeff": lambda: LinearRelation(G, (GEN, X), (_eq([(1, -1)], [(0, 0, 1)]),)),
    "bool index": lambda: LinearRelation(G, (GEN, X), (_eq([(True, 1)], [(0, 0, 1)]),)),
    "malformed term": lambda: LinearRelation(G, (GEN, X), (_eq([(1, 1, 1)], [(0, 0, 1)]),)),
    "garbage equation": lambda: LinearRelation(G, (GEN, X), (5,)),
    "elements not a sequence": lambda: LinearRelation(G, 5, (_eq([(1, 1)], [(0, 0, 1)]),)),
    "foreign element": lambda: LinearRelation(G, (GEN, "not a point"), (_eq([(1, 1)], [(0, 0, 1)]),)),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_instances_are_rejected(name: str) -> None:
    with pytest.raises(MalformedInput):
        INVALID[name]()


def test_valid_edge_cases() -> None:
    # the generator may go unused; a column may be zero in one equation if non-zero in another
    LinearRelation(G, (GEN, X, H), (_eq([(1, 1)], [(0, 2, 1)]),))
    LinearRelation(G, (GEN, X, Y), (_eq([(1, 1)], [(0, 0, 0)]), _eq([(2, 1)], [(0, 0, 1)])))
    # an image made of the generator alone: 5 * G = x * H
    LinearRelation(G, (GEN, H), (_eq([(0, 5)], [(0, 1, 1)]),))
    # equations accept lists and normalize them
    assert Equation([[1, 1]], [[0, 0, 1]]) == Equation(((1, 1),), ((0, 0, 1),))


def test_shape_image_and_evaluate() -> None:
    rel = LinearRelation(
        G, (GEN, H, C, Y), (_eq([(2, 1)], [(0, 0, 1), (1, 1, 1)]), _eq([(3, 2), (0, 3)], [(1, 1, 7), (1, 0, 1)]))
    )
    assert (rel.num_elements, rel.num_equations, rel.num_scalars) == (4, 2, 2)
    img = rel.image()
    assert G.eq(img[0], C) and G.eq(img[1], G.add(G.mul(Y, 2), G.mul_gen(3)))
    a, r = 1234, 5678
    out = rel.evaluate([a, r])
    assert G.eq(out[0], G.add(G.mul_gen(a), G.mul(H, r)))
    assert G.eq(out[1], G.add(G.mul(H, 7 * r), G.mul_gen(r)))
    sim = rel.simulate([a, r], 9)
    assert G.eq(sim[0], G.sub(out[0], G.mul(img[0], 9)))
    with pytest.raises(MalformedInput):
        rel.evaluate([1])
    with pytest.raises(MalformedInput):
        rel.evaluate([1, Q])
    assert "2 equations" in repr(rel)


def test_equality_and_hash() -> None:
    assert schnorr() == schnorr() and hash(schnorr()) == hash(schnorr())
    other = LinearRelation(G, (GEN, Y), (Equation(((1, 1),), ((0, 0, 1),)),))
    assert schnorr() != other
    assert schnorr() != "relation"


# --------------------------------------------------------------------------- §Serialization (strict decoding)


def test_deserialize_round_trip_and_strictness() -> None:
    data = schnorr().serialize()
    assert len(data) == 4 + (4 + 4 + 32) + (4 + 4 + 4 + 32) + 33
    assert LinearRelation.deserialize(G, data) == schnorr()
    for cut in range(len(data)):  # every proper prefix is rejected
        with pytest.raises(MalformedInput):
            LinearRelation.deserialize(G, data[:cut])
    for extra in (b"\x00", bytes(33), G.encode_element(H)):  # trailing bytes / an extra element
        with pytest.raises(MalformedInput):
            LinearRelation.deserialize(G, data + extra)


def _schnorr_bytes(*, n_eq=1, img_idx=1, img_coeff=1, term_s=0, term_e=0, coeff=1, element=None) -> bytes:
    def sc(v: int) -> bytes:
        return v.to_bytes(32, "big")

    return (
        le_uint(n_eq, 4)
        + le_uint(1, 4) + le_uint(img_idx, 4) + sc(img_coeff)
        + le_uint(1, 4) + le_uint(term_s, 4) + le_uint(term_e, 4) + sc(coeff)
        + (G.encode_element(X) if element is None else element)
    )  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_eq": 0},
        {"n_eq": 2},
        {"n_eq": 0xFFFFFFFF},
        {"img_idx": 2},
        {"img_idx": 0},  # then X is an unused, extra element
        {"img_coeff": Q},
        {"img_coeff": 2**256 - 1},
        {"coeff": Q + 1},
        {"term_s": 1},
        {"term_e": 7},
        {"element": bytes(33)},  # identity
        {"element": b"\x04" + bytes(32)},  # not compressed
        {"element": b"\x02" + b"\xff" * 32},  # x >= p
        {"element": G.encode_element(X)[:32]},
    ],
    ids=str,
)
def test_deserialize_rejects(kwargs: dict) -> None:
    with pytest.raises(MalformedInput):
        LinearRelation.deserialize(G, _schnorr_bytes(**kwargs))


def test_deserialize_rejects_huge_counts_quickly() -> None:
    with pytest.raises(MalformedInput):
        LinearRelation.deserialize(G, le_uint(1, 4) + le_uint(0xFFFFFFFF, 4) + bytes(100))
    with pytest.raises(MalformedInput):
        LinearRelation.deserialize(G, "not bytes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hypothesis


@st.composite
def relations(draw: st.DrawFn) -> LinearRelation:
    n_scalars = draw(st.integers(1, 3))
    n_points = draw(st.integers(0, 4))
    elements = (GEN, *(pt(draw(st.integers(1, Q - 1))) for _ in range(n_points)))
    coeff = st.one_of(st.just(1), st.integers(0, 5), st.integers(0, Q - 1))
    equations = []
    for _ in range(draw(st.integers(1, 3))):
        image = draw(st.lists(st.tuples(st.integers(0, n_points), coeff), min_size=1, max_size=3))
        terms = draw(
            st.lists(st.tuples(st.integers(0, n_scalars - 1), st.integers(0, n_points), coeff), min_size=1, max_size=3)
        )
        equations.append(Equation(tuple(image), tuple(terms)))
    try:
        return LinearRelation(G, elements, tuple(equations))
    except MalformedInput:
        reject()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(relations())
def test_serialize_deserialize_round_trip(rel: LinearRelation) -> None:
    data = rel.serialize()
    back = LinearRelation.deserialize(G, data)
    assert back == rel and back.serialize() == data and back.equations == rel.equations
    assert back.num_scalars == rel.num_scalars
    with pytest.raises(MalformedInput):
        LinearRelation.deserialize(G, data[:-1])
