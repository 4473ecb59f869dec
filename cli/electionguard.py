"""``zkmed electionguard …``: verify ElectionGuard 2.0 election records made by other software."""

from __future__ import annotations

import click

from zkmed.canonical_json import canonical_json
from zkmed.cli import render
from zkmed.electionguard import check_record
from zkmed.electionguard.verify import MAX_JOBS
from zkmed.errors import VerificationError

_SHOWN_FAILURES = 5


@click.group()
def electionguard() -> None:
    """Verify ElectionGuard 2.0 election records (egk JSON layout).

    Example: zkmed electionguard verify egk-record --jobs 2
    """


@electionguard.command()
@click.argument("record_dir", metavar="RECORD_DIR")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.electionguard.verify-report JSON document on stdout")
@click.option(
    "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True, help="worker processes for the ballots"
)
def verify(record_dir: str, as_json: bool, jobs: int) -> None:
    """Run the ElectionGuard 2.0 verification steps (spec §6.2, V1-V14) on RECORD_DIR.

    Exit 0 when every step passes, 2 when a step fails, 4 when the record cannot be read.

    Example: zkmed electionguard verify egk-record --jobs 2 --json
    """
    report = check_record(record_dir, jobs=jobs)
    if as_json:
        click.echo(canonical_json(report.to_json()).decode("utf-8"))
    else:
        for step in report.steps:
            head = f"{step.step:<7} {step.name}"
            if step.status == "pass":
                line = f"  [green]✓[/] {head}  ({step.checked} checked, {step.seconds:.2f} s)"
                render.console.print(line, highlight=False, soft_wrap=True)
            elif step.status == "not-present":
                render.console.print(f"  [dim]– {head}: not present ({step.note})[/]", highlight=False, soft_wrap=True)
            else:
                render.bad(f"{head}: FAILED ({len(step.failures)} failures)")
                for failure in step.failures[:_SHOWN_FAILURES]:
                    render.console.print("      " + render.one_line(failure.line()), highlight=False, markup=False)
                if len(step.failures) > _SHOWN_FAILURES:
                    render.console.print(f"      … {len(step.failures) - _SHOWN_FAILURES} more (--json lists them)")
        summary = (
            f"{report.ballots} ballots ({report.cast} cast, {report.challenged} challenged) in {report.seconds:.2f} s "
            f"with {report.jobs} job(s): {report.ballots_per_second:.1f} ballots/s"
        )
        if report.ok:
            render.ok(f"record verified: every step passes; {summary}")
        else:
            render.bad(f"record REJECTED; {summary}")
    if not report.ok:
        first = report.failed[0]
        raise VerificationError(
            f"ElectionGuard record fails {', '.join(s.step for s in report.failed)}: "
            f"{first.step} {first.name}: {first.failures[0].line()}"
        )
