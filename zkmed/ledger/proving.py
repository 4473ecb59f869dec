"""Checkpoints and proofs of a ledger: which stored checkpoint covers what, and issuing one when needed.

The :class:`~zkmed.ledger.ledger.Ledger` methods ``checkpoint``,
``latest_checkpoint``, ``prove_inclusion`` and ``prove_consistency`` (the
ledger is their first argument).  Only sealed state is certified
(``docs/ledger.md`` §Sealing): certifying pending state seals first, which
needs keys; a keyless handle answers from stored checkpoints or raises
:class:`~zkmed.errors.LedgerError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint
from zkmed.ledger.receipt import ConsistencyProof, TlogProof
from zkmed.ledger.store import check_index

if TYPE_CHECKING:  # pragma: no cover
    from zkmed.ledger.ledger import Ledger


def latest_checkpoint(ledger: Ledger, covering: int = 0, exact: bool = False) -> SignedCheckpoint | None:
    """The most recent stored checkpoint whose tree holds at least (``exact``: exactly) ``covering`` entries."""
    for signed in reversed(ledger.checkpoints()):
        size = signed.checkpoint.tree_size
        if size == covering or (not exact and size > covering):
            return signed
    return None


def checkpoint(ledger: Ledger, tree_size: int | None = None) -> SignedCheckpoint:
    """Cosign and store a checkpoint at ``tree_size`` (default: the head; pending entries are sealed first)."""
    ledger._require_keys()
    if tree_size is not None:
        check_index(tree_size, "tree size")
    ledger._cover(ledger.size + ledger.pending if tree_size is None else tree_size)
    size = ledger.size if tree_size is None else tree_size
    timestamp = ledger.clock() // 1000  # cosignature timestamps are in seconds
    cp = Checkpoint(ledger.origin, size, ledger.tree().root(size))
    signed = SignedCheckpoint.sign(cp, ledger.state.authorities, ledger.keys, timestamp)
    with ledger.store.transaction():
        ledger.store.insert_checkpoint(size, signed.text())
    return signed


def _checkpoint_at(ledger: Ledger, size: int, exact: bool) -> SignedCheckpoint:
    """:func:`latest_checkpoint`, or (with keys) a new one: exactly at ``size``, or at the head."""
    found = latest_checkpoint(ledger, size, exact)
    if found is not None:
        return found
    if not ledger.keys:
        raise LedgerError(f"no stored checkpoint covers tree size {size}, and this node holds no keys to issue one")
    return checkpoint(ledger, size if exact else None)


def prove_inclusion(ledger: Ledger, seq: int, checkpoint: SignedCheckpoint | None = None) -> TlogProof:
    """A tlog-proof receipt for entry ``seq`` against ``checkpoint`` (default: the latest covering one)."""
    data = ledger.store.entry(check_index(seq, "entry sequence number"))
    if data is None:
        raise LedgerError(f"no entry {seq} (the ledger holds {ledger.size + ledger.pending})")
    if seq >= ledger.size and not ledger.keys:
        raise LedgerError(f"entry {seq} is pending (not yet sealed), and this node holds no keys to seal it")
    ledger._cover(seq + 1)
    signed = checkpoint or _checkpoint_at(ledger, seq + 1, exact=False)  # a tree holding entry seq
    size = signed.checkpoint.tree_size
    if size <= seq or size > ledger.size:
        raise LedgerError(f"checkpoint of size {size} does not cover entry {seq} in this ledger")
    return TlogProof(seq, tuple(ledger.tree().inclusion_proof(seq, size)), signed.text(), data)


def prove_consistency(ledger: Ledger, size1: int, size2: int | None = None) -> ConsistencyProof:
    """Checkpoints at ``size1`` and ``size2`` (default: the latest) and the RFC 9162 proof between them."""
    check_index(size1, "size1")
    end = ledger.size + ledger.pending
    if size2 is not None and not 0 < check_index(size2, "size2") <= end:
        raise MalformedInput(f"size2 must be within 1..{end}")
    if not 0 < size1 <= (end if size2 is None else size2):
        raise MalformedInput(f"size1 must be within 1..{end if size2 is None else size2}")
    ledger._cover(size1 if size2 is None else size2)  # size1 ≤ size2
    if not 0 < size1 <= ledger.size:
        raise MalformedInput(f"size1 must be within 1..{ledger.size}")
    new = _checkpoint_at(ledger, ledger.size if size2 is None else size2, exact=size2 is not None)
    n = new.checkpoint.tree_size
    if size1 > n:
        raise MalformedInput(f"size1 {size1} exceeds size2 {n}")
    old = _checkpoint_at(ledger, size1, exact=True)
    return ConsistencyProof(old.text(), new.text(), tuple(ledger.tree().consistency_proof(size1, n)))
