"""Large trees (10^6 entries) and exhaustive tampering — slow."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from zkmed.errors import VerificationError
from zkmed.ledger.audit import audit_store
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint
from zkmed.ledger.ledger import STORE_FILE, Ledger
from zkmed.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from zkmed.ledger.receipt import verify_receipt
from zkmed.ledger.store_sqlite import SqliteStore
from zkmed.ledger.tree import MerkleTree

pytestmark = pytest.mark.slow


class Counting:
    """Counts node look-ups against a store."""

    def __init__(self, store: SqliteStore) -> None:
        self.store, self.calls = store, 0

    def node(self, level: int, index: int) -> bytes:
        self.calls += 1
        return self.store.node(level, index)


def test_million_entry_tree_proofs_are_logarithmic(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "big", authorities=3, threshold=2, name="big.example") as led:
        for b in range(100):
            led.append_batch([("ballot", b"ballot %07d" % (b * 10_000 + i)) for i in range(10_000)])
        assert led.size == 1_000_000
        for n in (10_000, 100_000, 1_000_000):
            source = Counting(led.store)
            tree = MerkleTree(source, n)
            root = tree.root()
            old = n // 3
            for k in range(20):
                index = (k * 7919 * n // 20 + k) % n
                data = led.store.entry(index)
                assert data is not None
                verify_inclusion(leaf_hash(data), index, n, tree.inclusion_proof(index), root)
                verify_consistency(old, n, tree.consistency_proof(old), tree.root(old), root)
            assert source.calls / 20 <= 6 * n.bit_length()  # O(log n) look-ups per proof pair, not O(n)
        signed = SignedCheckpoint.sign(
            Checkpoint(led.origin, led.size, led.tree().root()), led.state.authorities, led.keys, 1
        )
        verify_receipt(led.prove_inclusion(999_999, signed), led.policy())
        report = audit_store(led.store)
        assert report.entries == 1_000_000


@pytest.mark.sqlite_only  # flips bytes in the SQLite file; PostgreSQL: test_ledger_tamper.py flips column bytes
def test_every_byte_of_every_block_and_entry(tmp_path: Path) -> None:
    d = tmp_path / "l"
    with Ledger.init(d, authorities=3, threshold=2, name="exhaustive.example") as led:
        for i in range(3):
            led.append("ballot", f"single ballot {i}".encode())
        led.append_batch([("ballot", f"batched ballot {i}".encode()) for i in range(5)])
    conn = sqlite3.connect(d / STORE_FILE)
    blocks = conn.execute("SELECT height, data FROM blocks").fetchall()
    records = conn.execute("SELECT seq, record FROM entries").fetchall()
    conn.close()
    original = (d / STORE_FILE).read_bytes()
    work = tmp_path / "w"
    work.mkdir()
    shutil.copy(d / STORE_FILE, work / STORE_FILE)
    # every byte of an entry row: the Merkle nodes it completed, then the entry's bytes
    for kind, rows in (("block", blocks), ("entry", records)):
        for key, needle in rows:
            at = original.find(needle)
            assert at >= 0 and original.find(needle, at + 1) < 0
            for offset in range(len(needle)):
                data = bytearray(original)
                data[at + offset] ^= 0x04
                (work / STORE_FILE).write_bytes(bytes(data))
                store = SqliteStore(work / STORE_FILE, readonly=True)
                try:
                    with pytest.raises(VerificationError) as info:
                        audit_store(store)
                finally:
                    store.close()
                assert info.value.where == f"{kind} {key}", f"{kind} {key} byte {offset}"
