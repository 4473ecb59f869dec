"""Byte formats: entries, authority sets, signature lists, blocks, key files — round trips and strict decoding."""

from __future__ import annotations

import os
import pickle
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion, VerificationError
from zkmed.formats import LEDGER_BLOCK, LEDGER_ENTRY
from zkmed.ledger.authorities import AuthorityChange, AuthoritySet, SignatureList
from zkmed.ledger.blocks import Block, GenesisInfo
from zkmed.ledger.chain import ChainState, check_genesis, make_genesis
from zkmed.ledger.entries import MAX_PAYLOAD, Entry
from zkmed.ledger.keys import AuthorityKey, load_key_dir

KEYS = [AuthorityKey.from_seed(f"test.example/authority-{i}", bytes([i]) * 32) for i in range(1, 4)]
SET = AuthoritySet.from_keys(KEYS, 2)


# -- entries -----------------------------------------------------------------------


def test_entry_layout_is_documented_bytes() -> None:
    e = Entry(5, "ballot", b"\x01\x02")
    assert e.encode().hex() == "01" + "0000000000000005" + "00000006" + b"ballot".hex() + "00000002" + "0102"
    assert Entry.decode(e.encode()) == e


def test_entry_export_carries_the_format_header() -> None:
    e = Entry(41, "ballot", os.urandom(300))
    exported = e.export()
    assert exported[:5] == b"ZK\x03\x01\x01"[:5] and exported[5:] == e.encode()
    assert exported[:5] == LEDGER_ENTRY.header and Entry.from_export(exported) == e
    with pytest.raises(UnsupportedVersion):
        Entry.from_export(exported[:4] + b"\x02" + exported[5:])
    with pytest.raises(MalformedInput):
        Entry.from_export(e.encode())  # the bare leaf is not an export
    with pytest.raises(MalformedInput):
        Entry.from_export(LEDGER_BLOCK.wrap(e.encode()))  # another format


@pytest.mark.parametrize("entry_type", ["", "Ballot", "a b", "x" * 65, "-x", "é", None, 3])
def test_bad_entry_types(entry_type: object) -> None:
    with pytest.raises(MalformedInput):
        Entry(0, entry_type, b"")  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", ["text", None, 3, b"x" * (MAX_PAYLOAD + 1)])
def test_bad_payloads(payload: object) -> None:
    with pytest.raises(MalformedInput):
        Entry(0, "t", payload)  # type: ignore[arg-type]


def test_entry_decode_rejects_versions_truncation_and_trailing_bytes() -> None:
    good = Entry(1, "t", b"abc").encode()
    with pytest.raises(UnsupportedVersion):
        Entry.decode(b"\x02" + good[1:])
    for cut in range(len(good)):
        with pytest.raises(MalformedInput):
            Entry.decode(good[:cut])
    with pytest.raises(MalformedInput):
        Entry.decode(good + b"\x00")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_entry_decoder_only_raises_malformed_input(data: bytes) -> None:
    try:
        e = Entry.decode(data)
    except MalformedInput:
        return
    assert e.encode() == data  # anything accepted is canonical


# -- authority sets and signatures -------------------------------------------------------


def test_authority_set_round_trip_and_rules() -> None:
    assert AuthoritySet.decode(SET.encode()) == SET
    assert SET.hash() == AuthoritySet.decode(SET.encode()).hash()
    for threshold in (0, 4):
        with pytest.raises(MalformedInput):
            AuthoritySet.from_keys(KEYS, threshold)
    with pytest.raises(MalformedInput):
        AuthoritySet.from_keys([KEYS[0], KEYS[0]], 1)
    with pytest.raises(MalformedInput):
        AuthoritySet.from_keys([], 1)


def test_threshold_signatures() -> None:
    msg = b"message"
    sigs = SET.sign(KEYS, msg)
    assert [i for i, _ in sigs.items] == [0, 1, 2]
    SET.verify(msg, sigs, "m")
    two = SignatureList(sigs.items[:2])
    SET.verify(msg, two, "m")
    with pytest.raises(VerificationError, match="below the threshold"):
        SET.verify(msg, SignatureList(sigs.items[:1]), "m")
    with pytest.raises(VerificationError, match="duplicated"):
        SET.verify(msg, SignatureList((sigs.items[0], sigs.items[0])), "m")
    with pytest.raises(VerificationError, match="unknown authority"):
        SET.verify(msg, SignatureList(((7, sigs.items[0][1]),)), "m")
    with pytest.raises(VerificationError, match="invalid signature"):
        SET.verify(b"other", two, "m")
    with pytest.raises(LedgerError):
        SET.sign(KEYS[:1], msg)
    outsider = AuthorityKey.from_seed("outsider", b"\x09" * 32)
    with pytest.raises(LedgerError):
        SET.sign([outsider, KEYS[0]], msg)


def test_authority_change_round_trip() -> None:
    new_set = AuthoritySet.from_keys(KEYS[:2], 2)
    change = AuthorityChange.create(b"\x11" * 32, 5, new_set, SET, KEYS)
    again = AuthorityChange.decode(change.encode())
    assert again == change
    again.verify(b"\x11" * 32, SET, "c")
    with pytest.raises(VerificationError, match="another ledger"):
        again.verify(b"\x12" * 32, SET, "c")
    with pytest.raises(MalformedInput):
        AuthorityChange.decode(change.encode()[:-1])


# -- blocks -----------------------------------------------------------------------------


def test_genesis_block_round_trip_and_checks() -> None:
    g = make_genesis("test.example/ledger", SET, KEYS, 1_700_000_000_000)
    data = g.encode()
    assert Block.decode(data) == g
    assert check_genesis(data).hash() == g.hash()
    state = ChainState.start(data)
    assert state.origin == f"test.example/ledger/{g.hash().hex()}"
    assert GenesisInfo.decode(g.genesis.encode()) == g.genesis  # type: ignore[union-attr]


def test_genesis_needs_threshold_signatures() -> None:
    g = make_genesis("test.example/ledger", SET, KEYS, 1)
    weak = g.with_signatures(SignatureList(g.signatures.items[:1]))
    with pytest.raises(VerificationError, match="below the threshold"):
        check_genesis(weak.encode())


def test_block_decoder_is_strict() -> None:
    data = make_genesis("test.example/ledger", SET, KEYS, 1).encode()
    with pytest.raises(UnsupportedVersion):
        Block.decode(b"\x09" + data[1:])
    for cut in range(0, len(data), 7):
        with pytest.raises(MalformedInput):
            Block.decode(data[:cut])
    with pytest.raises(MalformedInput):
        Block.decode(data + b"\x00")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_block_decoder_only_raises_malformed_input_on_mutations(data: st.DataObject) -> None:
    raw = bytearray(make_genesis("test.example/ledger", SET, KEYS, 1).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    try:
        Block.decode(bytes(raw))
    except MalformedInput:
        pass


# -- secret keys -------------------------------------------------------------------------


def test_secret_key_repr_is_redacted_and_not_picklable() -> None:
    k = AuthorityKey.generate("test.example/secret")
    seed_b64 = k.file_text().split("\nseed ")[1].split("\n")[0]
    assert seed_b64 not in repr(k) and "redacted" in repr(k) and seed_b64 not in str(k)
    with pytest.raises(TypeError):
        pickle.dumps(k)


def test_key_file_round_trip_permissions_and_no_overwrite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    k = AuthorityKey.generate("test.example/secret")
    path = tmp_path / "a.secret-key"
    k.write(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "SECRET KEY" in text
    loaded = AuthorityKey.load(path)
    assert loaded.public_key == k.public_key and loaded.name == k.name
    assert [x.public_key for x in load_key_dir(tmp_path)] == [k.public_key]
    with pytest.raises(LedgerError, match="overwrite"):
        k.write(path)
    os.chmod(path, 0o644)
    with pytest.raises(LedgerError, match="readable by others"):
        AuthorityKey.load(path)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("version 1", "version 2"),
        lambda t: t.replace("seed ", "seed x"),
        lambda t: t.replace("public ", "public AAAA"),
        lambda t: t.replace("-----END", "-----FIN"),
        lambda t: t.replace("name ", "name a b"),
        lambda t: "",
    ],
)
def test_key_file_parser_rejects_damage(mutate) -> None:  # type: ignore[no-untyped-def]
    text = AuthorityKey.generate("test.example/k").file_text()
    with pytest.raises(MalformedInput):
        AuthorityKey.parse_file_text(mutate(text))


def test_key_file_public_key_must_match_seed() -> None:
    a, b = AuthorityKey.generate("n"), AuthorityKey.generate("n")
    text = a.file_text()
    pub_a = text.split("\npublic ")[1].split("\n")[0]
    pub_b = b.file_text().split("\npublic ")[1].split("\n")[0]
    with pytest.raises(MalformedInput, match="does not match"):
        AuthorityKey.parse_file_text(text.replace(pub_a, pub_b))
