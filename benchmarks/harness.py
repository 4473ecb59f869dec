"""A small timing harness shared by every ``benchmarks/bench_*.py`` module.

Each benchmark module exposes ``tables(quick: bool) -> list[Table]``; the
runner (``python -m benchmarks.run``) collects them into one JSON file and one
Markdown report so that ratios (ours vs. peers, ours vs. the backend's cost
floor) are measured side by side in one run on one machine.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zkmed.hazmat.groups import parallel


@dataclass(frozen=True)
class Chart:
    """How to draw a table as a PNG: ``x`` column against ``y`` columns (one line each)."""

    name: str  # file name stem: results/<name>.png
    x: str
    y: tuple[str, ...]
    ylabel: str
    logx: bool = False
    logy: bool = False
    #: the y axis starts here (None: matplotlib's automatic range)
    ymin: float | None = None


@dataclass
class Table:
    """One result table: a title, column names, rows of values, free-text notes, optionally a chart."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None

    def add(self, *row: Any) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"{self.title}: row has {len(row)} cells, expected {len(self.columns)}")
        self.rows.append(list(row))

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}

    def to_markdown(self) -> str:
        def cell(v: Any) -> str:
            if isinstance(v, float):
                return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
            return str(v)

        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def time_us(fn: Callable[[], Any], *, min_time: float = 0.2, repeat: int = 5, max_number: int = 100_000) -> float:
    """Median wall time of one ``fn()`` call in microseconds.

    Calibrates a loop count so each of ``repeat`` samples lasts about
    ``min_time / repeat`` seconds; GC is disabled while sampling.
    """
    fn()  # warm up caches / lazy tables
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time / repeat or number >= max_number:
            break
        number = min(max_number, max(number * 2, int(number * (min_time / repeat) / max(elapsed, 1e-9))))
    samples = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return statistics.median(samples) * 1e6


def single_core() -> contextlib.AbstractContextManager[None]:
    """MSM splitting off for the body of a ``with`` block (:mod:`zkmed.hazmat.groups.parallel`): the one-core figure."""
    return parallel.threads(1)


def threads_note() -> str:
    """How many threads large MSMs used in this run (for table notes)."""
    return (
        f"large MSMs (≥ {2 * parallel.MIN_TERMS_PER_CHUNK} terms) were split across {parallel.get_threads()} "
        "threads (zkmed.hazmat.groups.parallel); '1 core' columns turn splitting off"
    )
