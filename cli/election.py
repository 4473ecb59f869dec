"""``zkmed election …``, ``zkmed vote``, ``zkmed tally``, ``zkmed trustee …``: run and verify an election on a ledger."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from zkmed.canonical_json import canonical_json
from zkmed.cli import render
from zkmed.cli.conventions import echo_json, ledger_argument, result_json
from zkmed.elections import (
    STEPS,
    VoterCredential,
    cast_vote,
    create_election,
    parse_manifest,
    post_tally,
    publish_result,
    result,
    trustee_decrypt,
    verify_election,
)
from zkmed.elections.ballot import choices_from_text
from zkmed.elections.board import collect_board, load_context
from zkmed.files import AtomicFile, read_limited
from zkmed.ledger import Ledger
from zkmed.ledger.directory import holds_keys

DirPath = click.Path(path_type=Path)
FilePath = click.Path(path_type=Path)
MAX_READ = 1 << 20


def _echo_json(doc: object) -> None:
    click.echo(canonical_json(doc).decode("utf-8"))


@click.group()
def election() -> None:
    """Create, inspect and verify elections on a ledger.

    Example: zkmed election create board --manifest manifest.json --voters 20 --keys KEYS
    """


@election.command()
@ledger_argument()
@click.option("--manifest", "manifest_file", type=FilePath, required=True, help="the manifest JSON file")
@click.option("--trustees", type=int, default=3, show_default=True, help="number of trustees n")
@click.option("--quorum", type=int, default=2, show_default=True, help="trustees k needed to decrypt")
@click.option("--voters", type=int, required=True, help="credentials to register")
@click.option("--keys", type=DirPath, required=True, help="directory for the secret keys (0600)")
@click.option("--group", type=click.Choice(["P256", "EG4096"]), default="P256", show_default=True)
def create(board: Path, manifest_file: Path, trustees: int, quorum: int, voters: int, keys: Path, group: str) -> None:
    """Run the key ceremony (all trustees in one process), register credentials, post the election.

    Example: zkmed election create board --manifest manifest.json --trustees 3 --quorum 2 --voters 20 --keys KEYS
    """
    manifest = parse_manifest(read_limited(manifest_file, MAX_READ, "manifest"))
    with Ledger.open(board, signing=True) as led:
        done = create_election(led, manifest, trustees=trustees, quorum=quorum, voters=voters, keys=keys, group=group)
    render.ok(
        f"election {done.election_id} created on {board} ({done.entries} entries), base hash {done.base_hash.hex()}"
    )
    render.ok(
        f"{len(done.trustee_files)} trustee keys in {keys / 'trustees'}, {len(done.voter_files)} voter keys in {keys / 'voters'}"
    )


@election.command("result")
@ledger_argument()
@click.option("--json", "as_json", is_flag=True, help="the result as canonical JSON")
def result_command(board: Path, as_json: bool) -> None:
    """Print the result (decrypted from the trustees' partial decryptions; posted once if this node holds keys).

    Example: zkmed election result board --json
    """
    signing = holds_keys(board)
    with Ledger.open(board, signing=signing) as led:
        posted = bool(collect_board(led).results)
        doc = publish_result(led).to_json() if signing and not posted else result(led)
    if as_json:
        return _echo_json(doc)
    for contest, counts in doc["contests"].items():
        rows = [[option, count] for option, count in counts.items()]
        render.table(contest, ["option", "votes"], rows)
    render.ok(f"decrypted by trustees {', '.join(map(str, doc['trustees']))}")
    for index, why in doc["excluded"].items():
        render.bad(f"trustee {index} excluded: {why}")


@election.command("verify")
@ledger_argument()
@click.option("--json", "as_json", is_flag=True, help="a zkmed.election.verify-report JSON document")
@click.option("--no-batch", is_flag=True, help="check every proof one by one (names the first bad proof)")
def verify_command(board: Path, as_json: bool, no_batch: bool) -> None:
    """Verify everything posted so far, step by step; exit 0 only when every step passes.

    Example: zkmed election verify board --json
    """
    with Ledger.open(board) as led:
        report = verify_election(led, batch=not no_batch)
    if as_json:
        _echo_json(report.to_json())
    else:
        marks = {"passed": "[green]✓[/]", "failed": "[red]✗[/]", "pending": "[yellow]…[/]", "not run": "[dim]-[/]"}
        for step in report.steps:
            extra = f" (entry {step.entry})" if step.entry is not None else ""
            detail = f": {step.detail}" if step.detail else ""
            render.console.print(
                f"  {marks[step.status]} {step.number:>2}  {step.name} — {step.status}{extra}{detail}",
                highlight=False, markup=True,
            )  # fmt: skip
    if report.error is not None:
        raise report.error
    if not as_json:
        render.ok(
            f"{len(STEPS)} steps checked in {report.seconds:.2f} s ({report.ballots} ballots, {report.counted} counted)"
        )


@click.command()
@ledger_argument()
@click.option("--credential", type=FilePath, required=True, help="your voter key file")
@click.option("--choice", "choices", multiple=True, help="CONTEST=OPTION[,OPTION…] (repeat per contest)")
@click.option("--challenge", is_flag=True, help="spoil the ballot (Benaloh challenge) and print what it encrypted")
@click.option("--receipt", type=FilePath, help="write the ballot's tlog-proof receipt here")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document on stdout")
def vote(
    board: Path, credential: Path, choices: tuple[str, ...], challenge: bool, receipt: Path | None, as_json: bool
) -> None:
    """Encrypt, sign and post a ballot; print its confirmation code.

    \b
    Example: zkmed vote board --credential KEYS/voters/voter-1.key --choice mayor=alice --receipt r.tlog-proof
    Example: ZKMED_LEDGER=board zkmed vote --credential KEYS/voters/voter-2.key --choice mayor=bob --challenge --json
    """
    key = VoterCredential.load(credential)
    with contextlib.ExitStack() as stack:
        # the receipt's temporary file exists before the ballot is posted: an unwritable path fails first
        out = stack.enter_context(AtomicFile(receipt, what="the receipt")) if receipt is not None else None
        with Ledger.open(board, signing=True) as led:
            chosen = choices_from_text(load_context(collect_board(led)).manifest, list(choices))
            done = cast_vote(led, key, chosen, challenge=challenge)
        if out is not None and done.receipt is not None:
            out.commit(done.receipt.encode("utf-8"))
    if as_json:
        doc = {
            "ballot_id": done.ballot_id,
            "entry": done.entry,
            "confirmation": done.confirmation,
            "challenged": done.audit is not None,
            "audit": done.audit,
        }
        echo_json(result_json("zkmed vote", doc))
        return
    render.ok(f"ballot {done.ballot_id} posted as entry {done.entry}")
    click.echo(f"confirmation code: {done.confirmation}")
    if done.audit is not None:
        render.ok("challenged: the ballot is spoiled (not counted); its nonces are posted and it decrypts to:")
        for contest, counts in done.audit.items():
            chosen_text = ", ".join(f"{o}×{n}" if n > 1 else o for o, n in counts.items() if n) or "(blank)"
            click.echo(f"  {contest}: {chosen_text}")


@click.command()
@ledger_argument()
def tally(board: Path) -> None:
    """Post the homomorphic tally of the counted ballots (closes voting).

    Example: zkmed tally board
    """
    with Ledger.open(board, signing=True) as led:
        done = post_tally(led)
    render.ok(f"tally of {done.count} counted ballots posted")


@click.group()
def trustee() -> None:
    """A trustee's part: partial decryption of the tally.

    Example: zkmed trustee decrypt board --trustee KEYS/trustees/trustee-1.key
    """


@trustee.command("decrypt")
@ledger_argument()
@click.option("--trustee", "trustee_file", type=FilePath, required=True, help="the trustee key file")
def trustee_decrypt_command(board: Path, trustee_file: Path) -> None:
    """Post this trustee's partial decryption of the tally (with its Chaum–Pedersen proof).

    Example: zkmed trustee decrypt board --trustee KEYS/trustees/trustee-1.key
    """
    from zkmed.elections.ceremony_keys import TrusteeShare

    share = TrusteeShare.load(trustee_file)
    with Ledger.open(board, signing=True) as led:
        entry = trustee_decrypt(led, share)
    render.ok(f"trustee {share.index}: partial decryption posted as entry {entry}")
