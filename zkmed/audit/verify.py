"""``verify_ledger``: the ledger (A1), the dispatch of every entry (A2), then each family's steps."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence

from zkmed.audit import families as registry
from zkmed.audit.families import Family, FamilyRun, family_of
from zkmed.audit.report import Finding, Report, Step, merge_findings
from zkmed.audit.work import WorkUnit, run_units
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger.audit import TOFU_WARNING, audit_store
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.entries import Entry
from zkmed.ledger.store import Store

#: entries read from the store at a time (memory stays bounded on large ledgers)
CHUNK = 2_000
Progress = Callable[[int, int], None]


def verify_ledger(
    store: Store,
    *,
    policy: TrustPolicy | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    families: Sequence[Family] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Verify everything on ``store``; a :class:`Report` (failures are in it, not raised).

    ``policy`` is the auditor's trust anchor; without it the report carries the trust-on-first-use warning.
    ``jobs`` > 1 runs the work units on local processes, ``scheduler`` (a Dask address) on a Dask cluster.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= 256:
        raise MalformedInput("jobs must be an integer in 1..256")
    started = time.perf_counter()
    steps: list[Step] = []
    try:
        audit = audit_store(store, policy=policy)
    except VerificationError as exc:
        steps.append(Step("A1", "ledger: chain, signatures, checkpoints", (Finding(None, exc.diagnostic()),)))
        return Report(tuple(steps), entries=0, anchored=policy is not None, warning=_warning(policy))
    total = audit.entries + audit.pending
    steps.append(Step("A1", "ledger: chain, signatures, checkpoints", detail=f"{audit.blocks} blocks, {total} entries"))
    table = list(registry.FAMILIES if families is None else families)
    runs: dict[str, FamilyRun] = {}
    unknown: list[Finding] = []
    tags: deque[str] = deque()

    def units() -> Iterator[WorkUnit]:
        for entry in _entries(store, total, progress):
            if entry.reserved:
                continue  # the ledger's own entries (authority changes): checked in V1
            family = family_of(entry.type, table)
            if family is None:
                unknown.append(Finding(entry.seq, f"entry type {entry.type!r} is not known to this verifier"))
                continue
            run = runs.get(family.name)
            if run is None:
                run = runs[family.name] = family.start()
            for unit in run.feed(entry):
                tags.append(family.name)
                yield unit
        for name, run in runs.items():
            for unit in run.close():
                tags.append(name)
                yield unit

    found: dict[str, list[list[Finding]]] = {}
    for outcome in run_units(units(), jobs=jobs, scheduler=scheduler):
        name = tags.popleft()
        found.setdefault(name, []).append(outcome.findings)
        if outcome.data is not None:
            runs[name].take(outcome.data)
    steps.append(Step("A2", "every entry's type is known", tuple(unknown), detail=f"{len(runs)} families"))
    for family in table:
        run = runs.get(family.name)
        if run is not None:
            steps.extend(run.finish(merge_findings(found.get(family.name, []))))
    meta = {"seconds": time.perf_counter() - started, "jobs": jobs, "scheduler": scheduler}
    return Report(tuple(steps), entries=total, anchored=policy is not None, warning=_warning(policy), meta=meta)


def _warning(policy: TrustPolicy | None) -> str | None:
    return None if policy is not None else TOFU_WARNING


def _entries(store: Store, total: int, progress: Progress | None) -> Iterator[Entry]:
    for start in range(0, total, CHUNK):
        end = min(total, start + CHUNK)
        for data in store.entries(start, end):
            yield Entry.decode(data)
        if progress is not None:
            progress(end, total)
