"""Confirmation codes: SHA-256 of the whole ballot payload, shown in groups of base32 characters.

``confirmation_code(payload)`` renders the 32-byte digest as 52 base32 characters (RFC 4648
alphabet, no padding, lower case) in groups of four: ``abcd-efgh-…``.  The voter keeps it and
finds the ballot on the ledger with it; ``parse_confirmation_code`` is the strict inverse.
"""

from __future__ import annotations

import base64
import hashlib

from zkmed.errors import MalformedInput

__all__ = ["confirmation_code", "confirmation_digest", "parse_confirmation_code"]


def confirmation_digest(payload: bytes) -> bytes:
    return hashlib.sha256(bytes(payload)).digest()


def confirmation_code(payload: bytes) -> str:
    text = base64.b32encode(confirmation_digest(payload)).decode("ascii").rstrip("=").lower()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_confirmation_code(code: str) -> bytes:
    """The digest a code shows (case and dashes ignored); MalformedInput for anything else."""
    if not isinstance(code, str) or len(code) > 80:
        raise MalformedInput("confirmation code: expected text")
    text = code.replace("-", "").upper()
    if len(text) != 52 or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in text):
        raise MalformedInput("confirmation code: 52 base32 characters expected")
    data = base64.b32decode(text + "====")
    if base64.b32encode(data).decode().rstrip("=") != text:
        raise MalformedInput("confirmation code: non-canonical")
    return data
