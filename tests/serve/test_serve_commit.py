"""Group commit: per-job checks, one transaction for the accepted jobs, keys unique within a batch."""

from __future__ import annotations

import asyncio
from pathlib import Path

from zkmed.errors import VerificationError
from zkmed.ledger.ledger import Ledger
from zkmed.serve.backend import Worker
from zkmed.serve.commit import GroupCommit, Job, run_batch


def ok(*entries: tuple[str, bytes]) -> Job:
    return Job(lambda led: list(entries))


def bad(message: str) -> Job:
    def check(led: Ledger) -> list[tuple[str, bytes]]:
        raise VerificationError(message)

    return Job(check)


def test_run_batch_appends_accepted_jobs_in_one_block(board: Path) -> None:
    with Ledger.open(board, signing=True) as led:
        start, height = led.size, led.height
        jobs = [ok(("note", b"a")), bad("step B3"), ok(("note", b"b"), ("note", b"c")), ok(("note", b"d"))]
        results = run_batch(led, jobs)
        assert results[0] == (start, 1) and isinstance(results[1], VerificationError)
        assert results[2] == (start + 1, 2) and results[3] == (start + 3, 1)
        assert led.height == height + 1 and [led.entry(start + i).payload for i in range(4)] == [b"a", b"b", b"c", b"d"]


def test_a_spoiling_job_falls_back_to_one_by_one(board: Path) -> None:
    with Ledger.open(board, signing=True) as led:
        start = led.size
        results = run_batch(led, [ok(("note", b"a")), ok(("zkmed.reserved", b"x")), ok(("note", b"b"))])
        assert results[0] == (start, 1) and results[2] == (start + 1, 1) and isinstance(results[1], Exception)
        assert led.size + led.pending == start + 2


def test_keys_are_unique_within_a_batch(board: Path) -> None:
    with Ledger.open(board, signing=True) as led:
        jobs = [Job(lambda led: [("note", b"1")], key="k"), Job(lambda led: [("note", b"2")], key="k")]
        results = run_batch(led, jobs)
        assert isinstance(results[1], VerificationError) and "ballot id k was just accepted" in str(results[1])


def test_exclusive_jobs_go_one_per_batch(board: Path) -> None:
    async def scenario() -> list[tuple[int, int]]:
        worker = Worker(lambda: Ledger.open(board, signing=True), "test-writer")
        try:
            commits = GroupCommit(worker)
            jobs = [Job(lambda led, i=i: [("note", bytes([i]))], exclusive=True) for i in range(4)]
            commits.queue.extend(jobs[1:])  # already waiting
            assert [len(commits._take())] == [1]
            commits.queue = []
            return await asyncio.gather(*(commits.submit(j) for j in jobs))
        finally:
            worker.close()

    results = asyncio.run(scenario())
    assert sorted(first for first, _ in results) == [r[0] for r in sorted(results)] and len(set(results)) == 4
