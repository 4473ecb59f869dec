"""Cached shapes and DSL templates: the fast paths must accept and reject exactly what validation does.

Covers :mod:`zkmed.hazmat.sigma.shape` (checks 1–6 memoized per shape, 7–10 per
instance), the DSL template cache of ``AndStatement._compile``, the relation's
``±1`` image fast path, the memoized session id, the generator-encoding cache
of the petlib backend and the OR prover's up-front witness check.
"""

from __future__ import annotations

import pytest

from zkmed.circuits import membership, schnorr
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import Equation, LinearRelation, compose, nizk, shape, templates
from zkmed.hazmat.sigma.dsl import DLRep, _template, element, elements, generator, secrets
from zkmed.hazmat.transcript import derive_session_id
from zkmed.proofs import sigma as R

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


# ---------------------------------------------------------------------------
# the recipes' learned-template fast path (zkmed.hazmat.sigma.templates)


def _warm_recipes(pp: PedersenParams) -> None:
    g = pp.group
    R.verify_dlog(g, g.mul_gen(5), R.prove_dlog(g, 5, context=b"w"), context=b"w")
    R.verify_dleq(g, g.mul_gen(5), pp.h, g.mul(pp.h, 5), R.prove_dleq(g, 5, pp.h, context=b"w"), context=b"w")
    c = pp.commit(1, 9)
    R.verify_opening(pp, c, R.prove_opening(pp, c, 1, 9, context=b"w"), context=b"w")
    R.verify_bit(pp, c, R.prove_bit(pp, c, 1, 9, context=b"w"), context=b"w")


@pytest.mark.parametrize("group", [P256, K1])
def test_fast_path_relations_match_the_dsl(group) -> None:
    pp = PedersenParams.default(group)
    _warm_recipes(pp)
    x_point, c = group.mul_gen(31), pp.commit(4, 11)
    gen = group.generator()
    from zkmed.circuits import dleq, pedersen

    pairs = [
        (templates.instantiate(group, ("dlog", True), (gen, x_point), lambda: None), schnorr.dlog(group, x_point)),
        (
            templates.instantiate(group, ("dleq", True), (gen, pp.h, x_point, c), lambda: None),
            dleq.dleq(group, x_point, pp.h, c),
        ),
        (templates.instantiate(group, ("opening",), (pp.g, pp.h, c), lambda: None), pedersen.opening(pp, c)),
        (templates.instantiate(group, ("bit",), (pp.g, pp.h, c), lambda: None), membership.bit(pp, c)),
    ]
    for fast, stmt in pairs:  # the cached path never calls build (lambda: None) and agrees with the DSL
        branches = stmt._branches()
        assert fast.is_or == (len(branches) > 1)
        assert [r.serialize() for r in fast.relations] == [b.relation().serialize() for b in branches]
        assert fast.names == tuple(b.secret_names() for b in branches)


def test_fast_path_proofs_are_byte_identical_to_the_dsl() -> None:
    pp = PedersenParams.default(P256)
    _warm_recipes(pp)
    tag = R.recipe_tag("dlog", b"ctx")
    rng = iter([123]).__next__
    x = 99
    stmt = schnorr.dlog(P256, P256.mul_gen(x))
    want = nizk.prove_compact(compose.full_tag(tag, b"CMPT", P256), stmt.relation(), [x], rng)
    fast = templates.instantiate(P256, ("dlog", True), (P256.generator(), P256.mul_gen(x)), lambda: None)
    rng = iter([123]).__next__
    relation = fast.relations[0]
    challenge, response = nizk._prove_compact_scalars(
        templates.suite_tag(tag, b"CMPT", P256), relation, [x], rng, False
    )
    assert R.DlogProof(P256, challenge, response[0]).to_bytes() == want
    stmt.verify(tag, want)


@pytest.mark.parametrize("group", [P256, K1])
def test_fast_path_still_rejects(group) -> None:
    pp = PedersenParams.default(group)
    _warm_recipes(pp)
    other = K1 if group is P256 else P256
    x, h = 41, pp.h
    X, Y = group.mul_gen(x), group.mul(h, x)  # noqa: N806
    dl, eq = R.prove_dlog(group, x, context=b"c"), R.prove_dleq(group, x, h, context=b"c")
    R.verify_dlog(group, X, dl, context=b"c")
    R.verify_dleq(group, X, h, Y, eq, context=b"c")
    bad_dlog = [
        dict(public=group.identity()),  # identity element (check 8)
        dict(public=other.mul_gen(x)),  # another group's element
        dict(public="junk"),
        dict(public=X, base=group.mul_gen(2)),  # wrong generator / base
        dict(public=group.mul_gen(x + 1)),
    ]
    for kw in bad_dlog:
        public = kw.pop("public")
        with pytest.raises(VerificationError):
            R.verify_dlog(group, public, dl, context=b"c", **kw)
    with pytest.raises(VerificationError):
        R.verify_dlog(group, X, dl, context=b"other")
    for args in [(Y, h, X), (h, X, Y), (X, Y, h), (X, h, group.identity()), (X, h, other.mul(other.generator(), 3))]:
        with pytest.raises(VerificationError):  # swapped statement elements, identity, foreign element
            R.verify_dleq(group, *args, eq, context=b"c")
    with pytest.raises(VerificationError):
        R.verify_dleq(group, X, h, Y, eq, context=b"c", base=h)
    c = pp.commit(1, 7)
    op, bt = R.prove_opening(pp, c, 1, 7, context=b"c"), R.prove_bit(pp, c, 1, 7, context=b"c")
    for commitment in (group.identity(), other.mul_gen(5), pp.commit(1, 8), pp.commit(0, 7), h):
        with pytest.raises(VerificationError):
            R.verify_opening(pp, commitment, op, context=b"c")
        with pytest.raises(VerificationError):
            R.verify_bit(pp, commitment, bt, context=b"c")
    with pytest.raises(VerificationError):  # a proof object of another kind
        R.verify_dlog(group, X, R.DleqProof(group, eq.challenge, eq.response), context=b"c")
    with pytest.raises(VerificationError):  # out-of-range scalars in a hand-made proof object
        R.verify_dlog(group, X, R.DlogProof(group, dl.challenge, group.order), context=b"c")
    with pytest.raises(VerificationError):
        R.verify_dlog(group, X, R.DlogProof(group, group.order + dl.challenge, dl.response), context=b"c")


def test_fast_path_provers_reject_invalid_statements_and_witnesses() -> None:
    pp = PedersenParams.default(P256)
    _warm_recipes(pp)
    with pytest.raises(ProvingError):
        R.prove_dlog(P256, 0, context=b"c")  # X = identity
    with pytest.raises(ProvingError):
        R.prove_dleq(P256, 5, P256.identity(), context=b"c")
    with pytest.raises(ProvingError):
        R.prove_dlog(P256, 5, context=b"c", base=P256.identity())
    c = pp.commit(1, 7)
    with pytest.raises(ProvingError):  # the opening prover still checks its caller's witness
        R.prove_opening(pp, c, 2, 7, context=b"c")
    with pytest.raises(ProvingError):
        R.prove_bit(pp, c, 0, 7, context=b"c")
    with pytest.raises(ProvingError):
        R.prove_opening(pp, P256.identity(), 0, 0, context=b"c")


def test_fast_path_generator_mask_and_ambiguous_inputs() -> None:
    g = P256.generator()
    # X equal to G (another object): the mask selects another template, not the cached [G, X] one
    x_is_g = P256.mul_gen(1)
    proof = R.prove_dlog(P256, 1, context=b"m")
    R.verify_dlog(P256, x_is_g, proof, context=b"m")
    assert schnorr.dlog(P256, x_is_g).relation().num_elements == 1
    # the same object twice (H is X): nothing is learned from an ambiguous instance, yet it is verified
    templates.cache_clear()
    h = P256.mul_gen(6)
    eq = R.prove_dleq(P256, 6, h, context=b"m", base=h)  # X = 6·h and Y = 6·h: distinct objects
    R.verify_dleq(P256, eq_public := P256.mul(h, 6), h, eq_public, eq, context=b"m", base=h)
    assert not any(k[1][0] == "dleq" for k in templates._cache)
    R.verify_dleq(P256, P256.mul(h, 6), h, P256.mul(h, 6), eq, context=b"m", base=P256.mul_gen(6))
    assert any(k[1][0] == "dleq" for k in templates._cache)
    assert g is P256.generator()


def test_template_cache_is_bounded_and_keyed_on_the_group() -> None:
    templates.cache_clear()
    pp = PedersenParams.default(P256)
    _warm_recipes(pp)
    _warm_recipes(PedersenParams.default(K1))
    assert {k[0] for k in templates._cache} == {P256, K1}
    assert len(templates._cache) <= templates.TEMPLATE_CACHE_SIZE
    assert templates.suite_tag.cache_info().maxsize is not None


def test_initial_sponge_state_is_cached_and_unchanged() -> None:
    import hashlib

    from zkmed.hazmat.transcript import DuplexSponge, _initial_state

    sid = derive_session_id(b"init-cache")
    a, b = DuplexSponge(sid), DuplexSponge(sid)
    a.absorb(b"x")
    ref = hashlib.shake_128(sid + bytes(136))
    assert b.squeeze(32) == ref.digest(32)  # b is untouched by a's absorb
    ref.update(b"x")
    assert a.squeeze(32) == ref.digest(32)
    assert _initial_state.cache_info().maxsize is not None
