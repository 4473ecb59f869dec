"""The election part of the ``zkmed demo`` story: 3 trustees (quorum 2), ~50 synthetic voters, one Benaloh
challenge, one trustee absent at decryption, the tally and the result as a small bar chart."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from zkmed import formats
from zkmed.cli.records import write_file
from zkmed.elections import workflow
from zkmed.elections.ballot import encrypt_ballot
from zkmed.elections.board import collect_board, entry_type, load_context
from zkmed.elections.ceremony_keys import TrusteeShare
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.manifest import Manifest, parse_manifest
from zkmed.errors import VerificationError
from zkmed.ledger import Ledger

MANIFEST = {
    "election_id": "zkmed-demo-2026",
    "contests": [
        {"id": "board-chair", "selection_limit": 1, "options": ["ada", "grace", "barbara"]},
        {"id": "research-priority", "selection_limit": 1, "options": ["diabetes", "oncology", "cardiology"]},
    ],
}
#: how strongly each synthetic voter leans to each option (a seeded draw: the same story every run)
LEANING = {"board-chair": [5, 3, 2], "research-priority": [4, 2, 3]}
VOTERS = 50
TRUSTEES, QUORUM = 3, 2
ABSENT = 2  #: the trustee who does not show up at decryption


def _choices(manifest: Manifest, rng: random.Random) -> dict[str, dict[str, int]]:
    out = {}
    for contest in manifest.contests:
        pick = rng.choices(contest.options, weights=LEANING[contest.id])[0]
        out[contest.id] = {pick: 1}
    return out


def bar_chart(counts: dict[str, dict[str, int]], width: int = 30) -> Table:
    """The result as one bar per option (``█``), scaled to the largest count of its contest."""
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(justify="right")
    table.add_column()
    for contest, options in counts.items():
        top = max(options.values()) or 1
        total = sum(options.values()) or 1
        for i, (option, n) in enumerate(options.items()):
            bar = Text("█" * max(1 if n else 0, round(width * n / top)), style="green" if n == top else "cyan")
            table.add_row(contest if i == 0 else "", option, str(n), Text.assemble(bar, f" {100 * n / total:.0f}%"))
    return table


def run_election(console: Console, led: Ledger, root: Path, seed: int) -> dict[str, object]:
    """Create, vote (one ballot challenged), tally, decrypt with 2 of 3 trustees, publish; returns the result."""
    rng = random.Random(seed)
    manifest_file = root / "election" / "manifest.json"
    manifest_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_file(manifest_file, (json.dumps(MANIFEST, indent=2) + "\n").encode(), "election manifest")
    manifest = parse_manifest(manifest_file.read_text())
    keys = root / "election" / "keys"

    t0 = time.perf_counter()
    created = workflow.create_election(
        led, manifest, trustees=TRUSTEES, quorum=QUORUM, voters=VOTERS, keys=keys, group="P256"
    )
    console.print(
        f"[green]✓[/] key ceremony: {TRUSTEES} trustees (quorum {QUORUM}) on P-256, joint key and base hash "
        f"[dim]{created.base_hash.hex()[:16]}…[/] posted with {VOTERS} voter credentials "
        f"[dim]({created.entries} entries, {time.perf_counter() - t0:.1f} s)[/]"
    )
    console.print(
        f"  [dim]trustee keys in {escape(str(keys / 'trustees'))}, voter keys in {escape(str(keys / 'voters'))} (0600)[/]"
    )
    voters = [VoterCredential.load(p) for p in created.voter_files]

    # one voter challenges a ballot first (Benaloh): it is opened, audited and never counted, then votes for real
    t0 = time.perf_counter()
    chosen = _choices(manifest, rng)
    challenged = workflow.cast_vote(led, voters[0], chosen, challenge=True)
    opened = {c: {o: v for o, v in opts.items() if v} for c, opts in (challenged.audit or {}).items()}
    if opened != chosen:
        raise VerificationError("the challenged ballot does not open to what the voter chose")
    shown = ", ".join(f"{c}={o}" for c, opts in chosen.items() for o in opts)
    console.print(
        f"[green]✓[/] voter 1 challenged a ballot (Benaloh): opened on the board, it decrypts to what was "
        f"chosen [dim]({shown})[/], and is spoiled, not counted"
    )
    first = workflow.cast_vote(led, voters[0], _choices(manifest, rng))
    console.print(
        f"[green]✓[/] voter 1 then cast a real ballot: confirmation code [bold]{first.confirmation}[/], "
        f"entry {first.entry} with its inclusion receipt"
    )
    # the other voters' ballots: encrypted, proved and signed one by one, posted in one batch
    ctx = load_context(collect_board(led))
    payloads = [encrypt_ballot(ctx, v, _choices(manifest, rng)).payload for v in voters[1:]]
    led.append_batch([(entry_type(formats.ELECTION_BALLOT), p) for p in payloads], seal=True)
    console.print(
        f"[green]✓[/] {len(payloads)} more voters cast encrypted ballots with their zero-knowledge proofs "
        f"[dim]({VOTERS} counted ballots, 1 spoiled; {time.perf_counter() - t0:.1f} s)[/]"
    )

    t0 = time.perf_counter()
    tally = workflow.post_tally(led)
    present = [i for i in range(1, TRUSTEES + 1) if i != ABSENT]
    for i in present:
        workflow.trustee_decrypt(led, TrusteeShare.load(keys / "trustees" / f"trustee-{i}.key"))
    res = workflow.publish_result(led)
    console.print(
        f"[green]✓[/] homomorphic tally of {tally.count} ballots posted; trustee {ABSENT} is absent, "
        f"trustees {' and '.join(map(str, present))} decrypt it (quorum {QUORUM} of {TRUSTEES}), each with a proof "
        f"[dim]({time.perf_counter() - t0:.1f} s)[/]"
    )
    console.print(bar_chart(res.counts))
    return res.to_json()
