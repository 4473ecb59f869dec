"""``zkmed info``: backends available here and a self-check of each group law."""

from __future__ import annotations

import click

from zkmed.cli import render
from zkmed.hazmat.groups.selfcheck import self_check_all


@click.command()
def info() -> None:
    """List the group backends and run each one's self-check."""
    rows = []
    failures = 0
    for result in self_check_all():
        failures += not result.ok
        rows.append(
            [
                result.name,
                result.backend,
                result.order_bits,
                result.element_size,
                "ok" if result.ok else f"FAILED: {result.detail}",
            ]
        )
    render.table("zkmed group backends", ["group", "backend", "order bits", "element bytes", "self-check"], rows)
    if failures:
        raise click.exceptions.Exit(1)
