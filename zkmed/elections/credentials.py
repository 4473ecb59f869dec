"""Voter credentials (Belenios style): an Ed25519 key per voter; the registrar posts the public keys.

Every ballot is signed with its voter's credential key, so nobody without a credential —
not even a ledger authority — can add a ballot that counts.  The list of credential public
keys is posted as one or more ledger payloads ``zkmed.election.credentials`` (version 2), parts
``1..n`` of at most :data:`PART_SIZE` keys each, so that an election of any size fits the
ledger's 1 MiB payload limit (10^5 voters: 10 parts)::

    {"credentials": [<hex public key>…], "election_id", "part": i, "parts": n, "type", "version"}

The list is the concatenation of parts ``1..n`` posted in order (:func:`join_parts`): every
part of one election and one ``n``, none missing or repeated, no key listed twice.

A voter's key file (``KEYS/voters/voter-i.key``, mode 0600, written atomically) is the
canonical JSON ``zkmed.election.voter-key``::

    {"election_id", "public": <hex>, "seed": <base64 32 bytes>, "type", "version"}
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.files import write_atomic
from zkmed.formats import ELECTION_CREDENTIALS, ELECTION_VOTER_KEY

from .fields import b64_encode, b64_field, check_id, exact_fields, hex_field, list_field, load_payload

__all__ = [
    "MAX_VOTERS", "PART_SIZE", "CredentialList", "CredentialPartError", "VoterCredential", "join_parts",
    "verify_signature", "write_secret_file",
]  # fmt: skip

MAX_VOTERS = 1_000_000
#: credential keys per ledger entry (≈ 670 KB of JSON, under the ledger's 1 MiB payload limit)
PART_SIZE = 10_000
MAX_PARTS = -(-MAX_VOTERS // PART_SIZE)
SIGNATURE_LABEL = b"zkmed/v1/election-ballot-signature\x00"


def write_secret_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (temp file in the directory, then rename)."""
    write_atomic(path, data, secret=True, mkdir=True, what="the key file", error=LedgerError)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Ed25519 (RFC 8032) over ``SIGNATURE_LABEL ‖ message``; VerificationError if it does not verify."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, SIGNATURE_LABEL + message)
    except (InvalidSignature, ValueError) as exc:
        raise VerificationError("the ballot's credential signature does not verify") from exc


class VoterCredential:
    """A voter's secret credential key (repr hides it)."""

    __slots__ = ("_private", "election_id", "public_key")

    def __init__(self, election_id: str, private: Ed25519PrivateKey) -> None:
        self.election_id = check_id(election_id, "election id")
        self._private = private
        self.public_key: bytes = private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls, election_id: str) -> VoterCredential:
        return cls(election_id, Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(SIGNATURE_LABEL + message)

    def __repr__(self) -> str:
        return f"VoterCredential(election_id={self.election_id!r}, public_key={self.public_key.hex()[:16]}…, secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("VoterCredential is secret and cannot be pickled")

    def to_json(self) -> bytes:
        seed = self._private.private_bytes_raw()
        doc = {**ELECTION_VOTER_KEY.json_header(), "election_id": self.election_id, "public": self.public_key.hex()}
        return canonical_json({**doc, "seed": b64_encode(seed)})

    @classmethod
    def from_json(cls, data: bytes | str) -> VoterCredential:
        obj = parse_json(data)
        ELECTION_VOTER_KEY.check_json(obj)
        obj = exact_fields(obj, {"type", "version", "election_id", "public", "seed"}, "voter key")
        seed = b64_field(obj["seed"], "voter key.seed", 32)
        key = cls(obj["election_id"], Ed25519PrivateKey.from_private_bytes(seed))
        if hex_field(obj["public"], "voter key.public", 32) != key.public_key:
            raise MalformedInput("voter key: the public key does not match the seed", where="voter key.public")
        return key

    def save(self, path: Path) -> None:
        write_secret_file(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> VoterCredential:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if os.name == "posix" and mode & 0o077:
                raise LedgerError(f"voter key {path} is readable by others (mode {mode:o}); chmod 600 it")
            with open(path, "rb") as f:
                data = f.read(1 << 14)
        except OSError as exc:
            raise MalformedInput(f"cannot read the voter key {path}: {exc.strerror or exc}") from exc
        return cls.from_json(data)


@dataclass(frozen=True)
class CredentialList:
    """The registrar's list of credential public keys (distinct, 32 bytes each), or one part of it."""

    election_id: str
    keys: tuple[bytes, ...]
    part: int = 1
    parts: int = 1

    def to_payloads(self) -> list[bytes]:
        """The whole list as parts ``1..n`` of at most :data:`PART_SIZE` keys, one payload each."""
        chunks = [self.keys[i : i + PART_SIZE] for i in range(0, len(self.keys), PART_SIZE)] or [()]
        doc = {**ELECTION_CREDENTIALS.json_header(), "election_id": self.election_id, "parts": len(chunks)}
        return [
            canonical_json({**doc, "part": i, "credentials": [k.hex() for k in chunk]})
            for i, chunk in enumerate(chunks, start=1)
        ]

    @classmethod
    def from_payload(cls, data: bytes) -> CredentialList:
        """One part: its keys (1..PART_SIZE, distinct, 32 bytes) and its position ``part`` of ``parts``."""
        fields = {"type", "version", "election_id", "credentials", "part", "parts"}
        obj = exact_fields(load_payload(ELECTION_CREDENTIALS, data), fields, "credentials")
        election_id = check_id(obj["election_id"], "credentials.election_id")
        parts, part = obj["parts"], obj["part"]
        if not (isinstance(parts, int) and not isinstance(parts, bool) and 1 <= parts <= MAX_PARTS):
            raise MalformedInput(f"credentials.parts must be an integer in 1..{MAX_PARTS}", where="credentials.parts")
        if not (isinstance(part, int) and not isinstance(part, bool) and 1 <= part <= parts):
            raise MalformedInput("credentials.part must be an integer in 1..parts", where="credentials.part")
        items = list_field(obj, "credentials", "credentials", 1, PART_SIZE)
        keys = tuple(hex_field(k, f"credentials.credentials[{i}]", 32) for i, k in enumerate(items))
        if len(set(keys)) != len(keys):
            raise MalformedInput("credentials: a credential is listed twice", where="credentials.credentials")
        return cls(election_id, keys, part, parts)


class CredentialPartError(VerificationError):
    """:func:`join_parts` refused the part at ``position`` (0-based, in ledger order)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, where=f"credential list part {position + 1}")
        self.position = position


def join_parts(parts: Sequence[CredentialList]) -> CredentialList:
    """The whole list from its parts in ledger order; CredentialPartError names the offending part.

    Parts ``1..n`` exactly once and in order, one election and one ``n``, no key in two parts.
    """
    if not parts:
        raise MalformedInput("this election has no credential list yet")
    first, seen = parts[0], set[bytes]()
    for i, p in enumerate(parts):
        if p.election_id != first.election_id:
            raise CredentialPartError("a credential list part is for another election", i)
        if p.parts != first.parts or p.part != i + 1:
            what = "a second credential list was posted" if i >= first.parts else "credential list parts out of order"
            raise CredentialPartError(f"{what} (part {p.part} of {p.parts} at position {i + 1})", i)
        if seen.intersection(p.keys):
            raise CredentialPartError("a credential is listed in two parts of the credential list", i)
        seen.update(p.keys)
    if len(parts) != first.parts:
        raise CredentialPartError(f"the credential list has {len(parts)} of its {first.parts} parts", len(parts) - 1)
    return CredentialList(first.election_id, tuple(k for p in parts for k in p.keys), 1, 1)
