"""Replicas: bring a destination ledger up to date from a source, verifying every block.

``zkmed ledger sync SRC DST`` runs :func:`sync`.  The source is any
:class:`BlockSource` (here another store on disk; a network client would
implement the same calls) and nothing it says is trusted.  The steps (genesis,
fork bisection, B1–B10 with a consistency proof, batched writes, the trust
policy, checkpoint copies) and what travels (sealed blocks only):
``docs/ledger.md`` §Replicas and forks and §Sealing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from zkmed.errors import ForkDetected, LedgerError, MalformedInput, VerificationError
from zkmed.ledger.audit import check_anchor, check_checkpoint
from zkmed.ledger.blocks import Block
from zkmed.ledger.chain import ChainState
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.fork import write_fork_evidence
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.merkle import verify_consistency
from zkmed.ledger.store import Store
from zkmed.ledger.stores import is_pg_url, ledger_exists
from zkmed.ledger.tree import MerkleTree

MAX_BATCH_ENTRIES = 50_000
#: a verified block to write: the block, its bytes, its entries, the Merkle nodes they completed, their change seqs
_Row = tuple[Block, bytes, list[bytes], list[bytes], list[int]]


class BlockSource(Protocol):
    """What a replica needs from the ledger it copies."""

    def block(self, height: int) -> bytes | None: ...

    def head_height(self) -> int: ...

    def entries(self, start: int, end: int) -> list[bytes]: ...

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]: ...

    def checkpoints(self) -> list[bytes]: ...


class StoreSource:
    """A :class:`BlockSource` reading another store (opened read-only)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def block(self, height: int) -> bytes | None:
        return self.store.block(height)

    def head_height(self) -> int:
        return self.store.head()[0]

    def entries(self, start: int, end: int) -> list[bytes]:
        return self.store.entries(start, end)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return MerkleTree(self.store, size2).consistency_proof(size1, size2)

    def checkpoints(self) -> list[bytes]:
        """The stored checkpoint texts, oldest first (unchecked: the replica checks them)."""
        return [text for _, text in self.store.checkpoints()]


@dataclass(frozen=True)
class SyncReport:
    from_height: int
    to_height: int
    blocks: int
    entries: int
    source_height: int
    #: checkpoints copied from the source (step 5)
    checkpoints: int = 0
    #: whether the auditor's trust policy anchored the sync (else: trust on first use)
    anchored: bool = False

    @property
    def destination_ahead(self) -> bool:
        return self.source_height < self.from_height


def _decode(data: bytes | None, height: int, who: str) -> Block:
    if data is None:
        raise LedgerError(f"{who} has no block {height}")
    try:
        return Block.decode(data)
    except MalformedInput as exc:
        raise VerificationError(f"{who}'s block does not decode: {exc.message}", where=f"block {height}") from exc


def _check_agreement(source: BlockSource, dst: Ledger, common: int) -> None:
    """Step 2: same block at height ``common``; otherwise locate and report the fork."""

    def blocks(height: int) -> tuple[Block, Block]:
        return _decode(source.block(height), height, "source"), _decode(dst.store.block(height), height, "destination")

    def same(height: int) -> bool:
        theirs, ours = blocks(height)
        return theirs.hash() == ours.hash()

    if common < 1 or same(common):
        return
    lo, hi = 1, common  # the first differing height is in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if same(mid) else (lo, mid)
    theirs, ours = blocks(lo)
    where = f"block {lo}"
    authority_set = dst.state.sets.get(ours.authority_set_hash)
    if authority_set is None or theirs.authority_set_hash != ours.authority_set_hash:
        raise VerificationError(
            "source's conflicting block names an authority set not in effect at its height", where=where
        )
    authority_set.verify(theirs.signed_message(), theirs.signatures, where)
    raise ForkDetected(
        f"fork: two validly signed, different blocks at height {lo} "
        f"(destination {ours.hash().hex()[:16]}…, source {theirs.hash().hex()[:16]}…)",
        evidence=(ours.encode(), theirs.encode()),  # decoding is canonical: the stored bytes
        where=where,
    )


def sync(source: BlockSource, dst: Ledger, *, policy: TrustPolicy | None = None) -> SyncReport:
    """Steps 1–5 of the module docstring, anchored to ``policy`` when given; returns what was copied."""
    if policy is not None and dst.origin != policy.origin:
        check_anchor(dst.state, policy)  # T1's origin check, before anything is written
    src_genesis = source.block(0)
    if src_genesis is None:
        raise LedgerError("source has no genesis block")
    if src_genesis != dst.store.block(0):
        theirs = _decode(src_genesis, 0, "source").hash().hex()[:16]
        raise LedgerError(
            f"source and destination are different ledgers (genesis {theirs}… vs {dst.ledger_id.hex()[:16]}…)"
        )
    state = dst.state.copy()
    before = state.authorities
    start = state.height
    source_head = source.head_height()
    _check_agreement(source, dst, min(source_head, start))
    if source_head > start and dst.pending:
        raise LedgerError(_pending_message(dst.pending, start))
    blocks = entries = 0
    height = start
    while height < source_head:
        batch_start = state.copy()
        rows: list[_Row] = []
        batch_entries = 0
        while height < source_head and batch_entries < MAX_BATCH_ENTRIES:
            height += 1
            data = source.block(height)
            if data is None:
                raise LedgerError(f"source has no block {height}")
            old_size, old_root = state.tree_size, state.head.root
            block = state.check_block(data)  # B1–B6: chain link, ledger, authority set, signatures
            if old_size > 0:
                proof = source.consistency_proof(old_size, block.tree_size)
                try:
                    verify_consistency(old_size, block.tree_size, proof, old_root, block.root)
                except VerificationError as exc:
                    raise VerificationError(
                        f"consistency with the last signed head fails: {exc.message}", where=f"block {height}"
                    ) from exc
            batch = source.entries(old_size, block.tree_size)
            seen = len(state.change_seqs)
            created = state.extend(block, batch)  # B7–B10: the entries and the root
            rows.append((block, data, batch, created, state.change_seqs[seen:]))
            batch_entries += len(batch)
        _write(dst, batch_start, rows)
        blocks += len(rows)
        entries += batch_entries
    if dst.state.authorities != before:
        dst.write_policy()  # the replica's public trust policy follows the authority set in effect
    if policy is not None:
        check_anchor(dst.state, policy)
    copied = _copy_checkpoints(source, dst)
    return SyncReport(start, height, blocks, entries, source_head, copied, policy is not None)


def sync_directories(
    src: Path | str, dst: Path, *, policy: TrustPolicy | None = None, store: str | None = None
) -> SyncReport:
    """``zkmed ledger sync SRC DST``: open SRC read-only, create or open the keyless replica DST, :func:`sync`.

    SRC may be a ``postgresql://`` URL; a new DST keeps its store in ``store`` (a URL) when given.  On a fork,
    ``DST/fork-evidence-<height>.json`` (:mod:`zkmed.ledger.fork`) is written and the :class:`ForkDetected`
    raised names it.
    """
    src, dst = (src if is_pg_url(src) else Path(src)), Path(dst)
    with Ledger.open(src) as source:
        genesis = source.store.block(0)
        if genesis is None:
            raise LedgerError(f"{src} has no genesis block")
        if ledger_exists(dst):
            if store is not None:
                raise MalformedInput(f"{dst} is a ledger already; its store is chosen when it is created")
            target = Ledger.open(dst, writable=True)
        else:
            target = Ledger.create_replica(dst, genesis, policy=policy, store=store)
        with target:
            try:
                return sync(StoreSource(source.store), target, policy=policy)
            except ForkDetected as fork:
                path = write_fork_evidence(dst, fork, target.origin)
                raise ForkDetected(
                    f"{fork.message}; evidence (both signed blocks) written to {path}",
                    evidence=fork.evidence,
                    where=fork.where,
                ) from fork


def _copy_checkpoints(source: BlockSource, dst: Ledger) -> int:
    """Step 5: check every source checkpoint the destination lacks (S8), then store them in one transaction."""
    have = {text for _, text in dst.store.checkpoints()}
    state = dst.state
    new: list[tuple[int, str]] = []
    for i, text in enumerate(source.checkpoints()):
        if not isinstance(text, bytes):
            raise VerificationError("source checkpoint is not a byte string", where=f"source checkpoint {i + 1}")
        if text in have:
            continue
        signed = check_checkpoint(text, f"source checkpoint {i + 1}", state, dst.store, strict=True)
        have.add(text)
        new.append((signed.checkpoint.tree_size, text.decode("utf-8")))
    if new:
        with dst.store.transaction():
            for size, note in new:
                dst.store.insert_checkpoint(size, note)
    return len(new)


def _pending_message(pending: int, height: int) -> str:
    return (
        f"the destination holds {pending} pending entries of its own after block {height}; "
        "it cannot take the source's blocks on top of them"
    )


def _write(dst: Ledger, expected: ChainState, rows: list[_Row]) -> None:
    with dst.store.transaction():
        head_hash, end = dst.store.state_key()
        if head_hash != expected.head_hash:
            raise LedgerError("the destination changed during sync; run sync again")
        if end != expected.tree_size:
            raise LedgerError(_pending_message(end - expected.tree_size, expected.height))
        for block, data, batch, nodes, changes in rows:
            first = block.tree_size - len(batch)
            dst.store.insert_entries(first, batch, nodes)
            for seq in changes:
                dst.store.insert_authority_change(seq)
            dst.store.insert_block(block.height, block.tree_size, block.hash(), data)
