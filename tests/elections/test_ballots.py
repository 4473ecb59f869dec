"""Ballots and their proofs (E2): round trips, and the issue's attacks on single ballots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2_support import Election, make_election, resign

from zkmed.canonical_json import parse_json
from zkmed.elections.ballot import choices_from_text, encrypt_ballot, parse_ballot, verify_ballot_proofs
from zkmed.elections.ballot_proofs import (
    ElectionKey,
    ProofBatch,
    RangeProof,
    proof_context,
    prove_range,
    verify_range,
    verify_range_with_compose,
)
from zkmed.elections.confirmation import confirmation_code, parse_confirmation_code
from zkmed.elections.context import ElectionContext
from zkmed.elections.elgamal import Ciphertext, encrypt
from zkmed.elections.manifest import parse_manifest
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups import get_group

G = get_group("P256")


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    return make_election(tmp_path_factory.mktemp("ballots"))


@pytest.fixture(scope="module")
def ctx(election: Election) -> ElectionContext:
    return election.context()


def _ballot(ctx: ElectionContext, election: Election, choices: dict | None = None, voter: int = 0) -> bytes:
    return encrypt_ballot(
        ctx, election.voters[voter], choices or {"mayor": {"alice": 1}, "council": {"bob": 1, "dave": 1}}
    ).payload


def _check(ctx: ElectionContext, payload: bytes) -> None:
    ballot = parse_ballot(ctx, payload)
    ballot.check_signature()
    verify_ballot_proofs(ctx, ballot)


def test_ballot_round_trip_and_batch(ctx: ElectionContext, election: Election) -> None:
    payloads = [_ballot(ctx, election, voter=i) for i in range(3)]
    batch = ProofBatch(ctx.group)
    from zkmed.elections.ballot import add_ballot_proofs

    for p in payloads:
        _check(ctx, p)
        add_ballot_proofs(ctx, parse_ballot(ctx, p), batch)
    batch.verify()
    assert len(batch) == 3 * (3 + 1 + 3 + 1)


def test_manifest_errors_name_the_field() -> None:
    bad = {"election_id": "e", "contests": [{"id": "c", "selection_limit": 1, "options": ["a", "b"], "extra": 1}]}
    with pytest.raises(MalformedInput) as exc:
        parse_manifest(json.dumps(bad))
    assert exc.value.where == "manifest.contests[0].extra"
    with pytest.raises(MalformedInput, match="selection_limit"):
        parse_manifest(
            json.dumps({"election_id": "e", "contests": [{"id": "c", "selection_limit": 3, "options": ["a"]}]})
        )
    with pytest.raises(MalformedInput, match="revote"):
        parse_manifest(
            json.dumps(
                {
                    **bad,
                    "contests": bad["contests"][:0] or [{"id": "c", "selection_limit": 1, "options": ["a"]}],
                    "revote": "all",
                }
            )
        )


def test_overvote_is_refused_by_the_prover(ctx: ElectionContext, election: Election) -> None:
    with pytest.raises(ProvingError):
        encrypt_ballot(ctx, election.voters[0], {"mayor": {"alice": 1, "bob": 1}})
    with pytest.raises(MalformedInput):
        choices_from_text(ctx.manifest, ["mayor=zed"])


def test_changed_ciphertext_after_the_challenge(ctx: ElectionContext, election: Election) -> None:
    other = encrypt(G, ctx.key.base, 0, G.random_scalar())

    def change(obj: dict) -> None:
        obj["contests"][0]["selections"][1]["ciphertext"] = b64_encode(other.encode(G))

    with pytest.raises(VerificationError):
        _check(ctx, resign(_ballot(ctx, election), election.voters[0], change))


def test_changed_key_or_base_hash(ctx: ElectionContext, election: Election) -> None:
    payload = _ballot(ctx, election)
    other_key = ElectionContext(ctx.group, ctx.manifest, ElectionKey.of(G, G.mul_gen(5)), ctx.base_hash, 3, 2)
    with pytest.raises(VerificationError):
        verify_ballot_proofs(other_key, parse_ballot(other_key, payload))
    other_hash = ElectionContext(ctx.group, ctx.manifest, ctx.key, bytes(32), 3, 2)
    with pytest.raises(VerificationError):
        verify_ballot_proofs(other_hash, parse_ballot(other_hash, payload))


def test_proofs_copied_to_another_option_contest_or_ballot(ctx: ElectionContext, election: Election) -> None:
    payload = _ballot(ctx, election, {"mayor": {"alice": 1}, "council": {"bob": 1}})

    def swap_options(obj: dict) -> None:
        sels = obj["contests"][0]["selections"]
        sels[0]["proof"], sels[1]["proof"] = sels[1]["proof"], sels[0]["proof"]
        sels[0]["ciphertext"], sels[1]["ciphertext"] = sels[1]["ciphertext"], sels[0]["ciphertext"]

    def swap_contests(obj: dict) -> None:
        a, b = obj["contests"][0]["selections"], obj["contests"][1]["selections"]
        a[0], b[0] = b[0], a[0]

    for change in (swap_options, swap_contests):
        with pytest.raises(VerificationError):
            _check(ctx, resign(payload, election.voters[0], change))
    donor = parse_json(_ballot(ctx, election, {"mayor": {"bob": 1}}, voter=1))

    def copy_from_other_ballot(obj: dict) -> None:
        obj["contests"][0] = donor["contests"][0]

    with pytest.raises(VerificationError):
        _check(ctx, resign(payload, election.voters[0], copy_from_other_ballot))


def test_overvote_with_a_contest_proof_for_a_larger_limit(ctx: ElectionContext, election: Election) -> None:
    loose = json.loads(json.dumps(ctx.manifest.to_json()))
    loose["contests"][0]["selection_limit"] = 2
    loose_ctx = ElectionContext(ctx.group, parse_manifest(loose), ctx.key, ctx.base_hash, 3, 2)
    payload = encrypt_ballot(loose_ctx, election.voters[0], {"mayor": {"alice": 1, "bob": 1}}).payload
    _check(loose_ctx, payload)  # valid for the larger limit ...
    with pytest.raises((MalformedInput, VerificationError)):
        _check(ctx, payload)  # ... refused under the manifest's L = 1 (the proof's own size is ignored)


def test_range_proof_for_a_larger_range_does_not_verify_a_smaller_one(ctx: ElectionContext) -> None:
    r = G.random_scalar()
    ct = encrypt(G, ctx.key.base, 2, r)
    context = proof_context(ctx.base_hash, "00" * 16, 0, 0)
    proof = prove_range(G, ctx.key, ct, 0, 2, 2, r, context=context).to_bytes(G)
    verify_range(G, ctx.key, ct, ct.encode(G), 0, 2, proof, context=context)
    with pytest.raises(VerificationError):
        verify_range(G, ctx.key, ct, ct.encode(G), 0, 1, proof, context=context)
    with pytest.raises(ProvingError):
        prove_range(G, ctx.key, ct, 0, 1, 2, r, context=context)


def test_every_proof_byte_matters(ctx: ElectionContext) -> None:
    r = G.random_scalar()
    ct = encrypt(G, ctx.key.base, 1, r)
    context = proof_context(ctx.base_hash, "00" * 16, 0, 0)
    proof = prove_range(G, ctx.key, ct, 0, 1, 1, r, context=context).to_bytes(G)
    verify_range_with_compose(G, ctx.key, ct, ct.encode(G), 0, 1, proof, context=context)
    for at in range(0, len(proof), 7):
        bad = bytearray(proof)
        bad[at] ^= 1
        with pytest.raises(VerificationError):
            verify_range(G, ctx.key, ct, ct.encode(G), 0, 1, bytes(bad), context=context)
        with pytest.raises(VerificationError):
            verify_range_with_compose(G, ctx.key, ct, ct.encode(G), 0, 1, bytes(bad), context=context)
        batch = ProofBatch(G)
        with pytest.raises(VerificationError):
            batch.add(ctx.key, ct, ct.encode(G), 0, 1, bytes(bad), context=context)
            batch.verify()


@pytest.mark.parametrize("bad", ["identity", "off-curve", "short"])
def test_invalid_ciphertext_elements(ctx: ElectionContext, election: Election, bad: str) -> None:
    payload = _ballot(ctx, election)
    good = b64_decode(parse_json(payload)["contests"][0]["selections"][0]["ciphertext"])
    data = {"identity": bytes(33) + good[33:], "off-curve": b"\x02" + b"\xff" * 32 + good[33:], "short": good[:-1]}[bad]

    def change(obj: dict) -> None:
        obj["contests"][0]["selections"][0]["ciphertext"] = b64_encode(data)

    with pytest.raises(MalformedInput):
        parse_ballot(ctx, resign(payload, election.voters[0], change))


def test_eg4096_subgroup_and_small_election(tmp_path: Path) -> None:
    g = get_group("EG4096")
    manifest = {"election_id": "eg", "contests": [{"id": "yes-no", "selection_limit": 1, "options": ["yes", "no"]}]}
    election = make_election(tmp_path / "eg", voters=2, group="EG4096", manifest=manifest)
    ctx = election.context()
    payload = encrypt_ballot(ctx, election.voters[0], {"yes-no": {"yes": 1}}).payload
    _check(ctx, payload)
    outside = (g.modulus - 1).to_bytes(g.element_size, "big")  # order 2: outside the order-q subgroup
    inside = g.encode_element(g.generator())
    with pytest.raises(MalformedInput):
        Ciphertext.decode(g, outside + inside)
    with pytest.raises(MalformedInput):
        Ciphertext.decode(g, inside + (1).to_bytes(g.element_size, "big"))  # the identity


def test_confirmation_code(ctx: ElectionContext, election: Election) -> None:
    payload = _ballot(ctx, election)
    code = confirmation_code(payload)
    assert (
        len(code.split("-")) == 13
        and parse_confirmation_code(code.upper()) == __import__("hashlib").sha256(payload).digest()
    )
    with pytest.raises(MalformedInput):
        parse_confirmation_code(code[:-1])


def test_signature_required(ctx: ElectionContext, election: Election) -> None:
    payload = _ballot(ctx, election)
    forged = resign(payload, election.voters[1])  # signed by another voter's key, naming voter 0's credential
    with pytest.raises(VerificationError):
        parse_ballot(ctx, forged).check_signature()
    assert RangeProof.size(G, 2) == 4 * 33 + 3 * 32


def test_revote_rules_and_spoils() -> None:
    from zkmed.elections.tally import counted_ballots

    ballots = [("b1", b"A"), ("b2", b"B"), ("b3", b"A"), ("b4", b"A"), ("b5", b"C")]
    latest = parse_manifest(
        json.dumps({"election_id": "e", "contests": [{"id": "c", "selection_limit": 1, "options": ["x", "y"]}]})
    )
    first = parse_manifest(json.dumps({**latest.to_json(), "revote": "first"}))
    assert counted_ballots(latest, ballots, {"b4"}) == ["b2", "b3", "b5"]
    assert counted_ballots(first, ballots, {"b1"}) == ["b2", "b3", "b5"]
    assert counted_ballots(first, ballots, set()) == ["b1", "b2", "b5"]


def test_prover_refuses_a_false_opening(ctx: ElectionContext) -> None:
    r = G.random_scalar()
    ct = encrypt(G, ctx.key.base, 1, r)
    context = proof_context(ctx.base_hash, "00" * 16, 0, 0)
    for value, nonce in ((0, r), (1, (r + 1) % G.order), (1, 0)):
        with pytest.raises(ProvingError):
            prove_range(G, ctx.key, ct, 0, 1, value, nonce, context=context)


@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (0, 3), (2, 5)])
def test_batch_instance_bytes_equal_compose(ctx: ElectionContext, lo: int, hi: int) -> None:
    """The batch writes the OR instance directly; it must be byte for byte compose's or_instance."""
    from zkmed.elections.ballot_proofs import _statement, or_instance_bytes
    from zkmed.hazmat.sigma.compose import or_instance

    ct = encrypt(G, ctx.key.base, lo, G.random_scalar())
    raw = ct.encode(G)
    _, rels = _statement(G, ctx.key, ct, raw, lo, hi, b"ctx")
    shifted = [G.encode_element(r.elements[3]) for r in rels]
    assert or_instance_bytes(G, ctx.key, raw[:33], shifted) == or_instance(rels)


@pytest.mark.parametrize("group_name", ["P256", "EG4096"])
def test_fast_paths_agree_with_compose(group_name: str) -> None:
    """One by one, batch and the compose reference accept the same proofs and refuse the same forgeries."""
    g = get_group(group_name)
    key = ElectionKey.of(g, g.mul_gen(g.random_scalar()))
    context = proof_context(b"h" * 32, "00" * 16, 1, 2)
    r = g.random_scalar()
    ct = encrypt(g, key.base, 2, r)
    raw = ct.encode(g)
    good = prove_range(g, key, ct, 0, 3, 2, r, context=context).to_bytes(g)
    forged = prove_range(g, key, ct, 0, 3, 2, r, context=proof_context(b"h" * 32, "00" * 16, 1, 3)).to_bytes(g)
    other = encrypt(g, key.base, 2, g.random_scalar())
    cases = [(ct, raw, good, True), (ct, raw, forged, False), (other, other.encode(g), good, False)]
    for c, b, p, ok in cases:
        outcomes = []
        for check in (verify_range, verify_range_with_compose):
            try:
                check(g, key, c, b, 0, 3, p, context=context)
                outcomes.append(True)
            except VerificationError:
                outcomes.append(False)
        batch = ProofBatch(g)
        try:
            batch.add(key, c, b, 0, 3, p, context=context)
            batch.verify()
            outcomes.append(True)
        except VerificationError:
            outcomes.append(False)
        assert outcomes == [ok] * 3


@pytest.mark.parametrize("group_name", ["P256", "EG4096"])
def test_the_tag_is_the_documented_writer_layout(group_name: str) -> None:
    """_tag's precomputed frame equals the layout written field by field with Writer and compose's full_tag."""
    from zkmed.elections.ballot_proofs import PROTOCOL_TAG, _tag
    from zkmed.encoding import Writer
    from zkmed.hazmat.sigma.compose import full_tag

    g = get_group(group_name)
    key = ElectionKey.of(g, g.mul_gen(g.random_scalar()))
    ct = encrypt(g, key.base, 1, g.random_scalar()).encode(g)
    context = proof_context(b"h" * 32, "ab" * 16, 3, 7)
    expected = full_tag(
        Writer().bytes_lp(PROTOCOL_TAG).text(g.name).bytes_lp(context).u32(2).u32(9)
        .bytes_lp(g.encode_element(key.point)).bytes_lp(ct).finish(),
        b"CDSOR", g,
    )  # fmt: skip
    assert _tag(g, key, ct, 2, 9, context) == expected
