"""The elections family of ``zkmed verify``: steps E1–E11 (``docs/verification.md`` §V5), ballot proofs in units.

The election's setup entries (parameters, ceremony, joint key, base hash) travel to the workers as the unit's
context bytes; each unit carries a batch of ballot payloads, parses them, checks their credential signatures and
their proofs with one random linear combination, and sums their ciphertexts
(:func:`zkmed.elections.ballot_check.check_ballots`).  Here only the small per-ballot digests and the sums are
kept (never the payloads: memory stays bounded on 10^5 ballots), and the election verifier itself
(:func:`zkmed.elections.verifier.verify_board`) runs over them — credentials on the list, ids, spoils, revote
rule, tally, decryption, result — so ``zkmed verify`` and ``zkmed election verify`` cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from zkmed.audit.families import Family
from zkmed.audit.report import Finding, Step
from zkmed.audit.work import Outcome, WorkUnit
from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.ballot_check import BallotCheck, BallotDigest
from zkmed.elections.ballot_check import check_ballots as check_ballots_of
from zkmed.elections.board import PREFIX, Board, Posted, load_context
from zkmed.elections.context import ElectionContext
from zkmed.elections.verifier import EARLY_BALLOT, verify_board
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import ZkmedError
from zkmed.ledger.entries import Entry

#: ballots per work unit (a P-256 ballot of the benchmark manifest is ~5 ms of proofs: ~1 s per unit)
BATCH = 200
BALLOT_TYPE = f"{PREFIX}ballot"


def check_ballots(context: bytes, items: Sequence[tuple[int, bytes]]) -> Outcome:
    """Work-unit runner: steps 5-6 of a batch of ballots against the election the context bytes define.

    The outcome's data is the :class:`~zkmed.elections.ballot_check.BallotCheck` (digests, proof failures, the
    sum of the ciphertexts): the family keeps that, never the payloads.
    """
    ctx = _election(context)
    if ctx is None:  # the setup is incomplete or bad: steps 1-3 (or step 5, for a ballot before it) fail
        return Outcome([], BallotCheck(tuple(BallotDigest(index, malformed=EARLY_BALLOT) for index, _ in items)))
    return Outcome([], check_ballots_of(ctx, items))


@functools.lru_cache(maxsize=2)
def _election(context: bytes) -> ElectionContext | None:
    """The election context of a unit's context bytes (kept per worker process: the units of one election share it)."""
    board = Board()
    for index, entry_type, payload in parse_json(context)["setup"]:
        board.add(Posted(index, entry_type, b64_decode(payload)))
    try:
        return load_context(board)
    except ZkmedError:
        return None


class _ElectionRun:
    def __init__(self) -> None:
        self.board = Board()  # every entry but the ballots
        self.checks: list[BallotCheck] = []
        self.pending: list[tuple[int, bytes]] = []
        self.context: bytes | None = None

    def _context(self) -> bytes:
        if self.context is None:
            setup = [[p.index, p.type, b64_encode(p.payload)] for p in self.board.setup()]
            self.context = canonical_json({"setup": setup})
        return self.context

    def feed(self, entry: Entry) -> Iterable[WorkUnit]:
        if entry.type != BALLOT_TYPE:
            self.board.add(Posted(entry.seq, entry.type, entry.payload))
            self.context = None  # the setup may have grown: the next unit takes it as it is now
            return
        self.pending.append((entry.seq, entry.payload))
        if len(self.pending) >= BATCH:
            yield from self.close()

    def close(self) -> Iterable[WorkUnit]:
        if self.pending:
            yield WorkUnit(f"{__name__}:check_ballots", self._context(), tuple(self.pending))
            self.pending = []

    def take(self, data: Any) -> None:
        if not isinstance(data, BallotCheck):  # pragma: no cover - only check_ballots returns data
            raise TypeError(f"unexpected work-unit data {type(data).__name__}")
        self.checks.append(data)

    def finish(self, findings: tuple[Finding, ...]) -> list[Step]:
        report = verify_board(self.board, checks=self.checks)
        steps = []
        for s in report.steps:
            failed = (Finding(s.entry, s.detail),) if s.status == "failed" else ()
            detail = s.detail if s.status != "failed" else ""
            if s.status == "not run":
                detail = "not run: an earlier step failed"
            steps.append(Step(f"E{s.number}", s.name, failed, detail, skipped=s.status in ("pending", "not run")))
        return steps


FAMILY = Family("elections", (PREFIX,), _ElectionRun)
