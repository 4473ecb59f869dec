"""The high-level ledger: a directory with a store, authority keys and a trust policy.

Layout of a ledger directory::

    DIR/ledger.sqlite              the store (zkmed.ledger.store_sqlite)
    DIR/authorities.txt            the public trust policy (origin, threshold, vkeys)
    DIR/keys/<name>.secret-key     authority secret keys held by this node (mode 0600)

Sealing (details in :mod:`zkmed.ledger.sealing`): by default every append
seals one block over its entries in the same transaction; with
``seal_policy=SealPolicy(...)`` appends return *pending* entries (durable,
sequenced, not yet signed) and a block is sealed over them in batches.
Checkpoints, receipts and consistency proofs only ever cover sealed entries.

A block is signed by every authority key this node holds (at least t are
needed) — or, with the ``signers=k`` option, by the first ``max(k, t)`` of
them, which saves one Ed25519 signature (~35 µs) per block per key left
out; a block never carries fewer than t signatures.  A replica without keys
can only :mod:`~zkmed.ledger.sync` (it copies sealed blocks only).

A :class:`Ledger` object is not thread-safe; use one per thread or process.
Several processes may append to one directory at once: each append
re-reads the head block and the last entry inside its write transaction,
and checks pending entries another writer left before sealing over them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from zkmed.errors import LedgerError, MalformedInput, ZkmedError
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.blocks import Block, origin_for
from zkmed.ledger.chain import ChainState, make_genesis
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint, TrustPolicy
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import KEY_FILE_SUFFIX, AuthorityKey, load_key_dir
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, inclusion_receipt
from zkmed.ledger.rows import encode_rows
from zkmed.ledger.sealing import Appended, SealPolicy, StoreView
from zkmed.ledger.store_sqlite import SqliteStore
from zkmed.ledger.tree import Frontier, MerkleTree

__all__ = ["DEFAULT_NAME", "KEYS_DIR", "POLICY_FILE", "STORE_FILE", "Appended", "Ledger", "SealPolicy", "now_ms"]

STORE_FILE = "ledger.sqlite"
POLICY_FILE = "authorities.txt"
KEYS_DIR = "keys"
DEFAULT_NAME = "zkmed.ledger"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _check_options(signers: object, seal_policy: object) -> None:
    if signers is not None and (not isinstance(signers, int) or isinstance(signers, bool) or signers < 1):
        raise MalformedInput("signers must be a positive number of authority keys (or None: every held key)")
    if seal_policy is not None and not isinstance(seal_policy, SealPolicy):
        raise MalformedInput("seal_policy must be a SealPolicy (or None: seal every append)")


NO_KEYS = "this node holds no authority keys, so it cannot seal blocks (replicas only sync)"


class Ledger:
    """One ledger directory, open for reading and (with keys) appending."""

    def __init__(
        self,
        directory: Path,
        store: SqliteStore,
        keys: Sequence[AuthorityKey],
        *,
        signers: int | None = None,
        seal_policy: SealPolicy | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        _check_options(signers, seal_policy)
        self.directory = Path(directory)
        self.store = store
        self.keys = list(keys)
        #: how many held keys sign each sealed block: ``None`` = all of them, else ``max(signers, t)``
        self.signers = signers
        #: ``None``: seal every append; else deferred sealing (:mod:`zkmed.ledger.sealing`)
        self.seal_policy = seal_policy
        #: milliseconds since the Unix epoch: block times and the age of pending entries (injectable for tests)
        self.clock = clock or now_ms
        self._closed = False
        self._view = StoreView(store)

    # -- lifecycle -------------------------------------------------------------

    @classmethod
    def init(
        cls,
        directory: Path,
        *,
        authorities: int = 3,
        threshold: int = 2,
        name: str = DEFAULT_NAME,
        keys: Sequence[AuthorityKey] | None = None,
        write_keys: bool = True,
        signers: int | None = None,
        seal_policy: SealPolicy | None = None,
        clock: Callable[[], int] | None = None,
    ) -> Ledger:
        """Create a ledger: generate (or take) n authority keys, sign the genesis block, write the files."""
        _check_options(signers, seal_policy)
        directory = Path(directory)
        if keys is None:
            if not isinstance(authorities, int) or not 1 <= authorities <= 255:
                raise MalformedInput("the number of authorities must be 1..255")
            keys = [AuthorityKey.generate(f"{name}/authority-{i + 1}") for i in range(authorities)]
        authority_set = AuthoritySet.from_keys(keys, threshold)
        if (directory / STORE_FILE).exists():
            raise LedgerError(f"a ledger already exists in {directory}")
        genesis = make_genesis(name, authority_set, keys, (clock or now_ms)())
        directory.mkdir(parents=True, exist_ok=True)
        if write_keys:
            key_dir = directory / KEYS_DIR
            key_dir.mkdir(mode=0o700, exist_ok=True)
            os.chmod(key_dir, 0o700)
            for key in keys:
                key.write(key_dir / f"{key.name.replace('/', '_')}{KEY_FILE_SUFFIX}")
        store = SqliteStore.create(directory / STORE_FILE, genesis.hash(), genesis.encode())
        ledger = cls(directory, store, keys, signers=signers, seal_policy=seal_policy, clock=clock)
        ledger.write_policy()
        return ledger

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        readonly: bool = False,
        load_keys: bool = True,
        signers: int | None = None,
        seal_policy: SealPolicy | None = None,
        clock: Callable[[], int] | None = None,
    ) -> Ledger:
        directory = Path(directory)
        store = SqliteStore(directory / STORE_FILE, readonly=readonly)
        try:
            keys = load_key_dir(directory / KEYS_DIR) if load_keys else []
            return cls(directory, store, keys, signers=signers, seal_policy=seal_policy, clock=clock)
        except BaseException:
            store.close()
            raise

    @classmethod
    def create_replica(cls, directory: Path, genesis_data: bytes) -> Ledger:
        """An empty replica (no keys) of the ledger founded by ``genesis_data``; checks the genesis first."""
        directory = Path(directory)
        genesis = ChainState.start(genesis_data).genesis
        directory.mkdir(parents=True, exist_ok=True)
        store = SqliteStore.create(directory / STORE_FILE, genesis.hash(), genesis_data)
        ledger = cls(directory, store, [])
        ledger.write_policy()
        return ledger

    def close(self) -> None:
        """Seal the pending entries this handle knows of (when it holds keys and may write), then close.

        The store is closed even when sealing fails (the error is raised);
        pending entries stay durable and are sealed by the next writer.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if self.keys and not self.store.readonly and self._view.pending:
                self.seal()
        finally:
            self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # do not hide the error in flight behind one from sealing
            with contextlib.suppress(ZkmedError):
                self.close()

    def write_policy(self) -> Path:
        path = self.directory / POLICY_FILE
        path.write_text(self.policy().format(), encoding="utf-8")
        return path

    # -- state -------------------------------------------------------------------

    def _advance(self, state: ChainState, tail: Frontier, since: int | None) -> None:
        before = self._view.state.authorities
        self._view.advanced(state, tail, since)
        if state.authorities != before:
            self.write_policy()  # the public trust policy follows the authority set in effect

    @property
    def state(self) -> ChainState:
        """The chain state after the head block (sealed entries only)."""
        self._view.refresh()
        return self._view.state

    @property
    def origin(self) -> str:
        return origin_for(self._view.state.info.name, self._view.state.ledger_id)

    @property
    def ledger_id(self) -> bytes:
        return self._view.state.ledger_id

    @property
    def height(self) -> int:
        return self.state.height

    @property
    def size(self) -> int:
        """The tree size of the head block: the sealed entries (:attr:`pending` ones come after)."""
        return self.state.tree_size

    @property
    def pending(self) -> int:
        """How many entries are sequenced and durable but not yet sealed into a signed block."""
        self._view.refresh()
        return self._view.pending

    def policy(self) -> TrustPolicy:
        """The trust policy for checkpoints issued now: origin and the authority set in effect."""
        return TrustPolicy(self.origin, self.state.authorities)

    def tree(self, size: int | None = None) -> MerkleTree:
        """The sealed tree (pending entries are not part of it until sealed)."""
        return MerkleTree(self.store, self.size if size is None else size)

    # -- appending -------------------------------------------------------------------

    def append(self, entry_type: str, payload: bytes, *, seal: bool | None = None) -> Appended:
        return self.append_batch([(entry_type, payload)], seal=seal)

    def append_batch(self, items: Iterable[tuple[str, bytes]], *, seal: bool | None = None) -> Appended:
        """Append entries in one durable transaction; seal a block over them when due.

        ``seal=None`` follows the handle's :attr:`seal_policy` (``None``:
        always seal); ``True`` seals now, ``False`` leaves the entries
        pending.  An authority change is always sealed at once (``seal=False``
        with one is refused).  Bad items raise :class:`MalformedInput` and an
        invalid authority change raises :class:`~zkmed.errors.VerificationError`
        — nothing is written.
        """
        if seal is not None and not isinstance(seal, bool):
            raise MalformedInput("seal must be True, False or None (follow the seal policy)")
        if not self.keys:
            raise LedgerError(NO_KEYS)
        view = self._view
        with self.store.transaction():
            view.refresh()
            rows = encode_rows(view.pending_tail(), items)
            if rows.changes and seal is False:
                raise MalformedInput("an authority change is always sealed at once; seal=False cannot log one")
            state, first, now = view.state, rows.first_seq, self.clock()
            since = now if view.since is None or first == state.tree_size else view.since
            if seal is None:
                policy = self.seal_policy
                pending = rows.frontier.size - state.tree_size
                seal = policy is None or bool(rows.changes) or policy.due(pending, since, now)
            self.store.insert_records(first, rows.records)
            for seq, _ in rows.changes:
                self.store.insert_authority_change(seq)
            if seal:
                state = state.copy()
                block = state.seal_frontier(rows.frontier, now, self.keys, changes=rows.changes, signers=self.signers)
                self.store.insert_block(block.height, block.tree_size, state.head_hash, block.encode())
        if not seal:
            view.advanced(state, rows.frontier, since)
            return Appended(first, rows.count, None, None, None)
        self._advance(state, rows.frontier, None)
        return Appended(first, rows.count, block.height, block.tree_size, block.root)

    def seal(self) -> Appended | None:
        """Seal every pending entry into one new block now; ``None`` when nothing is pending."""
        if not self.keys:
            raise LedgerError(NO_KEYS)
        if not self.pending:
            return None
        view = self._view
        with self.store.transaction():
            view.refresh()
            state, first = view.state.copy(), view.state.tree_size
            tail = view.pending_tail()
            if tail.size == first:
                return None
            block = state.seal_frontier(tail, self.clock(), self.keys, signers=self.signers)
            self.store.insert_block(block.height, block.tree_size, state.head_hash, block.encode())
        self._advance(state, tail, None)
        return Appended(first, tail.size - first, block.height, block.tree_size, block.root)

    def _cover(self, size: object) -> None:
        """Seal pending entries first when ``size`` reaches past the sealed tree and this node holds keys."""
        if self.keys and isinstance(size, int) and size > self.size:
            self.seal()

    def change_authorities(self, new_set: AuthoritySet, effective_height: int | None = None) -> Appended:
        """Log a change to ``new_set``, signed by the held keys of the current set (default: next block after)."""
        height = self.height
        effective = height + 2 if effective_height is None else effective_height
        change = AuthorityChange.create(self.ledger_id, effective, new_set, self.state.set_for(height + 1), self.keys)
        return self.append(AUTHORITY_CHANGE_TYPE, change.encode())

    # -- reading -------------------------------------------------------------------------

    def entry(self, seq: int) -> Entry:
        """Entry ``seq``, sealed or pending."""
        data = self.store.entry(seq)
        if data is None:
            raise LedgerError(f"no entry {seq} (the ledger holds {self.size + self.pending})")
        return Entry.decode(data)

    def block(self, height: int) -> Block:
        data = self.store.block(height)
        if data is None:
            raise LedgerError(f"no block {height} (the head is {self.height})")
        return Block.decode(data)

    # -- checkpoints and proofs (sealed entries only) ------------------------------------------

    def checkpoints(self) -> list[SignedCheckpoint]:
        return [SignedCheckpoint.parse(text) for _, text in self.store.checkpoints()]

    def latest_checkpoint(self, covering: int = 0) -> SignedCheckpoint | None:
        """The most recent stored checkpoint whose tree holds at least ``covering`` entries."""
        for signed in reversed(self.checkpoints()):
            if signed.checkpoint.tree_size >= covering:
                return signed
        return None

    def checkpoint(self, tree_size: int | None = None) -> SignedCheckpoint:
        """Cosign and store a checkpoint at ``tree_size`` (default: the head) with the held keys.

        At the head (or a size past it), pending entries are sealed first.
        """
        self._cover(self.size + self.pending if tree_size is None else tree_size)
        size = self.size if tree_size is None else tree_size
        signed = SignedCheckpoint.sign(
            Checkpoint(self.origin, size, self.tree().root(size)), self.state.authorities, self.keys, int(time.time())
        )
        with self.store.transaction():
            self.store.insert_checkpoint(size, signed.text())
        return signed

    def _checkpoint_at(self, size: int, exact: bool) -> SignedCheckpoint:
        for signed in reversed(self.checkpoints()):
            stored_size = signed.checkpoint.tree_size
            if stored_size == size or (not exact and stored_size > size):
                return signed
        if not self.keys:
            raise LedgerError(f"no stored checkpoint covers tree size {size}, and this node holds no keys to issue one")
        return self.checkpoint(size if exact else None)

    def prove_inclusion(self, seq: int, checkpoint: SignedCheckpoint | None = None) -> TlogProof:
        """A tlog-proof receipt for entry ``seq`` against ``checkpoint`` (default: the latest covering one)."""
        data = self.store.entry(seq)
        if data is None:
            raise LedgerError(f"no entry {seq} (the ledger holds {self.size + self.pending})")
        if seq >= self.size and not self.keys:
            raise LedgerError(f"entry {seq} is pending (not yet sealed), and this node holds no keys to seal it")
        self._cover(seq + 1)
        signed = checkpoint or self._checkpoint_at(seq, exact=False)
        size = signed.checkpoint.tree_size
        if size <= seq or size > self.size:
            raise LedgerError(f"checkpoint of size {size} does not cover entry {seq} in this ledger")
        return inclusion_receipt(data, seq, self.tree().inclusion_proof(seq, size), signed)

    def prove_consistency(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        """Checkpoints at ``size1`` and ``size2`` (default: the latest) and the proof between them.

        A size past the sealed tree seals pending entries first (when this node holds keys).
        """
        self._cover(size1)
        self._cover(size2)
        if not isinstance(size1, int) or not 0 < size1 <= self.size:
            raise MalformedInput(f"size1 must be within 1..{self.size}")
        new = (
            self._checkpoint_at(size2, exact=True) if size2 is not None else self._checkpoint_at(self.size, exact=False)
        )
        n = new.checkpoint.tree_size
        if size1 > n:
            raise MalformedInput(f"size1 {size1} exceeds size2 {n}")
        old = self._checkpoint_at(size1, exact=True)
        return ConsistencyProof(old.text(), new.text(), tuple(self.tree().consistency_proof(size1, n)))
