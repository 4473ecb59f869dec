"""Splitting large multi-scalar multiplications across CPU cores.

An MSM ``Σ k_i·P_i`` is a sum, so it splits into chunks computed independently
and added.  The petlib backend's chunks are single ``EC_POINTs_mul`` calls,
during which cffi releases the GIL, so plain threads run them on separate cores
(a 148-term P-256 MSM: 2.1 ms on one core, 1.2 ms on two).  Small MSMs (one
sigma proof) stay on the calling thread, where a hand-off costs more than it saves.

Threads: :func:`set_threads`, else ``ZKMED_THREADS``, else ``os.cpu_count()``;
``1`` turns splitting off.  Safety: the result is the same point whatever the
split, and scalars stay public (:meth:`~zkmed.hazmat.groups.base.Group.msm` is for
public scalars, split or not); a chunk never waits on another (the calling
thread computes the first chunk, and pool threads do not split again, so no
starvation); after ``fork()`` the child drops the parent's pool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from zkmed.errors import MalformedInput

__all__ = ["MIN_TERMS_PER_CHUNK", "chunks", "get_threads", "set_threads", "split_sum", "threads"]

#: below this many terms per chunk a split does not pay for the thread hand-off
MIN_TERMS_PER_CHUNK = 48
ENV_VAR = "ZKMED_THREADS"

T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_configured: int | None = None
_local = threading.local()


def _env_threads() -> int | None:
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise MalformedInput(f"{ENV_VAR} must be a positive integer, got {raw!r}") from exc
    if value < 1:
        raise MalformedInput(f"{ENV_VAR} must be a positive integer, got {raw!r}")
    return value


_CPUS = os.cpu_count() or 1  # read once: os.cpu_count() reads /sys on Linux (microseconds per call)


def get_threads() -> int:
    """How many threads a large MSM may use (≥ 1)."""
    if _configured is not None:
        return _configured
    return _env_threads() or _CPUS


def set_threads(count: int | None) -> None:
    """Use at most ``count`` threads per MSM (``1``: never split; ``None``: back to the default)."""
    global _configured
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise MalformedInput("set_threads: expected a positive integer or None")
    _configured = count


@contextmanager
def threads(count: int | None) -> Iterator[None]:
    """``set_threads(count)`` for the body of a ``with`` block, then the previous setting again."""
    global _configured
    previous = _configured
    set_threads(count)
    try:
        yield
    finally:
        _configured = previous


def chunks(terms: int) -> int:
    """Into how many chunks an MSM of ``terms`` terms is split here (1 = not at all).

    Costs one comparison for the small MSMs of single proofs, which never split.
    """
    if terms < 2 * MIN_TERMS_PER_CHUNK or getattr(_local, "in_pool", False):
        return 1
    return max(1, min(get_threads(), terms // MIN_TERMS_PER_CHUNK))


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zkmed-msm", initializer=_mark)
            _pool_size = workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _mark() -> None:
    _local.in_pool = True


def _forget_pool_in_child() -> None:
    global _pool, _pool_size, _lock
    _pool, _pool_size, _lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def split_sum(
    count: int,
    parts: int,
    compute: Callable[[int, int, bool], T],
    add: Callable[[T, T], T],
) -> T:
    """``compute(start, end, first)`` over ``parts`` contiguous ranges of ``range(count)``, summed with ``add``.

    The first range (``first=True``, where the caller puts anything that
    must be counted once, such as the generator term) runs on the calling
    thread, the others on the pool.
    """
    if parts < 2:
        return compute(0, count, True)
    size = -(-count // parts)
    bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
    pool = _executor(len(bounds) - 1)
    futures: Sequence[Future[T]] = [pool.submit(compute, lo, hi, False) for lo, hi in bounds[1:]]
    total = compute(bounds[0][0], bounds[0][1], True)
    for future in futures:
        total = add(total, future.result())
    return total
