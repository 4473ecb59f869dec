"""Replicas: sync verifies every fetched block; forks and foreign or badly signed blocks are refused."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from _stores import copy_ledger

from zkmed.errors import ForkDetected, LedgerError, VerificationError
from zkmed.ledger.audit import audit_store
from zkmed.ledger.authorities import Authority, AuthoritySet, SignatureList
from zkmed.ledger.blocks import Block
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.receipt import verify_receipt
from zkmed.ledger.sync import StoreSource, sync

KEYS = [AuthorityKey.generate(f"sync.example/authority-{i}") for i in range(3)]


def _ledger(d: Path, name: str = "sync.example", entries: int = 0) -> Ledger:
    led = Ledger.init(d, keys=KEYS, threshold=2, name=name, write_keys=False)
    for i in range(entries):
        led.append("t", f"{name} {i}".encode())
    return led


class Doctored(StoreSource):
    """A source that serves doctored bytes for some blocks, entries or proofs."""

    def __init__(
        self,
        led: Ledger,
        blocks: dict[int, bytes] | None = None,
        entry: tuple[int, bytes] | None = None,
        bad_proof: bool = False,
    ) -> None:
        super().__init__(led.store)
        self._blocks, self._entry, self._bad_proof = blocks or {}, entry, bad_proof

    def block(self, height: int) -> bytes | None:
        return self._blocks.get(height, super().block(height))

    def entries(self, start: int, end: int) -> list[bytes]:
        out = super().entries(start, end)
        if self._entry is not None and start <= self._entry[0] < end:
            out[self._entry[0] - start] = self._entry[1]
        return out

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        proof = super().consistency_proof(size1, size2)
        return [bytes(32)] + proof[1:] if self._bad_proof and proof else proof


def _replica(src: Ledger, d: Path) -> Ledger:
    genesis = src.store.block(0)
    assert genesis is not None
    return Ledger.create_replica(d, genesis)


def test_sync_copies_and_verifies(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=5)
    src.append_batch([("t", bytes([i])) for i in range(20)])
    dst = _replica(src, tmp_path / "dst")
    report = sync(StoreSource(src.store), dst)
    assert (report.from_height, report.to_height, report.blocks, report.entries) == (0, 6, 6, 25)
    assert dst.size == 25 and dst.state.head_hash == src.state.head_hash
    assert audit_store(dst.store).entries == 25
    src.append("t", b"more")
    again = sync(StoreSource(src.store), dst)
    assert (again.blocks, again.entries, dst.size) == (1, 1, 26)
    assert sync(StoreSource(src.store), dst).blocks == 0


def test_destination_ahead_is_reported_not_rewound(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=2)
    copy_ledger(src.directory, tmp_path / "dst")
    with Ledger.open(tmp_path / "dst", writable=True) as dst:
        dst.keys.extend(KEYS)
        dst.append("t", b"newer")
        report = sync(StoreSource(src.store), dst)
        assert report.destination_ahead and dst.size == 3


def test_different_genesis_is_refused(tmp_path: Path) -> None:
    a, b = _ledger(tmp_path / "a", "one.example", 2), _ledger(tmp_path / "b", "two.example", 0)
    with pytest.raises(LedgerError, match="different ledgers"):
        sync(StoreSource(a.store), b)
    assert b.size == 0 and b.height == 0


def test_block_from_another_ledger_is_refused(tmp_path: Path) -> None:
    a = _ledger(tmp_path / "a", "one.example", 1)
    b = _ledger(tmp_path / "b", "two.example", 1)  # same authorities, another genesis
    foreign = b.store.block(1)
    assert foreign is not None
    dst = _replica(a, tmp_path / "dst")
    with pytest.raises(VerificationError, match="another ledger") as info:
        sync(Doctored(a, blocks={1: foreign}), dst)
    assert info.value.where == "block 1"
    assert dst.height == 0 and dst.size == 0


def _resigned(led: Ledger, height: int, signatures: SignatureList) -> bytes:
    return led.block(height).with_signatures(signatures).encode()


@pytest.mark.parametrize(
    ("doctor", "message"),
    [
        (lambda led, sigs, msg: SignatureList(sigs.items[:1]), "below the threshold"),
        (lambda led, sigs, msg: SignatureList(((0, sigs.items[0][1]), (1, bytes(64)))), "invalid signature"),
        (lambda led, sigs, msg: SignatureList(((5, sigs.items[0][1]), (6, sigs.items[1][1]))), "unknown authority"),
        (lambda led, sigs, msg: SignatureList((sigs.items[1], sigs.items[0])), "duplicated or out of order"),
        (
            lambda led, sigs, msg: SignatureList(
                tuple((i, AuthorityKey.generate(f"outsider-{i}").sign(msg)) for i in range(3))
            ),
            "invalid signature",
        ),
    ],
    ids=["below-threshold", "wrong-signature", "unknown-authority", "reordered", "outsiders"],
)
def test_badly_signed_blocks_are_refused_and_nothing_is_written(tmp_path: Path, doctor, message: str) -> None:  # type: ignore[no-untyped-def]
    src = _ledger(tmp_path / "src", entries=3)
    block = src.block(2)
    bad = _resigned(src, 2, doctor(src, block.signatures, block.signed_message()))
    dst = _replica(src, tmp_path / "dst")
    with pytest.raises(VerificationError, match=message) as info:
        sync(Doctored(src, blocks={2: bad}), dst)
    assert info.value.where == "block 2"
    assert dst.height == 0 and dst.size == 0  # the whole batch is refused
    audit_store(dst.store)


def test_doctored_header_entry_and_proof_are_refused(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=4)
    dst = _replica(src, tmp_path / "dst")
    sync(StoreSource(src.store), dst)
    for i in range(3):
        src.append("t", f"later {i}".encode())
    header = src.block(6)
    forged_root = replace(header, root=bytes(32)).encode()  # signatures no longer match the header
    with pytest.raises(VerificationError):
        sync(Doctored(src, blocks={6: forged_root}), dst)
    with pytest.raises(VerificationError, match="leaf hash|Merkle root") as info:
        sync(Doctored(src, entry=(5, Entry(5, "t", b"forged").encode())), dst)
    assert info.value.where in ("block 6", "entry 5")
    with pytest.raises(VerificationError, match="consistency"):
        sync(Doctored(src, bad_proof=True), dst)
    assert dst.height == 4
    sync(StoreSource(src.store), dst)
    assert dst.height == 7 and audit_store(dst.store).entries == 7


def test_fork_is_detected_with_both_blocks_as_evidence(tmp_path: Path) -> None:
    a = _ledger(tmp_path / "a", entries=3)
    b_dir = tmp_path / "b"
    copy_ledger(a.directory, b_dir)
    a.append("t", b"history A")
    a.append("t", b"more A")
    with Ledger.open(b_dir, writable=True) as b:
        b.keys.extend(KEYS)
        b.append("t", b"history B")
        before = (b.height, b.state.head_hash)
        with pytest.raises(ForkDetected) as info:
            sync(StoreSource(a.store), b)
        assert (b.height, b.state.head_hash) == before  # never silently resolved
    fork = info.value
    assert fork.where == "block 4"
    ours, theirs = (Block.decode(e) for e in fork.evidence)
    assert ours.height == theirs.height == 4 and ours.hash() != theirs.hash()
    assert ours.prev_hash == theirs.prev_hash  # the first height where the chains differ
    assert isinstance(fork, VerificationError)


def test_fork_deep_below_both_heads_is_located(tmp_path: Path) -> None:
    a = _ledger(tmp_path / "a", entries=2)
    copy_ledger(a.directory, tmp_path / "b")
    for i in range(6):
        a.append("t", f"A{i}".encode())
    with Ledger.open(tmp_path / "b", writable=True) as b:
        b.keys.extend(KEYS)
        for i in range(4):
            b.append("t", f"B{i}".encode())
        with pytest.raises(ForkDetected) as info:
            sync(StoreSource(a.store), b)
    assert info.value.where == "block 3"


def test_conflicting_block_that_is_not_validly_signed_is_not_a_fork(tmp_path: Path) -> None:
    a = _ledger(tmp_path / "a", entries=2)
    dst = _replica(a, tmp_path / "dst")
    sync(StoreSource(a.store), dst)
    forged = replace(a.block(2), time_ms=a.block(2).time_ms + 1).encode()  # conflicting, but its signatures fail
    with pytest.raises(VerificationError) as info:
        sync(Doctored(a, blocks={2: forged}), dst)
    assert not isinstance(info.value, ForkDetected) and info.value.where == "block 2"


def test_replica_follows_an_authority_rotation(tmp_path: Path) -> None:
    from zkmed.ledger.authorities import AuthoritySet
    from zkmed.ledger.checkpoint import TrustPolicy

    src = _ledger(tmp_path / "src", entries=1)
    new_keys = [AuthorityKey.generate(f"sync.example/new-{i}") for i in range(2)]
    new_set = AuthoritySet.from_keys(new_keys, 2)
    src.keys = list(KEYS)
    src.change_authorities(new_set)  # logged at height 2, effective at height 3
    src.keys.extend(new_keys)
    src.append("t", b"under the new set")
    dst = _replica(src, tmp_path / "dst")
    sync(StoreSource(src.store), dst)
    assert dst.state.authorities == new_set
    assert TrustPolicy.parse((dst.directory / "authorities.txt").read_text()).authorities == new_set
    assert audit_store(dst.store).blocks == 4


# ---------------------------------------------------------------------------
# step 5: checkpoints travel with the blocks, each checked first


class CheckpointSource(StoreSource):
    """A source that serves the given checkpoint texts instead of its stored ones."""

    def __init__(self, led: Ledger, texts: list[bytes]) -> None:
        super().__init__(led.store)
        self._texts = texts

    def checkpoints(self) -> list[bytes]:
        return list(self._texts)


def test_sync_copies_checkpoints_so_a_keyless_replica_issues_receipts(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=4)
    src.checkpoint(2)
    src.checkpoint()
    dst = _replica(src, tmp_path / "dst")
    assert sync(CheckpointSource(src, []), dst).blocks == 4  # blocks only, as a source without checkpoints
    with pytest.raises(LedgerError, match="no stored checkpoint"):
        dst.prove_inclusion(0)
    report = sync(StoreSource(src.store), dst)
    assert (report.blocks, report.checkpoints) == (0, 2)
    assert [c.text() for c in dst.checkpoints()] == [c.text() for c in src.checkpoints()]
    receipt = dst.prove_inclusion(3)  # the replica holds no keys: the copied checkpoint covers it
    verify_receipt(receipt, src.policy())
    assert audit_store(dst.store).checkpoints == 2
    assert sync(StoreSource(src.store), dst).checkpoints == 0  # nothing copied twice
    src.append("t", b"later")
    src.checkpoint()
    again = sync(StoreSource(src.store), dst)
    assert (again.blocks, again.checkpoints, len(dst.checkpoints())) == (1, 1, 3)


def _flip_root(text: str) -> bytes:
    lines = text.split("\n")
    root = bytearray(base64.b64decode(lines[2]))
    root[0] ^= 1
    lines[2] = base64.b64encode(bytes(root)).decode()
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    "doctor, message",
    [
        (_flip_root, "not validly cosigned"),
        (lambda text: text.replace("sync.example", "other.example", 1).encode(), "origin"),
        (lambda text: b"not a checkpoint\n", "does not parse"),
        (lambda text: text.encode()[:-2], "does not parse|not validly cosigned"),
    ],
)
def test_bad_source_checkpoint_is_refused_and_none_is_written(tmp_path: Path, doctor, message: str) -> None:  # type: ignore[no-untyped-def]
    src = _ledger(tmp_path / "src", entries=3)
    good = src.checkpoint(1).text()
    bad = doctor(src.checkpoint().text())
    dst = _replica(src, tmp_path / "dst")
    with pytest.raises(VerificationError, match=message) as err:
        sync(CheckpointSource(src, [good.encode(), bad]), dst)
    assert err.value.where == "source checkpoint 2"
    assert dst.checkpoints() == []  # the good one is not written either
    assert dst.size == 3  # the verified blocks stay


def test_checkpoint_by_keys_outside_the_authority_set_is_refused(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=2)
    outsiders = [AuthorityKey.generate(f"sync.example/authority-{i}") for i in range(3)]
    forged = SignedCheckpoint.sign(
        Checkpoint(src.origin, src.size, src.tree().root()),
        AuthoritySet(2, tuple(Authority(k.name, k.public_key) for k in outsiders)),
        outsiders,
        1,
    )
    dst = _replica(src, tmp_path / "dst")
    with pytest.raises(VerificationError, match="not validly cosigned"):
        sync(CheckpointSource(src, [forged.text().encode()]), dst)
    assert dst.checkpoints() == []


def test_checkpoint_for_another_tree_is_refused(tmp_path: Path) -> None:
    src = _ledger(tmp_path / "src", entries=2)
    other = _ledger(tmp_path / "other", entries=2)  # same keys and name, different entries
    other.append("t", b"diverging")
    signed = other.checkpoint(2)
    dst = _replica(src, tmp_path / "dst")
    with pytest.raises(VerificationError):
        sync(CheckpointSource(src, [signed.text().encode()]), dst)
    assert dst.checkpoints() == []
