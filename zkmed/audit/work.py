"""Work units and the three ways to run them: in this process, on local processes, on a Dask cluster.

A unit is bytes only (a runner name, shared public context bytes, and ``(entry index, payload)`` pairs), so it
crosses process boundaries as it is: no live group or petlib object is ever pickled.  Runners are resolved by
name (``module:function``) in the worker.  Units are batches — Dask's per-task overhead is about 1.5 ms here, so
a unit should carry hundreds of proofs, never one.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from zkmed.audit.report import Finding
from zkmed.errors import BackendUnavailable, MalformedInput

Runner = Callable[[bytes, Sequence[tuple[int, bytes]]], "list[Finding] | Outcome"]
#: a Dask scheduler address: ``[tcp://]host:port``
SCHEDULER_ADDRESS = re.compile(
    r"(?:tcp://)?(?P<host>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):(?P<port>[0-9]{1,5})"
)
#: units in flight per worker process (keeps memory bounded while streaming)
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True)
class WorkUnit:
    """``runner(context, items)`` → findings; ``runner`` is ``"module:function"``."""

    runner: str
    context: bytes
    items: tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class Outcome:
    """What a unit's runner found, and optionally ``data`` for its family (plain data: bytes, str, int, containers
    and dataclasses of them — never a live group element) handed to ``FamilyRun.take`` in unit order."""

    findings: list[Finding]
    data: Any = None


def resolve(runner: str) -> Runner:
    module_name, _, name = runner.partition(":")
    if not module_name or not name:
        raise MalformedInput(f"work unit runner {runner!r} is not 'module:function'")
    fn = getattr(importlib.import_module(module_name), name, None)
    if not callable(fn):
        raise MalformedInput(f"work unit runner {runner!r} does not exist")
    return fn  # type: ignore[no-any-return]


def run_unit(unit: WorkUnit) -> Outcome:
    """Run one unit (in whatever process this is); a runner may return its findings alone."""
    result = resolve(unit.runner)(unit.context, unit.items)
    return result if isinstance(result, Outcome) else Outcome(list(result))


def run_units(units: Iterable[WorkUnit], *, jobs: int = 1, scheduler: str | None = None) -> Iterator[Outcome]:
    """The outcome of each unit, in the order the units came (the units are consumed lazily)."""
    if scheduler is not None:
        yield from _run_dask(units, scheduler)
    elif jobs > 1:
        yield from _run_processes(units, jobs)
    else:
        for unit in units:
            yield run_unit(unit)


def _run_processes(units: Iterable[WorkUnit], jobs: int) -> Iterator[Outcome]:
    window: list[Future[Outcome]] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for unit in units:
            window.append(pool.submit(run_unit, unit))
            if len(window) >= jobs * IN_FLIGHT_PER_WORKER:
                yield window.pop(0).result()
        for future in window:
            yield future.result()


def _run_dask(units: Iterable[WorkUnit], address: str) -> Iterator[Outcome]:
    match = SCHEDULER_ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if match is None or not 0 < int(match["port"]) < 65536:
        raise MalformedInput(f"{address!r} is not a Dask scheduler address (tcp://HOST:PORT)")
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise BackendUnavailable("--scheduler needs dask[distributed]") from exc
    try:
        client: Any = Client(address, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BackendUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        window: list[Any] = []
        for unit in units:
            window.append(client.submit(run_unit, unit, pure=False))
            if len(window) >= workers * IN_FLIGHT_PER_WORKER:
                yield window.pop(0).result()
        for future in window:
            yield future.result()
    finally:
        client.close()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
