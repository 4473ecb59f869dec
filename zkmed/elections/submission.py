"""Checking a submitted ballot against the board, incrementally: what ``check_ballot_submission`` runs.

A :class:`SubmissionIndex` keeps what the check needs from the ledger — the
election context (loaded once, again only when a setup entry is posted), the
registered credentials, whether a tally has been posted, and the id (and
entry) of every posted ballot — and on each call reads only the entries
appended since the previous one.  ``check_ballot_submission(ledger, payload)``
builds a fresh index (a full scan); a long-lived caller (``zkmed serve``'s
writer) keeps one per ledger and passes it (``index=``), so a check costs
the ballot's own verification, not the size of the board.

The checks, in order (the first failure is raised, nothing else happens):
the election context loads (MalformedInput / VerificationError); voting is
open (no tally posted); the payload parses against the manifest
(MalformedInput naming the field); its credential is on the registrar's list
and signed it; its ballot id is not posted yet (step 7); every proof verifies
(step 6) — in one batch with random weights, and one by one only when the
batch fails, to name the failing proof.

**What must be unique** among ballots accepted together (one group commit,
appended after all of them were checked against the same ledger state):
the **ballot id** — :func:`ballot_key`.  A credential may be used again: the
revote rule (``manifest.revote``, applied by the tally in ledger order) picks
which of its ballots counts, so a second ballot of the same credential in
the same commit is valid and is appended after the first, exactly as if it
had been submitted a moment later.
"""

from __future__ import annotations

from zkmed import formats
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger import Ledger

from .ballot import Ballot, add_ballot_proofs, parse_ballot, verify_ballot_proofs
from .ballot_proofs import ProofBatch
from .board import Board, election_entries, entry_type, load_context
from .context import ElectionContext

__all__ = ["SubmissionIndex", "ballot_key", "check_ballot_submission"]

BALLOT_TYPE = entry_type(formats.ELECTION_BALLOT)
#: not needed to check a submission (and could be many): never kept by the index
_SKIPPED = {BALLOT_TYPE, entry_type(formats.ELECTION_SPOIL)}
_SETUP = {"parameters", "ceremony", "joint_key", "base"}
#: a canonical ballot payload starts with its id: keys are sorted and ``ballot_id`` sorts first
_ID_PREFIX = b'{"ballot_id":"'
_ID_END = len(_ID_PREFIX) + 32
_HEX = frozenset(b"0123456789abcdef")


def _posted_id(payload: bytes) -> str | None:
    """The ballot id a (canonical) ballot payload starts with, or None when it does not start like one."""
    if payload[: len(_ID_PREFIX)] != _ID_PREFIX or payload[_ID_END : _ID_END + 1] != b'"':
        return None
    raw = payload[len(_ID_PREFIX) : _ID_END]
    return raw.decode("ascii") if _HEX.issuperset(raw) else None


def ballot_key(payload: bytes) -> str:
    """The ballot id of a submitted ballot: what must be unique among ballots appended together.

    Read from the payload's first bytes (every valid ballot is canonical JSON starting with
    ``{"ballot_id":"<32 lower-case hex>"``); MalformedInput for a payload that cannot be a ballot.
    """
    bid = _posted_id(bytes(payload)) if isinstance(payload, (bytes, bytearray)) else None
    if bid is None:
        raise MalformedInput('ballot: a ballot is canonical JSON starting with {"ballot_id":"<32 lower-case hex>"')
    return bid


class SubmissionIndex:
    """What a ballot submission is checked against, kept up to date from the entries appended since the last call.

    One index follows one ledger (its ``ledger_id``); given another, or a shorter one, it starts over.
    Not thread-safe: one caller at a time (the serve writer thread).
    """

    def __init__(self) -> None:
        self._reset(b"")

    def _reset(self, ledger_id: bytes) -> None:
        self.ledger_id = ledger_id
        self.upto = 0
        self.board = Board()  # setup, credentials, tallies…: never ballots or spoils
        self.ballots: dict[str, int] = {}  # posted ballot id -> entry index (the first one)
        self._context: ElectionContext | None = None
        self._credentials: frozenset[bytes] | None = None

    def update(self, ledger: Ledger) -> None:
        """Read the entries appended (sealed or pending) since the last call."""
        end = ledger.size + ledger.pending
        if ledger.ledger_id != self.ledger_id or end < self.upto:
            self._reset(ledger.ledger_id)
        if end == self.upto:
            return
        for posted in election_entries(ledger, self.upto):
            if posted.type == BALLOT_TYPE:
                bid = _posted_id(posted.payload)
                if bid is not None:
                    self.ballots.setdefault(bid, posted.index)
            elif posted.type not in _SKIPPED:
                before = {k: len(getattr(self.board, k)) for k in (*_SETUP, "credentials")}
                self.board.add(posted)
                if any(len(getattr(self.board, k)) != before[k] for k in _SETUP):
                    self._context = None
                if len(self.board.credentials) != before["credentials"]:
                    self._credentials = None
        self.upto = end

    def context(self) -> ElectionContext:
        if self._context is None:
            self._context = load_context(self.board)
        return self._context

    def credentials(self) -> frozenset[bytes]:
        if self._credentials is None:
            self._credentials = frozenset(self.board.credential_list().keys)
        return self._credentials

    def check(self, ledger: Ledger, payload: bytes) -> Ballot:
        """The checks of the module docstring against ``ledger`` as it is now; the parsed ballot, or a ZkmedError."""
        self.update(ledger)
        ctx = self.context()
        if self.board.tallies:
            raise VerificationError("step 6 (ballots): voting is closed, the tally has been posted")
        ballot = parse_ballot(ctx, payload)
        if ballot.credential not in self.credentials():
            raise VerificationError("step 6 (ballots): the credential is not on the registrar's list")
        ballot.check_signature()
        seen = self.ballots.get(ballot.ballot_id)
        if seen is not None:
            raise VerificationError(
                f"step 7 (unique ballot ids): ballot id {ballot.ballot_id} is already posted", where=f"entry {seen}"
            )
        verify_proofs(ctx, ballot)
        return ballot


def verify_proofs(ctx: ElectionContext, ballot: Ballot) -> None:
    """Every proof of ``ballot`` in one batch (one MSM); on failure one by one, naming the first bad proof."""
    batch = ProofBatch(ctx.group)
    try:
        add_ballot_proofs(ctx, ballot, batch)
        batch.verify()
    except VerificationError as batch_error:
        verify_ballot_proofs(ctx, ballot)  # raises naming the proof
        raise batch_error  # pragma: no cover - the batch failed while each proof holds (probability 2^-128)


def check_ballot_submission(ledger: Ledger, payload: bytes, *, index: SubmissionIndex | None = None) -> None:
    """The serve hook: would ``payload`` be a valid ballot if appended now?  None, or a ZkmedError naming the step.

    ``index``: a :class:`SubmissionIndex` kept by the caller for this ledger (else a fresh one: a full scan).
    """
    (index if index is not None else SubmissionIndex()).check(ledger, payload)
