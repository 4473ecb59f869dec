"""The Ledger API: init, append, checkpoints, receipts, authority changes, bad input, store versions."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from _stores import count_rows

from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion, VerificationError
from zkmed.ledger import merkle
from zkmed.ledger.audit import audit_store
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import KEYS_DIR, POLICY_FILE, STORE_FILE, Ledger
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, verify_consistency_proof, verify_receipt


@pytest.fixture
def led(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Ledger.init(tmp_path / "l", authorities=3, threshold=2, name="test.example/ledger") as ledger:
        yield ledger


def test_init_writes_store_keys_and_policy(led: Ledger) -> None:
    d = led.directory
    keys = sorted((d / KEYS_DIR).iterdir())
    assert len(keys) == 3
    assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
    assert stat.S_IMODE((d / KEYS_DIR).stat().st_mode) == 0o700
    assert all("SECRET KEY" in k.read_text() for k in keys)
    policy = TrustPolicy.parse((d / POLICY_FILE).read_text())
    assert policy == led.policy()
    assert led.origin == f"test.example/ledger/{led.ledger_id.hex()}"
    assert (led.height, led.size) == (0, 0)
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.init(d)


def test_append_and_read_back(led: Ledger) -> None:
    a = led.append("ballot", b"one")
    b = led.append_batch([("ballot", b"two"), ("consent/grant", b"three")])
    assert (a.seq, a.height, a.tree_size) == (0, 1, 1)
    assert (b.first_seq, b.count, b.height, list(b.seqs)) == (1, 2, 2, [1, 2])
    assert led.entry(2).type == "consent/grant" and led.entry(2).payload == b"three"
    block = led.block(2)
    assert block.tree_size == 3 and block.root == b.root
    assert len(block.signatures.items) == 3  # every held key signs
    data = [led.store.entry(i) for i in range(3)]
    assert b.root == merkle.root(data)  # type: ignore[arg-type]
    with pytest.raises(LedgerError):
        led.entry(3)


def test_reopen_sees_the_same_ledger(led: Ledger) -> None:
    led.append_batch([("t", bytes([i])) for i in range(37)])
    root, origin = led.state.head.root, led.origin
    led.close()
    with Ledger.open(led.directory, signing=True) as again:
        assert (again.size, again.height, again.state.head.root, again.origin) == (37, 1, root, origin)
        again.append("t", b"more")
        assert audit_store(again.store).entries == 38


def test_two_handles_in_one_process_stay_consistent(led: Ledger) -> None:
    with Ledger.open(led.directory, signing=True) as other:
        led.append("t", b"a")
        other.append("t", b"b")
        led.append("t", b"c")
        assert led.size == other.size == 3
        assert audit_store(led.store).blocks == 4


@pytest.mark.parametrize(
    "items",
    [
        [],
        [("Bad Type", b"x")],
        [("t", "not bytes")],
        [("t", b"x"), ("t", None)],
        [("t", b"x" * ((1 << 20) + 1))],
        [("zkmed.reserved", b"x")],
        [(AUTHORITY_CHANGE_TYPE, b"not a change")],
        ["not a pair"],
    ],
)
def test_bad_items_write_nothing(led: Ledger, items: list) -> None:
    led.append("t", b"before")
    with pytest.raises(MalformedInput):
        led.append_batch(items)
    assert count_rows(led.directory) == (1, 2)
    assert audit_store(led.store).entries == 1


def test_replica_and_short_keyed_nodes_cannot_seal(led: Ledger) -> None:
    with Ledger.open(led.directory, writable=True) as replica, pytest.raises(LedgerError, match="no authority keys"):
        replica.append("t", b"x")
    one_key = Ledger(led.directory, led.store, led.keys[:1])
    with pytest.raises(LedgerError, match="1 of the 2"):
        one_key.append("t", b"x")
    assert led.size == 0 and led.height == 0


def test_signers_option_never_goes_below_the_threshold(led: Ledger) -> None:
    led.append("t", b"all")
    assert len(led.block(1).signatures.items) == 3  # default: every held key signs
    for signers, expected in ((1, 2), (2, 2), (3, 3), (7, 3)):
        with Ledger.open(led.directory, signing=True, signers=signers) as limited:
            limited.append("t", b"limited")
            assert len(limited.block(limited.height).signatures.items) == expected
    assert audit_store(led.store).blocks == 6
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(MalformedInput, match="signers"):
            Ledger.open(led.directory, signing=True, signers=bad)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput, match="signers"):
        Ledger.init(led.directory.parent / "other", signers=0)
    assert not (led.directory.parent / "other").exists()


def test_checkpoints_and_receipts_verify_with_the_public_policy_only(led: Ledger) -> None:
    for i in range(5):
        led.append("ballot", f"ballot {i}".encode())
    first = led.checkpoint()
    led.append_batch([("ballot", f"ballot {i}".encode()) for i in range(5, 13)])
    policy = TrustPolicy.parse((led.directory / POLICY_FILE).read_text())
    receipt = TlogProof.parse(led.prove_inclusion(3).format())
    assert receipt.index == 3
    verify_receipt(receipt, policy)
    late = TlogProof.parse(led.prove_inclusion(11).format())  # not covered by `first`: a new checkpoint is cosigned
    verify_receipt(late, policy)
    consistency = ConsistencyProof.parse(led.prove_consistency(5).format())
    verify_consistency_proof(consistency, policy, first.text())
    assert [c.checkpoint.tree_size for c in led.checkpoints()] == [5, 13]
    assert audit_store(led.store).checkpoints == 2
    with pytest.raises(LedgerError):
        led.prove_inclusion(13)
    with pytest.raises(MalformedInput):
        led.prove_consistency(0)


def test_receipts_need_a_checkpoint_or_keys(led: Ledger) -> None:
    led.append("t", b"x")
    with Ledger.open(led.directory, writable=True) as replica:
        with pytest.raises(LedgerError, match="no stored checkpoint"):
            replica.prove_inclusion(0)
        led.checkpoint()
        verify_receipt(replica.prove_inclusion(0), replica.policy())


def test_authority_rotation(led: Ledger) -> None:
    led.append("t", b"a")
    new_keys = [AuthorityKey.generate(f"test.example/new-{i}") for i in range(2)]
    new_set = AuthoritySet.from_keys(new_keys, 2)
    change = led.change_authorities(new_set, effective_height=4)
    assert change.height == 2
    led.append("t", b"b")  # height 3: still the old set
    with pytest.raises(LedgerError):
        led.append("t", b"c")  # height 4 needs the new keys
    led.keys.extend(new_keys)
    done = led.append("t", b"c")
    assert done.height == 4 and led.block(4).authority_set_hash == new_set.hash()
    assert led.policy().authorities == new_set
    assert TrustPolicy.parse((led.directory / POLICY_FILE).read_text()).authorities == new_set
    report = audit_store(led.store)
    assert report.blocks == 5
    with Ledger.open(led.directory, signing=True) as reopened:  # the change index restores the set after a restart
        assert reopened.state.authorities == new_set


def test_bad_authority_changes_write_nothing(led: Ledger) -> None:
    led.append("t", b"a")
    new_set = AuthoritySet.from_keys([AuthorityKey.generate("x/1")], 1)
    past = AuthorityChange.create(led.ledger_id, 1, new_set, led.state.authorities, led.keys)
    with pytest.raises(VerificationError, match="take effect after"):
        led.append(AUTHORITY_CHANGE_TYPE, past.encode())
    other = AuthorityChange.create(b"\x07" * 32, 9, new_set, led.state.authorities, led.keys)
    with pytest.raises(VerificationError, match="another ledger"):
        led.append(AUTHORITY_CHANGE_TYPE, other.encode())
    outsiders = [AuthorityKey.generate(f"o/{i}") for i in range(3)]
    forged_set = AuthoritySet.from_keys(outsiders, 2)
    unsigned = AuthorityChange.create(led.ledger_id, 9, new_set, forged_set, outsiders)  # right indices, wrong keys
    with pytest.raises(VerificationError, match="invalid signature"):
        led.append(AUTHORITY_CHANGE_TYPE, unsigned.encode())
    assert led.size == 1
    good = AuthorityChange.create(led.ledger_id, 9, new_set, led.state.authorities, led.keys)
    led.append(AUTHORITY_CHANGE_TYPE, good.encode())
    again = AuthorityChange.create(led.ledger_id, 10, new_set, led.state.authorities, led.keys)
    with pytest.raises(VerificationError, match="already pending"):
        led.append(AUTHORITY_CHANGE_TYPE, again.encode())
    assert led.size == 2 and audit_store(led.store).entries == 2


@pytest.mark.sqlite_only  # PostgreSQL: test_ledger_store_pg.py
def test_store_refuses_newer_schema_and_foreign_files(tmp_path: Path, led: Ledger) -> None:
    led.close()
    path = led.directory / STORE_FILE
    for version, message in ((3, "schema version 3; this build supports up to 2"), (1, "schema version 1, which")):
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version={version}")
        conn.commit()
        conn.close()
        with pytest.raises(UnsupportedVersion, match=message):
            Ledger.open(led.directory)
    foreign = tmp_path / "f"
    foreign.mkdir()
    conn = sqlite3.connect(foreign / STORE_FILE)
    conn.execute("CREATE TABLE x(y)")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="not a zkmed ledger"):
        Ledger.open(foreign)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / STORE_FILE).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(LedgerError):
        Ledger.open(tmp_path / "junk")
    with pytest.raises(LedgerError, match="no ledger store"):
        Ledger.open(tmp_path / "missing")


@pytest.mark.sqlite_only  # PostgreSQL: test_ledger_store_pg.py
def test_store_uses_wal_and_full_sync(led: Ledger) -> None:
    conn = led.store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] in (b"wal", "wal")
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_stored_tree_matches_the_reference_at_every_size(led: Ledger) -> None:
    sizes = [1, 1, 2, 5, 8, 1, 16, 3, 30]
    for k, n in enumerate(sizes):
        led.append_batch([("t", f"{k}/{i}".encode()) for i in range(n)])
    data = [led.store.entry(i) for i in range(led.size)]
    tree = led.tree()
    for size in range(1, led.size + 1):
        assert tree.root(size) == merkle.root(data[:size])  # type: ignore[arg-type]
        for i in {0, size // 2, size - 1}:
            assert tree.inclusion_proof(i, size) == merkle.inclusion_proof(data[:size], i)  # type: ignore[arg-type]
        for m in {1, size // 3 or 1, size}:
            assert tree.consistency_proof(m, size) == merkle.consistency_proof(data[:size], m)  # type: ignore[arg-type]
