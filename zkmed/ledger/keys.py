"""Authority secret keys (Ed25519, RFC 8032) and their key files.

Key file format and loading rules (mode 0600, never overwritten, public key
must match the seed): ``docs/ledger.md`` §Byte layouts, "Secret key file".
:class:`AuthorityKey` never shows its secret in ``repr`` or ``str``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion
from zkmed.files import write_atomic
from zkmed.formats import LEDGER_SECRET_KEY
from zkmed.ledger.note import check_key_name, check_text

BEGIN = "-----BEGIN ZKMED LEDGER AUTHORITY SECRET KEY-----"
END = "-----END ZKMED LEDGER AUTHORITY SECRET KEY-----"
KEY_FILE_SUFFIX = ".secret-key"


class AuthorityKey:
    """An authority's Ed25519 signing key (secret; redacted ``repr``)."""

    __slots__ = ("_private", "name", "public_key")

    def __init__(self, name: str, private: Ed25519PrivateKey) -> None:
        self.name = check_key_name(name)
        self._private = private
        self.public_key: bytes = private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls, name: str) -> AuthorityKey:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> AuthorityKey:
        if len(seed) != 32:
            raise MalformedInput("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def __repr__(self) -> str:
        return f"AuthorityKey(name={self.name!r}, public_key={self.public_key.hex()[:16]}…, secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("AuthorityKey is secret and cannot be pickled")

    # -- key file ----------------------------------------------------------

    def file_text(self) -> str:
        seed = self._private.private_bytes_raw()
        return "\n".join(
            [
                BEGIN,
                f"# SECRET KEY \u2014 whoever holds this file can sign blocks and checkpoints as {self.name}.",
                '# Keep it private (mode 0600); share only the public "vkey" line.',
                f"version {LEDGER_SECRET_KEY.version}",
                f"name {self.name}",
                f"public {b64_encode(self.public_key)}",
                f"seed {b64_encode(seed)}",
                END,
                "",
            ]
        )

    @classmethod
    def parse_file_text(cls, text: str, what: str = "key file") -> AuthorityKey:
        """Parse a key file (format ``zkmed.ledger.secret-key``: the BEGIN line, then ``version 1``)."""
        if len(check_text(text, what)) > 1 << 14:
            raise MalformedInput(f"{what}: too large for a key file")
        lines = [line for line in text.split("\n") if line and not line.startswith("#")]
        if len(lines) != 6 or lines[0] != BEGIN or lines[-1] != END:
            raise MalformedInput(f"{what}: not a zkmed ledger authority secret key file")
        fields: dict[str, str] = {}
        for line in lines[1:-1]:
            field, _, value = line.partition(" ")
            if field in fields or not value:
                raise MalformedInput(f"{what}: malformed line {field!r}")
            fields[field] = value
        if set(fields) != {"version", "name", "public", "seed"}:
            raise MalformedInput(f"{what}: expected version, name, public and seed")
        if fields["version"] != str(LEDGER_SECRET_KEY.version):
            raise UnsupportedVersion(f"{what}: unsupported key file version {fields['version'][:12]!r}")
        key = cls.from_seed(fields["name"], b64_decode(fields["seed"], length=32, what=f"{what} seed"))
        if b64_decode(fields["public"], length=32, what=f"{what} public key") != key.public_key:
            raise MalformedInput(f"{what}: public key does not match the secret seed")
        return key

    def write(self, path: Path) -> None:
        """Create ``path`` with mode 0600; refuse to overwrite an existing file."""
        write_atomic(path, self.file_text().encode("utf-8"), secret=True, overwrite=False, what="the key file")

    @classmethod
    def load(cls, path: Path) -> AuthorityKey:
        try:
            mode = os.stat(path).st_mode
            if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
                raise LedgerError(f"key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerError(f"cannot read the key file {path}: {exc}") from exc
        return cls.parse_file_text(text, what=str(path))


def load_key_dir(directory: Path) -> list[AuthorityKey]:
    """Every ``*.secret-key`` file in ``directory`` (none if it does not exist)."""
    try:
        if not directory.is_dir():
            return []
        paths = sorted(directory.glob(f"*{KEY_FILE_SUFFIX}"))
    except OSError as exc:
        raise LedgerError(f"cannot read the key directory {directory}: {exc.strerror or exc}") from exc
    return [AuthorityKey.load(p) for p in paths]
