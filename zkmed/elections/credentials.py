"""Voter credentials (Belenios style): an Ed25519 key per voter; the registrar posts the public keys.

Every ballot is signed with its voter's credential key, so nobody without a credential —
not even a ledger authority — can add a ballot that counts.  The list of credential public
keys is the ledger payload ``zkmed.election.credentials``::

    {"credentials": [<hex public key>…], "election_id", "type", "version"}

A voter's key file (``KEYS/voters/voter-i.key``, mode 0600, written atomically) is the
canonical JSON ``zkmed.election.voter-key``::

    {"election_id", "public": <hex>, "seed": <base64 32 bytes>, "type", "version"}
"""

from __future__ import annotations

import os
import stat
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

__all__ = ["MAX_VOTERS", "CredentialList", "VoterCredential", "verify_signature", "write_secret_file"]

MAX_VOTERS = 1_000_000
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
    """The registrar's list of credential public keys (distinct, 32 bytes each)."""

    election_id: str
    keys: tuple[bytes, ...]

    def to_payload(self) -> bytes:
        doc = {**ELECTION_CREDENTIALS.json_header(), "election_id": self.election_id}
        return canonical_json({**doc, "credentials": [k.hex() for k in self.keys]})

    @classmethod
    def from_payload(cls, data: bytes) -> CredentialList:
        obj = exact_fields(
            load_payload(ELECTION_CREDENTIALS, data), {"type", "version", "election_id", "credentials"}, "credentials"
        )
        election_id = check_id(obj["election_id"], "credentials.election_id")
        items = list_field(obj, "credentials", "credentials", 1, MAX_VOTERS)
        keys = tuple(hex_field(k, f"credentials.credentials[{i}]", 32) for i, k in enumerate(items))
        if len(set(keys)) != len(keys):
            raise MalformedInput("credentials: a credential is listed twice", where="credentials.credentials")
        return cls(election_id, keys)
