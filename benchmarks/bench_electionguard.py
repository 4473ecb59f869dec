"""ElectionGuard 2.0 record verification (issue 12): zkmed's verifier vs a one-by-one loop, side by side.

* **baseline**: the same steps with ``fast=False`` (``zkmed.electionguard.arith.Arith``): one ``gmpy2.powmod`` per
  exponentiation (``g^v``, ``K^w``, ``α^c``, ``β^c``, …) and one ``x^q`` per subgroup-membership test, one core —
  the straightforward loop;
* **ours**: fixed-base tables for ``g`` and ``K``, shared squarings for the two exponents of one base, Straus for
  ``A^v·M^c``, the batched subgroup test (random linear combination), ``jobs`` worker processes.

Goals: ≤ 3 s per 42-ballot record with ``zkmed electionguard verify --jobs 2``; ≥ 4× faster than the baseline
measured in the same run.  Reported: seconds per record (the library call, and the command itself run as a process:
interpreter start, imports, rendering included), ballots/s, speed-up, and the time per step (summed over worker
processes).
``--quick``: one record, ballot proofs of the first 6 ballot files only (a smoke run; no goal applies).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Table
from zkmed.electionguard import Report, check_record

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "electionguard-2.0"
RECORDS = ("allAvailable", "someAvailable")


def _timed(path: Path, **kw: object) -> tuple[float, Report]:
    t0 = time.perf_counter()
    report = check_record(path, **kw)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    if not report.ok:
        raise RuntimeError(f"{path}: the benchmark record does not verify: {[s.step for s in report.failed]}")
    return seconds, report


def _cli_seconds(path: Path) -> float:
    """Wall time of ``zkmed electionguard verify PATH --jobs 2`` as a new process (what the goal names)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zkmed.cli.main", "electionguard", "verify", str(path), "--jobs", "2"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return time.perf_counter() - t0


def _quick_copy(tmp: Path) -> Path:
    dst = tmp / "allAvailable-quick"
    shutil.copytree(VECTORS / "allAvailable", dst)
    for p in sorted((dst / "encrypted_ballots").glob("*/*.json"))[6:]:
        p.unlink()
    for p in (dst / "challenged_ballots").glob("*.json"):
        p.unlink()
    return dst


def tables(*, quick: bool = False) -> list[Table]:
    main = Table(
        "ElectionGuard 2.0 record verification: seconds per record (42 ballots), zkmed vs a one-by-one loop",
        [
            "record",
            "ballots",
            "baseline 1 core (s)",
            "ours jobs=1 (s)",
            "ours jobs=2 (s)",
            "CLI --jobs 2 (s)",
            "ballots/s (jobs=2)",
            "speed-up jobs=1",
            "speed-up jobs=2",
            "goal ≤ 3 s",
            "goal ≥ 4×",
        ],
    )
    steps = Table(
        "ElectionGuard 2.0: time per step, ours with jobs=2 (s, summed over processes)",
        ["record", "step", "name", "checked", "seconds"],
    )
    with tempfile.TemporaryDirectory(prefix="zkmed-bench-eg-") as tmp:
        cases = (
            [("allAvailable (quick: 6 ballots)", _quick_copy(Path(tmp)))]
            if quick
            else [(n, VECTORS / n) for n in RECORDS]
        )
        only = {"V5", "V6", "V7"} if quick else None
        for name, path in cases:
            base, _ = _timed(path, jobs=1, fast=False, steps=only)
            one, _ = _timed(path, jobs=1, steps=only)
            two, report = _timed(path, jobs=2, steps=only)
            cli = "-" if quick else _cli_seconds(path)
            main.add(
                name,
                report.ballots,
                base,
                one,
                two,
                cli,
                report.ballots / two,
                base / one,
                base / two,
                "n/a" if quick else ("met" if max(two, float(cli)) <= 3 else "NOT met"),
                "n/a" if quick else ("met" if base / two >= 4 else "NOT met"),
            )
            for s in report.steps:
                if s.status != "not-present":
                    steps.add(name, s.step, s.name, s.checked, s.seconds)
    main.notes.append(
        "CLI = `python -m zkmed.cli.main electionguard verify RECORD --jobs 2` as a new process; goal ≤ 3 s: both figures"
    )
    main.notes.append(
        "baseline = the same verifier with Arith(fast=False): one powmod per exponentiation and per subgroup test"
    )
    main.notes.append(
        "V5/V6 run on every ballot, cast and challenged (issue 12: every ballot's proofs); V12-V14 also check the challenged ballots' contents"
    )
    return [main, steps]
