"""``zkmed demo``: the end-to-end story (default) or the building-block showcase (``--primitives``).

``zkmed demo [DIRECTORY]`` runs one story on an embedded SQLite ledger in a fresh directory (``story``): an
election, medical records with consent and audit, and ``zkmed verify`` over the whole ledger; it ends with the
commands to run next on that directory.  ``zkmed demo --primitives [--step N]`` runs the building blocks one by
one (``steps``): group backends and self-checks, hash-to-curve generators, a Pedersen commitment with its opening
proof, the ledger's proofs, a range proof on a hidden lab value.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.panel import Panel

from zkmed.cli import render
from zkmed.cli.demo.steps import STEPS


@click.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--primitives", is_flag=True, help="run the building-block showcase instead of the story")
@click.option(
    "--step",
    "only",
    type=click.IntRange(1, len(STEPS)),
    default=None,
    help=f"with --primitives: run only step N (1-{len(STEPS)})",
)
def demo(directory: Path | None, primitives: bool, only: int | None) -> None:
    """Run the end-to-end demo in DIRECTORY (new or empty; default: a new temporary directory).

    An election and medical records on one 3-authority ledger, then `zkmed verify` over all of it; the
    directory keeps everything (secrets 0600) and the demo ends with the commands to run next on it.
    Example: zkmed demo /tmp/zkmed-demo   (or: zkmed demo --primitives --step 5)
    """
    if primitives or only is not None:
        if directory is not None:
            raise click.UsageError("--primitives takes no DIRECTORY")
        _primitives(only)
        return
    from zkmed.cli.demo.story import run_story

    run_story(render.console, directory)


def _primitives(only: int | None) -> None:
    console = render.console
    console.print(Panel.fit("[bold]zkmed[/] building blocks", border_style="cyan"))
    for number, (title, step) in enumerate(STEPS, start=1):
        if only is not None and number != only:
            continue
        console.rule(f"[bold]{number}. {title}")
        step(console)
    console.rule("[bold green]all steps passed" if only is None else f"[bold green]step {only} passed")
