"""Offline-verifiable receipts: inclusion (``c2sp.org/tlog-proof``) and consistency proofs.

Receipt format and what verification binds: ``docs/ledger.md`` §Byte
layouts, "Receipt"; the consistency proof file
(``zkmed.ledger.consistency-proof``): ``docs/formats.md`` §Ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import LEDGER_CONSISTENCY_PROOF
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy, parse_decimal, verify_checkpoint
from zkmed.ledger.entries import Entry
from zkmed.ledger.merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_inclusion
from zkmed.ledger.note import json_document, json_text, text_input

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64
MAX_FILE = 4 << 20


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: index, inclusion path, checkpoint text and optional extra data."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if any(len(h) != HASH_SIZE for h in self.hashes):
            raise MalformedInput("tlog-proof hashes must be 32 bytes")
        if not self.checkpoint.endswith("\n"):
            raise MalformedInput("tlog-proof checkpoint must end with a newline")

    def format(self) -> str:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64_encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [b64_encode(h) for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, data: str | bytes) -> TlogProof:
        data = text_input(data, "tlog-proof", MAX_FILE)
        split = data.find("\n\n")
        if split < 0:
            raise MalformedInput("tlog-proof has no empty line before its checkpoint")
        head, checkpoint = data[:split].split("\n"), data[split + 2 :]
        if head[0] != TLOG_PROOF_HEADER:
            raise MalformedInput(f"tlog-proof must start with {TLOG_PROOF_HEADER!r}")
        pos, extra = 1, None
        if pos < len(head) and head[pos].startswith("extra "):
            pos, extra = 2, b64_decode(head[pos][len("extra ") :], what="tlog-proof extra data")
        if pos >= len(head) or not head[pos].startswith("index "):
            raise MalformedInput("tlog-proof is missing its index line")
        index = parse_decimal(head[pos][len("index ") :], "tlog-proof index")
        hashes = head[pos + 1 :]
        if len(hashes) > MAX_PROOF_HASHES:
            raise MalformedInput("tlog-proof has too many hashes")
        decoded = tuple(b64_decode(h, length=HASH_SIZE, what="tlog-proof hash") for h in hashes)
        return cls(index, decoded, checkpoint, extra)

    def entry(self) -> Entry:
        """The entry carried in ``extra`` (unverified until :func:`verify_receipt`)."""
        if self.extra is None:
            raise MalformedInput("tlog-proof carries no entry in its extra line")
        return Entry.decode(self.extra)


def verify_receipt(proof: TlogProof, policy: TrustPolicy, entry_data: bytes | None = None) -> None:
    """Verify an inclusion receipt offline; the steps are in ``docs/ledger.md`` §Byte layouts, "Receipt".

    The leaf is ``entry_data`` if given (it must then equal ``extra`` when both are present), else ``extra``.
    """
    data = entry_data if entry_data is not None else proof.extra
    if data is None:
        raise VerificationError("receipt carries no entry and none was given")
    if entry_data is not None and proof.extra is not None and proof.extra != entry_data:
        raise VerificationError("receipt is for a different entry than the one given")
    try:
        entry = Entry.decode(data)
        signed = SignedCheckpoint.parse(proof.checkpoint)
    except MalformedInput as exc:
        raise VerificationError(f"receipt does not parse: {exc.message}") from exc
    if entry.seq != proof.index:
        raise VerificationError(f"receipt index {proof.index} differs from the entry's sequence number {entry.seq}")
    verify_checkpoint(signed, policy)
    verify_inclusion(leaf_hash(data), proof.index, signed.checkpoint.tree_size, proof.hashes, signed.checkpoint.root)


@dataclass(frozen=True)
class ConsistencyProof:
    """Two cosigned checkpoints of one ledger and the RFC 9162 proof that the older is a prefix."""

    old: str
    new: str
    proof: tuple[bytes, ...]

    def format(self) -> str:
        proof = [b64_encode(h) for h in self.proof]
        return json_text({**LEDGER_CONSISTENCY_PROOF.json_header(), "old": self.old, "new": self.new, "proof": proof})

    @classmethod
    def parse(cls, data: str | bytes) -> ConsistencyProof:
        """Parse strictly: MalformedInput, or UnsupportedVersion for another version of the format."""
        doc = json_document(data, LEDGER_CONSISTENCY_PROOF, ("old", "new", "proof"), "consistency proof", MAX_FILE)
        old, new, hashes = doc["old"], doc["new"], doc["proof"]
        if not isinstance(old, str) or not isinstance(new, str) or not isinstance(hashes, list):
            raise MalformedInput("consistency proof: old and new are texts, proof is a list")
        if len(hashes) > MAX_PROOF_HASHES or not all(isinstance(h, str) for h in hashes):
            raise MalformedInput("consistency proof: proof must be a short list of base64 hashes")
        return cls(old, new, tuple(b64_decode(h, length=HASH_SIZE, what="consistency proof hash") for h in hashes))


def verify_consistency_proof(proof: ConsistencyProof, policy: TrustPolicy, old_checkpoint: str | None = None) -> None:
    """Both checkpoints are valid under ``policy`` and the old tree is a prefix of the new.

    ``old_checkpoint``, when given, is the checkpoint the verifier already
    trusts (for instance from an earlier receipt); it must match the file's.
    """
    try:
        old = SignedCheckpoint.parse(proof.old)
        new = SignedCheckpoint.parse(proof.new)
        mine = SignedCheckpoint.parse(old_checkpoint) if old_checkpoint is not None else None
    except MalformedInput as exc:
        raise VerificationError(f"consistency proof does not parse: {exc.message}") from exc
    if mine is not None and mine.checkpoint != old.checkpoint:
        raise VerificationError("the proof starts from a different checkpoint than the one you hold")
    verify_checkpoint(old, policy)
    verify_checkpoint(new, policy)
    verify_consistency(
        old.checkpoint.tree_size, new.checkpoint.tree_size, proof.proof, old.checkpoint.root, new.checkpoint.root
    )
