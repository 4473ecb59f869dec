"""Grantee HPKE keys (RFC 9180 suite DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) and their files.

A key directory holds ``hpke.key`` (the X25519 secret, mode 0600, written
atomically: temporary file + rename; never overwritten) and ``hpke.pub`` (one
canonical-JSON line, format ``zkmed.records.hpke-public-key``).  The grantee's
HPKE key is its own key pair, not derived from an ECDSA P-256 holder or issuer
key: a signing key is never used for key agreement.  The key id
(:attr:`HpkePublicKey.fingerprint`) is the hex of
``SHA-256("zkmed.records.hpke-key-id" || 0x00 || public key)[:16]``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.files import write_atomic
from zkmed.formats import RECORDS_HPKE_PUBLIC_KEY, RECORDS_HPKE_SECRET_KEY
from zkmed.records import board

__all__ = ["KEY_SIZE", "SUITE", "SUITE_NAME", "HpkeKey", "HpkePublicKey"]

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
SUITE_NAME = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM"
KEM_NAME = "DHKEM(X25519, HKDF-SHA256)"
KEY_SIZE = 32
MAX_KEY_FILE = 4096


class HpkePublicKey:
    """A grantee's X25519 HPKE public key (``hpke.pub``: one canonical-JSON line)."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != KEY_SIZE:
            raise MalformedInput(f"an X25519 public key is {KEY_SIZE} bytes")
        self.raw = raw

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(b"zkmed.records.hpke-key-id\x00" + self.raw).hexdigest()[:32]

    def to_text(self) -> str:
        obj = {
            **RECORDS_HPKE_PUBLIC_KEY.json_header(),
            "kem": KEM_NAME,
            "key": b64_encode(self.raw),
        }
        return canonical_json(obj).decode() + "\n"

    @classmethod
    def from_text(cls, text: str | bytes) -> HpkePublicKey:
        if len(text) > MAX_KEY_FILE:
            raise MalformedInput("HPKE public key file too large")
        obj = parse_json(text.strip())
        RECORDS_HPKE_PUBLIC_KEY.check_json(obj)
        if set(obj) != {"type", "version", "kem", "key"} or obj["kem"] != KEM_NAME:
            raise MalformedInput(
                "HPKE public key: expected members type, version, kem (DHKEM(X25519, HKDF-SHA256)), key"
            )
        return cls(b64_decode(board.field(obj, "key", str, "HPKE public key"), length=KEY_SIZE, what="HPKE key"))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> HpkePublicKey:
        """Load an ``hpke.pub`` file (a directory means ``<dir>/hpke.pub``)."""
        p = Path(path)
        p = p / "hpke.pub" if p.is_dir() else p
        try:
            with p.open("rb") as f:
                data = f.read(MAX_KEY_FILE + 1)
        except OSError as exc:
            raise MalformedInput(f"cannot read the HPKE public key {p}: {exc.strerror or exc}") from None
        return cls.from_text(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HpkePublicKey) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"HpkePublicKey(fingerprint={self.fingerprint})"

    def encrypt(self, plaintext: bytes, info: bytes) -> bytes:
        """HPKE single-shot seal (base mode) to this key: ``enc || ciphertext``."""
        return SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(self.raw), info=info)


class HpkeKey:
    """A grantee's X25519 HPKE secret key (secret: redacted ``repr``, not picklable)."""

    __slots__ = ("_private", "public")

    def __init__(self, private: X25519PrivateKey) -> None:
        self._private = private
        self.public = HpkePublicKey(private.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> Self:
        return cls(X25519PrivateKey.generate())

    def __repr__(self) -> str:
        return f"HpkeKey(fingerprint={self.public.fingerprint}, secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("HpkeKey is secret and cannot be pickled")

    def secret_text(self) -> str:
        obj = {
            **RECORDS_HPKE_SECRET_KEY.json_header(),
            "public": b64_encode(self.public.raw),
            "secret": b64_encode(self._private.private_bytes_raw()),
        }
        return canonical_json(obj).decode() + "\n"

    @classmethod
    def parse_secret_text(cls, text: str | bytes, what: str = "HPKE secret key") -> Self:
        if len(text) > MAX_KEY_FILE:
            raise MalformedInput(f"{what}: too large for a key file")
        obj = parse_json(text.strip())
        RECORDS_HPKE_SECRET_KEY.check_json(obj)
        if set(obj) != {"type", "version", "public", "secret"}:
            raise MalformedInput(f"{what}: expected members type, version, public, secret")
        secret = b64_decode(board.field(obj, "secret", str, what), length=KEY_SIZE, what=f"{what} secret")
        key = cls(X25519PrivateKey.from_private_bytes(secret))
        if b64_decode(board.field(obj, "public", str, what), length=KEY_SIZE, what=what) != key.public.raw:
            raise MalformedInput(f"{what}: public key does not match the secret key")
        return key

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<dir>/hpke.key`` (0600, atomic; never overwrites) and ``<dir>/hpke.pub``."""
        d = Path(directory)
        secret = d / "hpke.key"
        try:
            d.mkdir(parents=True, exist_ok=True)
            write_atomic(
                secret,
                self.secret_text().encode(),
                secret=True,
                overwrite=False,
                what="the HPKE key",
                error=MalformedInput,
            )
            write_atomic(
                d / "hpke.pub", self.public.to_text().encode(), what="the HPKE public key", error=MalformedInput
            )
        except OSError as exc:
            raise MalformedInput(f"cannot write the HPKE key in {d}: {exc.strerror or exc}") from None
        return secret

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Self:
        """Read ``<dir>/hpke.key`` (refused if group/other can read it)."""
        path = Path(directory) / "hpke.key"
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if os.name == "posix" and mode & 0o077:
                raise MalformedInput(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
            with open(path, "rb") as f:
                data = f.read(MAX_KEY_FILE + 1)
        except OSError as exc:
            raise MalformedInput(f"cannot read the HPKE key {path}: {exc.strerror or exc}") from None
        return cls.parse_secret_text(data, what=str(path))

    def decrypt(self, ciphertext: bytes, info: bytes) -> bytes:
        """HPKE single-shot open; VerificationError when the ciphertext or ``info`` is not what was sealed."""
        try:
            return SUITE.decrypt(ciphertext, self._private, info=info)
        except (InvalidTag, ValueError):
            raise VerificationError(
                "the shared record does not decrypt: tampered, bound to another grant or digest, "
                "or not addressed to this key"
            ) from None
