"""Per-round key-ceremony commands for real multi-party use (each trustee on its own machine, one command per round).

Attached to the ``election`` and ``trustee`` groups of :mod:`zkmed.cli.election` (registered by importing
this module in ``cli/main.py``)::

    zkmed election setup BOARD --manifest M --trustees 3 --quorum 2 [--group P256|EG4096]
    zkmed trustee ceremony BOARD --state S --index I       # round 1 (writes the 0600 state file S)
    zkmed trustee ceremony BOARD --state S                 # then round 2, round 3, an answer if needed
    zkmed trustee finish BOARD --state S --key K           # the trustee key file (0600)
    zkmed election open BOARD --voters 20 --keys KEYS      # re-checks the ceremony, posts the joint key

Thin: parse, call :mod:`zkmed.elections.ceremony_board`, render.
"""

from __future__ import annotations

from pathlib import Path

import click

from zkmed.cli import render
from zkmed.cli.conventions import ledger_argument
from zkmed.cli.election import MAX_READ, DirPath, FilePath, election, trustee
from zkmed.elections import parse_manifest
from zkmed.elections.ceremony_board import ceremony_finish, ceremony_step, open_election, setup_election
from zkmed.files import read_limited
from zkmed.ledger import Ledger


@election.command("setup")
@ledger_argument()
@click.option("--manifest", "manifest_file", type=FilePath, required=True, help="the manifest JSON file")
@click.option("--trustees", type=int, default=3, show_default=True, help="number of trustees n")
@click.option("--quorum", type=int, default=2, show_default=True, help="trustees k needed to decrypt")
@click.option("--group", type=click.Choice(["P256", "EG4096"]), default="P256", show_default=True)
def setup_command(board: Path, manifest_file: Path, trustees: int, quorum: int, group: str) -> None:
    """Multi-party: post the election parameters only; each trustee then runs `zkmed trustee ceremony`.

    Example: zkmed election setup board --manifest manifest.json --trustees 3 --quorum 2
    """
    manifest = parse_manifest(read_limited(manifest_file, MAX_READ, "manifest"))
    with Ledger.open(board, signing=True) as led:
        entry = setup_election(led, manifest, trustees=trustees, quorum=quorum, group=group)
    render.ok(
        f"election {manifest.election_id} parameters posted as entry {entry}; "
        f"trustees 1..{trustees} run `zkmed trustee ceremony`"
    )


@trustee.command("ceremony")
@ledger_argument()
@click.option("--state", "state_file", type=FilePath, required=True, help="this trustee's ceremony state file (0600)")
@click.option("--index", type=int, help="this trustee's index (round 1, when the state file does not exist yet)")
def ceremony_command(board: Path, state_file: Path, index: int | None) -> None:
    """Multi-party key ceremony: post this trustee's next message (round 1, 2, 3, or an answer).

    Example: zkmed trustee ceremony board --state t1.state --index 1
    """
    with Ledger.open(board, signing=True) as led:
        what = ceremony_step(led, state_file, index=index)
    render.ok(f"{what} posted (state in {state_file})")


@trustee.command("finish")
@ledger_argument()
@click.option("--state", "state_file", type=FilePath, required=True, help="this trustee's ceremony state file")
@click.option("--key", "key_file", type=FilePath, required=True, help="where to write the trustee key file (0600)")
def finish_command(board: Path, state_file: Path, key_file: Path) -> None:
    """Multi-party key ceremony: write this trustee's key file from the completed ceremony.

    Example: zkmed trustee finish board --state t1.state --key t1.key
    """
    with Ledger.open(board) as led:
        share = ceremony_finish(led, state_file, key_file)
    render.ok(f"trustee {share.index}: key file written to {key_file}")


@election.command("open")
@ledger_argument()
@click.option("--voters", type=int, required=True, help="credentials to register")
@click.option("--keys", type=DirPath, required=True, help="directory for the voter keys (0600)")
def open_command(board: Path, voters: int, keys: Path) -> None:
    """Multi-party: re-check the finished ceremony, post the joint key, base hash and credential list.

    Example: zkmed election open board --voters 20 --keys KEYS
    """
    with Ledger.open(board, signing=True) as led:
        opened = open_election(led, voters=voters, keys=keys)
    render.ok(f"election open: qualified trustees {list(opened.joint.qualified)}, base hash {opened.base_hash.hex()}")
    render.ok(f"{len(opened.voter_files)} voter keys in {Path(keys) / 'voters'}")
