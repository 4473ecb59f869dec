"""Fork evidence: two validly signed, different blocks at one height, as a document anyone can check.

Written by ``zkmed ledger sync`` on a :class:`~zkmed.errors.ForkDetected`;
document ``zkmed.ledger.fork-evidence``: ``docs/formats.md`` §Ledger; what
:func:`verify_fork_evidence` checks: ``docs/ledger.md`` §Replicas and forks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import ForkDetected, MalformedInput, VerificationError
from zkmed.formats import LEDGER_FORK_EVIDENCE
from zkmed.ledger.blocks import Block
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.directory import write_text
from zkmed.ledger.note import json_document, json_text

MAX_EVIDENCE = 1 << 20
_SIDES = ("destination_block", "source_block")


@dataclass(frozen=True)
class ForkEvidence:
    """The two conflicting blocks of one ledger at one height."""

    origin: str
    height: int
    destination: Block
    source: Block

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {**LEDGER_FORK_EVIDENCE.json_header(), "origin": self.origin, "height": self.height}
        for side, block in zip(_SIDES, (self.destination, self.source), strict=True):
            doc[side] = {"hash": block.hash().hex(), "block": b64_encode(block.export())}
        return doc

    def format(self) -> str:
        return json_text(self.to_json())

    @classmethod
    def parse(cls, text: str | bytes) -> ForkEvidence:
        """Parse strictly (MalformedInput; UnsupportedVersion for another version of the format)."""
        doc = json_document(text, LEDGER_FORK_EVIDENCE, ("origin", "height", *_SIDES), "fork evidence", MAX_EVIDENCE)
        origin, height = doc["origin"], doc["height"]
        if not isinstance(origin, str) or not isinstance(height, int) or isinstance(height, bool):
            raise MalformedInput("fork evidence: origin is text and height an integer")
        blocks = []
        for side in _SIDES:
            item = doc[side]
            if not isinstance(item, dict) or set(item) != {"hash", "block"} or not isinstance(item["block"], str):
                raise MalformedInput(f"fork evidence: {side} must hold exactly hash and block")
            block = Block.from_export(b64_decode(item["block"], what=f"fork evidence {side}"))
            if item["hash"] != block.hash().hex():
                raise MalformedInput(f"fork evidence: {side}'s hash does not match its block")
            blocks.append(block)
        return cls(origin, height, blocks[0], blocks[1])


def verify_fork_evidence(evidence: ForkEvidence, policy: TrustPolicy) -> None:
    """VerificationError unless both blocks are the policy ledger's, at ``height``, different, and validly signed."""
    if evidence.origin != policy.origin:
        raise VerificationError(f"fork evidence is for {evidence.origin}, not {policy.origin} of your trust policy")
    ledger_id = policy.origin.rsplit("/", 1)[-1]
    for name, block in (("destination", evidence.destination), ("source", evidence.source)):
        where = f"{name} block"
        if block.ledger_id.hex() != ledger_id or block.height != evidence.height:
            raise VerificationError(f"block is not at height {evidence.height} of this ledger", where=where)
        if block.authority_set_hash != policy.authorities.hash():
            raise VerificationError("block names an authority set other than your trust policy's", where=where)
        policy.authorities.verify(block.signed_message(), block.signatures, where)
    if evidence.destination.hash() == evidence.source.hash():
        raise VerificationError("the two blocks are the same block: no fork")


def write_fork_evidence(directory: Path, fork: ForkDetected, origin: str) -> Path:
    """Write ``DIR/fork-evidence-<height>.json``; returns its path."""
    ours, theirs = (Block.decode(data) for data in fork.evidence)
    evidence = ForkEvidence(origin, ours.height, ours, theirs)
    return write_text(Path(directory) / f"fork-evidence-{ours.height}.json", evidence.format(), "the fork evidence")
