"""``zkmed demo``: a short end-to-end showcase of everything that exists, on the default group.

Steps (each prints a rich summary and fails loudly if anything does not check out):

1. group backends and their self-checks;
2. independent generators derived by RFC 9380 hash-to-curve from public labels;
3. a Pedersen commitment with an opening proof that verifies, and a tampered one rejected;
4. a 3-authority ledger: entries, a checkpoint, inclusion + consistency proofs, a flipped byte detected;
5. a hidden lab value proven inside a range with Bulletproofs, an out-of-range value refused.
"""

from __future__ import annotations

import click
from rich.panel import Panel

from zkmed.cli import render
from zkmed.cli.demo.steps import STEPS


@click.command()
@click.option(
    "--step", "only", type=click.IntRange(1, len(STEPS)), default=None, help=f"run only step N (1-{len(STEPS)})"
)
def demo(only: int | None) -> None:
    """Run the end-to-end showcase."""
    console = render.console
    console.print(Panel.fit("[bold]zkmed[/] end-to-end showcase", border_style="cyan"))
    for number, (title, step) in enumerate(STEPS, start=1):
        if only is not None and number != only:
            continue
        console.rule(f"[bold]{number}. {title}")
        step(console)
    console.rule("[bold green]all steps passed" if only is None else f"[bold green]step {only} passed")
