"""Cached shapes and DSL templates: the fast paths must accept and reject exactly what validation does.

Covers :mod:`zkmed.sigma.shape` (checks 1–6 memoized per shape, 7–10 per
instance), the DSL template cache of ``AndStatement._compile``, the relation's
``±1`` image fast path, the memoized session id, the generator-encoding cache
of the petlib backend and the OR prover's up-front witness check.
"""

from __future__ import annotations

import pytest

from circuits import membership, schnorr
from zkmed.commitments import PedersenParams
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.groups import get_group
from zkmed.sigma import Equation, LinearRelation, compose, nizk, shape
from zkmed.sigma import recipes as R
from zkmed.sigma.dsl import DLRep, _template, element, elements, generator, secrets
from zkmed.transcript import derive_session_id

P256 = get_group("P256")
K1 = get_group("secp256k1")
Q = P256.order
SCHNORR_EQ = (Equation(((1, 1),), ((0, 0, 1),)),)


def fresh(group, elements_, equations) -> LinearRelation:
    """The same relation validated with an empty shape cache (the uncached reference)."""
    shape.cache_clear()
    return LinearRelation(group, elements_, equations)


@pytest.mark.parametrize("group", [P256, K1])
def test_cached_and_uncached_relations_agree(group) -> None:
    x = group.mul_gen(5)
    reference = fresh(group, (group.generator(), x), SCHNORR_EQ)
    cached = LinearRelation(group, (group.generator(), x), SCHNORR_EQ)
    assert cached._shape is LinearRelation(group, (group.generator(), group.mul_gen(6)), SCHNORR_EQ)._shape
    assert cached.serialize() == reference.serialize()
    assert cached.num_scalars == reference.num_scalars == 1
    assert all(group.eq(a, b) for a, b in zip(cached.image(), reference.image(), strict=True))


def test_shapes_do_not_mix_groups() -> None:
    a = LinearRelation(P256, (P256.generator(), P256.mul_gen(3)), SCHNORR_EQ)
    b = LinearRelation(K1, (K1.generator(), K1.mul_gen(3)), SCHNORR_EQ)
    assert a._shape is not b._shape
    assert a._shape.group is P256 and b._shape.group is K1
    assert a.serialize() != b.serialize()


def test_shape_cache_is_bounded() -> None:
    assert shape._cached_shape.cache_info().maxsize == shape.SHAPE_CACHE_SIZE
    assert _template.cache_info().maxsize is not None


def test_identity_element_rejected_after_the_shape_is_cached() -> None:
    LinearRelation(P256, (P256.generator(), P256.mul_gen(9)), SCHNORR_EQ)  # warm
    with pytest.raises(MalformedInput, match="identity"):
        LinearRelation(P256, (P256.generator(), P256.identity()), SCHNORR_EQ)
    with pytest.raises(MalformedInput, match="generator"):
        LinearRelation(P256, (P256.mul_gen(2), P256.mul_gen(9)), SCHNORR_EQ)
    with pytest.raises(MalformedInput, match="elements are not"):
        LinearRelation(P256, (P256.generator(), "not a point"), SCHNORR_EQ)


def test_multi_term_image_check_runs_per_instance() -> None:
    # image C - H (two live terms): the identity exactly when C == H (check 9)
    eqs = (Equation(((2, 1), (1, Q - 1)), ((0, 1, 1),)),)
    h = P256.mul_gen(7)
    ok = LinearRelation(P256, (P256.generator(), h, P256.mul_gen(8)), eqs)
    assert P256.eq(ok.image()[0], P256.mul_gen(1))
    with pytest.raises(MalformedInput, match="image is the identity"):
        LinearRelation(P256, (P256.generator(), h, P256.mul_gen(7)), eqs)


def test_multi_term_column_check_runs_per_instance() -> None:
    # x·H - x·H2 = X: column 0 is H - H2, the identity exactly when H == H2 (check 10)
    eqs = (Equation(((3, 1),), ((0, 1, 1), (0, 2, Q - 1))),)
    x = P256.mul_gen(4)
    LinearRelation(P256, (P256.generator(), P256.mul_gen(5), P256.mul_gen(6), x), eqs)
    with pytest.raises(MalformedInput, match="column 0"):
        LinearRelation(P256, (P256.generator(), P256.mul_gen(5), P256.mul_gen(5), x), eqs)


def test_structural_failures_are_not_cached() -> None:
    bad = (Equation(((1, 1),), ((1, 0, 1),)),)  # scalar 0 unused (check 6)
    for _ in range(2):
        with pytest.raises(MalformedInput, match="scalar index"):
            LinearRelation(P256, (P256.generator(), P256.mul_gen(3)), bad)


def test_dsl_template_matches_a_fresh_compile_and_tracks_generator_equality() -> None:
    x_point = P256.mul_gen(12)
    first = schnorr.dlog(P256, x_point).relation()
    _template.cache_clear()
    shape.cache_clear()
    again = schnorr.dlog(P256, x_point).relation()
    assert first.serialize() == again.serialize()
    # X equal to G compiles to index 0 (another template), never to the cached [G, X] shape
    degenerate = schnorr.dlog(P256, P256.mul_gen(1)).relation()
    assert degenerate.num_elements == 1 and first.num_elements == 2
    assert degenerate.serialize() != first.serialize()


def test_dsl_template_rejects_invalid_instances() -> None:
    schnorr.dlog(P256, P256.mul_gen(3)).validate()  # warm the template
    with pytest.raises(MalformedInput):
        schnorr.dlog(P256, P256.identity()).validate()
    with pytest.raises(MalformedInput):
        schnorr.dlog(P256, "junk").validate()  # type: ignore[arg-type]
    pp = PedersenParams.default(P256)
    membership.bit(pp, pp.commit(1, 5)).validate()
    with pytest.raises(MalformedInput, match="image is the identity"):
        membership.bit(pp, pp.g).validate()  # C = G: branch C - G = r·H has an identity image


def test_dsl_name_bound_to_two_elements_still_rejected() -> None:
    (x,) = secrets("x")
    G = generator(P256)  # noqa: N806
    (A,) = elements(P256, A=P256.mul_gen(2))  # noqa: N806
    A2 = element(P256, "A", P256.mul_gen(3))  # noqa: N806
    with pytest.raises(MalformedInput, match="two different elements"):
        (DLRep(A, x * G) & DLRep(A2, x * G)).validate()


def test_templates_do_not_mix_groups() -> None:
    a = schnorr.dlog(P256, P256.mul_gen(3)).relation()
    b = schnorr.dlog(K1, K1.mul_gen(3)).relation()
    assert a.group is P256 and b.group is K1 and a._shape is not b._shape


def test_unit_coefficient_images_match_the_msm() -> None:
    pp = PedersenParams.default(P256)
    c = pp.commit(3, 9)
    rel = membership.one_of(pp, c, (0, 3, 7)).branches[2].relation()  # image C - 7·G
    want = P256.msm([1], [c], gen_scalar=(-7) % Q)
    assert P256.eq(rel.image()[0], want)
    mixed = P256.msm([Q - 1, 1], [rel.elements[1], rel.elements[2]], gen_scalar=5)
    assert P256.eq(rel._msm([(1, Q - 1), (2, 1), (0, 5)]), mixed)


def test_session_id_cache_and_generator_encoding() -> None:
    assert nizk._session_id(b"tag-a") == derive_session_id(b"tag-a") != nizk._session_id(b"tag-b")
    g = P256.generator()
    assert P256.encode_element(g) == P256._encode(g) == P256.encode_element(P256.mul_gen(1))
    assert K1.encode_element(K1.generator()) != P256.encode_element(g)


def test_or_prover_checks_the_witness_up_front() -> None:
    pp = PedersenParams.default(P256)
    c = pp.commit(1, 21)
    branches = membership.bit(pp, c).relations()
    tag = b"t-CDSOR-with-sigma-proofs_Shake128_P256"
    proof = compose.prove_or(tag, branches, 1, [21])
    compose.verify_or(tag, branches, proof)
    with pytest.raises(ProvingError):
        compose.prove_or(tag, branches, 0, [21])
    with pytest.raises(ProvingError):
        compose.prove_or(tag, branches, 1, [22])


def test_recipes_still_reject_through_the_fast_paths() -> None:
    x = 77
    proof = R.prove_dlog(P256, x, context=b"ctx")
    R.verify_dlog(P256, P256.mul_gen(x), proof, context=b"ctx")
    with pytest.raises(VerificationError):
        R.verify_dlog(P256, P256.mul_gen(x + 1), proof, context=b"ctx")
    with pytest.raises(VerificationError):
        R.verify_dlog(P256, P256.identity(), proof, context=b"ctx")
