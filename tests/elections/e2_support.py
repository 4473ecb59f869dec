"""Shared helpers of the ballot/verifier tests (E2): a small P256 election on a temporary ledger."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections import workflow
from zkmed.elections.board import collect_board, load_context
from zkmed.elections.context import ElectionContext
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.manifest import parse_manifest
from zkmed.ledger import Ledger

MANIFEST = {
    "election_id": "town-2026",
    "contests": [
        {"id": "mayor", "selection_limit": 1, "options": ["alice", "bob", "carol"]},
        {"id": "council", "selection_limit": 2, "options": ["bob", "carol", "dave"]},
    ],
}


@dataclass
class Election:
    root: Path
    board: Path
    keys: Path
    voters: list[VoterCredential]
    trustees: list[Path]

    def open(self, signing: bool = True) -> Ledger:
        return Ledger.open(self.board, signing=signing)

    def context(self) -> ElectionContext:
        with self.open(False) as led:
            return load_context(collect_board(led))

    def copy(self, dest: Path) -> Election:
        shutil.copytree(self.root, dest)
        return Election(
            dest,
            dest / "board",
            dest / "keys",
            self.voters,
            [dest / "keys" / p.relative_to(self.keys) for p in self.trustees],
        )


def make_election(
    root: Path, *, voters: int = 4, group: str = "P256", manifest: dict[str, Any] | None = None
) -> Election:
    root.mkdir(parents=True, exist_ok=True)
    m = parse_manifest(json.dumps(manifest or MANIFEST))
    with Ledger.init(root / "board", authorities=3, threshold=2) as led:
        done = workflow.create_election(led, m, trustees=3, quorum=2, voters=voters, keys=root / "keys", group=group)
    creds = [VoterCredential.load(p) for p in done.voter_files]
    return Election(root, root / "board", root / "keys", creds, list(done.trustee_files))


def resign(payload: bytes, credential: VoterCredential, change: Any = None) -> bytes:
    """``payload`` (a ballot or spoil) with ``change(obj)`` applied and signed again by ``credential``."""
    obj = parse_json(payload)
    if change is not None:
        change(obj)
    obj.pop("signature", None)
    return canonical_json({**obj, "signature": credential.sign(canonical_json(obj)).hex()})
