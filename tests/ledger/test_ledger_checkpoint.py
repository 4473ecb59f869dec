"""Signed notes, checkpoints, cosignatures, trust policies and tlog-proof receipts (C2SP), with known answers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.encoding import b64_decode
from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.ledger.authorities import Authority, AuthoritySet
from zkmed.ledger.checkpoint import (
    Checkpoint,
    CosignatureVerifier,
    SignedCheckpoint,
    TrustPolicy,
    cosign,
    cosignature_timestamp,
    verify_checkpoint,
)
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.merkle import leaf_hash
from zkmed.ledger.note import (
    Ed25519NoteVerifier,
    SignedNote,
    check_key_name,
    ed25519_note_signature,
    open_note,
    parse_vkey,
)
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, verify_consistency_proof, verify_receipt
from zkmed.ledger.tree import MemoryTree

VEC = Path(__file__).parent.parent / "vectors" / "ledger"
NOTE = json.loads((VEC / "signed-note.json").read_text(encoding="utf-8"))
CP = json.loads((VEC / "checkpoint.json").read_text(encoding="utf-8"))


def _verifier(vkey: str) -> Ed25519NoteVerifier:
    name, sig_type, pub = parse_vkey(vkey)
    assert sig_type == 1
    return Ed25519NoteVerifier(name, pub)


# -- signed notes (golang.org/x/mod/sumdb/note and the C2SP spec) ------------------------


def test_go_note_signature_is_reproduced_byte_for_byte() -> None:
    go = NOTE["go_sumdb_note"]
    raw = b64_decode(go["skey"].split("+", 4)[4])
    assert raw[0] == 1
    key = Ed25519PrivateKey.from_private_bytes(raw[1:])
    v = _verifier(go["vkey"])
    assert v.public_key == key.public_key().public_bytes_raw()
    assert v.key_id.hex() == "c74f20a3" and v.vkey() == go["vkey"]
    note = SignedNote(go["text"], (ed25519_note_signature("PeterNeumann", key, go["text"]),))
    assert note.format() == go["text"] + "\n" + go["peter_sig"]


def test_go_note_open_rules() -> None:
    go = NOTE["go_sumdb_note"]
    peter, enoch = _verifier(go["vkey"]), _verifier(go["enoch_vkey"])
    both = SignedNote.parse(go["text"] + "\n" + go["peter_sig"] + go["enoch_sig"])
    assert both.text == go["text"]
    assert [v.name for v in open_note(both, [peter])] == ["PeterNeumann"]  # unknown key ignored
    assert {v.name for v in open_note(both, [peter, enoch])} == {"PeterNeumann", "EnochRoot"}
    with pytest.raises(VerificationError, match="not signed by any known key"):
        open_note(both, [])
    sig = go["peter_sig"]
    bad = SignedNote.parse(go["text"] + "\n" + sig[:60] + "ABCD" + sig[60:])
    with pytest.raises(VerificationError):
        open_note(bad, [peter])
    twice = SignedNote.parse(go["text"] + "\n" + sig + sig)
    assert len(open_note(twice, [peter])) == 1  # one key counts once


@pytest.mark.parametrize(
    "suffix",
    [
        "",  # no signatures
        "\n",
        "\n{sig_without_newline}",
        "\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        "\n{sig}Unexpected line.\n",
        "\n{sig101}",
    ],
)
def test_go_malformed_notes(suffix: str) -> None:
    go = NOTE["go_sumdb_note"]
    sig = go["peter_sig"]
    text = go["text"] + suffix.format(sig=sig, sig_without_newline=sig[:-1], sig101=sig * 101)
    with pytest.raises(MalformedInput):
        SignedNote.parse(text)


@pytest.mark.parametrize("prefix", ["\x01", "\xff"])
def test_notes_reject_control_and_invalid_bytes(prefix: str) -> None:
    go = NOTE["go_sumdb_note"]
    body = (go["text"] + "\n" + go["peter_sig"]).encode("utf-8")
    data = (b"\xff" if prefix == "\xff" else prefix.encode()) + body
    with pytest.raises(MalformedInput):
        SignedNote.parse(data)


def test_c2sp_signed_note_example_verifies() -> None:
    ex = NOTE["c2sp_signed_note_example"]
    v = _verifier(ex["vkey"])
    assert v.key_id.hex() == "530d903a"
    assert open_note(SignedNote.parse(ex["note"]), [v]) == [v]


def test_vkey_manglings_are_rejected() -> None:
    vkey = NOTE["go_sumdb_note"]["vkey"]
    bad = [vkey[:i] for i in range(1, len(vkey))] + [
        vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :] for i in range(len(vkey))
    ]
    bad += ["PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="]
    for k in bad:
        try:
            name, sig_type, pub = parse_vkey(k)
        except MalformedInput:
            continue
        pytest.fail(f"accepted mangled vkey {k!r}")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\u2003b", "x\n"])
def test_key_names(name: str) -> None:
    with pytest.raises(MalformedInput):
        check_key_name(name)


# -- checkpoints and cosignatures ---------------------------------------------------------


def test_c2sp_checkpoint_example_parses() -> None:
    ex = CP["c2sp_checkpoint_example"]
    signed = SignedCheckpoint.parse(ex["note"])
    cp = signed.checkpoint
    assert (cp.origin, cp.tree_size, cp.extensions) == (ex["origin"], ex["tree_size"], ())
    assert cp.text().split("\n")[2] == ex["root_b64"]
    witness = signed.note.signatures[1]
    assert witness.name == "witness.example.com/w1"
    assert cosignature_timestamp(witness) == ex["witness_timestamp"]
    assert ex["cosigned_message"] == f"cosignature/v1\ntime {ex['witness_timestamp']}\n" + cp.text()
    assert signed.text() == ex["note"]


def _kat_policy() -> tuple[dict, TrustPolicy]:
    kat = CP["zkmed_cosigned_checkpoint"]
    members = tuple(Authority(a["name"], bytes.fromhex(a["public_key_hex"])) for a in kat["authorities"])
    return kat, TrustPolicy(kat["origin"], AuthoritySet(kat["threshold"], members))


def test_zkmed_checkpoint_kat_verifies_and_is_reproduced() -> None:
    kat, policy = _kat_policy()
    signed = SignedCheckpoint.parse(kat["note"])
    verify_checkpoint(signed, policy)
    assert sorted(signed.signers(policy)) == [kat["authorities"][i - 1]["name"] for i in kat["signed_by"]]
    keys = [AuthorityKey.from_seed(a["name"], bytes.fromhex(a["seed_hex"])) for a in kat["authorities"]]
    cp = Checkpoint(kat["origin"], kat["tree_size"], bytes.fromhex(kat["root_hex"]))
    mine = SignedCheckpoint.sign(
        cp, AuthoritySet(2, policy.authorities.authorities), [keys[0], keys[2]], kat["timestamp"]
    )
    assert mine.text() == kat["note"]
    for a, v in zip(kat["authorities"], policy.verifiers(), strict=True):
        assert v.key_id.hex() == a["key_id_hex"] and v.vkey() == a["vkey"]
    assert TrustPolicy.parse(policy.format()) == policy


def test_checkpoint_verification_rules() -> None:
    kat, policy = _kat_policy()
    note = kat["note"]
    lines = note.split("\n")
    one_sig = "\n".join(lines[:5]) + "\n"
    with pytest.raises(VerificationError, match="below the threshold"):
        verify_checkpoint(SignedCheckpoint.parse(one_sig), policy)
    with pytest.raises(VerificationError, match="origin"):
        verify_checkpoint(SignedCheckpoint.parse(note), TrustPolicy("other/origin", policy.authorities))
    tampered = note.replace("\n8\n", "\n9\n")
    with pytest.raises(VerificationError):
        verify_checkpoint(SignedCheckpoint.parse(tampered), policy)
    # an unknown (witness) cosignature is ignored; a duplicate of a known one counts once
    witness = AuthorityKey.generate("witness.example/w1")
    extra = cosign(witness, SignedCheckpoint.parse(note).checkpoint.text(), 5).line()
    verify_checkpoint(SignedCheckpoint.parse(note + extra), policy)
    dup = note + lines[4] + "\n"
    with pytest.raises(VerificationError, match="below the threshold"):
        verify_checkpoint(SignedCheckpoint.parse(one_sig + lines[4] + "\n"), policy)
    verify_checkpoint(SignedCheckpoint.parse(dup), policy)


@pytest.mark.parametrize(
    "text",
    [
        "origin\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",  # leading zero
        "origin\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
        "origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ=\n",  # short root
        "origin\n8\n",
        "origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",  # no final newline
        "origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\nextension\n",
    ],
)
def test_checkpoint_text_is_strict(text: str) -> None:
    with pytest.raises(MalformedInput):
        Checkpoint.parse_text(text)


def test_cosignature_verifier_rejects_wrong_lengths() -> None:
    v = CosignatureVerifier("x", b"\x01" * 32)
    with pytest.raises(VerificationError):
        v.verify(b"text\n", b"\x00" * 71)
    with pytest.raises(VerificationError):
        v.verify(b"text\n", b"\xff" * 72)  # timestamp beyond 2^63 - 1


def test_signing_needs_threshold_keys() -> None:
    kat, policy = _kat_policy()
    key = AuthorityKey.from_seed(kat["authorities"][0]["name"], bytes.fromhex(kat["authorities"][0]["seed_hex"]))
    with pytest.raises(LedgerError):
        SignedCheckpoint.sign(Checkpoint("o", 0, hashlib.sha256(b"").digest()), policy.authorities, [key], 1)


def test_policy_file_is_strict() -> None:
    _, policy = _kat_policy()
    text = policy.format()
    first = policy.authorities.authorities[0]
    plain = Ed25519NoteVerifier(first.name, first.public_key).vkey()  # type 0x01, not a cosignature key
    for bad in (
        text.replace("threshold 2", "threshold 02"),
        text.replace("origin ", "origins "),
        "nothing\n",
        text.replace(policy.verifiers()[0].vkey(), plain),
    ):
        with pytest.raises(MalformedInput):
            TrustPolicy.parse(bad)


# -- tlog-proof receipts ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CP["tlog_proof_marshal"]["cases"], ids=lambda c: str(c["index"]))
def test_tlog_proof_text_matches_transparency_dev(case: dict) -> None:
    hashes = tuple(hashlib.sha256(h.encode()).digest() for h in case["hashes"])
    extra = case["extra"].encode() if case["extra"] is not None else None
    proof = TlogProof(case["index"], hashes, case["checkpoint"], extra)
    assert proof.format() == case["want"]
    assert TlogProof.parse(case["want"]) == proof


@pytest.mark.parametrize(
    "text",
    [
        "wrong-header\nindex 0\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n" + "A" * 86 + "==\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n",
    ],
)
def test_tlog_proof_parse_errors(text: str) -> None:
    with pytest.raises(MalformedInput):
        TlogProof.parse(text)


def _receipt_fixture() -> tuple[TrustPolicy, list[bytes], MemoryTree, SignedCheckpoint, list[AuthorityKey]]:
    kat, policy = _kat_policy()
    keys = [AuthorityKey.from_seed(a["name"], bytes.fromhex(a["seed_hex"])) for a in kat["authorities"]]
    entries = [Entry(i, "ballot", f"ballot {i}".encode()).encode() for i in range(11)]
    tree = MemoryTree.from_entries(entries)
    signed = SignedCheckpoint.sign(Checkpoint(kat["origin"], 11, tree.root()), policy.authorities, keys, 1_800_000_000)
    return policy, entries, tree, signed, keys


_FIXTURE = _receipt_fixture()


def test_receipt_round_trip_and_binding() -> None:
    policy, entries, tree, signed, _ = _receipt_fixture()
    receipt = TlogProof(7, tuple(tree.inclusion_proof(7)), signed.text(), entries[7])
    parsed = TlogProof.parse(receipt.format())
    assert parsed == receipt and parsed.entry().seq == 7
    verify_receipt(parsed, policy)
    verify_receipt(parsed, policy, entries[7])
    with pytest.raises(VerificationError, match="different entry"):
        verify_receipt(parsed, policy, entries[6])
    with pytest.raises(VerificationError, match="sequence number"):
        verify_receipt(TlogProof(6, parsed.hashes, parsed.checkpoint, entries[7]), policy)
    with pytest.raises(VerificationError):
        verify_receipt(TlogProof(7, parsed.hashes[:-1], parsed.checkpoint, entries[7]), policy)
    with pytest.raises(VerificationError, match="carries no entry"):
        verify_receipt(TlogProof(7, parsed.hashes, parsed.checkpoint), policy)
    verify_receipt(TlogProof(7, parsed.hashes, parsed.checkpoint), policy, entries[7])
    forged = Entry(7, "ballot", b"forged").encode()
    with pytest.raises(VerificationError):
        verify_receipt(TlogProof(7, parsed.hashes, parsed.checkpoint, forged), policy)
    assert leaf_hash(entries[7]) != leaf_hash(forged)


def test_consistency_proof_file() -> None:
    policy, entries, tree, new, keys = _receipt_fixture()
    old = SignedCheckpoint.sign(Checkpoint(policy.origin, 4, tree.root(4)), policy.authorities, keys, 1_700_000_000)
    proof = ConsistencyProof(old.text(), new.text(), tuple(tree.consistency_proof(4)))
    parsed = ConsistencyProof.parse(proof.format())
    assert parsed == proof
    verify_consistency_proof(parsed, policy)
    verify_consistency_proof(parsed, policy, old.text())
    other = SignedCheckpoint.sign(Checkpoint(policy.origin, 5, tree.root(5)), policy.authorities, keys, 1)
    with pytest.raises(VerificationError, match="different checkpoint"):
        verify_consistency_proof(parsed, policy, other.text())
    with pytest.raises(VerificationError):
        verify_consistency_proof(ConsistencyProof(other.text(), new.text(), proof.proof), policy)
    for bad in ("{}", '{"format":"zkmed.ledger/consistency-proof@v1"}', "[1]", b"\xff"):
        with pytest.raises(MalformedInput):
            ConsistencyProof.parse(bad)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_text_parsers_only_raise_malformed_input(text: str) -> None:
    for parse in (SignedNote.parse, SignedCheckpoint.parse, TlogProof.parse, ConsistencyProof.parse, TrustPolicy.parse):
        try:
            parse(text)
        except MalformedInput:
            pass


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutated_receipts_never_verify_and_never_crash(data: st.DataObject) -> None:
    policy, entries, tree, signed, _ = _FIXTURE
    text = TlogProof(7, tuple(tree.inclusion_proof(7)), signed.text(), entries[7]).format()
    pos = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from("A/+=0\n —x"))
    mutated = text[:pos] + char + text[pos + 1 :]
    try:
        verify_receipt(TlogProof.parse(mutated), policy)
    except (MalformedInput, VerificationError):
        return
    assert mutated == text or _same_meaning(mutated, text)


def _same_meaning(a: str, b: str) -> bool:
    """A mutation that still verifies may only have touched a signature line that is then ignored (unknown key)."""
    pa, pb = TlogProof.parse(a), TlogProof.parse(b)
    same_claims = (pa.index, pa.hashes, pa.extra) == (pb.index, pb.hashes, pb.extra)
    return (
        same_claims
        and SignedCheckpoint.parse(pa.checkpoint).checkpoint == SignedCheckpoint.parse(pb.checkpoint).checkpoint
    )
