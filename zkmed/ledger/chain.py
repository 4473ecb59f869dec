"""The chain rules: what makes the next block valid, given everything before it.

:class:`ChainState` is the verified state after some block (head, Merkle
frontier, authority set in effect, pending authority change).  The same rules
run when a node seals (:meth:`ChainState.seal_frontier`), when a replica
imports a block (:meth:`~ChainState.check_block`, then :meth:`~ChainState.extend`)
and in ``ledger verify``.  The rules G1–G2 and B1–B10, and the checks of
pending entries (:meth:`ChainState.check_pending`), are numbered in
``docs/ledger.md`` §Verification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.blocks import ZERO_HASH, Block, GenesisInfo, origin_for
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.merkle import EMPTY_ROOT
from zkmed.ledger.tree import Frontier


def _decode_block(data: bytes, where: str) -> Block:
    try:
        return Block.decode(data)
    except MalformedInput as exc:
        raise VerificationError(f"block does not decode: {exc.message}", where=where) from exc


def _info(genesis: Block) -> GenesisInfo:
    if genesis.genesis is None:  # pragma: no cover - check_genesis checks it
        raise VerificationError("missing genesis info", where="block 0")
    return genesis.genesis


def check_genesis(data: bytes) -> Block:
    """Checks G1–G2; returns the decoded genesis block."""
    block = _decode_block(data, "block 0")
    info = block.genesis
    if block.height != 0 or info is None:
        raise VerificationError("the first block is not a genesis block", where="block 0")
    if block.ledger_id != ZERO_HASH or block.prev_hash != ZERO_HASH:
        raise VerificationError("genesis block must have zero ledger id and previous hash", where="block 0")
    if block.tree_size != 0 or block.root != EMPTY_ROOT:
        raise VerificationError("genesis block must hold the empty tree", where="block 0")
    if block.authority_set_hash != info.authorities.hash():
        raise VerificationError("genesis block names a different authority set than it carries", where="block 0")
    info.authorities.verify(block.signed_message(), block.signatures, "block 0")
    return block


@dataclass
class ChainState:
    """The verified state after block ``head``."""

    genesis: Block
    head: Block
    head_hash: bytes
    frontier: Frontier
    authorities: AuthoritySet
    pending: AuthorityChange | None = None
    #: every authority set seen so far, by hash (for forks and checkpoints at older heights)
    sets: dict[bytes, AuthoritySet] = field(default_factory=dict)
    #: sequence numbers of the authority-change entries applied so far
    change_seqs: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, genesis_data: bytes) -> ChainState:
        """The state after the genesis block (G1–G2 checked)."""
        genesis = check_genesis(genesis_data)
        founders = _info(genesis).authorities
        return cls(genesis, genesis, genesis.hash(), Frontier(), founders, None, {founders.hash(): founders})

    @property
    def ledger_id(self) -> bytes:
        return self.genesis.hash()

    @property
    def info(self) -> GenesisInfo:
        return _info(self.genesis)

    @property
    def origin(self) -> str:
        return origin_for(self.info.name, self.ledger_id)

    @property
    def height(self) -> int:
        return self.head.height

    @property
    def tree_size(self) -> int:
        return self.head.tree_size

    def copy(self) -> ChainState:
        """A copy whose frontier, sets and change list change independently (blocks and sets are immutable)."""
        fixed = (self.genesis, self.head, self.head_hash, self.frontier.copy(), self.authorities, self.pending)
        return ChainState(*fixed, dict(self.sets), list(self.change_seqs))

    def set_for(self, height: int) -> AuthoritySet:
        """The authority set in effect for the block at ``height`` (> head)."""
        if self.pending is not None and height >= self.pending.effective_height:
            return self.pending.new_set
        return self.authorities

    # -- shared steps ------------------------------------------------------

    def _changes(self, block_height: int, entries: Sequence[Entry]) -> tuple[AuthorityChange, int] | None:
        """B9 for the authority changes among the (B8-checked) entries of a new block."""
        change: tuple[AuthorityChange, int] | None = None
        for entry in entries:
            if entry.type == AUTHORITY_CHANGE_TYPE:
                try:
                    candidate = AuthorityChange.decode(entry.payload)
                except MalformedInput as exc:
                    msg = f"authority change does not decode: {exc.message}"
                    raise VerificationError(msg, where=f"entry {entry.seq}") from exc
                change = self._check_change(block_height, entry.seq, candidate, change)
        return change

    def _check_change(
        self,
        block_height: int,
        seq: int,
        candidate: AuthorityChange,
        earlier: tuple[AuthorityChange, int] | None,
    ) -> tuple[AuthorityChange, int]:
        """B9 for the decoded authority change at ``seq`` in the block at ``block_height``."""
        where = f"entry {seq}"
        candidate.verify(self.ledger_id, self.set_for(block_height), where)
        if candidate.effective_height <= block_height:
            raise VerificationError(
                f"authority change must take effect after block {block_height}, not at {candidate.effective_height}",
                where=where,
            )
        if earlier is not None or (self.pending is not None and self.pending.effective_height > block_height):
            raise VerificationError("another authority change is already pending", where=where)
        return candidate, seq

    def _advance(self, block: Block, change: tuple[AuthorityChange, int] | None, frontier: Frontier) -> None:
        new_set = self.set_for(block.height)
        if new_set is not self.authorities:  # a logged change takes effect
            self.authorities, self.pending = new_set, None
        if change is not None:
            self.pending = change[0]
            self.sets[change[0].new_set.hash()] = change[0].new_set
            self.change_seqs.append(change[1])
        self.head, self.head_hash, self.frontier = block, block.hash(), frontier

    # -- importing a block -------------------------------------------------

    def check_block(self, data: bytes) -> Block:
        """B1–B6 for the next block's bytes: everything that does not need its entries."""
        where = f"block {self.height + 1}"
        block = _decode_block(data, where)
        if block.height != self.height + 1:
            raise VerificationError(f"expected block height {self.height + 1}, found {block.height}", where=where)
        if block.ledger_id != self.ledger_id:
            raise VerificationError(
                f"block belongs to another ledger (genesis {block.ledger_id.hex()[:16]}…, expected {self.ledger_id.hex()[:16]}…)",
                where=where,
            )
        if block.prev_hash != self.head_hash:
            raise VerificationError(f"previous-block hash does not match block {self.height}", where=where)
        if block.time_ms < self.head.time_ms:
            raise VerificationError("block time is earlier than the previous block's", where=where)
        signer_set = self.set_for(block.height)
        if block.authority_set_hash != signer_set.hash():
            raise VerificationError("block names an authority set that is not in effect at its height", where=where)
        signer_set.verify(block.signed_message(), block.signatures, where)
        if block.tree_size <= self.tree_size:
            raise VerificationError(
                f"block claims tree size {block.tree_size}, not above {self.tree_size}", where=where
            )
        return block

    def extend(
        self, block: Block, entry_data: Sequence[bytes], recorded_nodes: Sequence[object] | None = None
    ) -> list[bytes]:
        """B7–B10 for a block that passed :meth:`check_block` with its entries, then advance; all or nothing.

        Returns the Merkle nodes each entry completed, one record per entry
        (see :meth:`zkmed.ledger.tree.Frontier.extend`).  With
        ``recorded_nodes`` (the records a store kept for these entries) a
        mismatch is reported precisely: the entry whose bytes differ from its
        recorded leaf hash, or the entry whose recorded nodes are damaged.
        """
        where = f"block {block.height}"
        if block.tree_size - self.tree_size != len(entry_data):
            raise VerificationError(
                f"block claims tree size {block.tree_size} after {self.tree_size}, but {len(entry_data)} entries belong to it",
                where=where,
            )
        change = self._changes(block.height, _decode_entries(self.tree_size, entry_data))
        frontier = self.frontier.copy()
        created = frontier.extend_data(entry_data)
        root_ok = frontier.root() == block.root
        _check_recorded(self.tree_size, created, recorded_nodes, root_ok)
        if not root_ok:
            raise VerificationError("Merkle root over the entries does not match the block", where=where)
        self._advance(block, change, frontier)
        return created

    # -- the pending tail and sealing ----------------------------------------

    def check_pending(
        self, frontier: Frontier, entry_data: Sequence[bytes], recorded_nodes: Sequence[object]
    ) -> Frontier:
        """The rules for pending entries (S6 of ``docs/ledger.md``), continuing ``frontier``; the frontier after them.

        Raises :class:`VerificationError` naming the first bad entry.  No signature covers pending entries, so a
        consistent rewrite of an entry with its recorded nodes is *not* detectable here.
        """
        for entry in _decode_entries(frontier.size, entry_data):
            if entry.type == AUTHORITY_CHANGE_TYPE:
                msg = "an authority change is pending outside a block (it must be sealed at once)"
                raise VerificationError(msg, where=f"entry {entry.seq}")
        out = frontier.copy()
        _check_recorded(frontier.size, out.extend_data(entry_data), recorded_nodes, root_ok=False)
        return out

    def seal_frontier(
        self,
        frontier: Frontier,
        time_ms: int,
        keys: Sequence[AuthorityKey],
        *,
        changes: Sequence[tuple[int, AuthorityChange]] = (),
        signers: int | None = None,
    ) -> Block:
        """Build, sign and apply the next block over the entries ``tree size … frontier.size - 1``.

        ``frontier`` is the tree after those entries (built by
        :func:`zkmed.ledger.rows.encode_rows` or :meth:`check_pending`);
        ``changes`` are their authority changes, ``(seq, decoded change)``,
        checked here (B9).  ``signers`` limits the block's signatures to
        ``max(signers, t)`` of the held keys (default: all).  Raises
        :class:`VerificationError` (bad authority change) or
        :class:`~zkmed.errors.LedgerError` (not enough keys) without changing
        the state.
        """
        if frontier.size <= self.tree_size:
            raise MalformedInput("a block needs at least one entry")
        height = self.height + 1
        signer_set = self.set_for(height)
        change = None
        for seq, candidate in changes:
            change = self._check_change(height, seq, candidate, change)
        time_ms, root = max(time_ms, self.head.time_ms), frontier.root()
        unsigned = Block(self.ledger_id, height, self.head_hash, time_ms, frontier.size, root, signer_set.hash(), None)
        block = unsigned.signed_by(signer_set, keys, signers)
        self._advance(block, change, frontier.copy())
        return block


def _decode_entries(first: int, entry_data: Sequence[bytes]) -> list[Entry]:
    """B8: each entry decodes canonically and carries its own sequence number ``first + i``."""
    entries = []
    for seq, raw in enumerate(entry_data, first):
        try:
            entry = Entry.decode(raw)
        except MalformedInput as exc:
            raise VerificationError(f"entry does not decode: {exc.message}", where=f"entry {seq}") from exc
        if entry.seq != seq:
            raise VerificationError(f"entry carries sequence number {entry.seq}", where=f"entry {seq}")
        entries.append(entry)
    return entries


def _check_recorded(first: int, created: list[bytes], recorded: Sequence[object] | None, root_ok: bool) -> None:
    """S5: the recorded Merkle nodes equal the recomputed ones; else name the first entry that differs, and why."""
    if recorded is None or list(recorded) == created:
        return
    for i, ours in enumerate(created):
        stored = recorded[i] if i < len(recorded) else None
        if ours == stored:
            continue
        where = f"entry {first + i}"
        if not root_ok and isinstance(stored, bytes) and len(stored) == len(ours) and stored[:32] != ours[:32]:
            # the block's root disagrees with these bytes, and so does the leaf hash recorded at append time
            raise VerificationError("entry bytes differ from the leaf hash recorded when it was appended", where=where)
        raise VerificationError("the stored Merkle node hashes of this entry are damaged", where=where)
    raise VerificationError("more Merkle node records than entries", where=f"entry {first + len(created)}")


def make_genesis(name: str, authorities: AuthoritySet, keys: Sequence[AuthorityKey], time_ms: int) -> Block:
    """The signed genesis block of a new ledger."""
    info = GenesisInfo(name, authorities)
    return Block(ZERO_HASH, 0, ZERO_HASH, time_ms, 0, EMPTY_ROOT, authorities.hash(), info).signed_by(authorities, keys)
