"""``zkmed demo [DIRECTORY]``: one end-to-end story on an embedded SQLite ledger in a fresh directory.

1. a ledger run by 3 authorities (any 2 sign a block);
2. an election: 3 trustees (quorum 2), 50 synthetic voters, one ballot challenged and audited (Benaloh), one
   trustee absent at decryption, the tally and the result as a bar chart (``story_election``);
3. medical records: two patients' FHIR records issued as credentials, consent grants, a presentation with
   predicates verified by a second hospital with the ledger, a revoked grant refused (``story_records``);
4. ``zkmed verify`` over the whole ledger, with the ledger's own ``authorities.txt`` as the trust policy;
5. the commands to run next on the same directory.

Everything runs in this process through the library's workflow functions (no subprocesses); the secrets are
written 0600 by the library.  A failed check raises (the CLI prints one line and exits with its code).
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from zkmed.audit import Report, verify_ledger
from zkmed.cli.demo.story_election import run_election
from zkmed.cli.demo.story_records import VERIFIER, RecordsOutcome, run_records
from zkmed.cli.demo.workspace import prepare
from zkmed.errors import VerificationError
from zkmed.ledger import Ledger
from zkmed.ledger.checkpoint import TrustPolicy

AUTHORITIES, THRESHOLD = 3, 2
SEED = 2026  #: the synthetic voters' choices (the ballots' randomness is fresh every run)


def _verify(console: Console, board: Path) -> Report:
    from zkmed.cli.verify import raise_on_failure, render_report

    policy = TrustPolicy.parse((board / "authorities.txt").read_text())
    with Ledger.open(board) as led:  # read-only, as an auditor opens it
        report = verify_ledger(led.store, policy=policy)
    render_report(report)
    raise_on_failure(report)
    return report


def next_commands(root: Path, records: RecordsOutcome) -> list[tuple[str, str]]:
    """(command, what it does) for the user to run next on ``root``; paths shell-quoted."""
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    board = q(root / "board")
    return [
        (f"zkmed verify {board} --policy {q(root / 'board' / 'authorities.txt')}", "verify the whole ledger again"),
        (f"zkmed election verify {board}", "the election's numbered verification steps"),
        (f"zkmed election result {board}", "the published result"),
        (f"zkmed ledger show {board}", "head, authorities, recent blocks and entries"),
        (f"zkmed consent list {board}", "the consent grants and their state"),
        (f"zkmed record audit {board}", "who accessed which record, and the outcome"),
        (
            f"zkmed record verify {q(records.presentation)} --issuer {q(records.issuer_pub)} "
            f"--nonce {records.nonce} --audience {VERIFIER} --date {records.date}",
            "check estrella's presentation yourself",
        ),
        (f"zkmed serve {board}", "the public bulletin board on http://127.0.0.1:8000"),
    ]


def run_story(console: Console, directory: Path | None) -> Path:
    """Run the whole story in ``directory`` (default: a new temporary directory); returns the directory."""
    started = time.perf_counter()
    root = prepare(directory)
    console.print(Panel.fit(f"[bold]zkmed[/] end-to-end demo in [bold]{escape(str(root))}[/]", border_style="cyan"))

    console.rule("[bold]1. a ledger run by 3 authorities")
    board = root / "board"
    with Ledger.init(board, authorities=AUTHORITIES, threshold=THRESHOLD, name="zkmed.demo") as led:
        console.print(
            f"[green]✓[/] embedded SQLite ledger in {escape(str(board))}: {AUTHORITIES} authorities, any {THRESHOLD} sign a block "
            f"[dim](authority keys 0600 in {escape(str(board / 'keys'))}, trust policy {escape(str(board / 'authorities.txt'))})[/]"
        )
        console.rule("[bold]2. an election")
        run_election(console, led, root, SEED)
        console.rule("[bold]3. medical records, consent and audit")
        records = run_records(console, led, root)
        entries = led.size

    console.rule("[bold]4. zkmed verify: the auditor checks the whole ledger")
    report = _verify(console, board)
    elapsed = time.perf_counter() - started
    console.rule(f"[bold green]every step passed: {report.entries} entries, {elapsed:.1f} s")
    if entries != report.entries:
        raise VerificationError(f"the verifier saw {report.entries} entries, the demo wrote {entries}")

    console.print("\n[bold]Next, on the same directory:[/]")
    for command, what in next_commands(root, records):
        console.print(f"  [dim]# {what}[/]")
        console.print(f"  {command}", highlight=False, markup=False, soft_wrap=True)
    return root
