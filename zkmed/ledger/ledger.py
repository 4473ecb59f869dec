"""The high-level ledger: a directory with a store, authority keys and a trust policy.

Layout of a ledger directory::

    DIR/ledger.sqlite              the store (zkmed.ledger.store_sqlite)
    DIR/authorities.txt            the public trust policy (origin, threshold, vkeys)
    DIR/keys/<name>.secret-key     authority secret keys held by this node (mode 0600)

Sealing model: every :meth:`Ledger.append` / :meth:`Ledger.append_batch`
writes its entries and, in the same transaction, seals one block holding
exactly them, signed by every authority key this node holds (at least t are
needed) — or, with the ``signers=k`` option, by the first ``max(k, t)`` of
them, which saves one Ed25519 signature (~35 µs) per block per key left
out; a block never carries fewer than t signatures.  A replica without keys can only :mod:`~zkmed.ledger.sync`.

A :class:`Ledger` object is not thread-safe; use one per thread or process.
Several processes may append to one directory at once: each append
re-reads the head inside its write transaction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.blocks import Block, origin_for
from zkmed.ledger.chain import ChainState, make_genesis
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint, TrustPolicy
from zkmed.ledger.entries import MAX_PAYLOAD, RESERVED_PREFIX, Entry, check_payload, check_type
from zkmed.ledger.keys import KEY_FILE_SUFFIX, AuthorityKey, load_key_dir
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, inclusion_receipt
from zkmed.ledger.store_sqlite import SqliteStore
from zkmed.ledger.tree import Frontier, MerkleTree

STORE_FILE = "ledger.sqlite"
POLICY_FILE = "authorities.txt"
KEYS_DIR = "keys"
DEFAULT_NAME = "zkmed.ledger"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Appended:
    """What an append returns once durable: the entries' sequence numbers and their block."""

    first_seq: int
    count: int
    height: int
    tree_size: int
    root: bytes

    @property
    def seq(self) -> int:
        return self.first_seq

    @property
    def seqs(self) -> range:
        return range(self.first_seq, self.first_seq + self.count)


def _checked_items(items: Iterable[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], bool]:
    """Type and payload checks before anything is written (MalformedInput on the first bad item).

    Returns the checked ``(type, payload)`` pairs and whether any is an
    authority change.  The common case — a tuple of an already-checked
    ordinary type and a small ``bytes`` payload — costs a few type tests.
    """
    out: list[tuple[str, bytes]] = []
    append = out.append
    plain_types: set[str] = set()  # checked, and not an authority change
    has_change = False
    for i, item in enumerate(items):
        if type(item) is tuple and len(item) == 2:
            entry_type, payload = item
            if (
                type(entry_type) is str
                and entry_type in plain_types
                and type(payload) is bytes
                and len(payload) <= MAX_PAYLOAD
            ):
                append(item)
                continue
        if not isinstance(item, tuple) or len(item) != 2:
            raise MalformedInput(f"item {i}: expected a (type, payload) pair")
        entry_type, payload = item
        check_type(entry_type)
        if entry_type.startswith(RESERVED_PREFIX) and entry_type != AUTHORITY_CHANGE_TYPE:
            raise MalformedInput(f"item {i}: entry types starting with {RESERVED_PREFIX!r} are reserved")
        payload = check_payload(payload)
        if entry_type == AUTHORITY_CHANGE_TYPE:
            AuthorityChange.decode(payload)
            has_change = True
        elif type(entry_type) is str:
            plain_types.add(entry_type)
        append((entry_type, payload))
    if not out:
        raise MalformedInput("nothing to append")
    return out, has_change


def _check_signers(signers: object) -> None:
    if signers is not None and (not isinstance(signers, int) or isinstance(signers, bool) or signers < 1):
        raise MalformedInput("signers must be a positive number of authority keys (or None: every held key)")


class Ledger:
    """One ledger directory, open for reading and (with keys) appending."""

    def __init__(
        self, directory: Path, store: SqliteStore, keys: Sequence[AuthorityKey], *, signers: int | None = None
    ) -> None:
        _check_signers(signers)
        self.directory = Path(directory)
        self.store = store
        self.keys = list(keys)
        #: how many held keys sign each sealed block: ``None`` = all of them, else ``max(signers, t)``
        self.signers = signers
        self._genesis: ChainState | None = None
        self._state = self._load_state()

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
    ) -> Ledger:
        """Create a ledger: generate (or take) n authority keys, sign the genesis block, write the files."""
        _check_signers(signers)
        directory = Path(directory)
        if keys is None:
            if not isinstance(authorities, int) or not 1 <= authorities <= 255:
                raise MalformedInput("the number of authorities must be 1..255")
            keys = [AuthorityKey.generate(f"{name}/authority-{i + 1}") for i in range(authorities)]
        authority_set = AuthoritySet.from_keys(keys, threshold)
        if (directory / STORE_FILE).exists():
            raise LedgerError(f"a ledger already exists in {directory}")
        genesis = make_genesis(name, authority_set, keys, now_ms())
        directory.mkdir(parents=True, exist_ok=True)
        if write_keys:
            key_dir = directory / KEYS_DIR
            key_dir.mkdir(mode=0o700, exist_ok=True)
            os.chmod(key_dir, 0o700)
            for key in keys:
                key.write(key_dir / f"{key.name.replace('/', '_')}{KEY_FILE_SUFFIX}")
        store = SqliteStore.create(directory / STORE_FILE, genesis.hash(), genesis.encode())
        ledger = cls(directory, store, keys, signers=signers)
        ledger.write_policy()
        return ledger

    @classmethod
    def open(
        cls, directory: Path, *, readonly: bool = False, load_keys: bool = True, signers: int | None = None
    ) -> Ledger:
        directory = Path(directory)
        store = SqliteStore(directory / STORE_FILE, readonly=readonly)
        try:
            keys = load_key_dir(directory / KEYS_DIR) if load_keys else []
            return cls(directory, store, keys, signers=signers)
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
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write_policy(self) -> Path:
        path = self.directory / POLICY_FILE
        path.write_text(self.policy().format(), encoding="utf-8")
        return path

    # -- state -------------------------------------------------------------------

    def _load_state(self) -> ChainState:
        """The chain state at the store's head, trusting the store (``verify`` re-checks it all)."""
        if self._genesis is None:
            genesis_data = self.store.block(0)
            if genesis_data is None:
                raise LedgerError(f"ledger store {self.store.path} has no genesis block")
            self._genesis = ChainState.start(genesis_data)  # checks G1–G2 once per handle
        state = self._genesis.copy()
        height, head_hash, head_data = self.store.head()
        if height == 0:
            return state
        try:
            head = Block.decode(head_data)
        except MalformedInput as exc:
            raise LedgerError(f"the head block {height} is damaged; run `ledger verify`") from exc
        state.head, state.head_hash = head, head_hash
        state.frontier = Frontier.load(self.store, head.tree_size)
        state.change_seqs = self.store.authority_change_seqs()
        for seq in state.change_seqs:
            data = self.store.entry(seq)
            block_height = self.store.block_for_seq(seq)
            if data is None or block_height is None:
                raise LedgerError(f"authority change entry {seq} is missing; run `ledger verify`")
            change = AuthorityChange.decode(Entry.decode(data).payload)
            state.sets[change.new_set.hash()] = change.new_set
            if change.effective_height <= height:
                state.authorities, state.pending = change.new_set, None
            else:
                state.pending = change
        return state

    def _refresh(self) -> None:
        if self.store.head_hash() != self._state.head_hash:
            self._state = self._load_state()

    @property
    def state(self) -> ChainState:
        self._refresh()
        return self._state

    @property
    def origin(self) -> str:
        return origin_for(self._state.info.name, self._state.ledger_id)

    @property
    def ledger_id(self) -> bytes:
        return self._state.ledger_id

    @property
    def height(self) -> int:
        return self.state.height

    @property
    def size(self) -> int:
        return self.state.tree_size

    def policy(self) -> TrustPolicy:
        """The trust policy for checkpoints issued now: origin and the authority set in effect."""
        return TrustPolicy(self.origin, self.state.authorities)

    def tree(self, size: int | None = None) -> MerkleTree:
        return MerkleTree(self.store, self.size if size is None else size)

    # -- appending -------------------------------------------------------------------

    def append(self, entry_type: str, payload: bytes) -> Appended:
        return self.append_batch([(entry_type, payload)])

    def append_batch(self, items: Iterable[tuple[str, bytes]]) -> Appended:
        """Append entries and seal them into one new block, in one durable transaction.

        Bad items raise :class:`MalformedInput` and an invalid authority change
        raises :class:`~zkmed.errors.VerificationError` — nothing is written.
        """
        checked, has_change = _checked_items(items)
        if not self.keys:
            raise LedgerError("this node holds no authority keys, so it cannot seal blocks (replicas only sync)")
        with self.store.transaction():
            self._refresh()
            before = self._state.authorities
            state = self._state.copy()
            first = state.tree_size
            block, data, created = state.seal(checked, now_ms(), self.keys, has_change=has_change, signers=self.signers)
            self.store.insert_entries(first, data, created)
            if has_change:
                for i, (entry_type, _) in enumerate(checked):
                    if entry_type == AUTHORITY_CHANGE_TYPE:
                        self.store.insert_authority_change(first + i)
            self.store.insert_block(block.height, block.tree_size, state.head_hash, block.encode())
        self._state = state
        if state.authorities != before:
            self.write_policy()  # the public trust policy follows the authority set in effect
        return Appended(first, len(checked), block.height, block.tree_size, block.root)

    def change_authorities(self, new_set: AuthoritySet, effective_height: int | None = None) -> Appended:
        """Log a change to ``new_set``, signed by the held keys of the current set (default: next block after)."""
        height = self.height
        effective = height + 2 if effective_height is None else effective_height
        change = AuthorityChange.create(self.ledger_id, effective, new_set, self.state.set_for(height + 1), self.keys)
        return self.append(AUTHORITY_CHANGE_TYPE, change.encode())

    # -- reading -------------------------------------------------------------------------

    def entry(self, seq: int) -> Entry:
        data = self.store.entry(seq)
        if data is None:
            raise LedgerError(f"no entry {seq} (the ledger holds {self.size})")
        return Entry.decode(data)

    def block(self, height: int) -> Block:
        data = self.store.block(height)
        if data is None:
            raise LedgerError(f"no block {height} (the head is {self.height})")
        return Block.decode(data)

    # -- checkpoints and proofs ------------------------------------------------------------

    def checkpoints(self) -> list[SignedCheckpoint]:
        return [SignedCheckpoint.parse(text) for _, text in self.store.checkpoints()]

    def latest_checkpoint(self, covering: int = 0) -> SignedCheckpoint | None:
        """The most recent stored checkpoint whose tree holds at least ``covering`` entries."""
        for signed in reversed(self.checkpoints()):
            if signed.checkpoint.tree_size >= covering:
                return signed
        return None

    def checkpoint(self, tree_size: int | None = None) -> SignedCheckpoint:
        """Cosign and store a checkpoint at ``tree_size`` (default: the head) with the held keys."""
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
            raise LedgerError(f"no entry {seq} (the ledger holds {self.size})")
        signed = checkpoint or self._checkpoint_at(seq, exact=False)
        size = signed.checkpoint.tree_size
        if size <= seq or size > self.size:
            raise LedgerError(f"checkpoint of size {size} does not cover entry {seq} in this ledger")
        return inclusion_receipt(data, seq, self.tree().inclusion_proof(seq, size), signed)

    def prove_consistency(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        """Checkpoints at ``size1`` and ``size2`` (default: the latest) and the proof between them."""
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
