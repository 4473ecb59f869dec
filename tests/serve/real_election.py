"""A real election (``zkmed.elections``) on a served board: P-256, 3 trustees (quorum 2), a few voters.

Shared by the end-to-end, load and browser tests; ballots are real ``encrypt_ballot`` payloads.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections import workflow
from zkmed.elections.ballot import encrypt_ballot
from zkmed.elections.board import collect_board, load_context
from zkmed.elections.ceremony_keys import TrusteeShare
from zkmed.elections.context import ElectionContext
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.manifest import parse_manifest
from zkmed.encoding import b64_decode, b64_encode
from zkmed.ledger import Ledger

MANIFEST = {
    "election_id": "serve-2026",
    "contests": [
        {"id": "mayor", "selection_limit": 1, "options": ["alice", "bob", "carol"]},
        {"id": "measure", "selection_limit": 1, "options": ["yes", "no"]},
    ],
}
OPTIONS = ("alice", "bob", "carol")


@dataclass
class RealElection:
    root: Path
    board: Path
    voters: list[VoterCredential]
    trustees: list[Path]
    ctx: ElectionContext

    def ballot(self, voter: int, mayor: str = "alice", measure: str = "yes") -> bytes:
        choice = {"mayor": {mayor: 1}, "measure": {measure: 1}}
        return encrypt_ballot(self.ctx, self.voters[voter], choice).payload

    def copy(self, dest: Path) -> RealElection:
        shutil.copytree(self.root, dest)
        trustees = [dest / p.relative_to(self.root) for p in self.trustees]
        return RealElection(dest, dest / "board", self.voters, trustees, self.ctx)

    def finish(self) -> dict[str, Any]:
        """Tally, two trustees' partial decryptions, the result posted (workflow functions); the result JSON."""
        with Ledger.open(self.board, signing=True) as led:
            led.seal()
            workflow.post_tally(led)
            for path in self.trustees[:2]:
                workflow.trustee_decrypt(led, TrusteeShare.load(path))
            return workflow.publish_result(led).to_json()


def make_real_election(
    root: Path, voters: int = 6, *, before: Callable[[Ledger], None] | None = None, store: str | None = None
) -> RealElection:
    """A board (3 authorities, threshold 2; on PostgreSQL with ``store``) holding what ``before`` appends,
    then a whole election setup."""
    root.mkdir(parents=True, exist_ok=True)
    extra = {"store": store} if store is not None else {}
    with Ledger.init(root / "board", authorities=3, threshold=2, name="board.example", **extra) as led:
        if before is not None:
            before(led)
        made = workflow.create_election(
            led, parse_manifest(json.dumps(MANIFEST)), trustees=3, quorum=2, voters=voters, keys=root / "keys"
        )
        ctx = load_context(collect_board(led))
    creds = [VoterCredential.load(p) for p in made.voter_files]
    return RealElection(root, root / "board", creds, list(made.trustee_files), ctx)


def resign(payload: bytes, credential: VoterCredential, change: Any = None) -> bytes:
    """``payload`` with ``change(obj)`` applied, signed again by ``credential`` (a well-signed forgery)."""
    obj = parse_json(payload)
    if change is not None:
        change(obj)
    obj.pop("signature", None)
    return canonical_json({**obj, "signature": credential.sign(canonical_json(obj)).hex()})


def forged_proof(payload: bytes, credential: VoterCredential) -> bytes:
    """The ballot with one byte of its proof for mayor/bob flipped, re-signed: only the proof check fails."""

    def flip(obj: dict[str, Any]) -> None:
        sel = obj["contests"][0]["selections"][1]
        proof = bytearray(b64_decode(sel["proof"]))
        proof[7] ^= 1
        sel["proof"] = b64_encode(bytes(proof))

    return resign(payload, credential, flip)
