"""Scale targets of ``zkmed verify`` (issue #14) and the tally of issue #11: an election with N ballots.

The election (3 contests: 1-of-5, 3-of-10, yes/no; P-256; 3 trustees, quorum 2) is generated fast and cached
under ``benchmarks/.cache/verify-<N>/`` (gitignored), so repeated runs reuse it:

* the setup entries come from :func:`zkmed.elections.workflow.election_setup` with N in-memory credentials
  (Ed25519 keys from seeds derived from a random master secret; no key files);
* ballots are encrypted in worker processes (``ZKMED_BENCH_GEN_JOBS``, default all CPUs) and appended with
  ``append_batch`` in chunks of :data:`CHUNK` (one sealed block each);
* then the tally and 2 of the 3 trustees' partial decryptions and the result are posted, so ``zkmed verify``
  checks every election step (E1–E11).

``verify_ledger`` runs in a fresh subprocess per measurement (``python -m benchmarks.bench_verify measure``),
which reports its wall time and its own peak RSS (``VmHWM``), and that of its worker processes
(``RUSAGE_CHILDREN``: the largest one).  Every measurement runs with ``ZKMED_THREADS=1`` (no MSM splitting
across threads), so that 1 process means one core and the jobs / Dask columns measure process parallelism.

N: ``ZKMED_BENCH_BALLOTS`` (default 10^5; ``--quick``: 2·10^3).  Sizes for throughput vs N: ``ZKMED_BENCH_SIZES``
(comma-separated; default N/10 and N, quick: N/4 and N).  Process counts: ``ZKMED_BENCH_JOBS`` (default ``1,2``;
each count above 1 is measured on local processes and on a Dask LocalCluster with as many workers).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.harness import Chart, Table

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
CHUNK = 2_000
#: ballots each encryption task makes (one task's result crosses a process boundary at once)
GEN_TASK = 250
MANIFEST = {
    "election_id": "bench-verify",
    "contests": [
        {"id": "c1", "selection_limit": 1, "options": [f"o{i}" for i in range(5)]},
        {"id": "c2", "selection_limit": 3, "options": [f"o{i}" for i in range(10)]},
        {"id": "yesno", "selection_limit": 1, "options": ["yes", "no"]},
    ],
}
TRUSTEES, QUORUM = 3, 2


def _choices(i: int) -> dict[str, dict[str, int]]:
    """Voter ``i``'s choices: spread over the options (so the tally decrypts to varied counts)."""
    return {
        "c1": {f"o{i % 5}": 1},
        "c2": {f"o{(i + k * (1 + i % 3)) % 10}": 1 for k in range(3)},
        "yesno": {("yes", "no")[i % 2]: 1},
    }


def _seed(master: bytes, i: int) -> bytes:
    return hashlib.sha256(master + i.to_bytes(8, "big")).digest()


def _credential(master: bytes, i: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from zkmed.elections.credentials import VoterCredential

    return VoterCredential(str(MANIFEST["election_id"]), Ed25519PrivateKey.from_private_bytes(_seed(master, i)))


def _public_key(master: bytes, i: int) -> bytes:
    return bytes(_credential(master, i).public_key)


def _context(setup_items: list[tuple[str, bytes]]) -> Any:
    from zkmed.elections.board import Board, Posted, load_context

    board = Board()
    for index, (entry_type, payload) in enumerate(setup_items):
        board.add(Posted(index, entry_type, payload))
    return load_context(board)


def _encrypt_range(
    setup_items: list[tuple[str, bytes]], master: bytes, start: int, end: int
) -> tuple[list[bytes], list[str], list[tuple[bytes, bytes]]]:
    """Worker: the ballot payloads of voters ``start..end-1``, their ids, and the sum of their ciphertexts per option
    (element encodings: the tally is summed as the ballots come, never from all payloads at once)."""
    from zkmed.elections.ballot import encrypt_ballot, parse_ballot
    from zkmed.elections.elgamal import sum_ciphertexts

    ctx = _context(setup_items)
    g = ctx.group
    payloads, ids = [], []
    columns: list[list[Any]] = [[] for c in ctx.manifest.contests for _ in c.options]
    for i in range(start, end):
        made = encrypt_ballot(ctx, _credential(master, i), _choices(i))
        payloads.append(made.payload)
        ids.append(made.ballot_id)
        cts = [ct for contest in parse_ballot(ctx, made.payload).contests for ct in contest.ciphertexts]
        for column, ct in zip(columns, cts, strict=True):
            column.append(ct)
    sums = [sum_ciphertexts(g, column) for column in columns]
    return payloads, ids, [(g.encode_element(s.alpha), g.encode_element(s.beta)) for s in sums]


def _public_keys(master: bytes, start: int, end: int) -> list[bytes]:
    return [_public_key(master, i) for i in range(start, end)]


def gen_jobs() -> int:
    return int(os.environ.get("ZKMED_BENCH_GEN_JOBS", "0") or 0) or (os.cpu_count() or 1)


def election(n: int, *, log: Any = print) -> Path:
    """The cached ledger directory of an election with ``n`` ballots (generated on first use)."""
    home = CACHE / f"verify-{n}"
    if (home / "complete").exists():
        return home / "board"
    if home.exists():
        shutil.rmtree(home)  # an interrupted generation: start over
    home.mkdir(parents=True)
    t0 = time.perf_counter()
    _generate(home, n, log)
    (home / "complete").write_text(json.dumps({"ballots": n, "seconds": time.perf_counter() - t0}) + "\n")
    return home / "board"


def _generate(home: Path, n: int, log: Any) -> None:
    from zkmed import formats
    from zkmed.elections.board import entry_type
    from zkmed.elections.decryption import combine, partial_decrypt
    from zkmed.elections.elgamal import Ciphertext
    from zkmed.elections.manifest import parse_manifest
    from zkmed.elections.tally import Result, Tally
    from zkmed.elections.workflow import election_setup
    from zkmed.ledger import Ledger

    master = secrets.token_bytes(32)
    manifest = parse_manifest(json.dumps(MANIFEST))
    jobs = gen_jobs()
    log(f"generating an election with {n} ballots in {home} ({jobs} processes)")
    spans = [(s, min(n, s + GEN_TASK)) for s in range(0, n, GEN_TASK)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        keys = [k for part in pool.map(_public_keys, [master] * len(spans), *zip(*spans, strict=True)) for k in part]
        setup = election_setup(manifest, trustees=TRUSTEES, quorum=QUORUM, credentials=keys)
        keys.clear()
        context = [item for item in setup.items if item[0] != "election.credentials"]  # not needed to encrypt
        ctx = _context(context)
        g = ctx.group
        ids: list[str] = []
        alphas: list[list[Any]] = [[] for c in manifest.contests for _ in c.options]
        betas: list[list[Any]] = [[] for c in manifest.contests for _ in c.options]
        with Ledger.init(home / "board", authorities=3, threshold=2) as ledger:
            ledger.append_batch(setup.items, seal=True)
            pending: list[tuple[str, bytes]] = []
            futures = [pool.submit(_encrypt_range, context, master, s, e) for s, e in spans]
            for future in futures:  # in order: ballot i is voter i's
                payloads, span_ids, sums = future.result()
                pending += [(entry_type(formats.ELECTION_BALLOT), p) for p in payloads]
                ids += span_ids
                for column_a, column_b, (a, b) in zip(alphas, betas, sums, strict=True):
                    column_a.append(g.decode_element(a, allow_identity=True))
                    column_b.append(g.decode_element(b, allow_identity=True))
                if len(pending) >= CHUNK or len(ids) == n:
                    ledger.append_batch(pending, seal=True)
                    pending = []
                    log(f"  {len(ids)}/{n} ballots")
            # what `zkmed tally`, `zkmed trustee decrypt` (trustees 1 and 2; 3 is absent) and the result post,
            # computed here from the sums (the workflow functions would read all n payloads back)
            flat = [Ciphertext(g.sum(a), g.sum(b)) for a, b in zip(alphas, betas, strict=True)]
            per_contest, at = [], 0
            for contest in manifest.contests:
                per_contest.append(tuple(flat[at : at + len(contest.options)]))
                at += len(contest.options)
            tally = Tally.of(ids, tuple(per_contest))
            ledger.append(entry_type(formats.ELECTION_TALLY), tally.to_payload(ctx), seal=True)
            partials = [
                partial_decrypt(g, share, flat, context=ctx.decryption_context()) for share in setup.shares[:QUORUM]
            ]
            for partial in partials:
                ledger.append(entry_type(formats.ELECTION_PARTIAL_DECRYPTION), partial.to_payload(), seal=True)
            out = combine(g, setup.joint, flat, partials, context=ctx.decryption_context(), max_value=n)
            result = Result.from_counts(manifest, out.values, out.used, out.excluded)
            ledger.append(entry_type(formats.ELECTION_RESULT), result.to_payload(), seal=True)
    for share in setup.shares:
        share.save(home / f"trustee-{share.index}.key")


# ---------------------------------------------------------------------------- measuring


def measure(board: Path, *, jobs: int = 1, scheduler: str | None = None) -> dict[str, Any]:
    """``verify_ledger`` in a fresh subprocess: seconds, ok, entries, peak RSS (MiB) of it and of its workers."""
    cmd = [sys.executable, "-m", "benchmarks.bench_verify", "measure", str(board), "--jobs", str(jobs)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    env = {**os.environ, "ZKMED_THREADS": "1"}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd=ROOT.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _measure_here(board: str, jobs: int, scheduler: str | None) -> dict[str, Any]:
    import resource

    from zkmed.audit import verify_ledger
    from zkmed.ledger import Ledger

    with Ledger.open(board) as ledger:
        t0 = time.perf_counter()
        report = verify_ledger(ledger.store, jobs=jobs, scheduler=scheduler)
        seconds = time.perf_counter() - t0
    failure = report.first_failure()
    return {
        "seconds": seconds,
        "ok": report.ok,
        "failure": None if failure is None else f"{failure[0].number}: {failure[1].reason}",
        "entries": report.entries,
        "rss_mib": _peak_rss_mib(),
        "workers_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        # CPU seconds of this process (reading, dispatching, the steps after the units) and of its local workers
        "cpu_s": _cpu(resource.RUSAGE_SELF),
        "workers_cpu_s": _cpu(resource.RUSAGE_CHILDREN),
    }


def _peak_rss_mib() -> float:
    """This process's own peak RSS: ``VmHWM`` of its address space.  Not ``ru_maxrss``: Linux carries that across
    ``exec`` from the forked copy of the parent, so a subprocess of a large benchmark process would report the
    parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu(who: int) -> float:
    import resource

    usage = resource.getrusage(who)
    return float(usage.ru_utime + usage.ru_stime)


def _tally_times(home: Path, n: int) -> dict[str, float]:
    """Tally, partial decryptions (2 of 3 trustees) and the combination, from the cached election's ballots."""
    from zkmed.elections.ballot import parse_ballot
    from zkmed.elections.board import Board, election_entries, load_context
    from zkmed.elections.ceremony_keys import JointKey, TrusteeShare
    from zkmed.elections.decryption import combine, partial_decrypt
    from zkmed.elections.tally import compute_tally
    from zkmed.ledger import Ledger

    board = Board()
    with Ledger.open(home / "board") as ledger:
        for posted in election_entries(ledger):  # the setup, then the first n ballots (not all 10^5 payloads)
            board.add(posted)
            if len(board.ballots) >= n:
                break
    ctx = load_context(board)
    joint = JointKey.from_json(board.joint_key[0].payload)
    shares = [TrusteeShare.load(home / f"trustee-{i}.key") for i in range(1, QUORUM + 1)]
    t0 = time.perf_counter()
    rows = []
    for posted in board.ballots[:n]:
        b = parse_ballot(ctx, posted.payload)
        rows.append((b.ballot_id, [c.ciphertexts for c in b.contests]))
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    tally = compute_tally(ctx, rows)
    t_tally = time.perf_counter() - t0
    cts, context = tally.flat(), ctx.decryption_context()
    t0 = time.perf_counter()
    partials = [partial_decrypt(ctx.group, s, cts, context=context) for s in shares]
    t_partial = (time.perf_counter() - t0) / len(shares)
    t0 = time.perf_counter()
    out = combine(ctx.group, joint, cts, partials, context=context, max_value=len(rows))
    t_combine = time.perf_counter() - t0
    if list(out.values[:5]) != [sum(1 for i in range(len(rows)) if i % 5 == o) for o in range(5)]:
        raise RuntimeError("the benchmark tally decrypted wrongly")
    return {"parse": t_parse, "tally": t_tally, "partial": t_partial, "combine": t_combine}


# ---------------------------------------------------------------------------- tables


def _sizes(quick: bool) -> tuple[int, list[int]]:
    n = int(os.environ.get("ZKMED_BENCH_BALLOTS", "0") or 0) or (2_000 if quick else 100_000)
    raw = os.environ.get("ZKMED_BENCH_SIZES", "")
    sizes = [int(s) for s in raw.split(",") if s.strip()] if raw else [max(1, n // (4 if quick else 10))]
    return n, sorted({*sizes, n})


def _jobs() -> list[int]:
    raw = os.environ.get("ZKMED_BENCH_JOBS", "1,2")
    return sorted({1, *(int(j) for j in raw.split(",") if j.strip())})


def tables(*, quick: bool = False) -> list[Table]:
    n, sizes = _sizes(quick)
    boards = {size: election(size) for size in sizes}
    scale = Table(
        "zkmed verify: throughput vs number of ballots (P-256, 3 contests, 1 process), ballots/s",
        ["ballots", "entries", "seconds", "ballots/s", "peak RSS (MiB)"],
        chart=Chart("verify_vs_ballots", "ballots", ("ballots/s",), "ballots/s (1 process)", logx=True, ymin=0),
    )
    single: dict[str, Any] = {}
    for size in sizes:
        r = _checked(measure(boards[size], jobs=1), size)
        scale.add(size, r["entries"], r["seconds"], size / r["seconds"], r["rss_mib"])
        if size == n:
            single = r
    scale.notes.append(
        "the whole `verify_ledger` (chain, signatures, checkpoints, E1–E11 incl. tally and decryption) in a fresh "
        "process with ZKMED_THREADS=1; peak RSS = that process's ru_maxrss (goal at 10^5 ballots: < 1024 MiB)"
    )
    par = Table(
        f"zkmed verify: {n} ballots on local processes and on a Dask LocalCluster, ballots/s",
        ["workers", "local processes (ballots/s)", "Dask LocalCluster (ballots/s)", "linear scaling (ballots/s)",
         "speed-up vs 1 process", "Dask / local", "peak RSS main / largest worker (MiB)",
         "CPU s: main / local workers"],
        chart=Chart("verify_vs_jobs", "workers", ("local processes (ballots/s)", "Dask LocalCluster (ballots/s)",
                    "linear scaling (ballots/s)"), "ballots/s", ymin=0),
    )  # fmt: skip
    base = n / single["seconds"]
    par.add(1, base, "-", base, 1.0, "-", f"{single['rss_mib']:.0f} / -", f"{single['cpu_s']:.1f} / -")
    for jobs in _jobs()[1:]:
        local = _checked(measure(boards[n], jobs=jobs), n)
        dask = _checked(_dask(boards[n], jobs), n)
        rate, rated = n / local["seconds"], n / dask["seconds"]
        rss = f"{local['rss_mib']:.0f} / {local['workers_rss_mib']:.0f}"
        cpu = f"{local['cpu_s']:.1f} / {local['workers_cpu_s']:.1f}"
        par.add(jobs, rate, rated, base * jobs, rate / base, rated / rate, rss, cpu)
    par.notes.append(
        "goals (issue #14): 2 processes ≥ 1.8× 1 process; Dask with 2 workers within 20 % of 2 local processes "
        f"(Dask / local ≥ 0.8); this machine: {os.cpu_count()} CPUs, ZKMED_THREADS=1 everywhere"
    )
    par.notes.append(
        "CPU s: user + system time of the measured process (interpreter start and imports included) and of its "
        "local worker processes together — the speed-up 2 free cores allow is about 1 process's time / max(main, "
        "workers / jobs)"
    )
    par.notes.append(
        "Dask: LocalCluster(n_workers=k, threads_per_worker=1), started, and zkmed imported on its workers, before "
        "the measurement (a long-lived cluster); local processes are forked by the measured process itself"
    )
    tally_n = min(n, 10_000)
    t = _tally_times(boards[n].parent, tally_n)
    tally = Table(
        "Elections: tally and decryption with 2 of 3 trustees (P-256, 3 contests), s",
        ["ballots", "parse ballots", "tally (homomorphic sum)", "partial decryption (each trustee)",
         "combine (verify 2 partials + Lagrange + dlog)"],
    )  # fmt: skip
    tally.add(tally_n, t["parse"], t["tally"], t["partial"], t["combine"])
    tally.notes.append("the first ballots of the cached election; 17 ciphertexts per ballot; one process")
    return [scale, par, tally]


def _checked(result: dict[str, Any], n: int) -> dict[str, Any]:
    if not result["ok"]:
        raise RuntimeError(f"verification of the {n}-ballot benchmark election failed: {result['failure']}")
    return result


def _dask(board: Path, workers: int) -> dict[str, Any]:
    from dask.distributed import Client, LocalCluster

    old = os.environ.get("ZKMED_THREADS")
    os.environ["ZKMED_THREADS"] = "1"  # the workers inherit it
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                client.run(importlib.import_module, "zkmed.audit.elections")  # what a first unit would import
            return measure(board, scheduler=cluster.scheduler_address)
    finally:
        if old is None:
            os.environ.pop("ZKMED_THREADS", None)
        else:
            os.environ["ZKMED_THREADS"] = old


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_verify")
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="verify BOARD once and print a JSON line (used by tables())")
    m.add_argument("board")
    m.add_argument("--jobs", type=int, default=1)
    m.add_argument("--scheduler")
    g = sub.add_parser("generate", help="make (or reuse) the cached election with N ballots; print its path")
    g.add_argument("n", type=int)
    args = parser.parse_args(argv)
    if args.cmd == "measure":
        print(json.dumps(_measure_here(args.board, args.jobs, args.scheduler)))
    else:
        print(election(args.n))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
