"""zkmed.hazmat.sigma.nizk: the sigma protocol, simulator, both NARG flavors, tampering and the public entry points.

Section names refer to draft-irtf-cfrg-sigma-protocols.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput, ProvingError, VerificationError, ZkmedError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import (
    BatchableProof,
    CompactProof,
    LinearRelation,
    RelationBuilder,
    derive_challenge,
    get_ciphersuite,
    prove_batchable,
    prove_compact,
    prove_nizk,
    prover_commitment,
    prover_response,
    simulate_commitment,
    simulate_response,
    verifier,
    verify_batchable,
    verify_compact,
    verify_nizk,
)

SUITE = "sigma-proofs_Shake128_P256"
G = get_group("P256")
Q = G.order
TAGS = {
    "batchable": b"zkmed-test-V01-DSFS-with-sigma-proofs_Shake128_P256",
    "compact": b"zkmed-test-V01-CMPT-with-sigma-proofs_Shake128_P256",
}
VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json").read_text("utf-8")
)
STATEMENTS = {
    v["Relation"]: (
        LinearRelation.deserialize(G, bytes.fromhex(v["Instance"])),
        G.decode_scalars(bytes.fromhex(v["Witness"]), len(v["Witness"]) // 64),
    )
    for v in VECTORS
}


def schnorr(x: int | None = None) -> tuple[LinearRelation, list[int]]:
    x = G.random_scalar() if x is None else x
    b = RelationBuilder(G)
    xs = b.allocate_scalar()
    b.append_equation(b.allocate_element(G.mul_gen(x)), [(xs, b.generator)])
    return b.build(), [x]


def proof_for(name: str, flavor: str) -> tuple[bytes, bytes]:
    relation, witness = STATEMENTS[name]
    return relation.serialize(), prove_nizk(SUITE, flavor, TAGS[flavor], relation, witness)


def rejects(flavor: str, instance: bytes, proof: bytes, tag: bytes | None = None) -> None:
    with pytest.raises(VerificationError):
        verify_nizk(SUITE, flavor, TAGS[flavor] if tag is None else tag, instance, proof)


# --------------------------------------------------------------------------- interactive protocol


def test_interactive_protocol_and_single_use_state() -> None:
    relation, witness = STATEMENTS["pedersen_commitment_dleq"]
    commitment, state = prover_commitment(relation, witness)
    assert "redacted" in repr(state) and str(witness[0]) not in repr(state)
    challenge = G.random_scalar()
    response = prover_response(state, challenge)
    verifier(relation, commitment, challenge, response)
    with pytest.raises(ProvingError):
        prover_response(state, challenge)  # the state is single-use
    with pytest.raises(VerificationError):
        verifier(relation, commitment, (challenge + 1) % Q, response)
    with pytest.raises(VerificationError):
        verifier(relation, commitment[:1], challenge, response)
    with pytest.raises(VerificationError):
        verifier(relation, commitment, challenge, response + [1])
    with pytest.raises(VerificationError):
        verifier(relation, commitment, challenge, [Q, response[1]])
    with pytest.raises(VerificationError):
        verifier(relation, commitment, Q, response)


def test_simulator_produces_accepting_transcripts() -> None:
    for relation, _ in STATEMENTS.values():
        response = simulate_response(relation)
        challenge = G.random_scalar()
        verifier(relation, simulate_commitment(relation, response, challenge), challenge, response)


def test_prover_refuses_bad_witnesses_and_bad_rng() -> None:
    relation, witness = STATEMENTS["pedersen_commitment"]
    for bad in ([witness[0]], witness + [1], [witness[0], (witness[1] + 1) % Q], [witness[0], Q], [True, 1]):
        with pytest.raises(ProvingError):
            prove_batchable(TAGS["batchable"], relation, bad)
    for rng in (lambda: Q, lambda: -1, lambda: "1", lambda: 1.0):
        with pytest.raises(ProvingError):
            prove_compact(TAGS["compact"], relation, witness, rng)


def test_fresh_nonces_every_proof() -> None:
    relation, witness = schnorr()
    proofs = {prove_batchable(TAGS["batchable"], relation, witness) for _ in range(4)}
    assert len(proofs) == 4
    commitments = {p[:33] for p in proofs}
    assert len(commitments) == 4


def test_derive_challenge_matches_the_draft_steps() -> None:
    from zkmed.hazmat.transcript import DuplexSponge, challenge_length, decode_uint, derive_session_id

    relation, _ = STATEMENTS["dleq"]
    commitment_bytes = G.encode_elements([G.mul_gen(3), G.mul_gen(4)])
    sponge = DuplexSponge(derive_session_id(TAGS["batchable"]))
    sponge.absorb(relation.serialize())
    sponge.absorb(commitment_bytes)
    expected = decode_uint(sponge.squeeze(challenge_length(Q)), Q)
    assert derive_challenge(TAGS["batchable"], relation, commitment_bytes) == expected


def test_wire_dataclasses_round_trip() -> None:
    relation, witness = STATEMENTS["dleq"]
    narg = prove_batchable(TAGS["batchable"], relation, witness)
    proof = BatchableProof.from_bytes(relation, narg)
    assert proof.to_bytes(G) == narg and len(proof.commitment) == 2 and len(proof.response) == 1
    with pytest.raises(MalformedInput):
        BatchableProof((G.identity(), proof.commitment[1]), proof.response).to_bytes(G)
    narg = prove_compact(TAGS["compact"], relation, witness)
    assert CompactProof.from_bytes(relation, narg).to_bytes(G) == narg


# --------------------------------------------------------------------------- tampering, both flavors


@pytest.mark.parametrize("flavor", ["batchable", "compact"])
@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_byte_flip_is_rejected(name: str, flavor: str) -> None:
    instance, proof = proof_for(name, flavor)
    verify_nizk(SUITE, flavor, TAGS[flavor], instance, proof)
    for i in range(len(proof)):
        for mask in (0x01, 0x80):
            bad = bytearray(proof)
            bad[i] ^= mask
            rejects(flavor, instance, bytes(bad))


def _replace(data: bytes, offset: int, chunk: bytes) -> bytes:
    return data[:offset] + chunk + data[offset + len(chunk) :]


NON_CANONICAL = [Q.to_bytes(32, "big"), (Q + 1).to_bytes(32, "big"), b"\xff" * 32]


@pytest.mark.parametrize("name", ["discrete_logarithm", "pedersen_commitment_dleq", "bbs_blind_commitment_computation"])
def test_batchable_field_tampering(name: str) -> None:
    relation, _ = STATEMENTS[name]
    instance, proof = proof_for(name, "batchable")
    n_c = relation.num_equations * 33
    for j in range(relation.num_equations):
        at = 33 * j
        commitment = G.decode_element(proof[at : at + 33])
        for replacement in (
            G.encode_element(G.add(commitment, G.generator())),  # another valid point
            G.encode_element(G.neg(commitment)),
            bytes(33),  # identity
            b"\x04" + proof[at + 1 : at + 33],  # not compressed
        ):
            rejects("batchable", instance, _replace(proof, at, replacement))
    for k in range(relation.num_scalars):
        at = n_c + 32 * k
        z = int.from_bytes(proof[at : at + 32], "big")
        for replacement in [((z + 1) % Q).to_bytes(32, "big"), bytes(32), *NON_CANONICAL]:
            rejects("batchable", instance, _replace(proof, at, replacement))
    for bad in (proof[:-1], proof + b"\x00", proof + bytes(32), proof + bytes(33), proof[:n_c], b""):
        rejects("batchable", instance, bad)


@pytest.mark.parametrize("name", ["discrete_logarithm", "pedersen_commitment_dleq", "bbs_blind_commitment_computation"])
def test_compact_field_tampering(name: str) -> None:
    relation, _ = STATEMENTS[name]
    instance, proof = proof_for(name, "compact")
    for k in range(1 + relation.num_scalars):  # k = 0 is the challenge
        at = 32 * k
        v = int.from_bytes(proof[at : at + 32], "big")
        for replacement in [((v + 1) % Q).to_bytes(32, "big"), ((v - 1) % Q).to_bytes(32, "big"), *NON_CANONICAL]:
            rejects("compact", instance, _replace(proof, at, replacement))
    for bad in (proof[:-1], proof + b"\x00", proof + bytes(32), proof[32:], b""):
        rejects("compact", instance, bad)


def test_compact_rejects_identity_commitment() -> None:
    """With ``s = c * x`` the recomputed commitment ``s*G - c*X`` is the identity (§Compact step 7)."""
    relation, (x,) = schnorr()
    c = G.random_scalar()
    narg = CompactProof(c, ((c * x) % Q,)).to_bytes(G)
    with pytest.raises(VerificationError, match="identity"):
        verify_compact(TAGS["compact"], relation, narg)


@pytest.mark.parametrize("flavor", ["batchable", "compact"])
def test_swapped_instance_other_tag_and_other_relation(flavor: str) -> None:
    relation, witness = schnorr()
    proof = prove_nizk(SUITE, flavor, TAGS[flavor], relation, witness)
    verify_nizk(SUITE, flavor, TAGS[flavor], relation.serialize(), proof)
    rejects(flavor, schnorr()[0].serialize(), proof)  # same shape, other statement
    rejects(flavor, relation.serialize(), proof, tag=TAGS[flavor] + b"-other-app")
    rejects(flavor, relation.serialize(), proof, tag=TAGS[flavor].replace(b"zkmed-test", b"zkmed-tesu"))
    # a proof for dleq is not a proof for dleq_derived_element (same shape, other elements and tag)
    dleq_proof = proof_for("dleq", flavor)[1]
    rejects(flavor, STATEMENTS["dleq_derived_element"][0].serialize(), dleq_proof)
    # and not a proof for a relation of another shape
    rejects(flavor, STATEMENTS["pedersen_commitment"][0].serialize(), dleq_proof)


@pytest.mark.parametrize("flavor", ["batchable", "compact"])
def test_low_level_verifiers_raise_verification_error_only(flavor: str) -> None:
    relation, witness = STATEMENTS["elgamal_decryption"]
    prove = prove_batchable if flavor == "batchable" else prove_compact
    verify = verify_batchable if flavor == "batchable" else verify_compact
    proof = prove(TAGS[flavor], relation, witness)
    assert verify(TAGS[flavor], relation, proof) is None
    for bad in (proof[:-1], b"", bytes(len(proof))):
        with pytest.raises(VerificationError):
            verify(TAGS[flavor], relation, bad)


# --------------------------------------------------------------------------- public entry points


def test_entry_point_parameter_errors() -> None:
    instance, proof = proof_for("discrete_logarithm", "batchable")
    cases = [
        ("no-such-suite", "batchable", TAGS["batchable"], instance, proof),
        (SUITE, "other", TAGS["batchable"], instance, proof),
        (SUITE, "batchable", b"no-flavor-marker-sigma-proofs_Shake128_P256", instance, proof),
        (SUITE, "batchable", b"DSFS-without-ciphersuite", instance, proof),
        (SUITE, "batchable", b"DSFS-CMPT-sigma-proofs_Shake128_P256", instance, proof),
        (SUITE, "batchable", TAGS["batchable"], instance[:-1], proof),
        (SUITE, "batchable", TAGS["batchable"], b"", proof),
        (SUITE, "batchable", "text tag", instance, proof),
        (SUITE, "batchable", TAGS["batchable"], None, proof),
    ]
    for case in cases:
        with pytest.raises(MalformedInput):
            verify_nizk(*case)
    with pytest.raises(ZkmedError):
        verify_nizk(SUITE, "batchable", TAGS["batchable"], instance, "not bytes")
    with pytest.raises(MalformedInput):
        get_ciphersuite("sigma-proofs_Shake128_BLS12381")


def test_prove_nizk_checks_its_inputs() -> None:
    relation, witness = schnorr()
    with pytest.raises(MalformedInput):
        prove_nizk(SUITE, "compact", TAGS["batchable"], relation, witness)
    k1 = get_group("secp256k1")
    b = RelationBuilder(k1)
    xs = b.allocate_scalar()
    b.append_equation(b.allocate_element(k1.mul_gen(5)), [(xs, b.generator)])
    with pytest.raises(MalformedInput):
        prove_nizk(SUITE, "batchable", TAGS["batchable"], b.build(), [5])
    with pytest.raises(MalformedInput):
        prove_nizk(SUITE, ["batchable"], TAGS["batchable"], relation, witness)
    with pytest.raises(ProvingError):
        prove_nizk(SUITE, "batchable", TAGS["batchable"], relation, 5)
    # bytes instance works as well as a relation
    proof = prove_nizk(SUITE, "batchable", TAGS["batchable"], relation.serialize(), witness)
    verify_nizk(SUITE, "batchable", TAGS["batchable"], relation.serialize(), proof)


@pytest.mark.parametrize("flavor", ["batchable", "compact"])
def test_secp256k1_suite_round_trip(flavor: str) -> None:
    suite = "zkmed_Shake128_secp256k1"
    k1 = get_group("secp256k1")
    tag = b"zkmed-test-" + (b"DSFS" if flavor == "batchable" else b"CMPT") + b"-with-" + suite.encode()
    b = RelationBuilder(k1)
    x = b.allocate_scalar()
    h_point = k1.hash_to_element(b"H", b"zkmed-test")
    H = b.allocate_element(h_point)
    Xv = b.allocate_element(k1.mul_gen(42))
    Yv = b.allocate_element(k1.mul(h_point, 42))
    b.append_equation(Xv, [(x, b.generator)])
    b.append_equation(Yv, [(x, H)])
    relation = b.build()
    proof = prove_nizk(suite, flavor, tag, relation, [42])
    verify_nizk(suite, flavor, tag, relation.serialize(), proof)
    with pytest.raises(VerificationError):
        verify_nizk(suite, flavor, tag, relation.serialize(), proof[:-1] + bytes([proof[-1] ^ 1]))
    with pytest.raises(ZkmedError):
        verify_nizk(SUITE, flavor, tag, relation.serialize(), proof)  # wrong suite (and tag)


GARBAGE = st.one_of(st.binary(max_size=300), st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    suite=st.one_of(st.just(SUITE), GARBAGE),
    flavor=st.one_of(st.sampled_from(["batchable", "compact"]), GARBAGE),
    tag=st.one_of(st.sampled_from(list(TAGS.values())), GARBAGE),
    instance=st.one_of(st.sampled_from([r.serialize() for r, _ in STATEMENTS.values()]), GARBAGE),
    proof=GARBAGE,
)
def test_garbage_never_escapes_as_a_foreign_exception(suite, flavor, tag, instance, proof) -> None:
    try:
        verify_nizk(suite, flavor, tag, instance, proof)
    except ZkmedError:
        return
    raise AssertionError("garbage was accepted")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), flavor=st.sampled_from(["batchable", "compact"]), name=st.sampled_from(sorted(STATEMENTS)))
def test_mutated_proofs_and_instances_are_rejected(data: st.DataObject, flavor: str, name: str) -> None:
    instance, proof = proof_for(name, flavor)
    target = data.draw(st.sampled_from(["instance", "proof"]))
    blob = bytearray(instance if target == "instance" else proof)
    for _ in range(data.draw(st.integers(1, 3))):
        blob[data.draw(st.integers(0, len(blob) - 1))] ^= data.draw(st.integers(1, 255))
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))] + data.draw(st.binary(max_size=40))
    mutated = bytes(blob)
    if mutated == (instance if target == "instance" else proof):
        reject()
    args = (mutated, proof) if target == "instance" else (instance, mutated)
    with pytest.raises(ZkmedError):
        verify_nizk(SUITE, flavor, TAGS[flavor], *args)


# --------------------------------------------------------------------------- random relations


@st.composite
def statements(draw: st.DrawFn) -> tuple[LinearRelation, list[int]]:
    n_scalars = draw(st.integers(1, 3))
    witness = [draw(st.integers(0, Q - 1)) for _ in range(n_scalars)]
    b = RelationBuilder(G)
    scalars = b.allocate_scalars(n_scalars)
    points = [G.mul_gen(draw(st.integers(1, Q - 1))) for _ in range(draw(st.integers(0, 3)))]
    bases = [b.generator, *b.allocate_elements(points)]
    elements = [G.generator(), *points]
    coeff = st.one_of(st.just(1), st.integers(1, Q - 1))
    for _ in range(draw(st.integers(1, 3))):
        terms = draw(
            st.lists(st.tuples(st.sampled_from(scalars), st.sampled_from(bases), coeff), min_size=1, max_size=4)
        )
        value = G.msm([c * witness[s.index] % Q for s, _, c in terms], [elements[e.index] for _, e, _ in terms])
        if G.is_identity(value):
            reject()
        b.append_equation(b.allocate_element(value), terms)
    try:
        return b.build(), witness
    except MalformedInput:
        reject()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(statement=statements(), flavor=st.sampled_from(["batchable", "compact"]))
def test_random_relations_prove_and_verify(statement: tuple[LinearRelation, list[int]], flavor: str) -> None:
    relation, witness = statement
    proof = prove_nizk(SUITE, flavor, TAGS[flavor], relation, witness)
    expected = (
        33 * relation.num_equations + 32 * relation.num_scalars
        if flavor == "batchable"
        else 32 * (1 + relation.num_scalars)
    )
    assert len(proof) == expected
    verify_nizk(SUITE, flavor, TAGS[flavor], relation.serialize(), proof)
    rejects(flavor, relation.serialize(), proof, tag=TAGS[flavor] + b"!")
