"""Group commit: the writes waiting for the writer are checked one by one, then appended in one transaction.

While the writer thread works on a batch, new submissions queue up; the next
batch takes all of them (up to :data:`MAX_BATCH`).  Each job is checked in
turn against the ledger (:meth:`Job.check`: a write request's signature and
nonce, a ballot's verification); the accepted ones are appended with one
``append_batch`` — one durable commit for the lot — and each gets its own
sequence numbers back.  A job that fails its check gets its own error and
nothing of it is written.  Acknowledgements go out only after that commit.

Ballots: ``check_ballot_submission`` sees the ledger, not the ballots accepted
earlier in the same batch.  When the elections package names a
``ballot_key(payload)`` (what it refuses to see twice: the ballot id), a batch
refuses a second ballot with the same key itself, as step 7 would once the
first is appended; without it, a batch takes one ballot and leaves the others
for the next batch (correct, not grouped).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zkmed.errors import VerificationError, ZkmedError
from zkmed.ledger.ledger import Ledger
from zkmed.serve.backend import Worker

__all__ = ["MAX_BATCH", "GroupCommit", "Job"]

MAX_BATCH = 512


@dataclass
class Job:
    """One submission: ``check(ledger)`` returns its entries or raises; ``key`` (ballots) must be unique
    within a batch; ``exclusive`` jobs (ballots without a key) go alone with other jobs of no kind."""

    check: Callable[[Ledger], list[tuple[str, bytes]]]
    key: str | None = None
    exclusive: bool = False
    future: asyncio.Future[Any] | None = field(default=None, repr=False)


def run_batch(led: Ledger, jobs: list[Job]) -> list[tuple[int, int] | BaseException]:
    """Writer thread: check every job, append the accepted ones in one transaction; per job (first seq, count)."""
    results: list[tuple[int, int] | BaseException] = []
    accepted: list[tuple[int, list[tuple[str, bytes]]]] = []
    keys: set[str] = set()
    for i, job in enumerate(jobs):
        try:
            if job.key is not None and job.key in keys:
                raise VerificationError(f"step 7 (unique ballot ids): ballot id {job.key} was just accepted")
            entries = job.check(led)
        except Exception as exc:  # this job's own failure (bad signature, invalid ballot…): only it is refused
            results.append(exc)
            continue
        if job.key is not None:
            keys.add(job.key)
        results.append((0, 0))
        accepted.append((i, entries))
    if not accepted:
        return results
    try:
        appended = led.append_batch([e for _, entries in accepted for e in entries])
    except ZkmedError:  # one job's entries spoil the batch (a reserved type…): append them one by one
        for i, entries in accepted:
            try:
                one = led.append_batch(entries)
                results[i] = (one.first_seq, one.count)
            except ZkmedError as exc:
                results[i] = exc
        return results
    seq = appended.first_seq
    for i, entries in accepted:
        results[i] = (seq, len(entries))
        seq += len(entries)
    return results


class GroupCommit:
    """The queue in front of the writer (event-loop side)."""

    def __init__(self, writer: Worker) -> None:
        self.writer = writer
        self.queue: list[Job] = []
        self._flushing: asyncio.Task[None] | None = None

    async def submit(self, job: Job) -> tuple[int, int]:
        """Queue ``job``; its (first seq, count) once durable, or its error."""
        future = job.future = asyncio.get_running_loop().create_future()
        self.queue.append(job)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        return await future  # type: ignore[no-any-return]

    def _take(self) -> list[Job]:
        batch: list[Job] = []
        rest: list[Job] = []
        exclusive_taken = False
        for job in self.queue:
            if len(batch) >= MAX_BATCH or (job.exclusive and exclusive_taken):
                rest.append(job)
                continue
            exclusive_taken = exclusive_taken or job.exclusive
            batch.append(job)
        self.queue = rest
        return batch

    async def _flush(self) -> None:
        while self.queue:
            batch = self._take()
            try:
                results = await self.writer.call(run_batch, batch)
            except BaseException as exc:  # the store failed under the whole batch
                for job in batch:
                    if job.future is not None and not job.future.done():
                        job.future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                if not isinstance(exc, Exception):
                    raise
                continue
            for job, result in zip(batch, results, strict=True):
                if job.future is None or job.future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)
