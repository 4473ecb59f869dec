"""``zkmed verify BOARD``: the auditor's check of a whole ledger — the ledger itself, then every payload."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from zkmed.audit import Report, verify_ledger
from zkmed.cli import render
from zkmed.cli.ledger import _echo_json, _trust_policy, _warn
from zkmed.errors import VerificationError
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.store import Store

#: below this many entries no progress bar is drawn
PROGRESS_FROM = 5_000


@click.command()
@click.argument("board", type=click.Path(path_type=Path), envvar="ZKMED_LEDGER")
@click.option("--policy", type=click.Path(path_type=Path), help="YOUR trust anchor: the ledger's authorities.txt")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.verify-report JSON document on stdout")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True, help="local processes")
@click.option("--scheduler", metavar="ADDRESS", help="run the work on this Dask distributed scheduler")
def verify(board: Path, policy: Path | None, as_json: bool, jobs: int, scheduler: str | None) -> None:
    """Verify a whole ledger: chain, signatures, checkpoints, and every entry by its type.

    Each step prints its number, name and verdict; a failure names the entry
    index and the reason, and the command exits 2.  BOARD defaults to
    $ZKMED_LEDGER.  Example: zkmed verify board --policy authorities.txt --jobs 2
    """
    anchor = _trust_policy(policy)
    with Ledger.open(board) as ledger:  # read-only: no keys loaded, nothing trusted
        report = _run(ledger.store, anchor, jobs, scheduler, show_progress=not as_json)
    if as_json:
        _echo_json(report.to_json())
    else:
        render_report(report)
    raise_on_failure(report)


def raise_on_failure(report: Report) -> None:
    """The one error line (exit 2) for a report with a failed step: the first failure, its entry and reason."""
    failure = report.first_failure()
    if failure is not None:
        step, finding = failure
        where = "the ledger" if finding.index is None else f"entry {finding.index}"
        raise VerificationError(f"step {step.number} ({step.name}) failed at {where}: {finding.reason}")


def _run(store: Store, anchor: object, jobs: int, scheduler: str | None, show_progress: bool) -> Report:
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=render.err_console,
        transient=True,
    )
    task: list[TaskID] = []

    def progress(done: int, total: int) -> None:
        if not show_progress or total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("verifying entries", total=total))
        bar.update(task[0], completed=done)

    try:
        return verify_ledger(store, policy=anchor, jobs=jobs, scheduler=scheduler, progress=progress)  # type: ignore[arg-type]
    finally:
        if task:
            bar.stop()


def render_report(report: Report) -> None:
    """Each step's number, name and verdict (and up to ten findings) on stdout."""
    for step in report.steps:
        mark = {"passed": "[green]✓[/]", "failed": "[red]✗[/]"}.get(step.verdict, "[dim]-[/]")
        detail = f" [dim]({step.detail})[/]" if step.detail else ""
        render.console.print(f"  {mark} {step.number}  {step.name}: {step.verdict}{detail}", highlight=False)
        for finding in step.findings[:10]:
            where = "ledger" if finding.index is None else f"entry {finding.index}"
            render.console.print(f"      {where}: {finding.reason}", highlight=False, markup=False)
        if len(step.findings) > 10:
            render.console.print(f"      … and {len(step.findings) - 10} more", highlight=False)
    if report.ok:
        render.ok(f"verified {report.entries} entries: every step passed")
    if report.warning:
        _warn(report.warning)
