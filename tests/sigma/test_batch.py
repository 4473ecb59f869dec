"""zkmed.hazmat.sigma.batch.batch_verify (draft-irtf-cfrg-sigma-protocols §"Batch verification")."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma import LinearRelation, RelationBuilder, batch_verify, prove_batchable, verify_batchable

G = get_group("P256")
Q = G.order
TAG = b"zkmed-batch-test-DSFS-with-sigma-proofs_Shake128_P256"


def schnorr() -> tuple[LinearRelation, list[int]]:
    x = G.random_scalar()
    b = RelationBuilder(G)
    xs = b.allocate_scalar()
    b.append_equation(b.allocate_element(G.mul_gen(x)), [(xs, b.generator)])
    return b.build(), [x]


def dleq_with_shared_h(h_point) -> tuple[LinearRelation, list[int]]:
    x = G.random_scalar()
    b = RelationBuilder(G)
    xs = b.allocate_scalar()
    H = b.allocate_element(h_point)
    b.append_equation(b.allocate_element(G.mul_gen(x)), [(xs, b.generator)])
    b.append_equation(b.allocate_element(G.mul(h_point, x)), [(xs, H)])
    return b.build(), [x]


def items(n: int) -> list[tuple[bytes, LinearRelation, bytes]]:
    h_point = G.hash_to_element(b"H", b"zkmed-batch-test")
    out = []
    for i in range(n):
        relation, witness = schnorr() if i % 2 else dleq_with_shared_h(h_point)
        out.append((TAG, relation, prove_batchable(TAG, relation, witness)))
    return out


def test_empty_batch_is_accepted() -> None:
    assert batch_verify([]) is None
    assert batch_verify((), identify=True) is None


def test_valid_batches_verify() -> None:
    batch = items(9)
    batch_verify(batch)
    batch_verify(batch[:1])
    batch_verify(batch, identify=True)


def test_many_proofs_for_one_relation_share_its_elements() -> None:
    relation, witness = schnorr()
    batch = [(TAG, relation, prove_batchable(TAG, relation, witness)) for _ in range(5)]
    batch_verify(batch)
    tag, rel, narg = batch[3]
    batch[3] = (tag, rel, narg[:33] + ((int.from_bytes(narg[33:], "big") + 1) % Q).to_bytes(32, "big"))
    with pytest.raises(VerificationError):
        batch_verify(batch)


def _corrupt_response(narg: bytes, relation: LinearRelation) -> bytes:
    at = 33 * relation.num_equations
    z = int.from_bytes(narg[at : at + 32], "big")
    return narg[:at] + ((z + 1) % Q).to_bytes(32, "big") + narg[at + 32 :]


@pytest.mark.parametrize("bad", [0, 3, 6])
def test_one_bad_proof_fails_and_identify_names_it(bad: int) -> None:
    batch = items(7)
    tag, relation, narg = batch[bad]
    batch[bad] = (tag, relation, _corrupt_response(narg, relation))
    with pytest.raises(VerificationError) as plain:
        batch_verify(batch)
    assert plain.value.where is None
    with pytest.raises(VerificationError) as named:
        batch_verify(batch, identify=True)
    assert named.value.where == f"proof {bad}" and str(bad) in named.value.message


def test_identify_names_the_first_of_several_bad_proofs() -> None:
    batch = items(6)
    for i in (2, 4):
        tag, relation, narg = batch[i]
        batch[i] = (tag + b"-x", relation, narg)
    with pytest.raises(VerificationError) as err:
        batch_verify(batch, identify=True)
    assert err.value.where == "proof 2"


def test_malformed_proof_is_named_even_without_identify() -> None:
    batch = items(4)
    tag, relation, narg = batch[1]
    batch[1] = (tag, relation, narg + b"\x00")
    with pytest.raises(VerificationError) as err:
        batch_verify(batch)
    assert err.value.where == "proof 1"
    batch[1] = (tag, relation, bytes(33) + narg[33:])  # identity commitment
    with pytest.raises(VerificationError):
        batch_verify(batch)


def test_cancelling_errors_do_not_pass() -> None:
    """Two proofs whose errors cancel under unit weights: the batching randomness must catch them."""
    relation, witness = schnorr()
    a = prove_batchable(TAG, relation, witness)
    b = prove_batchable(TAG, relation, witness)
    shift = G.mul_gen(12345)
    a_bad = G.encode_element(G.add(G.decode_element(a[:33]), shift)) + a[33:]
    b_bad = G.encode_element(G.sub(G.decode_element(b[:33]), shift)) + b[33:]
    for narg in (a_bad, b_bad):
        with pytest.raises(VerificationError):
            verify_batchable(TAG, relation, narg)
    with pytest.raises(VerificationError):
        batch_verify([(TAG, relation, a_bad), (TAG, relation, b_bad)])


class _Huge(Sequence):
    def __len__(self) -> int:
        return 2**32

    def __getitem__(self, i):  # pragma: no cover - must never be reached
        raise AssertionError("the batch was iterated")


def test_batch_size_limit() -> None:
    with pytest.raises(VerificationError):
        batch_verify(_Huge())


def test_batch_input_errors() -> None:
    batch = items(2)
    with pytest.raises(MalformedInput):
        batch_verify(iter(batch))  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        batch_verify([batch[0], ("tag", "relation")])
    with pytest.raises(MalformedInput):
        batch_verify([(TAG, b"instance bytes", batch[0][2])])
    k1 = get_group("secp256k1")
    b = RelationBuilder(k1)
    xs = b.allocate_scalar()
    b.append_equation(b.allocate_element(k1.mul_gen(7)), [(xs, b.generator)])
    other = b.build()
    with pytest.raises(MalformedInput):
        batch_verify([batch[0], (TAG, other, prove_batchable(TAG, other, [7]))])


def test_batch_agrees_with_individual_verification() -> None:
    batch = items(5)
    for tag, relation, narg in batch:
        verify_batchable(tag, relation, narg)
    batch_verify(batch)
    batch_verify(list(reversed(batch)))  # order inside the batch is irrelevant
    crossed = [(batch[0][0], batch[2][1], batch[0][2])]  # a dleq proof against another dleq statement
    with pytest.raises(VerificationError):
        batch_verify(crossed)
