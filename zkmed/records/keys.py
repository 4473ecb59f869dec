"""Issuer and holder keys of medical-record credentials (ECDSA P-256 / SHA-256, as JWS ES256) and their files.

A key directory holds ``<role>.key`` (the secret seed, mode 0600, written
atomically: temporary file + rename) and ``<role>.pub`` (the public key, one
canonical-JSON line, format ``zkmed.records.public-key``), where ``role`` is
``issuer`` (a hospital signing credentials) or ``holder`` (the patient proving
possession in a presentation).  Secret keys never show their seed in ``repr``.

* The private scalar is ``1 + (SHA-512("zkmed.records.key.v1" || seed) mod (n − 1))``
  for a 32-byte random seed; the public key is its uncompressed SEC1 point (65 bytes,
  which loads without a square root).
* A signature is ``r || s`` (32 + 32 bytes, big-endian, as JWS ES256) with
  **low s** (``s ≤ n/2``): signing normalises, verifying refuses a high ``s``, so a
  signature cannot be altered into a second valid one.  OpenSSL signs in constant time.
* ECDSA rather than Ed25519: OpenSSL verifies P-256 ECDSA about 1.6× faster, and
  verification is on the hot path of every presentation (docs/records.md §Keys).

The key id (:attr:`PublicKey.fingerprint`) is the hex of
``SHA-256("zkmed.records.key-id" || role || 0x00 || public key)[:16]``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path
from typing import Any, ClassVar, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.files import write_atomic
from zkmed.formats import RECORDS_PUBLIC_KEY, RECORDS_SECRET_KEY

__all__ = ["ROLES", "HolderKey", "IssuerKey", "PublicKey", "SecretKey", "read_public_key"]

ROLES = ("issuer", "holder")
SEED_SIZE = 32
KEY_SIZE = 65  # uncompressed SEC1 point
SIGNATURE_SIZE = 64  # r || s
#: the order of P-256
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_CURVE = ec.SECP256R1()
_ECDSA = ec.ECDSA(hashes.SHA256())
MAX_KEY_FILE = 4096


def _check_role(role: object) -> str:
    if role not in ROLES:
        raise MalformedInput(f"key role must be 'issuer' or 'holder', got {str(role)[:20]!r}")
    return str(role)


class PublicKey:
    """An ECDSA P-256 public key with its role (``issuer`` or ``holder``)."""

    __slots__ = ("_key", "raw", "role")

    def __init__(self, role: str, raw: bytes) -> None:
        self.role = _check_role(role)
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != KEY_SIZE or raw[0] != 4:
            raise MalformedInput(f"a P-256 public key is an uncompressed SEC1 point of {KEY_SIZE} bytes")
        self.raw = bytes(raw)
        try:
            self._key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, self.raw)
        except ValueError:
            raise MalformedInput("not a P-256 public key (the point is not on the curve)") from None

    @property
    def fingerprint(self) -> str:
        """The key id: 32 hex digits (see the module docstring)."""
        h = hashlib.sha256(b"zkmed.records.key-id" + self.role.encode() + b"\x00" + self.raw)
        return h.hexdigest()[:32]

    def verify(self, message: bytes, signature: bytes) -> None:
        """Return None or raise VerificationError (a high ``s`` is refused)."""
        if not isinstance(signature, (bytes, bytearray)) or len(signature) != SIGNATURE_SIZE:
            raise VerificationError(f"{self.role} signature must be {SIGNATURE_SIZE} bytes")
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (0 < r < N and 0 < s <= N // 2):
            raise VerificationError(f"bad {self.role} signature (key {self.fingerprint}): r or s out of range")
        try:
            self._key.verify(encode_dss_signature(r, s), bytes(message), _ECDSA)
        except InvalidSignature:
            raise VerificationError(f"bad {self.role} signature (key {self.fingerprint})") from None

    # -- text form ---------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {**RECORDS_PUBLIC_KEY.json_header(), "role": self.role, "key": b64_encode(self.raw)}

    def to_text(self) -> str:
        return canonical_json(self.to_json()).decode() + "\n"

    @classmethod
    def from_json(cls, obj: Any, role: str | None = None) -> PublicKey:
        RECORDS_PUBLIC_KEY.check_json(obj)
        if set(obj) != {"type", "version", "role", "key"}:
            raise MalformedInput("public key: expected members type, version, role, key")
        if not isinstance(obj["key"], str):
            raise MalformedInput("public key: 'key' must be base64 text")
        key = cls(obj["role"], b64_decode(obj["key"], length=KEY_SIZE, what="public key"))
        if role is not None and key.role != role:
            raise MalformedInput(f"expected a {role} public key, got a {key.role} key")
        return key

    @classmethod
    def from_text(cls, text: str | bytes, role: str | None = None) -> PublicKey:
        """Parse a ``.pub`` file (``role`` given: refuse a key of the other role)."""
        if len(text) > MAX_KEY_FILE:
            raise MalformedInput("public key file too large")
        if isinstance(text, str):
            text = text.strip()
        else:
            text = bytes(text).strip()
        return cls.from_json(parse_json(text), role)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and (self.role, self.raw) == (other.role, other.raw)

    def __hash__(self) -> int:
        return hash((self.role, self.raw))

    def __repr__(self) -> str:
        return f"PublicKey(role={self.role!r}, fingerprint={self.fingerprint})"


def read_public_key(path: str | os.PathLike[str], role: str | None = None) -> PublicKey:
    """Load a ``.pub`` file; a directory means ``<dir>/<role>.pub``."""
    p = Path(path)
    try:
        if role is not None and p.is_dir():
            p = p / f"{role}.pub"
        data = p.read_bytes() if p.stat().st_size <= MAX_KEY_FILE else b"x" * (MAX_KEY_FILE + 1)
    except OSError as exc:
        raise MalformedInput(f"cannot read the public key {p}: {exc.strerror or exc}") from None
    return PublicKey.from_text(data, role)


class SecretKey:
    """An ECDSA P-256 signing key of one role (secret: redacted ``repr``, not picklable)."""

    __slots__ = ("_private", "_seed", "public")
    ROLE: ClassVar[str] = ""

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != SEED_SIZE:
            raise MalformedInput(f"a key seed is {SEED_SIZE} bytes")
        self._seed = bytes(seed)
        scalar = 1 + int.from_bytes(hashlib.sha512(b"zkmed.records.key.v1" + self._seed).digest(), "big") % (N - 1)
        self._private = ec.derive_private_key(scalar, _CURVE)
        point = self._private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public = PublicKey(self.ROLE, point)

    @classmethod
    def generate(cls) -> Self:
        return cls(secrets.token_bytes(SEED_SIZE))

    @classmethod
    def from_seed(cls, seed: bytes) -> Self:
        return cls(seed)

    def sign(self, message: bytes) -> bytes:
        """ECDSA P-256 / SHA-256, ``r || s`` with low ``s``."""
        r, s = decode_dss_signature(self._private.sign(bytes(message), _ECDSA))
        if s > N // 2:
            s = N - s
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(fingerprint={self.public.fingerprint}, secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError(f"{type(self).__name__} is secret and cannot be pickled")

    # -- files -------------------------------------------------------------

    def secret_text(self) -> str:
        obj = {
            **RECORDS_SECRET_KEY.json_header(),
            "role": self.ROLE,
            "public": b64_encode(self.public.raw),
            "seed": b64_encode(self._seed),
        }
        return canonical_json(obj).decode() + "\n"

    @classmethod
    def parse_secret_text(cls, text: str | bytes, what: str = "secret key") -> Self:
        if len(text) > MAX_KEY_FILE:
            raise MalformedInput(f"{what}: too large for a key file")
        obj = parse_json(text.strip() if isinstance(text, str) else bytes(text).strip())
        RECORDS_SECRET_KEY.check_json(obj)
        if set(obj) != {"type", "version", "role", "public", "seed"}:
            raise MalformedInput(f"{what}: expected members type, version, role, public, seed")
        if obj["role"] != cls.ROLE:
            raise MalformedInput(f"{what}: expected a {cls.ROLE} key, got {str(obj['role'])[:20]!r}")
        if not isinstance(obj["seed"], str) or not isinstance(obj["public"], str):
            raise MalformedInput(f"{what}: seed and public must be base64 text")
        key = cls.from_seed(b64_decode(obj["seed"], length=SEED_SIZE, what=f"{what} seed"))
        if b64_decode(obj["public"], length=KEY_SIZE, what=f"{what} public key") != key.public.raw:
            raise MalformedInput(f"{what}: public key does not match the secret seed")
        return key

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<dir>/<role>.key`` (0600, atomic; never overwrites) and ``<dir>/<role>.pub``."""
        d = Path(directory)
        secret = d / f"{self.ROLE}.key"
        try:
            d.mkdir(parents=True, exist_ok=True)
            write_atomic(
                secret,
                self.secret_text().encode(),
                secret=True,
                overwrite=False,
                what=f"the {self.ROLE} key",
                error=MalformedInput,
            )
            write_atomic(
                d / f"{self.ROLE}.pub",
                self.public.to_text().encode(),
                what=f"the {self.ROLE} public key",
                error=MalformedInput,
            )
        except OSError as exc:
            raise MalformedInput(f"cannot write the {self.ROLE} key in {d}: {exc.strerror or exc}") from None
        return secret

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Self:
        """Read ``<dir>/<role>.key`` (refused if group/other can read it)."""
        path = Path(directory) / f"{cls.ROLE}.key"
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if os.name == "posix" and mode & 0o077:
                raise MalformedInput(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
            with open(path, "rb") as f:
                data = f.read(MAX_KEY_FILE + 1)
        except OSError as exc:
            raise MalformedInput(f"cannot read the {cls.ROLE} key {path}: {exc.strerror or exc}") from None
        return cls.parse_secret_text(data, what=str(path))


class IssuerKey(SecretKey):
    """A credential issuer's (hospital's) signing key."""

    __slots__ = ()
    ROLE = "issuer"


class HolderKey(SecretKey):
    """A patient's key: credentials are bound to it; presentations prove possession of it."""

    __slots__ = ()
    ROLE = "holder"
