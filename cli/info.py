"""``zkmed info``: backends available here, a self-check of each, and what their secret operations guarantee."""

from __future__ import annotations

import dataclasses

import click

from zkmed.cli import render
from zkmed.cli.conventions import echo_json, result_json
from zkmed.hazmat.groups.selfcheck import self_check_all


@click.command()
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document on stdout")
def info(as_json: bool) -> None:
    """List the group backends, run each one's self-check and show its constant-time status.

    After the table, one line per backend says whether mul_secret /
    mul_gen_secret (every nonce, blinding, key and witness) run in constant
    time there ("yes", "partial" or "no") and why, and one line gives the state
    of its fixed-base tables (petlib: whether the OpenSSL binding was proven
    to be petlib's own libcrypto).  docs/constant-time.md has the full table.  Exit 1 when a self-check fails.

    Example: zkmed info --json
    """
    results = self_check_all()
    if as_json:
        backends = [dataclasses.asdict(r) for r in results]
        echo_json(result_json("zkmed info", {"backends": backends}, ok=all(r.ok for r in results)))
        if not all(r.ok for r in results):
            raise click.exceptions.Exit(1)
        return
    rows = []
    lines = []
    failures = 0
    for result in results:
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
        if result.ok:
            lines.append(
                f"{result.name}: secret ops constant-time: {result.constant_time} ({result.constant_time_detail})"
            )
            lines.append(f"{result.name}: fixed-base tables: {result.fixed_base}")
    render.table("zkmed group backends", ["group", "backend", "order bits", "element bytes", "self-check"], rows)
    for line in lines:
        click.echo(render.one_line(line))
    if failures:
        raise click.exceptions.Exit(1)
