"""C2SP signed notes (``c2sp.org/signed-note``): text signed by one or more keys.

Format, key IDs, vkeys and the rules :func:`open_note` applies:
``docs/ledger.md`` §Byte layouts, "Signed-note rules".  The text checks every
ledger text artifact shares live here too: :func:`check_text`,
:func:`text_input` (str or UTF-8 bytes, size-limited) and
:func:`json_document` / :func:`json_text` for the canonical-JSON ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode, utf8_decode, utf8_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import Format

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 64
MAX_NOTE_BYTES = 1 << 20
MAX_KEY_NAME = 256
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s|[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


def check_text(text: object, what: str) -> str:
    """``text`` if it is a ``str`` that is valid Unicode (UTF-8 encodable: no lone surrogates), else MalformedInput."""
    utf8_encode(text, what=what)  # type: ignore[arg-type]  # it refuses non-str too
    return text  # type: ignore[return-value]


def text_input(data: object, what: str, limit: int) -> str:
    """``data`` (``str``, or UTF-8 ``bytes``) as checked text of at most ``limit`` UTF-8 bytes; else MalformedInput."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > limit:
            raise MalformedInput(f"{what} is too large")
        data = utf8_decode(bytes(data), what=what)
    if len(utf8_encode(data, what=what)) > limit:  # type: ignore[arg-type]  # it refuses non-str too
        raise MalformedInput(f"{what} is too large")
    return data  # type: ignore[return-value]


def json_document(data: object, fmt: Format, fields: Sequence[str], what: str, limit: int) -> dict[str, Any]:
    """A canonical-JSON artifact of format ``fmt`` holding exactly ``type``, ``version`` and ``fields``."""
    doc = parse_json(text_input(data, what, limit).rstrip("\n"))
    fmt.check_json(doc)
    if set(doc) != {"type", "version", *fields}:
        raise MalformedInput(f"{what}: expected exactly type, version, {', '.join(fields)}")
    return doc  # type: ignore[no-any-return]


def json_text(doc: dict[str, Any]) -> str:
    """The file form of a JSON artifact: canonical JSON and a newline."""
    return canonical_json(doc).decode("utf-8") + "\n"


def check_key_name(name: object) -> str:
    """A valid note key name: non-empty, no spaces, no ``+``, no control characters."""
    if (
        not isinstance(name, str)
        or not name
        or len(utf8_encode(name, what="key name")) > MAX_KEY_NAME
        or "+" in name
        or _SPACE.search(name)
        or _CONTROL.search(name)
    ):
        raise MalformedInput(f"key name {name!r} must be non-empty, without spaces, '+' or control characters")
    return name


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """``SHA-256(name || 0x0A || sig_type || public_key)[:4]`` (signed-note §Signatures)."""
    return hashlib.sha256(check_key_name(name).encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the algorithm's signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64_encode(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class SignedNote:
    """A note text and its signature lines (unverified until :func:`open_note`)."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    @classmethod
    def parse(cls, data: str | bytes) -> SignedNote:
        """Parse a signed note strictly; raises :class:`MalformedInput`."""
        data = text_input(data, "signed note", MAX_NOTE_BYTES)
        if _CONTROL.search(data):
            raise MalformedInput("signed note contains control characters")
        split = data.rfind("\n\n")
        if split < 0:
            raise MalformedInput("signed note has no empty line before its signatures")
        text, block = data[: split + 1], data[split + 2 :]
        if not block.endswith("\n"):
            raise MalformedInput("signed note signatures must end with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise MalformedInput(f"signed note has more than {MAX_SIGNATURES} signatures")
        sigs = []
        for line in lines:
            parts = line[len(SIGNATURE_PREFIX) :].split(" ")
            if not line.startswith(SIGNATURE_PREFIX) or len(parts) != 2:
                raise MalformedInput(f"malformed signature line {line[:40]!r}")
            name = check_key_name(parts[0])
            raw = b64_decode(parts[1], what="note signature")
            if len(raw) < 5:
                raise MalformedInput("note signature is too short")
            sigs.append(NoteSignature(name, raw[:4], raw[4:]))
        return cls(text, tuple(sigs))


def ed25519_verify(public_key: bytes, signature: bytes, message: bytes, what: str) -> None:
    """Ed25519 (RFC 8032) verification that raises :class:`VerificationError`."""
    if len(signature) != 64:
        raise VerificationError(f"{what}: an Ed25519 signature is 64 bytes, got {len(signature)}")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise VerificationError(f"{what}: invalid signature") from exc


@dataclass(frozen=True)
class Ed25519NoteVerifier:
    """A known key: name, key ID and the check of one signature over the note text.

    This class is signature type 0x01, plain Ed25519 over the note text; a
    subclass sets another :attr:`SIG_TYPE` and overrides :meth:`verify`.
    """

    name: str
    public_key: bytes
    SIG_TYPE: ClassVar[int] = SIG_ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.SIG_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise :class:`VerificationError` unless ``signature`` is valid over ``text``."""
        ed25519_verify(self.public_key, signature, text, f"signature by {self.name}")

    def vkey(self) -> str:
        return format_vkey(self.name, self.SIG_TYPE, self.public_key)


def ed25519_note_signature(name: str, private_key: Ed25519PrivateKey, text: str) -> NoteSignature:
    """A type-0x01 signature line over ``text`` (for generic notes and the spec's examples)."""
    pub = private_key.public_key().public_bytes_raw()
    return NoteSignature(name, key_id(name, SIG_ED25519, pub), private_key.sign(text.encode("utf-8")))


def format_vkey(name: str, sig_type: int, public_key: bytes) -> str:
    return f"{check_key_name(name)}+{key_id(name, sig_type, public_key).hex()}+{b64_encode(bytes([sig_type]) + public_key)}"


def parse_vkey(text: str) -> tuple[str, int, bytes]:
    """``(name, signature type, public key)`` of a vkey; the embedded key ID must match."""
    parts = check_text(text, "verifier key").split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise MalformedInput(f"verifier key {text[:60]!r} is not name+keyid+key")
    name = check_key_name(parts[0])
    raw = b64_decode(parts[2], what="verifier key")
    if len(raw) != 33:
        raise MalformedInput("verifier key: expected a 1-byte type and a 32-byte Ed25519 key")
    sig_type, public_key = raw[0], raw[1:]
    if key_id(name, sig_type, public_key).hex() != parts[1]:
        raise MalformedInput(f"verifier key for {name}: key ID does not match the key")
    return name, sig_type, public_key


def open_note(note: SignedNote, verifiers: Iterable[Ed25519NoteVerifier]) -> list[Ed25519NoteVerifier]:
    """Verify ``note`` and return the distinct known verifiers whose signatures checked out.

    Signed-note rules of ``docs/ledger.md``; a key that signed twice is listed once (never counts twice).
    """
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode("utf-8")
    good: dict[tuple[str, bytes], Ed25519NoteVerifier] = {}
    for sig in note.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        v.verify(text, sig.signature)
        good[(sig.name, sig.key_id)] = v
    if not good:
        raise VerificationError("note is not signed by any known key")
    return list(good.values())


def text_lines(text: str, minimum: int, what: str) -> Sequence[str]:
    """The lines of a note text (which must end in a newline), each non-empty."""
    if not text.endswith("\n"):
        raise MalformedInput(f"{what}: text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < minimum or any(not line for line in lines):
        raise MalformedInput(f"{what}: expected at least {minimum} non-empty lines")
    return lines
