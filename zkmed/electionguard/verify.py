"""Run the ElectionGuard 2.0.0 verification steps (Design Specification 2.0.0, §6.2) over a record directory.

:func:`check_record` returns a :class:`~zkmed.electionguard.report.Report` (every step, every failure located);
:func:`verify_record` returns ``None`` or raises :class:`~zkmed.errors.VerificationError` naming the failed steps.
A record that cannot be read raises :class:`~zkmed.errors.MalformedInput` from either.

Work split: the calling process loads the small files and runs Verifications 1-4 and 8-10 while ``jobs`` worker
processes (``fork`` where available; the tables for ``g`` and ``K`` are built before the fork) check batches of
ballot files sent as bytes (Verifications 5-7 and 12-14, :mod:`.ballots`); the cross-file checks (7.C and unique
ballot ids, 8, 10.E, the challenged ballots against their encrypted ballots) run when every batch is back.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from zkmed.electionguard import hashing
from zkmed.electionguard.arith import Arith
from zkmed.electionguard.ballots import Context, Outcome, check_decryption, init_worker, run_batch
from zkmed.electionguard.record import Record, file_bytes, load_record, load_tallies
from zkmed.electionguard.report import STEPS, Report, StepResult
from zkmed.errors import MalformedInput, VerificationError

__all__ = ["MAX_JOBS", "check_record", "verify_record"]

MAX_JOBS = 64
#: files per work unit: small units keep both workers busy to the end (a 2-file unit is ≈ 0.1-0.3 s of work),
#: large enough that each unit's batched subgroup test still amortises its final ``powmod``
_FILES_PER_TASK = 2
_BALLOT_STEPS = frozenset({"V4", "V5", "V6", "V7", "V8", "V10", "V12", "V14"})  # steps that read encrypted ballots


def _base_hashes(rec: Record, arith: Arith, out: Outcome) -> tuple[bytes, bytes]:
    """Verification 1; returns the recomputed ``H_P`` and ``H_E`` (used by every later step)."""
    consts, cfg = rec.constants, rec.config
    f = "constants.json"
    if consts.protocol_version != hashing.VERSION:
        out.fail("V1", f, "protocolVersion", f"{consts.protocol_version!r} is not {hashing.VERSION!r} (1.A)")
    for label, value, std in (
        ("largePrime", consts.p, int(arith.p)),
        ("smallPrime", consts.q, arith.q),
        ("cofactor", consts.r, (int(arith.p) - 1) // arith.q),
        ("generator", consts.g, int(arith.g)),
    ):
        if value != std:
            out.fail("V1", f, label, "differs from the standard parameter of §3.1.1 (1.B-1.E)")
    h_p = hashing.parameter_base_hash(int(arith.p), arith.q, int(arith.g))
    h_m = hashing.manifest_hash(h_p, rec.manifest.raw)
    h_b = hashing.base_hash(h_p, h_m, cfg.n, cfg.k)
    for label, given, computed, sub in (
        ("parameter_base_hash", cfg.h_p, h_p, "1.F"),
        ("manifest_hash", cfg.h_m, h_m, "1.G"),
        ("election_base_hash", cfg.h_b, h_b, "1.H"),
    ):
        if given != computed:
            out.fail("V1", "election_config.json", label, f"does not match the recomputed value ({sub})")
    out.checked["V1"] += 1
    return h_p, hashing.extended_base_hash(h_b, rec.joint_key)


def _key_steps(rec: Record, arith: Arith, out: Outcome, h_p: bytes, h_e: bytes) -> None:
    """Verifications 2-4 (and every ``election_id`` of the small files equals ``H_E``)."""
    cfg = rec.config
    t0 = time.perf_counter()
    f = "election_initialized.json"
    xs = [g.x for g in rec.guardians]
    if len(rec.guardians) != cfg.n or sorted(xs) != list(range(1, cfg.n + 1)):
        out.fail("V2", f, "guardians", f"expected guardians with x_coordinate 1..n = {cfg.n}, got {sorted(xs)}")
    for g in rec.guardians:
        for j, (k_ij, c, v) in enumerate(g.proofs):
            h = arith.g_pow(v) * arith.pow(k_ij, c) % arith.p  # h_i,j = g^v · K_i,j^c (2.1)
            if int.from_bytes(hashing.guardian_challenge(h_p, g.x, j, k_ij, h), "big") != c:
                out.fail(
                    "V2",
                    f,
                    f"guardian {g.x} coefficient {j}",
                    "Schnorr proof: c ≠ H(H_P; 0x10, i, j, K_i,j, h_i,j) (2.C)",
                )
            out.checked["V2"] += 1
    out.seconds["V2"] += time.perf_counter() - t0
    product = 1
    for g in rec.guardians:
        product = product * g.proofs[0][0] % arith.p
    if product != rec.joint_key or rec.joint_key == 1:
        out.fail("V3", f, "joint_public_key", "K ≠ Π K_i mod p (3.B)")
    out.checked["V3"] += 1
    if h_e != rec.h_e:
        out.fail("V4", f, "extended_base_hash", "H_E ≠ H(H_B; 0x12, K) (4.A)")
    for label, eid in (
        ("encrypted_tally.json", rec.encrypted_tally_election_id),
        ("tally.json", rec.tally.election_id),
    ):
        if eid is not None and eid != h_e:
            out.fail("V4", label, "election_id", "is not the extended base hash H_E")
    out.checked["V4"] += 1


def _tally_steps(rec: Record, ctx: Context, arith: Arith, out: Outcome) -> None:
    """Verifications 9 and 10.A-10.D on ``tally.json``."""
    k_bytes = hashing.element(ctx.joint_key)
    f = "tally.json"
    t0 = time.perf_counter()
    for contest in rec.tally.contests:
        enc = rec.encrypted_tally.get(contest.contest_id, {})
        for sel in contest.selections:
            where = f"contest {contest.contest_id} selection {sel.selection_id}"
            if enc.get(sel.selection_id) != sel.ciphertext:
                out.fail("V9", f, where, "(A, B) differs from encrypted_tally.json")
            if not check_decryption(ctx, arith, k_bytes, *sel.ciphertext, sel.t_value, sel.proof):
                out.fail("V9", f, where, "decryption proof: c ≠ H(H_E; 0x30, K, A, B, a, b, M) (9.B)")
            out.checked["V9"] += 1
    decrypted = {(c.contest_id, s.selection_id) for c in rec.tally.contests for s in c.selections}
    for cid, sels in rec.encrypted_tally.items():
        for sid in sels:
            if (cid, sid) not in decrypted:
                out.fail("V9", f, f"contest {cid} selection {sid}", "option of the encrypted tally has no decryption")
    t1 = time.perf_counter()
    seen: set[str] = set()
    for contest in rec.tally.contests:
        where = f"contest {contest.contest_id}"
        spec = ctx.contests.get(contest.contest_id)
        if contest.contest_id in seen:
            out.fail("V10", f, where, "contest listed twice")
        seen.add(contest.contest_id)
        for sel in contest.selections:
            if arith.k_pow(sel.value) != sel.t_value:
                out.fail(
                    "V10",
                    f,
                    f"{where} selection {sel.selection_id}",
                    f"T ≠ K^t for the published t = {sel.value} (10.A)",
                )
            out.checked["V10"] += 1
        if spec is None:
            out.fail("V10", f, where, "contest label is not a contest of the manifest (10.B)")
            continue
        labels = {s.selection_id for s in contest.selections}
        manifest_labels = {s for s, _ in spec.selections}
        if labels - manifest_labels:
            out.fail("V10", f, where, f"options not in the manifest: {sorted(labels - manifest_labels)} (10.C)")
        if manifest_labels - labels:
            out.fail("V10", f, where, f"manifest options missing: {sorted(manifest_labels - labels)} (10.D)")
    out.seconds["V9"] += t1 - t0
    out.seconds["V10"] += time.perf_counter() - t1


def _cross_steps(rec: Record, arith: Arith, out: Outcome, *, challenged: bool) -> None:
    """7.C and unique ballot ids, Verification 8, 10.E, and the challenged ballots against their encrypted ballots."""
    ids = Counter(b.ballot_id for b in out.ballots)
    for bid, n in sorted(ids.items()):
        if n > 1:
            files = ", ".join(sorted(b.file for b in out.ballots if b.ballot_id == bid))
            out.fail("V7", files, f"ballot {bid}", f"ballot id used by {n} ballots")
    codes = Counter(b.confirmation_code for b in out.ballots)
    for b in out.ballots:
        if codes[b.confirmation_code] > 1:
            out.fail("V7", b.file, f"ballot {b.ballot_id}", "duplicate confirmation code (7.C)")
    t0 = time.perf_counter()
    cast = {b.ballot_id for b in out.ballots if b.state == "CAST"}
    listed = set(rec.cast_ballot_ids)
    f = "encrypted_tally.json"
    if listed != cast:
        detail = f"missing: {sorted(listed - cast)[:5]}, not listed: {sorted(cast - listed)[:5]}"
        out.fail("V8", f, "cast_ballot_ids", f"differs from the cast ballots in the record ({detail})")
    for cid, sels in rec.encrypted_tally.items():
        for sid, ciphertext in sels.items():
            expected = tuple(out.aggregate.get((cid, sid), (1, 1)))
            if expected != ciphertext:
                out.fail(
                    "V8",
                    f,
                    f"contest {cid} selection {sid}",
                    "(A, B) ≠ (Π α_j, Π β_j) over the cast ballots (8.A, 8.B)",
                )
            out.checked["V8"] += 1
    for cid, sid in out.aggregate:
        if sid not in rec.encrypted_tally.get(cid, {}):
            out.fail("V8", f, f"contest {cid} selection {sid}", "cast votes for this option are missing from the tally")
    tally_contests = {c.contest_id for c in rec.tally.contests}
    for cid in sorted({c for b in out.ballots for c in b.contest_ids} - tally_contests):
        out.fail(
            "V10", "tally.json", f"contest {cid}", "contest on a submitted ballot is missing from the tally (10.E)"
        )
    out.seconds["V8"] += time.perf_counter() - t0
    if not challenged:
        return
    decrypted_ids = Counter(bid for _, bid, _ in out.decrypted)
    for file, bid, contests in out.decrypted:
        original = out.challenged.get(bid)
        if original is None or decrypted_ids[bid] > 1:
            out.fail("V12", file, f"challenged ballot {bid}", "no single CHALLENGED encrypted ballot with this id")
            continue
        for cid, (sels, data) in contests.items():
            orig_sels, orig_data = original.get(cid, ({}, None))
            if sels != orig_sels:
                out.fail(
                    "V12", file, f"challenged ballot {bid} contest {cid}", "(α, β) differ from the encrypted ballot"
                )
            if data != orig_data:
                out.fail(
                    "V14",
                    file,
                    f"challenged ballot {bid} contest {cid}",
                    "(C0, C1, C2) differ from the encrypted ballot",
                )
        if set(contests) != set(original):
            out.fail("V12", file, f"challenged ballot {bid}", "contests differ from the encrypted ballot")
    for bid in sorted(set(out.challenged) - set(decrypted_ids)):
        out.fail("V12", "challenged_ballots", f"ballot {bid}", "challenged ballot has no decryption in the record")


def _tasks(ballots: list[Path], decrypted: list[Path], size: int) -> list[list[tuple[str, Path]]]:
    """Work units, the largest first (longest-processing-time-first: the last units to finish are the small ones).

    A decrypted challenged ballot ``dballot-X.json`` goes in one unit with the encrypted ballot ``eballot-X.json``
    (the egk file names; a scheduling hint only, the ballots are matched by id and ciphertext) so that Verification
    12 reuses the chains Verification 5 built; the other files go in units of ``size`` files of one kind."""
    try:
        weights = {path: path.stat().st_size for path in [*ballots, *decrypted]}
    except OSError as exc:
        raise MalformedInput(f"cannot read {exc.filename}: {exc.strerror}") from exc
    by_key: dict[str, Path] = {}
    for path in ballots:
        by_key.setdefault(_ballot_key(path), path)
    units: list[list[tuple[str, Path]]] = []
    paired: set[Path] = set()
    for path in decrypted:
        partner = by_key.get(_ballot_key(path))
        if partner is not None and partner not in paired:
            paired.add(partner)
            units.append([("ballots", partner), ("challenged", path)])
        else:
            units.append([("challenged", path)])
    singles = [p for p in ballots if p not in paired]
    ordered = sorted(singles, key=lambda path: -weights[path])
    units += [[("ballots", p) for p in ordered[i : i + size]] for i in range(0, len(ordered), size)]
    return sorted(units, key=lambda unit: -sum(weights[path] for _, path in unit))


def _ballot_key(path: Path) -> str:
    """``eballot-X`` and ``dballot-X`` -> ``X``."""
    return path.stem.split("-", 1)[-1]


def _read(unit: list[tuple[str, Path]], root: Path) -> list[tuple[str, str, bytes]]:
    return [(kind, str(path.relative_to(root)), file_bytes(path)) for kind, path in unit]


def check_record(
    directory: str | Path, *, jobs: int = 1, fast: bool = True, steps: Collection[str] | None = None
) -> Report:
    """Verify the record in ``directory``; ``jobs`` worker processes (1: in this process); ``fast=False`` is the
    one-by-one baseline (no tables, no batching); ``steps`` (e.g. ``{"V8"}``) runs only the work those steps need
    and marks the steps it did not run ``not-present`` (for tests that re-verify a tampered copy; the CLI always
    runs every step).  Verifications 1-4 always run (they give H_E)."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise MalformedInput(f"jobs must be an integer in [1, {MAX_JOBS}]")
    start = time.perf_counter()
    root = Path(directory)
    probe = Arith(fast=fast)
    t0 = time.perf_counter()
    rec = load_record(root, probe, tallies=False)
    load_seconds = time.perf_counter() - t0
    arith = Arith(int(rec.joint_key), fast=fast)
    out = Outcome()
    out.seconds["load"] += load_seconds
    want = frozenset(steps) if steps is not None else None
    if want is not None and not want <= {number for number, _ in STEPS}:
        raise MalformedInput(f"unknown steps: {sorted(want - {number for number, _ in STEPS})}")
    run_ballots = want is None or bool(want & _BALLOT_STEPS)
    run_decrypted = want is None or bool(want & {"V12", "V13", "V14"})
    run_tally = want is None or bool(want & {"V9", "V10"})
    h_p, h_e = _base_hashes(rec, arith, out)
    ctx = Context(int(rec.joint_key), h_e, rec.manifest.contests, fast, want)
    size = max(1, len(rec.ballot_paths)) if jobs == 1 else _FILES_PER_TASK  # one process: one unit for the rest
    tasks = _tasks(rec.ballot_paths if run_ballots else [], rec.decrypted_paths if run_decrypted else [], size)

    def main_process_work() -> None:  # while the workers check ballots
        t1 = time.perf_counter()
        load_tallies(rec, arith)
        out.seconds["load"] += time.perf_counter() - t1
        _key_steps(rec, arith, out, h_p, h_e)
        if run_tally:
            _tally_steps(rec, ctx, arith, out)

    if jobs == 1:
        for unit in tasks:
            out.merge(run_batch(_read(unit, root), (ctx, arith)), arith.p)
        main_process_work()
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        # forked workers inherit this process's tables (init_worker reuses them); spawned ones build their own
        pool = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=init_worker, initargs=(ctx, arith if method == "fork" else None)
        )
        try:
            futures: list[Future[Outcome]] = [pool.submit(run_batch, _read(unit, root)) for unit in tasks]
            main_process_work()
            for future in futures:
                out.merge(future.result(), arith.p)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    # the ballot files' failures in the record's file order (a stable sort: each file's own failures keep their
    # order, the small files' come first), so the report does not depend on how the work units were scheduled
    rank = {str(path.relative_to(root)): i for i, path in enumerate([*rec.ballot_paths, *rec.decrypted_paths], 1)}
    out.failures.sort(key=lambda failure: rank.get(failure.file, 0))
    if run_ballots:
        _cross_steps(rec, arith, out, challenged=run_decrypted)
    report = _report(root, out, want)
    report.ballots = len(out.ballots)
    report.cast = sum(1 for b in out.ballots if b.state == "CAST")
    report.challenged = report.ballots - report.cast
    report.jobs = jobs
    report.seconds = time.perf_counter() - start
    return report


def _report(root: Path, out: Outcome, want: frozenset[str] | None) -> Report:
    by_step: dict[str, list[Any]] = {}
    for failure in out.failures:
        by_step.setdefault(failure.step, []).append(failure)
    results = []
    for number, name in STEPS:
        failures = by_step.get(number, [])
        note = ""
        if number == "V11":
            status, note = "not-present", "tallies carry no contest data in EG 2.0 records"
        elif number == "V15-18":
            status, note = "not-present", "no pre-encrypted ballots (is_preencrypt false); not supported if present"
        elif want is not None and number not in want:
            status, note = "not-present", "not run (steps= subset)"
        else:
            status = "fail" if failures else "pass"
            if number == "V7":
                note = "7.D-7.G (ballot chaining) not used by this record; not supported if used"
        results.append(
            StepResult(number, name, status, out.checked.get(number, 0), out.seconds.get(number, 0.0), note, failures)
        )
    return Report(str(root), results)


def verify_record(directory: str | Path, *, jobs: int = 1) -> None:
    """Verify every step; ``None`` when all pass, else :class:`VerificationError` naming the failed steps."""
    report = check_record(directory, jobs=jobs)
    if not report.ok:
        first = report.failed[0]
        raise VerificationError(
            f"ElectionGuard record fails {', '.join(s.step for s in report.failed)}: "
            f"{first.step} {first.name}: {first.failures[0].line()}"
        )
