"""The election verifier: numbered steps over everything posted so far (``docs/verification.md`` §Elections).

=====  ==========================================================================================
step   what
=====  ==========================================================================================
1      parameters: one well-formed parameters entry (group, n, k, manifest); no unknown
       ``election.*`` entry types
2      key ceremony: every ceremony message re-checked and the joint key recomputed (E1's
       ``verify_ceremony``); the posted joint key equals it
3      base hash: recomputed from group, manifest, n, k, round-1 messages and joint key
4      credentials: one registrar list, well-formed, distinct keys
5      ballots: each well-formed against the manifest, its credential on the list, its
       signature valid, posted before the tally
6      ballot proofs: every range proof (selection ``0..R``, contest sum ``0..L``, limits from
       the manifest) — batched in one random linear combination by default, one by one with
       ``batch=False`` (the first bad proof named)
7      unique ballot ids
8      spoiled ballots (Benaloh): each opens a posted ballot of the same credential, is signed
       by it, and re-encrypts to the ballot's ciphertexts
9      tally: the revote rule's counted ballots, and the posted tally equal to the sum of their
       ciphertexts
10     partial decryptions: every trustee's proof (E1's ``verify_partial_decryption``)
11     result: the posted result equals the decryption of the tally by the valid partials
=====  ==========================================================================================

A step whose inputs are not posted yet is ``pending`` (the verifier works at every stage); the
first failing step stops the run, later ones are ``not run``.  A failure names the ledger
entry index and the reason.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkmed.errors import MalformedInput, VerificationError, ZkmedError
from zkmed.formats import ELECTION_VERIFY_REPORT
from zkmed.ledger import Ledger

from .ballot import parse_spoil
from .ballot_check import BallotCheck, BallotDigest, check_ballots, tally_of
from .board import Board, Parameters, Posted, collect_board, compute_base_hash, parse_base
from .context import ElectionContext, ceremony_context
from .credentials import CredentialList, CredentialPartError, join_parts
from .elgamal import Ciphertext
from .tally import Result, Tally, counted_ballots

__all__ = ["EARLY_BALLOT", "STEPS", "ElectionReport", "StepResult", "verify_board", "verify_election"]

STEPS: tuple[tuple[int, str], ...] = (
    (1, "election parameters"),
    (2, "key ceremony and joint key"),
    (3, "election base hash"),
    (4, "credential list"),
    (5, "ballot signatures and credentials"),
    (6, "ballot proofs"),
    (7, "unique ballot ids"),
    (8, "spoiled ballots (Benaloh challenges)"),
    (9, "tally of the counted ballots"),
    (10, "partial decryptions"),
    (11, "published result"),
)


@dataclass
class StepResult:
    number: int
    name: str
    status: str = "not run"  # passed | failed | pending | not run
    detail: str = ""
    entry: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "detail": self.detail,
            "entry": self.entry,
            "name": self.name,
            "status": self.status,
            "step": self.number,
        }


@dataclass
class ElectionReport:
    steps: list[StepResult] = field(default_factory=lambda: [StepResult(n, name) for n, name in STEPS])
    batch: bool = True
    ballots: int = 0
    counted: int = 0
    seconds: float = 0.0
    error: ZkmedError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def step(self, number: int) -> StepResult:
        return self.steps[number - 1]

    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    def to_json(self) -> dict[str, Any]:
        return {
            **ELECTION_VERIFY_REPORT.json_header(), "ok": self.ok, "batch": self.batch, "ballots": self.ballots,
            "counted": self.counted, "steps": [s.to_json() for s in self.steps],
            "error": None if self.error is None else {
                "code": self.error.code, "message": self.error.message, "where": self.error.where,
            },
        }  # fmt: skip


#: step 5: a ballot is made against the posted setup, so it cannot precede any of it
EARLY_BALLOT = "a ballot posted before the election's setup (parameters, ceremony, joint key, base hash) was complete"


class _Fail(Exception):
    def __init__(self, error: ZkmedError, entry: int | None) -> None:
        super().__init__(error.message)
        self.error, self.entry = error, entry


def _at(posted: Posted, run: Any) -> Any:
    """``run()``; a ZkmedError becomes a failure naming ``posted``'s entry."""
    try:
        return run()
    except ZkmedError as exc:
        raise _Fail(exc, posted.index) from exc


class _Run:
    def __init__(self, board: Board, batch: bool, checks: Sequence[BallotCheck] | None) -> None:
        self.board = board
        self.report = ElectionReport(batch=batch)
        self.batch = batch
        #: steps 5-6 per ballot done elsewhere (the whole-ledger verifier's work units), in entry order
        self.checks = checks

    def passed(self, n: int, detail: str) -> None:
        self.report.step(n).status, self.report.step(n).detail = "passed", detail

    def pending(self, *numbers: int, why: str) -> None:
        for n in numbers:
            self.report.step(n).status, self.report.step(n).detail = "pending", why

    def run(self) -> None:
        b = self.board
        if b.unknown:
            p = b.unknown[0]
            raise _Fail(MalformedInput(f"unknown election entry type {p.type!r}"), p.index)
        if not b.parameters:
            self.pending(*range(1, 12), why="no election has been posted")
            return
        posted = b.parameters[0]
        if len(b.parameters) > 1:
            raise _Fail(VerificationError("a second parameters entry was posted"), b.parameters[1].index)
        params: Parameters = _at(posted, lambda: Parameters.from_payload(posted.payload))
        self.passed(1, f"{params.group}, {params.trustees} trustees, quorum {params.quorum}, "
                       f"{len(params.manifest.contests)} contests")  # fmt: skip
        ctx = self.ceremony(params)
        if ctx is None:
            return
        keys = self.credentials(ctx)
        if keys is None:
            return
        ballots = self.ballots(ctx, keys)
        counted = self.spoils_and_tally(ctx, ballots)
        if counted is None:
            return
        self.decryption(ctx, counted)

    # ---------------------------------------------------------------- steps 2-3

    def ceremony(self, params: Parameters) -> ElectionContext | None:
        from .ceremony import verify_ceremony
        from .ceremony_keys import JointKey
        from .ceremony_messages import CeremonyParams, message_from_payload

        b = self.board
        if not b.joint_key or not b.base:
            self.pending(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, why="the key ceremony is not complete")
            return None
        g_name = params.group
        cparams = CeremonyParams(g_name, params.trustees, params.quorum,
                                 ceremony_context(g_name, params.manifest, params.trustees, params.quorum))  # fmt: skip
        group = cparams.group
        messages = [_at(p, lambda p=p: message_from_payload(group, p.payload)) for p in b.ceremony]
        try:
            recomputed = verify_ceremony(cparams, messages)
        except ZkmedError as exc:
            raise _Fail(exc, _ceremony_entry(b, exc)) from exc
        jp = b.one("joint_key")
        bp = b.one("base")
        if jp is None or bp is None:  # pragma: no cover - checked above
            return None
        joint = _at(jp, lambda: JointKey.from_json(jp.payload))
        if not joint.same(recomputed):
            raise _Fail(VerificationError("the posted joint key is not the one the ceremony yields"), jp.index)
        self.passed(2, f"{len(messages)} ceremony messages, qualified trustees {list(recomputed.qualified)}")
        election_id, posted_hash = _at(bp, lambda: parse_base(bp.payload))
        digest = _at(bp, lambda: compute_base_hash(b, params, jp.payload))
        if election_id != params.manifest.election_id or digest != posted_hash:
            raise _Fail(VerificationError("the posted base hash is not the hash of the posted election"), bp.index)
        self.passed(3, digest.hex())
        return ElectionContext.make(g_name, params.manifest, joint.public_key, digest, params.trustees, params.quorum)

    # ---------------------------------------------------------------- steps 4-7

    def credentials(self, ctx: ElectionContext) -> set[bytes] | None:
        b = self.board
        if not b.credentials:
            self.pending(4, 5, 6, 7, 8, 9, 10, 11, why="no credential list posted")
            return None
        parts = [_at(p, lambda p=p: CredentialList.from_payload(p.payload)) for p in b.credentials]
        try:
            creds = join_parts(parts)
        except CredentialPartError as exc:
            raise _Fail(VerificationError(exc.message), b.credentials[exc.position].index) from exc
        if creds.election_id != ctx.manifest.election_id:
            raise _Fail(VerificationError("the credential list is for another election"), b.credentials[0].index)
        self.passed(4, f"{len(creds.keys)} credentials" + (f" in {len(parts)} parts" if len(parts) > 1 else ""))
        return set(creds.keys)

    def ballots(self, ctx: ElectionContext, keys: set[bytes]) -> list[BallotDigest]:
        b = self.board
        checks = self.checks
        if checks is None:
            checks = [check_ballots(ctx, [(p.index, p.payload) for p in b.ballots], batch=self.batch)]
        self.checks = checks
        tally_at = b.tallies[0].index if b.tallies else None
        out = [d for check in checks for d in check.digests]
        setup_done = max(p.index for p in b.setup())
        for d in out:
            if d.index < setup_done:
                raise _Fail(VerificationError(EARLY_BALLOT), d.index)
            if d.malformed is not None:
                raise _Fail(MalformedInput(d.malformed), d.index)
            if tally_at is not None and d.index > tally_at:
                raise _Fail(VerificationError("a ballot posted after the tally"), d.index)
            if d.credential not in keys:
                raise _Fail(VerificationError("the ballot's credential is not on the registrar's list"), d.index)
            if d.bad_signature is not None:
                raise _Fail(VerificationError(d.bad_signature), d.index)
        self.report.ballots = len(out)
        self.passed(5, f"{len(out)} ballots signed by registered credentials")
        bad = sorted((i, why) for check in checks for i, why in check.proofs.items())
        if bad:
            raise _Fail(VerificationError(bad[0][1]), bad[0][0])
        how = "batched" if self.batch else "one by one"
        units = f", in {len(checks)} work units" if len(checks) > 1 else ""
        self.passed(6, f"the proofs of {len(out)} ballots, {how}{units}")
        seen: dict[str, int] = {}
        for d in out:
            if d.ballot_id in seen:
                raise _Fail(
                    VerificationError(f"ballot id {d.ballot_id} was already posted at entry {seen[d.ballot_id]}"),
                    d.index,
                )
            seen[d.ballot_id] = d.index
        self.passed(7, f"{len(seen)} distinct ballot ids")
        return out

    # ---------------------------------------------------------------- steps 8-9

    def spoils_and_tally(self, ctx: ElectionContext, ballots: list[BallotDigest]) -> Tally | None:
        b = self.board
        by_id = {d.ballot_id: d for d in ballots}
        spoiled: set[str] = set()
        tally_at = b.tallies[0].index if b.tallies else None
        for p in b.spoils:
            spoil = _at(p, lambda p=p: parse_spoil(ctx, p.payload))
            found = by_id.get(spoil.ballot_id)
            if found is None or found.index > p.index:
                raise _Fail(VerificationError("the spoil names no ballot posted before it"), p.index)
            if spoil.ballot_id in spoiled:
                raise _Fail(VerificationError("this ballot was already spoiled"), p.index)
            if tally_at is not None and p.index > tally_at:
                raise _Fail(VerificationError("a spoil posted after the tally"), p.index)
            _at(p, spoil.check_signature)
            _at(p, lambda s=spoil, d=found: s.check_ciphertexts(ctx, d.ballot_id, d.credential, d.contests(ctx)))
            spoiled.add(spoil.ballot_id)
        self.passed(8, f"{len(spoiled)} spoiled ballots re-encrypt to what they claim")
        ids = counted_ballots(ctx.manifest, [(d.ballot_id, d.credential) for d in ballots], spoiled)
        self.report.counted = len(ids)
        if not b.tallies:
            early = sorted([*b.partials, *b.results], key=lambda x: x.index)
            if early:
                raise _Fail(VerificationError(f"a {early[0].type} entry posted before any tally"), early[0].index)
            self.pending(9, 10, 11, why=f"no tally posted yet ({len(ids)} ballots would count)")
            return None
        p = b.tallies[0]
        early = sorted([x for x in (*b.partials, *b.results) if x.index < p.index], key=lambda x: x.index)
        if early:
            raise _Fail(VerificationError(f"a {early[0].type} entry posted before the tally"), early[0].index)
        if len(b.tallies) > 1:
            raise _Fail(VerificationError("a second tally was posted"), b.tallies[1].index)
        posted = _at(p, lambda: Tally.from_payload(ctx, p.payload))
        if not ids:
            raise _Fail(VerificationError("a tally was posted but no ballot counts"), p.index)
        keep = set(ids)
        flat = tally_of(ctx, self.checks or [], [d for d in ballots if d.ballot_id not in keep])
        expected = Tally.of(ids, tuple(_per_contest(ctx, flat)))
        if (posted.count, posted.digest) != (expected.count, expected.digest):
            raise _Fail(
                VerificationError(
                    f"the tally counts other ballots than the revote rule ({ctx.manifest.revote}) selects"
                ),
                p.index,
            )
        if not posted.same(ctx, expected):
            raise _Fail(VerificationError("the tally is not the sum of the counted ballots' ciphertexts"), p.index)
        self.passed(9, f"{len(ids)} counted ballots (revote rule: {ctx.manifest.revote})")
        return posted

    # ---------------------------------------------------------------- steps 10-11

    def decryption(self, ctx: ElectionContext, tally: Tally) -> None:
        from .ceremony_keys import JointKey
        from .decryption import PartialDecryption, combine, verify_partial_decryption

        b = self.board
        jp = b.one("joint_key")
        if jp is None:  # pragma: no cover - step 2 checked it
            return
        joint = JointKey.from_json(jp.payload)
        cts, context = tally.flat(), ctx.decryption_context()
        partials, seen = [], set()
        for p in b.partials:
            partial = _at(p, lambda p=p: PartialDecryption.from_payload(ctx.group, p.payload))
            if partial.index in seen:
                raise _Fail(VerificationError(f"trustee {partial.index} posted a second partial decryption"), p.index)
            seen.add(partial.index)
            _at(p, lambda partial=partial: verify_partial_decryption(ctx.group, joint, cts, partial, context=context))
            partials.append(partial)
        if len(partials) < ctx.quorum:
            self.pending(10, 11, why=f"{len(partials)} of the {ctx.quorum} partial decryptions needed are posted")
            if partials:
                self.report.step(10).detail = f"{len(partials)} valid so far; {ctx.quorum} needed"
            return
        self.passed(10, f"{len(partials)} valid partial decryptions (trustees {sorted(seen)})")
        if not b.results:
            self.pending(11, why="no result posted yet")
            return
        p = b.results[0]
        if len(b.results) > 1:
            raise _Fail(VerificationError("a second result was posted"), b.results[1].index)
        posted = _at(p, lambda: Result.from_payload(ctx.manifest, p.payload))
        max_value = tally.count * ctx.manifest.max_votes_per_option
        out = _at(p, lambda: combine(ctx.group, joint, cts, partials, context=context, max_value=max_value))
        expected = Result.from_counts(ctx.manifest, out.values, out.used, out.excluded)
        if posted.counts != expected.counts:
            raise _Fail(VerificationError("the published result differs from the decryption of the tally"), p.index)
        self.passed(11, "the published counts equal the decrypted tally")


def _ceremony_entry(board: Board, exc: ZkmedError) -> int | None:
    """The ceremony entry a ceremony failure names (by ``trustee i``/round in its message), if it can be found."""
    import re

    where = f"{exc.where or ''} {exc.message}"
    m = re.search(r"trustee (\d+)", where)
    r = re.search(r"round ?(\d)", where)
    for p in board.ceremony:
        if r and not p.type.endswith(f"round{r.group(1)}"):
            continue
        if m and f'"trustee":{m.group(1)},' in p.payload.decode("utf-8", "replace"):
            return p.index
    return board.ceremony[0].index if board.ceremony else None


def _per_contest(ctx: ElectionContext, flat: list[Ciphertext]) -> list[tuple[Ciphertext, ...]]:
    out, at = [], 0
    for contest in ctx.manifest.contests:
        out.append(tuple(flat[at : at + len(contest.options)]))
        at += len(contest.options)
    return out


def verify_election(ledger: Ledger, *, batch: bool = True) -> ElectionReport:
    """Verify everything posted so far; a report (never raises for a bad election: ``report.error`` says)."""
    return verify_board(collect_board(ledger), batch=batch)


def verify_board(board: Board, *, batch: bool = True, checks: Sequence[BallotCheck] | None = None) -> ElectionReport:
    """:func:`verify_election` over collected entries.

    ``checks``: every ballot already checked elsewhere (:func:`~zkmed.elections.ballot_check.check_ballots` in
    the whole-ledger verifier's work units, in entry order); the board then need not hold the ballots.
    """
    started = time.perf_counter()
    run = _Run(board, batch, checks)
    try:
        try:
            run.run()
        except ZkmedError as exc:  # e.g. Board.one: a second entry of a kind posted once ("entry N")
            found = exc.where or ""
            entry = int(found[6:]) if found.startswith("entry ") and found[6:].isdigit() else None
            raise _Fail(exc, entry) from exc
    except _Fail as fail:
        step = next((s for s in run.report.steps if s.status == "not run"), run.report.steps[-1])
        step.status, step.detail, step.entry = "failed", fail.error.message, fail.entry
        where = f"entry {fail.entry}" if fail.entry is not None else fail.error.where
        run.report.error = VerificationError(f"step {step.number} ({step.name}): {fail.error.message}", where=where)
    run.report.seconds = time.perf_counter() - started
    return run.report
