"""Benchmarks of ``ledger_pg`` (to be written)."""

from __future__ import annotations

from benchmarks.harness import Table


def tables(*, quick: bool = False) -> list[Table]:
    return []
