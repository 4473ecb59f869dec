"""When entries get sealed into signed blocks: the policy, what an append returns, the pending tail.

The two modes, :class:`SealPolicy`, pending entries and how their age is
known: ``docs/ledger.md`` §Sealing.  There is no background timer.
:class:`StoreView` is what one Ledger handle knows of its store and how it
catches up with other writers; pending rows read from the store pass
:meth:`~zkmed.ledger.chain.ChainState.check_pending` before a block is signed
over them.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.ledger.authorities import AuthorityChange
from zkmed.ledger.blocks import Block
from zkmed.ledger.chain import ChainState
from zkmed.ledger.entries import Entry
from zkmed.ledger.store import Store, check_index
from zkmed.ledger.tree import Frontier

#: pending rows read and checked per query when replaying a tail
REPLAY_CHUNK = 10_000


@dataclass(frozen=True)
class SealPolicy:
    """Deferred sealing: seal once ``max_entries`` are pending or the oldest is ``max_delay_ms`` old."""

    max_entries: int = 1000
    max_delay_ms: int = 1000

    def __post_init__(self) -> None:
        check_index(self.max_entries, "max_entries", 1)
        check_index(self.max_delay_ms, "max_delay_ms")

    def due(self, pending: int, oldest_ms: int, now_ms: int) -> bool:
        """Whether ``pending`` entries, the oldest written at ``oldest_ms``, must be sealed at ``now_ms``."""
        return pending >= self.max_entries or now_ms - oldest_ms >= self.max_delay_ms


@dataclass(frozen=True)
class Appended:
    """What an append (or a seal) returns once durable: the entries' sequence numbers and their block.

    Pending (:attr:`sealed` false): ``height``, ``tree_size``, ``root`` are ``None``; else the sealing block's.
    """

    first_seq: int
    count: int
    height: int | None
    tree_size: int | None
    root: bytes | None

    @property
    def sealed(self) -> bool:
        return self.height is not None

    @property
    def seq(self) -> int:
        return self.first_seq

    @property
    def seqs(self) -> range:
        return range(self.first_seq, self.first_seq + self.count)


class StoreView:
    """One handle's view of its store: the chain state at the head block and the pending tail after it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        genesis_data = store.block(0)
        if genesis_data is None:
            raise LedgerError(f"ledger store {store.location} has no genesis block")
        self._genesis = ChainState.start(genesis_data)  # checks G1–G2 once per handle
        #: the verified-at-write-time state after the head block (sealed entries only)
        self.state = self.load_state()
        #: one past the highest stored entry seq, as last read
        self.end = self.state.tree_size
        #: the frontier over the first ``tail.size`` entries; rows past it are replayed before use
        self.tail = self.state.frontier
        #: the time (ms) of the oldest pending entry, or a lower bound; None when none is known pending
        self.since: int | None = None
        self.refresh()

    @property
    def pending(self) -> int:
        """Pending entries as last read (call :meth:`refresh` first for the store's current count)."""
        return max(0, self.end - self.state.tree_size)

    def load_state(self) -> ChainState:
        """The chain state at the store's head, trusting the store (``verify`` re-checks it all)."""
        state = self._genesis.copy()
        store = self.store
        height, head_hash, head_data = store.head()
        if height == 0:
            return state
        try:
            head = Block.decode(head_data)
        except MalformedInput as exc:
            raise LedgerError(f"the head block {height} is damaged; run `ledger verify`") from exc
        state.head, state.head_hash = head, head_hash
        state.frontier = Frontier.load(store, head.tree_size)
        state.change_seqs = store.authority_change_seqs()
        for seq in state.change_seqs:
            data = store.entry(seq)
            block_height = store.block_for_seq(seq)
            if data is None or block_height is None:
                raise LedgerError(f"authority change entry {seq} is missing or not sealed; run `ledger verify`")
            change = AuthorityChange.decode(Entry.decode(data).payload)
            state.sets[change.new_set.hash()] = change.new_set
            if change.effective_height <= height:
                state.authorities, state.pending = change.new_set, None
            else:
                state.pending = change
        return state

    def refresh(self) -> None:
        """Catch up with other writers (one indexed read): reload on a new head block, note new pending rows."""
        head_hash, end = self.store.state_key()
        if head_hash != self.state.head_hash:
            self.state = self.load_state()
            self.end, self.tail, self.since = self.state.tree_size, self.state.frontier, None
        if end != self.end:
            if end > self.state.tree_size and self.since is None:
                self.since = self.state.head.time_ms  # written after the head block: a lower bound
            self.end = end

    def pending_tail(self) -> Frontier:
        """The frontier over every stored entry (inside a write transaction, after :meth:`refresh`).

        Pending rows not yet seen are replayed (:meth:`ChainState.check_pending`); a bad row is a :class:`LedgerError`.
        """
        state, end = self.state, self.end
        if not state.tree_size <= self.tail.size <= end:
            self.tail = state.frontier
        if end < state.tree_size:
            raise LedgerError(
                f"ledger store {self.store.location}: the entries end at {end}, before the head block's tree size "
                f"{state.tree_size}; run `ledger verify`"
            )
        while self.tail.size < end:
            start = self.tail.size
            data, nodes = self.store.entry_rows(start, min(end, start + REPLAY_CHUNK))
            try:
                self.tail = state.check_pending(self.tail, data, nodes)
            except VerificationError as exc:
                msg = f"pending {exc.where}: {exc.message}; nothing is sealed over it — run `ledger verify`"
                raise LedgerError(msg) from exc
        return self.tail

    def advanced(self, state: ChainState, tail: Frontier, since: int | None) -> None:
        """After a committed write: the new head state, the frontier over every entry, the oldest pending time."""
        self.state, self.tail, self.end, self.since = state, tail, tail.size, since
