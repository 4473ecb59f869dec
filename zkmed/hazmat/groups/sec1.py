"""SEC1 compressed point encoding (SEC 1 v2 §2.3.3–2.3.4), shared by the curve backends.

P-256 and secp256k1 are curves ``y² = x³ + a·x + b`` over ``p ≡ 3 (mod 4)`` with
cofactor 1: a point is ``02|03 || x`` (33 bytes, ``x < p``), decompressed as
``y = (x³ + a·x + b)^((p+1)/4)``, valid exactly when ``y²`` matches, and every
curve point is in the group.  The identity (no SEC1 form) is 33 zero bytes,
accepted only where the caller says so.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import gmpy2

from zkmed.errors import MalformedInput

ENCODED_SIZE = 33
IDENTITY_ENCODING = bytes(ENCODED_SIZE)


class CurveField(NamedTuple):
    """The constants decompression needs, as ``mpz``: ``p``, ``a``, ``b`` and ``(p + 1) / 4``."""

    p: Any
    a: Any
    b: Any
    exp: Any


def curve_field(p: int, a: int, b: int) -> CurveField:
    if p % 4 != 3:
        raise MalformedInput("SEC1 decompression here needs p ≡ 3 (mod 4)")
    return CurveField(gmpy2.mpz(p), gmpy2.mpz(a), gmpy2.mpz(b), gmpy2.mpz((p + 1) // 4))


def encode_compressed(x: int, y: int) -> bytes:
    """``02|03 || x`` for the affine point ``(x, y)``."""
    return bytes([2 | (y & 1)]) + x.to_bytes(32, "big")


def decode_compressed(
    curve: CurveField, data: bytes, group_name: str, *, allow_identity: bool
) -> tuple[int, int] | None:
    """Validate and decompress; the affine ``(x, y)``, or ``None`` for the (allowed) identity.

    Raises MalformedInput for a wrong length, a prefix other than 02/03, a
    non-canonical ``x >= p``, an ``x`` off the curve, or a forbidden identity.
    """
    if not isinstance(data, (bytes, bytearray)) or len(data) != ENCODED_SIZE:
        raise MalformedInput(f"{group_name}: point encoding must be {ENCODED_SIZE} bytes")
    data = bytes(data)
    if data == IDENTITY_ENCODING:
        if allow_identity:
            return None
        raise MalformedInput(f"{group_name}: the identity is not allowed here")
    prefix = data[0]
    if prefix not in (2, 3):
        raise MalformedInput(f"{group_name}: not a SEC1 compressed point (prefix {prefix:#04x})")
    p = curve.p
    x = gmpy2.mpz(int.from_bytes(data[1:], "big"))
    if x >= p:
        raise MalformedInput(f"{group_name}: non-canonical x coordinate (>= p)")
    rhs = (x * x * x + curve.a * x + curve.b) % p
    y = gmpy2.powmod(rhs, curve.exp, p)
    if y * y % p != rhs:
        raise MalformedInput(f"{group_name}: x coordinate is not on the curve")
    if (y & 1) != (prefix & 1):
        y = p - y  # y != 0: rhs = 0 would need a point of order 2, and the cofactor is 1
    return int(x), int(y)
