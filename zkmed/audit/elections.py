"""The elections family of ``zkmed verify``: steps E1–E11 (``docs/verification.md`` §V5), ballot proofs in units.

The election's setup entries (parameters, ceremony, joint key, base hash) travel to the workers as the unit's
context bytes; each unit carries a batch of ballot payloads and checks their proofs with one random linear
combination (step 6, :func:`zkmed.elections.verifier.check_ballot_proofs`).  Everything else — signatures,
credentials, ids, spoils, tally, decryption, result — runs here over the collected entries with the
election verifier itself, so ``zkmed verify`` and ``zkmed election verify`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkmed.audit.families import Family
from zkmed.audit.report import Finding, Step
from zkmed.audit.work import WorkUnit
from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.board import PREFIX, Board, Posted, load_context
from zkmed.elections.verifier import check_ballot_proofs, verify_board
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import ZkmedError
from zkmed.ledger.entries import Entry

#: ballots per work unit (a P-256 ballot of the benchmark manifest is ~5 ms of proofs: ~1 s per unit)
BATCH = 200
BALLOT_TYPE = f"{PREFIX}ballot"


def check_ballots(context: bytes, items: Sequence[tuple[int, bytes]]) -> list[Finding]:
    """Work-unit runner: the proofs of a batch of ballots against the election the context bytes define."""
    board = Board()
    for index, entry_type, payload in parse_json(context)["setup"]:
        board.add(Posted(index, entry_type, b64_decode(payload)))
    try:
        ctx = load_context(board)
    except ZkmedError:
        return []  # the setup itself fails steps 1-3 in finish(); no proof is judged against it
    return [Finding(index, reason) for index, reason in sorted(check_ballot_proofs(ctx, items).items())]


class _ElectionRun:
    def __init__(self) -> None:
        self.board = Board()
        self.pending: list[tuple[int, bytes]] = []
        self.context: bytes | None = None

    def _context(self) -> bytes:
        if self.context is None:
            setup = [[p.index, p.type, b64_encode(p.payload)] for p in self.board.setup()]
            self.context = canonical_json({"setup": setup})
        return self.context

    def feed(self, entry: Entry) -> Iterable[WorkUnit]:
        self.board.add(Posted(entry.seq, entry.type, entry.payload))
        if entry.type != BALLOT_TYPE:
            self.context = None  # the setup may have grown: the next unit takes it as it is now
            return
        self.pending.append((entry.seq, entry.payload))
        if len(self.pending) >= BATCH:
            yield from self.close()

    def close(self) -> Iterable[WorkUnit]:
        if self.pending:
            yield WorkUnit(f"{__name__}:check_ballots", self._context(), tuple(self.pending))
            self.pending = []

    def finish(self, findings: tuple[Finding, ...]) -> list[Step]:
        proofs = {f.index: f.reason for f in findings if f.index is not None}
        report = verify_board(self.board, proofs=proofs)
        steps = []
        for s in report.steps:
            failed = (Finding(s.entry, s.detail),) if s.status == "failed" else ()
            detail = s.detail if s.status != "failed" else ""
            if s.status == "not run":
                detail = "not run: an earlier step failed"
            steps.append(Step(f"E{s.number}", s.name, failed, detail, skipped=s.status in ("pending", "not run")))
        return steps


FAMILY = Family("elections", (PREFIX,), _ElectionRun)
