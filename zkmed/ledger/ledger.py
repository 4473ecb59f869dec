"""The high-level ledger: a directory (:mod:`zkmed.ledger.directory`) with a store, keys and a trust policy.

``Ledger.open(DIR)`` is read-only and loads no secret keys; ``signing=True``
or ``keys=[...]`` can append and sign.  The store is ``DIR/ledger.sqlite`` or
the PostgreSQL database ``DIR/store.url`` names (``Ledger.init(DIR,
store=URL)``); ``Ledger.open(URL)`` opens a PostgreSQL store without a
directory (:mod:`zkmed.ledger.stores`).  Keys, clock, store: ``docs/ledger.md``
§Opening a ledger; when blocks are sealed (:mod:`zkmed.ledger.sealing`):
§Sealing; ``signers=k``: §Model.  A :class:`Ledger` is not thread-safe (one
per thread or process); several processes may append to one directory
(§Durability and concurrency).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from zkmed.errors import LedgerError, MalformedInput, ZkmedError
from zkmed.ledger import proving
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.blocks import Block
from zkmed.ledger.chain import ChainState, make_genesis
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy
from zkmed.ledger.directory import (
    KEYS_DIR,
    POLICY_FILE,
    STORE_FILE,
    STORE_URL_FILE,
    NewDirectory,
    load_keys,
    write_policy,
    write_text,
)
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.rows import encode_rows
from zkmed.ledger.sealing import Appended, SealPolicy, StoreView
from zkmed.ledger.store import Store, check_index
from zkmed.ledger.stores import check_url, create_store, drop_store, is_pg_url, open_store, public_url, store_location
from zkmed.ledger.tree import Frontier, MerkleTree

__all__ = [
    "DEFAULT_NAME",
    "KEYS_DIR",
    "POLICY_FILE",
    "STORE_FILE",
    "STORE_URL_FILE",
    "Appended",
    "Ledger",
    "SealPolicy",
    "now_ms",
]

DEFAULT_NAME = "zkmed.ledger"


def now_ms() -> int:
    """The default clock: milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


def _check_options(signers: object, seal_policy: object, clock: object) -> None:
    if signers is not None:
        check_index(signers, "signers (the number of held keys that sign a block, or None: all)", 1)
    if seal_policy is not None and not isinstance(seal_policy, SealPolicy):
        raise MalformedInput("seal_policy must be a SealPolicy (or None: seal every append)")
    if clock is not None and not callable(clock):
        raise MalformedInput("clock must be a function returning milliseconds since the Unix epoch")


def _check_keys(keys: object) -> list[AuthorityKey]:
    out = list(keys) if isinstance(keys, Iterable) and not isinstance(keys, (str, bytes)) else None
    if out is None or not all(isinstance(k, AuthorityKey) for k in out):
        raise MalformedInput("keys must be a sequence of AuthorityKey")
    return out


NO_KEYS = "this node holds no authority keys, so it cannot seal blocks (replicas only sync)"
READ_ONLY = (
    "this ledger handle holds no keys: Ledger.open(DIR) opens read-only; "
    "open with signing=True (keys from DIR/keys) or keys=[...] to append or sign"
)


class Ledger(contextlib.AbstractContextManager["Ledger"]):
    """One ledger directory, open for reading and (with keys) appending; a context manager that closes it.

    :attr:`directory` is ``None`` for a store opened by URL alone (no key files, no ``authorities.txt``).
    """

    def __init__(
        self,
        directory: Path | None,
        store: Store,
        keys: Sequence[AuthorityKey] = (),
        *,
        signers: int | None = None,
        seal_policy: SealPolicy | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        _check_options(signers, seal_policy, clock)
        self.directory = None if directory is None else Path(directory)
        self.store: Store = store
        self.keys = _check_keys(keys)
        #: how many held keys sign each sealed block: ``None`` = all of them, else ``max(signers, t)``
        self.signers = signers
        #: ``None``: seal every append; else deferred sealing (:mod:`zkmed.ledger.sealing`)
        self.seal_policy = seal_policy
        #: milliseconds since the Unix epoch: block times, cosignature timestamps, the age of pending entries
        self.clock: Callable[[], int] = clock or now_ms
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
        store: str | None = None,
    ) -> Ledger:
        """Create a ledger: generate (or take) n authority keys, sign the genesis block, write the files.

        ``store=None`` keeps the entries in ``DIR/ledger.sqlite``; a ``postgresql://`` URL creates the store in
        that (empty) database and records the URL, without its password, in ``DIR/store.url``.
        All or nothing: on any failure (LedgerError / MalformedInput) what was created is removed again.
        """
        _check_options(signers, seal_policy, clock)
        directory = Path(directory)
        if keys is None:
            check_index(authorities, "the number of authorities", 1, 255)
            keys = [AuthorityKey.generate(f"{name}/authority-{i + 1}") for i in range(authorities)]
        keys = _check_keys(keys)
        genesis = make_genesis(name, AuthoritySet.from_keys(keys, threshold), keys, (clock or now_ms)())
        options = {"signers": signers, "seal_policy": seal_policy, "clock": clock}
        return cls._create(directory, genesis.encode(), keys if write_keys else [], keys, options, store)

    @classmethod
    def _create(
        cls,
        directory: Path,
        genesis_data: bytes,
        key_files: Sequence[AuthorityKey],
        keys: list[AuthorityKey],
        options: dict,
        store_url: str | None = None,
    ) -> Ledger:
        """Create the directory, key files, store and trust policy all or nothing (:class:`NewDirectory`)."""
        genesis_hash = ChainState.start(genesis_data).head_hash
        if store_url is not None:
            check_url(store_url)
        created = NewDirectory(directory)
        location = store_url if store_url is not None else directory / STORE_FILE
        try:
            if key_files:
                created.write_keys(key_files)
            if store_url is not None:
                created.created(directory / STORE_URL_FILE)
                write_text(directory / STORE_URL_FILE, public_url(store_url) + "\n", "the store URL")
            else:
                created.created(directory / STORE_FILE)
            store = create_store(location, genesis_hash, genesis_data)
            try:
                ledger = cls(directory, store, keys, **options)
                created.created(directory / POLICY_FILE)
                ledger.write_policy()
            except BaseException:
                store.close()
                if store_url is not None:
                    drop_store(store_url)  # this call created the tables: the database is empty again
                raise
        except BaseException:
            created.rollback()
            raise
        return ledger

    @classmethod
    def open(
        cls,
        directory: Path | str,
        *,
        signing: bool = False,
        keys: Sequence[AuthorityKey] | None = None,
        writable: bool | None = None,
        signers: int | None = None,
        seal_policy: SealPolicy | None = None,
        clock: Callable[[], int] | None = None,
    ) -> Ledger:
        """Read-only without keys; ``signing=True`` loads ``DIR/keys`` (LedgerError if none), ``keys=`` uses those.

        ``directory`` may also be a ``postgresql://`` URL: that store alone, without a directory (``keys=`` to
        sign).  ``writable=True`` without keys is a replica's handle (``docs/ledger.md`` §Opening a ledger).
        """
        _check_options(signers, seal_policy, clock)
        if signing and keys is not None:
            raise MalformedInput("give signing=True (keys from DIR/keys) or keys=[...], not both")
        if writable is None:
            writable = signing or keys is not None
        elif not writable and (signing or keys is not None):
            raise MalformedInput("a read-only handle cannot sign: drop signing/keys or writable=False")
        home: Path | None
        location: Path | str
        if is_pg_url(directory):
            if signing:
                raise MalformedInput("signing=True loads the keys of a ledger directory; with a store URL give keys=")
            home, location = None, check_url(directory)
        else:
            home = Path(directory)
            location = store_location(home)
        held = _check_keys(keys) if keys is not None else load_keys(home) if signing and home is not None else []
        store = open_store(location, readonly=not writable)
        try:
            return cls(home, store, held, signers=signers, seal_policy=seal_policy, clock=clock)
        except BaseException:
            store.close()
            raise

    @classmethod
    def create_replica(
        cls, directory: Path, genesis_data: bytes, *, policy: TrustPolicy | None = None, store: str | None = None
    ) -> Ledger:
        """An empty replica (no keys) of the ledger founded by ``genesis_data``; checks the genesis first.

        ``store``: a ``postgresql://`` URL for the replica's store, as in :meth:`init`.

        With ``policy`` (the auditor's trust anchor) the genesis must found the
        policy's ledger (its origin); LedgerError before anything is written otherwise.
        """
        origin = ChainState.start(genesis_data).origin
        if policy is not None and origin != policy.origin:
            raise LedgerError(f"the source is ledger {origin}, not {policy.origin} of the trust policy")
        return cls._create(Path(directory), genesis_data, [], [], {}, store)

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    def close(self) -> None:
        """Seal the pending entries this handle knows of (with keys and writable), then close, even if sealing fails."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.keys and not self.store.readonly and self._view.pending:
                self.seal()
        finally:
            self.store.close()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # do not hide the error in flight behind one from sealing
            with contextlib.suppress(ZkmedError):
                self.close()

    def write_policy(self) -> Path | None:
        """Write ``DIR/authorities.txt`` (nothing without a directory)."""
        return None if self.directory is None else write_policy(self.directory, self.policy())

    def _require_keys(self) -> None:
        if not self.keys:
            raise LedgerError(READ_ONLY if self.store.readonly else NO_KEYS)

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
        return self._view.state.origin

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
        """Append entries in one durable transaction; seal a block over them when due (``docs/ledger.md`` §Sealing).

        ``seal=None`` follows :attr:`seal_policy`; ``True`` seals now, ``False`` leaves them pending.  Bad items
        raise :class:`MalformedInput`, an invalid authority change :class:`~zkmed.errors.VerificationError`;
        then nothing is written.
        """
        if seal is not None and not isinstance(seal, bool):
            raise MalformedInput("seal must be True, False or None (follow the seal policy)")
        self._require_keys()
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
            self.store.insert_entries(first, rows.entries, rows.nodes)
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
        self._require_keys()
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

    def _cover(self, size: int | None) -> None:
        """Seal pending entries first when ``size`` reaches past the sealed tree and this node holds keys."""
        if self.keys and size is not None and size > self.size:
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
        data = self.store.entry(check_index(seq, "entry sequence number"))
        if data is None:
            raise LedgerError(f"no entry {seq} (the ledger holds {self.size + self.pending})")
        return Entry.decode(data)

    def block(self, height: int) -> Block:
        data = self.store.block(check_index(height, "block height"))
        if data is None:
            raise LedgerError(f"no block {height} (the head is {self.height})")
        return Block.decode(data)

    # -- checkpoints and proofs (sealed entries only): zkmed.ledger.proving --------------------

    def checkpoints(self) -> list[SignedCheckpoint]:
        return [SignedCheckpoint.parse(text) for _, text in self.store.checkpoints()]

    latest_checkpoint = proving.latest_checkpoint
    checkpoint = proving.checkpoint
    prove_inclusion = proving.prove_inclusion
    prove_consistency = proving.prove_consistency
