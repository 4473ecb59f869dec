"""Crash safety (SIGKILL at random moments) and concurrent appenders in separate processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zkmed.ledger.audit import audit_store
from zkmed.ledger.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]
APPENDER = Path(__file__).with_name("_appender.py")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _start(d: Path, tag: str, count: int, batch: int, max_entries: int | None = None) -> subprocess.Popen[bytes]:
    """An appender process; with ``max_entries`` it seals deferred (SealPolicy(max_entries, 50 ms))."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    flags = ["-O"] if sys.flags.optimize else []
    deferred = [] if max_entries is None else [str(max_entries)]
    return subprocess.Popen(
        [sys.executable, *flags, str(APPENDER), str(d), tag, str(count), str(batch), *deferred],
        stdout=subprocess.PIPE,
        env=env,
    )


def _acks(output: bytes) -> dict[int, bytes]:
    """``seq -> payload`` for every acknowledged append (only complete lines count)."""
    acked: dict[int, bytes] = {}
    for line in output.decode().split("\n")[:-1]:
        _, first, count, tag, i = line.split(" ")
        for k in range(int(count)):
            acked[int(first) + k] = f"{tag}-{int(i) + k}".encode()
    return acked


def _kill_after_first_acks(procs: list[subprocess.Popen[bytes]], rng: random.Random) -> dict[int, bytes]:
    """Wait until every appender has acknowledged once (past its imports, however loaded the machine is),
    let them race a random while, SIGKILL them all; every acknowledged append, no sequence number twice."""
    firsts = [p.stdout.readline() if p.stdout is not None else b"" for p in procs]
    time.sleep(rng.uniform(0.0, 0.3))
    for p in procs:
        p.send_signal(signal.SIGKILL)
    acked: dict[int, bytes] = {}
    for p, first in zip(procs, firsts, strict=True):
        new = _acks(first + (p.stdout.read() if p.stdout is not None else b""))
        p.wait()
        assert not set(new) & set(acked), "two processes acknowledged one sequence number"
        acked.update(new)
    return acked


def _check(d: Path, acked: dict[int, bytes], full: bool = True, deferred: bool = False) -> int:
    """Reopen the store; every acknowledged entry is there; with ``full``, the whole store verifies.

    Returns the number of stored entries, sealed and pending; only deferred
    sealing may leave pending ones.
    """
    with Ledger.open(d) as led:
        for seq, payload in acked.items():
            assert led.entry(seq).payload == payload, f"acknowledged entry {seq} lost or changed"
        if not deferred:
            assert led.pending == 0, "sealing every append never leaves pending entries"
        if not full:
            return led.size + led.pending
        report = audit_store(led.store)
        assert report.pending == led.pending
        return report.entries + report.pending


def _crash_trials(d: Path, trials: int, seed: int, max_entries: int | None = None) -> tuple[int, int]:
    """Kill appenders at random moments; returns (acknowledged entries, kills that left entries pending)."""
    rng = random.Random(seed)
    acked: dict[int, bytes] = {}
    deferred = max_entries is not None
    left_pending = 0
    for t in range(trials):
        proc = _start(d, f"trial{t}", -1, rng.choice([1, 1, 7, 50]), max_entries)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the appender is past its imports and its first commit
        time.sleep(rng.uniform(0.0, 0.04))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        new = _acks(first + rest)
        assert not set(new) & set(acked), "a sequence number was acknowledged twice"
        acked.update(new)
        # reopen after every kill: nothing acknowledged is lost; the full re-verification runs every few kills
        full = t % 5 == 4 or t == trials - 1 or trials <= 5
        assert _check(d, acked, full, deferred) >= len(acked)
        with Ledger.open(d) as led:
            left_pending += led.pending > 0
    return len(acked), left_pending


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    Ledger.init(tmp_path / "l", authorities=3, threshold=2, name="crash.example").close()
    return tmp_path / "l"


def test_sigkill_at_random_moments_loses_nothing_acknowledged(ledger_dir: Path) -> None:
    acked, left_pending = _crash_trials(ledger_dir, trials=4, seed=7)
    assert acked > 0 and left_pending == 0


@pytest.mark.slow
def test_sigkill_many_trials(ledger_dir: Path) -> None:
    acked, _ = _crash_trials(ledger_dir, trials=40, seed=2024)
    assert acked > 40


def _two_appenders(ledger_dir: Path, max_entries: int | None) -> None:
    """Two processes append 40 and 60 entries at once: none lost, none acknowledged twice, the chain verifies."""
    procs = [_start(ledger_dir, "p1", 40, 1, max_entries), _start(ledger_dir, "p2", 60, 6, max_entries)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    acked: dict[int, bytes] = {}
    for out in outputs:
        new = _acks(out)
        assert not set(new) & set(acked)
        acked.update(new)
    assert len(acked) == 100
    assert _check(ledger_dir, acked) == 100


def test_two_processes_appending_at_once(ledger_dir: Path) -> None:
    _two_appenders(ledger_dir, None)


@pytest.mark.slow
def test_concurrent_appenders_killed_at_random(ledger_dir: Path) -> None:
    rng = random.Random(99)
    acked: dict[int, bytes] = {}
    for t in range(10):
        procs = [_start(ledger_dir, f"r{t}a", -1, 1), _start(ledger_dir, f"r{t}b", -1, 5)]
        new = _kill_after_first_acks(procs, rng)
        assert not set(new) & set(acked)
        acked.update(new)
        _check(ledger_dir, acked, full=t % 5 == 4)
    assert len(acked) > 10


# -- deferred sealing: acknowledged appends may be pending when the process dies ------------------


def _seal_and_verify(d: Path, acked: dict[int, bytes]) -> None:
    """A keyed handle seals what the killed appenders left pending; then everything acknowledged is sealed."""
    with Ledger.open(d, signing=True) as led:
        led.seal()
        assert led.pending == 0 and led.size >= len(acked)
    assert _check(d, acked) >= len(acked)


@pytest.mark.slow_on_postgresql
def test_sigkill_with_deferred_sealing_loses_nothing_acknowledged(ledger_dir: Path) -> None:
    acked, left_pending = _crash_trials(ledger_dir, trials=4, seed=11, max_entries=40)
    assert acked > 0 and left_pending > 0  # the kills did leave acknowledged entries unsealed
    with Ledger.open(ledger_dir) as led:
        entries = {seq: led.entry(seq).payload for seq in range(led.size + led.pending)}
    _seal_and_verify(ledger_dir, entries)


@pytest.mark.slow
def test_sigkill_many_trials_with_deferred_sealing(ledger_dir: Path) -> None:
    acked, left_pending = _crash_trials(ledger_dir, trials=30, seed=4242, max_entries=25)
    assert acked > 30 and left_pending > 0


def test_two_deferred_processes_appending_at_once(ledger_dir: Path) -> None:
    _two_appenders(ledger_dir, 16)
    with Ledger.open(ledger_dir) as led:
        assert led.pending == 0  # each process sealed what was pending when it closed


@pytest.mark.slow
def test_deferred_and_sealing_appenders_killed_at_random(ledger_dir: Path) -> None:
    rng = random.Random(5)
    acked: dict[int, bytes] = {}
    for t in range(8):
        procs = [_start(ledger_dir, f"r{t}a", -1, 1, 30), _start(ledger_dir, f"r{t}b", -1, 5)]
        new = _kill_after_first_acks(procs, rng)
        assert not set(new) & set(acked)
        acked.update(new)
        _check(ledger_dir, acked, full=t % 4 == 3, deferred=True)
    _seal_and_verify(ledger_dir, acked)
