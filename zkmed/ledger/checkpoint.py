"""Checkpoints (``c2sp.org/tlog-checkpoint``) cosigned by the authorities (``c2sp.org/tlog-cosignature``); trust policies.

Text, cosignature lines, key IDs and the trust policy file
(``zkmed.ledger.trust-policy``): ``docs/ledger.md`` §Byte layouts, "Checkpoint
and cosignatures".  Unknown signature lines (witnesses) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, UnsupportedVersion, VerificationError
from zkmed.formats import LEDGER_TRUST_POLICY
from zkmed.ledger.authorities import Authority, AuthoritySet
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.merkle import HASH_SIZE
from zkmed.ledger.note import (
    SIG_COSIGNATURE_V1,
    Ed25519NoteVerifier,
    NoteSignature,
    SignedNote,
    check_text,
    ed25519_verify,
    key_id,
    open_note,
    parse_vkey,
    text_lines,
)

POLICY_HEADER = f"{LEDGER_TRUST_POLICY.name} v{LEDGER_TRUST_POLICY.version}"
MAX_POLICY = 1 << 16
MAX_TIMESTAMP = (1 << 63) - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


def parse_decimal(text: str, what: str) -> int:
    """A non-negative ASCII decimal without leading zeros (and below 2^64)."""
    if not _DECIMAL.fullmatch(text) or int(text) >= 1 << 64:
        raise MalformedInput(f"{what}: {text[:24]!r} is not a decimal without leading zeros")
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    """The note text of a checkpoint: origin, tree size, root, extension lines."""

    origin: str
    tree_size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise MalformedInput("checkpoint origin must be one non-empty line")
        if not 0 <= self.tree_size < 1 << 64:
            raise MalformedInput("checkpoint tree size is out of range")
        if len(self.root) != HASH_SIZE:
            raise MalformedInput("checkpoint root must be 32 bytes")
        if any(not line or "\n" in line for line in self.extensions):
            raise MalformedInput("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        lines = [self.origin, str(self.tree_size), b64_encode(self.root), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse_text(cls, text: str) -> Checkpoint:
        lines = text_lines(text, 3, "checkpoint")
        size = parse_decimal(lines[1], "checkpoint tree size")
        root = b64_decode(lines[2], length=HASH_SIZE, what="checkpoint root")
        return cls(lines[0], size, root, tuple(lines[3:]))


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """What a cosignature v1 signs: header line, time line, checkpoint text."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text


@dataclass(frozen=True)
class CosignatureVerifier(Ed25519NoteVerifier):
    """Signature type 0x04: a timestamped Ed25519 cosignature over a checkpoint."""

    SIG_TYPE: ClassVar[int] = SIG_COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> None:
        if len(signature) != 8 + 64:
            raise VerificationError(f"cosignature by {self.name}: expected 72 bytes, got {len(signature)}")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise VerificationError(f"cosignature by {self.name}: timestamp exceeds 2^63 - 1")
        message = cosignature_message(text, timestamp)
        ed25519_verify(self.public_key, signature[8:], message, f"cosignature by {self.name}")


def cosign(key: AuthorityKey, text: str, timestamp: int) -> NoteSignature:
    """The cosignature v1 line of ``key`` over checkpoint ``text`` at ``timestamp`` (seconds)."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedInput("cosignature timestamp is out of range")
    sig = key.sign(cosignature_message(text.encode("utf-8"), timestamp))
    kid = key_id(key.name, SIG_COSIGNATURE_V1, key.public_key)
    return NoteSignature(key.name, kid, timestamp.to_bytes(8, "big") + sig)


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The timestamp inside a (not yet verified) cosignature line."""
    if len(signature.signature) != 72:
        raise MalformedInput(f"signature by {signature.name} is not a cosignature v1")
    return int.from_bytes(signature.signature[:8], "big")


@dataclass(frozen=True)
class TrustPolicy:
    """Whom to trust for one ledger: its origin and its authority set (with threshold)."""

    origin: str
    authorities: AuthoritySet

    def verifiers(self) -> list[CosignatureVerifier]:
        return [CosignatureVerifier(a.name, a.public_key) for a in self.authorities.authorities]

    def format(self) -> str:
        lines = [POLICY_HEADER, f"origin {self.origin}", f"threshold {self.authorities.threshold}"]
        lines += [f"vkey {v.vkey()}" for v in self.verifiers()]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> TrustPolicy:
        """Parse a policy file strictly: MalformedInput, or UnsupportedVersion for another version of the format."""
        if len(check_text(text, "trust policy")) > MAX_POLICY:
            raise MalformedInput("trust policy is too large")
        lines = [line for line in text.split("\n") if line.strip() and not line.startswith("#")]
        head = lines[0].split(" ") if lines else []
        if len(head) == 2 and head[0] == LEDGER_TRUST_POLICY.name and head[1] != f"v{LEDGER_TRUST_POLICY.version}":
            raise UnsupportedVersion(
                f"{LEDGER_TRUST_POLICY.name} version {head[1][:12]!r} is not supported "
                f"(this build reads v{LEDGER_TRUST_POLICY.version})"
            )
        if len(lines) < 4 or lines[0] != POLICY_HEADER:
            raise MalformedInput(f"a trust policy starts with {POLICY_HEADER!r} and lists origin, threshold, vkeys")
        if not lines[1].startswith("origin ") or not lines[2].startswith("threshold "):
            raise MalformedInput("trust policy: expected 'origin' then 'threshold' lines")
        origin = lines[1][len("origin ") :]
        if not origin.strip() or "\r" in origin or any(ord(c) < 0x20 or ord(c) == 0x7F for c in origin):
            raise MalformedInput("trust policy: the origin must be one non-empty line without control characters")
        threshold = parse_decimal(lines[2][len("threshold ") :], "trust policy threshold")
        members = []
        for line in lines[3:]:
            if not line.startswith("vkey "):
                raise MalformedInput(f"trust policy: unexpected line {line[:40]!r}")
            name, sig_type, public_key = parse_vkey(line[len("vkey ") :])
            if sig_type != SIG_COSIGNATURE_V1:
                raise MalformedInput(f"trust policy: vkey for {name} is not a cosignature v1 (0x04) key")
            members.append(Authority(name, public_key))
        return cls(origin, AuthoritySet(threshold, tuple(members)))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its signature lines, as one signed note."""

    checkpoint: Checkpoint
    note: SignedNote

    def text(self) -> str:
        return self.note.format()

    @classmethod
    def parse(cls, data: str | bytes) -> SignedCheckpoint:
        note = SignedNote.parse(data)
        return cls(Checkpoint.parse_text(note.text), note)

    @classmethod
    def sign(
        cls, checkpoint: Checkpoint, authorities: AuthoritySet, keys: Sequence[AuthorityKey], timestamp: int
    ) -> SignedCheckpoint:
        """Cosign with every held key of ``authorities`` (:meth:`AuthoritySet.held`: at least t)."""
        text = checkpoint.text()
        lines = tuple(cosign(key, text, timestamp) for _, key in authorities.held(keys, use="cosign"))
        return cls(checkpoint, SignedNote(text, lines))

    def signers(self, policy: TrustPolicy) -> list[str]:
        """Names of the policy's authorities whose cosignatures verify (raises if any known one fails)."""
        return [v.name for v in open_note(self.note, policy.verifiers())]


def verify_checkpoint(signed: SignedCheckpoint, policy: TrustPolicy) -> None:
    """Raise :class:`VerificationError` unless ``signed`` has the policy's origin and t authority cosignatures.

    Signature lines of known authorities must all verify (signed-note rules, ``docs/ledger.md``).
    """
    if signed.checkpoint.origin != policy.origin:
        raise VerificationError(f"checkpoint is for origin {signed.checkpoint.origin!r}, expected {policy.origin!r}")
    try:
        signers = signed.signers(policy)
    except VerificationError as exc:
        raise VerificationError(f"checkpoint: {exc.message}") from exc
    if len(signers) < policy.authorities.threshold:
        raise VerificationError(
            f"checkpoint has {len(signers)} valid authority cosignatures, below the threshold {policy.authorities.threshold}"
        )
