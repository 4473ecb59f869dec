"""zkmed.hazmat.sigma against the draft-irtf-cfrg-sigma-protocols P-256 vectors (tests/vectors/ietf-sigma/SOURCE.md).

Every valid vector verifies through the public entry point, the instance
round-trips byte for byte, and proving with the draft's seeded PRNG
reproduces the NARG string byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from seeded_prng import SeededPRNG

from zkmed.errors import VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import (
    LinearRelation,
    RelationBuilder,
    batch_verify,
    prove_batchable,
    prove_compact,
    prove_nizk,
    verify_batchable,
    verify_compact,
    verify_nizk,
)
from zkmed.hazmat.transcript import derive_session_id

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json").read_text("utf-8")
)
SUITE = "sigma-proofs_Shake128_P256"
GROUP = get_group("P256")


def _ids(vectors: list[dict]) -> list[str]:
    return [v["Id"] for v in vectors]


def _witness(vec: dict) -> list[int]:
    raw = bytes.fromhex(vec["Witness"])
    return GROUP.decode_scalars(raw, len(raw) // GROUP.scalar_size)


def _parts(vec: dict) -> tuple[bytes, bytes, bytes]:
    return vec["Tag"].encode("ascii"), bytes.fromhex(vec["Instance"]), bytes.fromhex(vec["NargString"])


def test_vector_file_shape() -> None:
    assert len(VECTORS) == 14
    for vec in VECTORS:
        assert vec["Ciphersuite"] == SUITE and vec["Function"] == "SigmaProof"
        assert vec["Expected"] == "accept"  # this copy carries no adversarial vectors
        assert vec["Flavor"] in ("batchable", "compact")


@pytest.mark.parametrize("vec", VECTORS, ids=_ids(VECTORS))
def test_valid_vector_verifies(vec: dict) -> None:
    tag, instance, narg = _parts(vec)
    assert derive_session_id(tag).hex() == vec["SessionId"]
    verify_nizk(vec["Ciphersuite"], vec["Flavor"], tag, instance, narg)
    relation = LinearRelation.deserialize(GROUP, instance)
    (verify_batchable if vec["Flavor"] == "batchable" else verify_compact)(tag, relation, narg)


@pytest.mark.parametrize("vec", VECTORS, ids=_ids(VECTORS))
def test_instance_round_trip(vec: dict) -> None:
    _, instance, _ = _parts(vec)
    relation = LinearRelation.deserialize(GROUP, instance)
    assert relation.serialize() == instance
    # a freshly built copy (no cached bytes) serializes identically
    rebuilt = LinearRelation(GROUP, relation.elements, relation.equations)
    assert rebuilt.serialize() == instance and rebuilt == relation
    witness = _witness(vec)
    assert len(witness) == relation.num_scalars
    assert all(GROUP.eq(a, b) for a, b in zip(relation.evaluate(witness), relation.image(), strict=True))


@pytest.mark.parametrize("vec", VECTORS, ids=_ids(VECTORS))
def test_seeded_prng_reproduces_narg_string(vec: dict) -> None:
    tag, instance, narg = _parts(vec)

    def rng() -> SeededPRNG:
        return SeededPRNG.for_vector(vec["Flavor"], vec["Ciphersuite"], vec["Relation"], GROUP.order)

    assert prove_nizk(vec["Ciphersuite"], vec["Flavor"], tag, instance, _witness(vec), rng=rng()) == narg
    relation = LinearRelation.deserialize(GROUP, instance)
    prove = prove_batchable if vec["Flavor"] == "batchable" else prove_compact
    assert prove(tag, relation, _witness(vec), rng()) == narg


def _instance_prng(relation: str) -> SeededPRNG:
    return SeededPRNG.for_vector("instance", SUITE, relation, GROUP.order)


def _vector(relation: str) -> dict:
    return next(v for v in VECTORS if v["Relation"] == relation)


def test_builder_rebuilds_discrete_logarithm_instance() -> None:
    rng = _instance_prng("discrete_logarithm")
    x = rng()
    b = RelationBuilder(GROUP)
    xs = b.allocate_scalar()
    X = b.allocate_element(GROUP.mul_gen(x))
    b.append_equation(X, [(xs, b.generator)])
    vec = _vector("discrete_logarithm")
    assert b.build().serialize().hex() == vec["Instance"]
    assert _witness(vec) == [x]


def test_builder_rebuilds_dleq_instance() -> None:
    rng = _instance_prng("dleq")
    h, x = rng(), rng()
    H_point = GROUP.mul_gen(h)
    b = RelationBuilder(GROUP)
    xs = b.allocate_scalar()
    X = b.allocate_element(GROUP.mul_gen(x))
    H = b.allocate_element(H_point)
    Y = b.allocate_element(GROUP.mul(H_point, x))
    b.append_equation(X, [(xs, b.generator)])
    b.append_equation(Y, [(xs, H)])
    vec = _vector("dleq")
    assert b.build().serialize().hex() == vec["Instance"]
    assert _witness(vec) == [x]


def test_builder_rebuilds_pedersen_instance() -> None:
    rng = _instance_prng("pedersen_commitment")
    h, m, r = rng(), rng(), rng()
    H_point = GROUP.mul_gen(h)
    b = RelationBuilder(GROUP)
    ms, rs = b.allocate_scalars(2)
    H = b.allocate_element(H_point)
    C = b.allocate_element(GROUP.msm([r], [H_point], gen_scalar=m))
    b.append_equation(C, [(ms, b.generator), (rs, H)])
    vec = _vector("pedersen_commitment")
    assert b.build().serialize().hex() == vec["Instance"]
    assert _witness(vec) == [m, r]


def test_dleq_derived_element_shares_the_dleq_statement_shape() -> None:
    a = LinearRelation.deserialize(GROUP, bytes.fromhex(_vector("dleq")["Instance"]))
    b = LinearRelation.deserialize(GROUP, bytes.fromhex(_vector("dleq_derived_element")["Instance"]))
    assert a.equations == b.equations


BATCHABLE = [v for v in VECTORS if v["Flavor"] == "batchable"]


def _batch_item(vec: dict) -> tuple[bytes, LinearRelation, bytes]:
    tag, instance, narg = _parts(vec)
    return tag, LinearRelation.deserialize(GROUP, instance), narg


def test_batch_of_all_batchable_vectors_verifies() -> None:
    batch_verify([_batch_item(v) for v in BATCHABLE])


@pytest.mark.parametrize("bad", range(len(BATCHABLE)))
def test_batch_with_one_mismatched_vector_is_rejected(bad: int) -> None:
    items = [_batch_item(v) for v in BATCHABLE]
    tag, relation, narg = items[bad]
    items[bad] = (tag + b"-other", relation, narg)  # same bytes, other session: the challenge changes
    with pytest.raises(VerificationError) as err:
        batch_verify(items, identify=True)
    assert err.value.where == f"proof {bad}"


@pytest.mark.parametrize("vec", VECTORS, ids=_ids(VECTORS))
def test_vector_rejected_under_other_flavor_tag_and_instance(vec: dict) -> None:
    tag, instance, narg = _parts(vec)
    other_flavor = "compact" if vec["Flavor"] == "batchable" else "batchable"
    other_tag = tag.replace(b"DSFS", b"CMPT") if vec["Flavor"] == "batchable" else tag.replace(b"CMPT", b"DSFS")
    with pytest.raises(VerificationError):
        verify_nizk(SUITE, other_flavor, other_tag, instance, narg)
    other = next(v for v in VECTORS if v["Relation"] != vec["Relation"] and v["Flavor"] == vec["Flavor"])
    with pytest.raises(VerificationError):
        verify_nizk(SUITE, vec["Flavor"], tag, bytes.fromhex(other["Instance"]), narg)
