"""``ledger verify``: re-check every byte of a store from the genesis block on, trusting nothing stored.

Performs :data:`VERIFY_STEPS` (S1–S9, T1: ``docs/ledger.md`` §Verification)
and stops at the first problem with a :class:`~zkmed.errors.VerificationError`
whose ``where`` names the place.  Without a trust policy the report says
*trust on first use* (:data:`TOFU_WARNING`).  :func:`report_json` is the
``zkmed.ledger.verify-report`` document (``docs/formats.md`` §Ledger).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkmed.errors import LedgerError, MalformedInput, VerificationError, ZkmedError
from zkmed.formats import LEDGER_VERIFY_REPORT
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE
from zkmed.ledger.chain import ChainState
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy, verify_checkpoint
from zkmed.ledger.store import Store
from zkmed.ledger.stores import is_pg_url, open_store, store_location
from zkmed.ledger.tree import MerkleTree

TOFU_WARNING = (
    "trust on first use: no trust policy was given, so the ledger was checked against the authorities it names "
    "itself (a ledger rebuilt with other keys would pass too); pin the origin and authorities with --policy FILE"
)
POLICY_WHERE = "the trust policy you gave"

#: pending entries read and checked at a time
PENDING_CHUNK = 10_000


@dataclass(frozen=True)
class AuditReport:
    """What a successful ``verify`` checked."""

    blocks: int
    #: entries covered by blocks (the head block's tree size)
    entries: int
    checkpoints: int
    head_hash: bytes
    root: bytes
    seconds: float
    #: entries after the head block: sequenced and durable, not yet sealed into a signed block
    pending: int = 0
    #: the ledger's origin (``<name>/<hex genesis hash>``)
    origin: str = ""
    #: whether T1 ran: the store was checked against the auditor's trust policy (else: trust on first use)
    anchored: bool = False

    @property
    def warning(self) -> str | None:
        """:data:`TOFU_WARNING` when no trust policy anchored the check."""
        return None if self.anchored else TOFU_WARNING

    @property
    def entries_per_second(self) -> float:
        checked = self.entries + self.pending
        return checked / self.seconds if self.seconds > 0 else float("inf")


def _blob(value: object, what: str, where: str) -> bytes:
    if not isinstance(value, bytes):
        raise VerificationError(f"stored {what} is not a byte string", where=where)
    return value


class _Entries:
    """A cursor over stored entry rows that checks the sequence numbers (S6)."""

    def __init__(self, rows: Iterator[tuple[object, object, object]]) -> None:
        self._rows = rows
        self._next: tuple[object, object, object] | None = next(rows, None)

    def read(self, start: int, end: int, exact: bool = True) -> tuple[list[bytes], list[bytes]]:
        """Entries ``start … end - 1`` (bytes, recorded Merkle nodes; unchecked); not ``exact``: those stored."""
        data: list[bytes] = []
        nodes: list[bytes] = []
        for seq in range(start, end):
            where, row = f"entry {seq}", self._next
            if row is None and not exact:
                break
            if row is not None and (not isinstance(row[0], int) or isinstance(row[0], bool)):
                raise VerificationError("stored entry row has no valid sequence number", where=where)
            if row is None or row[0] != seq:  # a larger one: the primary key rules out a smaller one
                raise VerificationError("entry is missing (deleted or truncated)", where=where)
            data.append(_blob(row[1], "entry", where))
            nodes.append(_blob(row[2], "entry", where))
            self._next = next(self._rows, None)
        return data, nodes


def check_checkpoint(text: str | bytes, where: str, state: ChainState, store: Store, strict: bool) -> SignedCheckpoint:
    """S8/S9 for one checkpoint text against ``state`` and ``store``; the parsed checkpoint, or VerificationError.

    ``strict`` (stored checkpoints) also rejects signature lines of keys that
    are not authorities.  :mod:`zkmed.ledger.sync` applies the same check to
    the checkpoints it copies.
    """
    try:
        signed = SignedCheckpoint.parse(text)
    except MalformedInput as exc:
        raise VerificationError(f"checkpoint does not parse: {exc.message}", where=where) from exc
    cp = signed.checkpoint
    if cp.origin != state.origin:
        raise VerificationError(f"checkpoint is for origin {cp.origin!r}", where=where)
    failures = []
    for authority_set in state.sets.values():
        policy = TrustPolicy(state.origin, authority_set)
        try:
            verify_checkpoint(signed, policy)
            known = {(v.name, v.key_id) for v in policy.verifiers()}
            if strict and any((s.name, s.key_id) not in known for s in signed.note.signatures):
                raise VerificationError("a signature line is not by one of the ledger's authorities")
            break
        except VerificationError as exc:
            failures.append(exc.message)
    else:
        raise VerificationError(f"checkpoint is not validly cosigned: {'; '.join(failures)}", where=where)
    if cp.tree_size > state.tree_size:
        raise VerificationError(
            f"checkpoint covers {cp.tree_size} entries but the store holds {state.tree_size} (truncated or rolled back)",
            where=where,
        )
    if MerkleTree(store, state.tree_size).root(cp.tree_size) != cp.root:
        raise VerificationError(
            f"the store's tree at size {cp.tree_size} differs from the checkpoint (history rewritten)", where=where
        )
    return signed


#: the numbered steps of docs/ledger.md §"Verification" that :func:`audit_store` performs: ``(step, what)``
VERIFY_STEPS: tuple[tuple[str, str], ...] = tuple(
    (line[:2], line[4:])
    for line in """\
S1  the store opens: zkmed application id, known schema version
S2  block heights run 0, 1, 2, … without gaps
S3  the genesis block decodes canonically and is t-of-n signed by the set it founds
S4  every block: height, ledger id, previous hash, time, authority set, t-of-n signatures, entries, RFC 9162 root
S5  every derived value (block hash, tree size, stored Merkle nodes, pending ones too) matches its recomputation
S6  the entries run 0, 1, 2, … without gaps; pending ones after the head block decode and are no authority change
S7  the authority-change index lists exactly the authority-change entries
S8  every stored checkpoint: this origin, cosigned by ≥ t authorities, root of the tree at its size
S9  a checkpoint held elsewhere (--checkpoint) matches the store
T1  trust anchor (--policy): this is the policy's ledger (origin) and the policy's authorities are a set it used""".splitlines()
)


def check_anchor(state: ChainState, policy: TrustPolicy) -> None:
    """T1: the ledger of ``state`` is the policy's (origin) and the policy's authority set is one it used."""
    if not isinstance(policy, TrustPolicy):
        raise MalformedInput("the trust anchor must be a TrustPolicy")
    if state.origin != policy.origin:
        raise VerificationError(
            f"this is ledger {state.origin}, not {policy.origin} of your trust policy "
            "(another ledger, or one rebuilt with other keys)",
            where=POLICY_WHERE,
        )
    if policy.authorities not in state.sets.values():
        raise VerificationError(
            "the authorities and threshold of your trust policy are not a set this ledger used", where=POLICY_WHERE
        )


def audit_store(
    store: Store,
    against: str | bytes | None = None,
    *,
    policy: TrustPolicy | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> AuditReport:
    """Replay and check the whole store (S2–S9, and T1 against ``policy``); VerificationError at the first problem.

    ``policy`` is the auditor's trust anchor (``TrustPolicy.parse`` of a
    file they hold); without it the report is not anchored (trust on first
    use, :attr:`AuditReport.warning`).  ``timer`` measures the duration only.
    """
    if policy is not None and not isinstance(policy, TrustPolicy):
        raise MalformedInput("the trust anchor must be a TrustPolicy")
    started = timer()
    blocks, rows = store.iter_blocks(), store.iter_entries()
    with _store_damage(), contextlib.closing(blocks), contextlib.closing(rows):
        report = _replay(store, blocks, rows, against, policy)
    return dataclasses.replace(report, seconds=timer() - started)


@contextlib.contextmanager
def _store_damage() -> Iterator[None]:
    """A LedgerError naming the store (``where="store"``) becomes the VerificationError of S1/S5."""
    try:
        yield
    except LedgerError as exc:
        if exc.where != "store":
            raise
        raise VerificationError(f"the store is damaged: {exc.message}", where="store") from exc


def audit_directory(
    directory: Path | str, against: str | bytes | None = None, *, policy: TrustPolicy | None = None
) -> AuditReport:
    """``ledger verify DIR``: open ``DIR``'s store (or a ``postgresql://`` URL) read-only and :func:`audit_store` it.

    No keys are loaded and nothing is trusted.
    """
    with _store_damage():
        location = directory if is_pg_url(directory) else store_location(Path(directory))
        store = open_store(location, readonly=True)
    with contextlib.closing(store):
        return audit_store(store, against, policy=policy)


def _replay(
    store: Store,
    blocks: Generator[tuple[object, object, object, object], None, None],
    rows: Generator[tuple[object, object, object], None, None],
    against: str | bytes | None,
    policy: TrustPolicy | None,
) -> AuditReport:
    first = next(blocks, None)
    if first is None or first[0] != 0:
        raise VerificationError("the genesis block is missing", where="block 0")
    _, size0, hash0, data0 = first
    state = ChainState.start(_blob(data0, "block", "block 0"))
    if hash0 != state.head_hash or size0 != 0:
        raise VerificationError("stored columns of the genesis block do not match its bytes", where="block 0")
    if policy is not None and state.origin != policy.origin:
        check_anchor(state, policy)  # fail early: a different ledger
    entries = _Entries(rows)
    count = 1
    for height, size_col, hash_col, data in blocks:
        expected = state.height + 1
        where = f"block {expected}"
        if height != expected:
            raise VerificationError(f"block is missing (next stored block is {height})", where=where)
        block = state.check_block(_blob(data, "block", where))
        batch, recorded = entries.read(state.tree_size, block.tree_size)
        state.extend(block, batch, recorded)
        if hash_col != state.head_hash:
            raise VerificationError("stored block hash column does not match the block bytes", where=where)
        if size_col != block.tree_size:
            raise VerificationError("stored tree size column does not match the block bytes", where=where)
        count += 1
    tail = state.frontier
    while True:  # the pending tail after the head block (S5, S6)
        data, recorded = entries.read(tail.size, tail.size + PENDING_CHUNK, exact=False)
        if not data:
            break
        tail = state.check_pending(tail, data, recorded)
    indexed = store.authority_change_seqs()
    if indexed != state.change_seqs:  # S7
        missing = sorted(set(state.change_seqs) ^ set(indexed))
        msg = f"the authority-change index does not list exactly the {AUTHORITY_CHANGE_TYPE} entries"
        raise VerificationError(msg, where=f"entry {missing[0]}")
    stored = store.checkpoints()
    for i, (size_col, text) in enumerate(stored):
        signed = check_checkpoint(text, f"checkpoint {i + 1}", state, store, strict=True)
        if size_col != signed.checkpoint.tree_size:
            raise VerificationError(
                "stored tree size column does not match the checkpoint", where=f"checkpoint {i + 1}"
            )
    if against is not None:
        check_checkpoint(against, "the checkpoint you gave", state, store, strict=False)
    if policy is not None:
        check_anchor(state, policy)
    pending, anchored = tail.size - state.tree_size, policy is not None
    return AuditReport(
        count, state.tree_size, len(stored), state.head_hash, state.head.root, 0.0, pending, state.origin, anchored
    )


def report_json(
    report: AuditReport | None,
    *,
    error: ZkmedError | None = None,
    policy_file: str | None = None,
    checkpoint_file: str | None = None,
) -> dict[str, Any]:
    """The ``ledger verify --json`` document (``zkmed.ledger.verify-report`` v1): a report, or the error that stopped it."""
    asked = {"S9": checkpoint_file is not None, "T1": policy_file is not None}
    trust = {"anchor": "policy", "file": policy_file} if asked["T1"] else {"anchor": "none", "warning": TOFU_WARNING}
    doc: dict[str, Any] = {**LEDGER_VERIFY_REPORT.json_header(), "ok": report is not None and error is None}
    doc.update(trust=trust, checkpoint_file=checkpoint_file, steps=[s for s, _ in VERIFY_STEPS if asked.get(s, True)])
    if report is not None:
        doc.update(
            origin=report.origin,
            blocks=report.blocks,
            entries=report.entries,
            pending=report.pending,
            checkpoints=report.checkpoints,
            head_hash=report.head_hash.hex(),
            root=report.root.hex(),
            duration_us=int(report.seconds * 1_000_000),
        )
    if error is not None:
        doc["error"] = {"code": error.code, "message": error.message, "where": error.where}
    return doc
