"""Hashing to elliptic curves, following RFC 9380.

A self-contained, pure-integer ``expand_message_xmd`` / ``hash_to_field`` /
simplified-SWU pipeline (RFC 9380, "Hashing to Elliptic Curves") for two suites:

* ``P256_XMD:SHA-256_SSWU_RO_``       (RFC 9380 §8.2)
* ``secp256k1_XMD:SHA-256_SSWU_RO_``  (RFC 9380 §8.7, 3-isogeny of Appendix E.1)

Points are affine ``(x, y)`` tuples of ints, independent of any backend; both
curves have cofactor 1, so cofactor clearing (§7) is the identity map.  Not
constant time: for public data (generators, challenges), never for secrets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gmpy2 import invert, powmod

from zkmed.errors import MalformedInput


def _pow(base: int, exp: int, mod: int) -> int:
    return int(powmod(base, exp, mod))


def _inv(x: int, p: int) -> int:
    return int(invert(x, p))


__all__ = [
    "P256_XMD_SHA256_SSWU_RO", "SECP256K1_XMD_SHA256_SSWU_RO", "SSWUSuite", "encode_to_curve", "expand_message_xmd",
    "hash_to_curve", "hash_to_field", "map_to_curve",
]  # fmt: skip

Point = tuple[int, int]

# SHA-256 parameters for expand_message_xmd (RFC 9380 §5.3.1).
_B_IN_BYTES = 32  # output size of H
_S_IN_BYTES = 64  # input block size of H
_OVERSIZE_DST_PREFIX = b"H2C-OVERSIZE-DST-"  # RFC 9380 §5.3.3


def _as_bytes(value: object, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise MalformedInput(f"{what} must be bytes, got {type(value).__name__}")


def _as_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{what} must be an int, got {type(value).__name__}")
    return value


# --- §5.3: expand_message_xmd and §5.2: hash_to_field


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """``expand_message_xmd`` with H = SHA-256 (RFC 9380 §5.3.1).

    A tag over 255 bytes is hashed first (§5.3.3); an empty tag (§3.1), ``len_in_bytes``
    outside ``[1, 255 * 32]`` or a wrong argument type is MalformedInput.
    """
    msg = _as_bytes(msg, "msg")
    dst = _as_bytes(dst, "dst")
    len_in_bytes = _as_int(len_in_bytes, "len_in_bytes")
    if not dst:
        raise MalformedInput("dst must be non-empty (RFC 9380 §3.1)")
    if len(dst) > 255:
        dst = hashlib.sha256(_OVERSIZE_DST_PREFIX + dst).digest()
    ell = -(-len_in_bytes // _B_IN_BYTES)  # ceil(len_in_bytes / b_in_bytes)
    if len_in_bytes < 1 or ell > 255:
        raise MalformedInput(f"len_in_bytes must be in [1, {255 * _B_IN_BYTES}], got {len_in_bytes}")
    dst_prime = dst + bytes([len(dst)])
    z_pad = bytes(_S_IN_BYTES)
    l_i_b_str = len_in_bytes.to_bytes(2, "big")
    msg_prime = z_pad + msg + l_i_b_str + b"\x00" + dst_prime
    b_0 = hashlib.sha256(msg_prime).digest()
    b_i = hashlib.sha256(b_0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b_0, b_i, strict=True))
        b_i = hashlib.sha256(mixed + bytes([i]) + dst_prime).digest()
        out.append(b_i)
    return b"".join(out)[:len_in_bytes]


def hash_to_field(msg: bytes, count: int, dst: bytes, p: int, L: int) -> list[int]:
    """Hash ``msg`` to ``count`` elements of GF(p) (RFC 9380 §5.2, m = 1), ``L`` bytes each (48 in both suites)."""
    count = _as_int(count, "count")
    p = _as_int(p, "p")
    L = _as_int(L, "L")
    if count < 1:
        raise MalformedInput(f"count must be positive, got {count}")
    if p < 2:
        raise MalformedInput("p must be a prime >= 2")
    if L < 1:
        raise MalformedInput(f"L must be positive, got {L}")
    uniform_bytes = expand_message_xmd(msg, dst, count * L)
    return [int.from_bytes(uniform_bytes[L * i : L * (i + 1)], "big") % p for i in range(count)]


# --- Field helpers (§4, §4.1)


def _is_square(x: int, p: int) -> bool:
    """is_square (§4): x is 0 or a quadratic residue mod p."""
    return x == 0 or _pow(x, (p - 1) // 2, p) == 1


def _horner(coeffs: tuple[int, ...], x: int, p: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % p
    return acc


# --- Suites (§8) and the secp256k1 3-isogeny (§6.6.3, Appendix E.1)


@dataclass(frozen=True)
class SSWUSuite:
    """Parameters of a ``*_XMD:SHA-256_SSWU_RO_`` suite: ``E: y^2 = x^3 + a*x + b`` over GF(p), cofactor 1.

    ``z`` is the SSWU constant Z (§6.6.2), ``L`` the hash_to_field length (§5).
    When ``a * b == 0`` SSWU runs on ``E': y^2 = x^3 + iso_a*x + iso_b`` and
    ``iso_map`` (``(x_num, x_den, y_num, y_den)``, constant term first) maps back (§6.6.3).
    """

    name: str
    p: int
    a: int
    b: int
    z: int
    L: int
    iso_a: int | None = None
    iso_b: int | None = None
    iso_map: tuple[tuple[int, ...], ...] | None = None

    def __post_init__(self) -> None:
        for field in ("p", "a", "b", "z", "L"):
            _as_int(getattr(self, field), field)
        if self.p < 5 or self.p % 4 != 3:
            raise MalformedInput("only primes p = 3 (mod 4) are supported")
        if self.L < 1:
            raise MalformedInput("L must be positive")
        if (self.iso_a, self.iso_b, self.iso_map).count(None) not in (0, 3):
            raise MalformedInput("iso_a, iso_b and iso_map go together")
        if self.iso_map is not None and (len(self.iso_map) != 4 or not all(self.iso_map)):
            raise MalformedInput("iso_map needs (x_num, x_den, y_num, y_den)")
        a, b = self.sswu_curve
        if (a * b) % self.p == 0:
            raise MalformedInput("SSWU needs A * B != 0: give an isogenous curve (§6.6.2, §6.6.3)")
        if _is_square(self.z % self.p, self.p):
            raise MalformedInput("Z must be a non-square in GF(p) (§6.6.2)")

    @property
    def sswu_curve(self) -> tuple[int, int]:
        """The ``(A, B)`` of the curve SSWU is evaluated on (E or E')."""
        if self.iso_a is None or self.iso_b is None:
            return self.a % self.p, self.b % self.p
        return self.iso_a % self.p, self.iso_b % self.p

    def is_on_curve(self, point: Point) -> bool:
        """True iff ``point`` is an affine point on the target curve E."""
        x, y = point
        p = self.p
        if not (0 <= x < p and 0 <= y < p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % p == 0


_P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF

P256_XMD_SHA256_SSWU_RO = SSWUSuite(
    name="P256_XMD:SHA-256_SSWU_RO_",
    p=_P256_P,
    a=_P256_P - 3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    z=_P256_P - 10,  # Z = -10 (RFC 9380 §8.2)
    L=48,
)
"""NIST P-256 random-oracle suite (RFC 9380 §8.2)."""

_K256_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F

# 3-isogeny E' -> secp256k1, constants k_(i,j) from RFC 9380 Appendix E.1.
_K256_ISO_MAP = (
    (  # x_num = k_(1,3) x'^3 + k_(1,2) x'^2 + k_(1,1) x' + k_(1,0)
        0x8E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38DAAAAA8C7,
        0x07D3D4C80BC321D5B9F315CEA7FD44C5D595D2FC0BF63B92DFFF1044F17C6581,
        0x534C328D23F234E6E2A413DECA25CAECE4506144037C40314ECBD0B53D9DD262,
        0x8E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38DAAAAA88C,
    ),
    (  # x_den = x'^2 + k_(2,1) x' + k_(2,0)
        0xD35771193D94918A9CA34CCBB7B640DD86CD409542F8487D9FE6B745781EB49B,
        0xEDADC6F64383DC1DF7C4B2D51B54225406D36B641F5E41BBC52A56612A8C6D14,
        1,
    ),
    (  # y_num = k_(3,3) x'^3 + k_(3,2) x'^2 + k_(3,1) x' + k_(3,0)
        0x4BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684B8E38E23C,
        0xC75E0C32D5CB7C0FA9D0A54B12A0A6D5647AB046D686DA6FDFFC90FC201D71A3,
        0x29A6194691F91A73715209EF6512E576722830A201BE2018A765E85A9ECEE931,
        0x2F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F38E38D84,
    ),
    (  # y_den = x'^3 + k_(4,2) x'^2 + k_(4,1) x' + k_(4,0)
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFF93B,
        0x7A06534BB8BDB49FD5E9E6632722C2989467C1BFC8E8D978DFB425D2685C2573,
        0x6484AA716545CA2CF3A70C3FA8FE337E0A3D21162F0D6299A7BF8192BFD2A76F,
        1,
    ),
)

SECP256K1_XMD_SHA256_SSWU_RO = SSWUSuite(
    name="secp256k1_XMD:SHA-256_SSWU_RO_",
    p=_K256_P,
    a=0,
    b=7,
    z=_K256_P - 11,  # Z = -11 (RFC 9380 §8.7)
    L=48,
    iso_a=0x3F8731ABDD661ADCA08A5558F0F5D272E953D363CB6F0E5D405447C01A444533,
    iso_b=1771,
    iso_map=_K256_ISO_MAP,
)
"""secp256k1 random-oracle suite (RFC 9380 §8.7, isogeny from Appendix E.1)."""


# --- The mappings (§6.6.2, §6.6.3)


def _sswu(suite: SSWUSuite, u: int) -> Point:
    """Simplified SWU (§6.6.2) on the SSWU curve; ``sqrt(x) = x^((p+1)/4)`` (p = 3 mod 4) doubles as is_square."""
    p = suite.p
    A, B = suite.sswu_curve
    Z = suite.z % p
    zu2 = Z * u * u % p
    den = (zu2 * zu2 + zu2) % p  # Z^2 * u^4 + Z * u^2
    if den == 0:  # exceptional case (inv0 returned 0): x1 = B / (Z * A)
        x1 = B * _inv(Z * A % p, p) % p
    else:
        x1 = (p - B) * _inv(A, p) % p * (1 + _inv(den, p)) % p
    gx1 = (x1 * x1 * x1 + A * x1 + B) % p
    sqrt_exp = (p + 1) // 4
    y = _pow(gx1, sqrt_exp, p)
    if y * y % p == gx1:
        x = x1
    else:
        x = zu2 * x1 % p
        gx2 = (x * x * x + A * x + B) % p
        y = _pow(gx2, sqrt_exp, p)
        if y * y % p != gx2:  # impossible for a valid Z; guards bad suites
            raise MalformedInput(f"{suite.name}: neither g(x1) nor g(x2) is square")
    if (u & 1) != (y & 1):  # sgn0 for m = 1 (§4.1): the parity
        y = (p - y) % p
    return x, y


def _iso_map(iso: tuple[tuple[int, ...], ...], p: int, point: Point) -> Point | None:
    """Evaluate the isogeny E' -> E (§6.6.3); ``None`` is the identity."""
    x_num, x_den, y_num, y_den = iso
    xp, yp = point
    xd = _horner(x_den, xp, p)
    yd = _horner(y_den, xp, p)
    if xd == 0 or yd == 0:  # kernel point: maps to the identity
        return None
    x = _horner(x_num, xp, p) * _inv(xd, p) % p
    y = yp * _horner(y_num, xp, p) % p * _inv(yd, p) % p
    return x, y


def _check_suite(suite: object) -> None:
    if not isinstance(suite, SSWUSuite):
        raise MalformedInput(f"suite must be an SSWUSuite, got {type(suite).__name__}")


def _map(suite: SSWUSuite, u: int) -> Point | None:
    point = _sswu(suite, u)
    if suite.iso_map is None:
        return point
    return _iso_map(suite.iso_map, suite.p, point)


def map_to_curve(suite: SSWUSuite, u: int) -> tuple[int, int]:
    """Map ``u`` in [0, p) to an affine point of E (SSWU, then the isogeny if any; §6.6.2–3).

    MalformedInput for the point at infinity (the isogeny kernel, probability ~2^-256).
    """
    _check_suite(suite)
    u = _as_int(u, "u")
    if not 0 <= u < suite.p:
        raise MalformedInput("u must be a field element in [0, p)")
    point = _map(suite, u)
    if point is None:
        raise MalformedInput("map_to_curve produced the point at infinity")
    return point


# --- Affine group law and the encodings (§3)


def _add(suite: SSWUSuite, P: Point | None, Q: Point | None) -> Point | None:
    """Affine addition on E (``None`` is the point at infinity)."""
    if P is None:
        return Q
    if Q is None:
        return P
    p = suite.p
    x1, y1 = P
    x2, y2 = Q
    if x1 == x2:
        if (y1 + y2) % p == 0:
            return None  # P == -Q (includes doubling a 2-torsion point)
        lam = (3 * x1 * x1 + suite.a) * _inv(2 * y1 % p, p) % p
    else:
        lam = (y2 - y1) * _inv((x2 - x1) % p, p) % p
    x3 = (lam * lam - x1 - x2) % p
    y3 = (lam * (x1 - x3) - y1) % p
    return x3, y3


def hash_to_curve(suite: SSWUSuite, msg: bytes, dst: bytes) -> tuple[int, int]:
    """Random-oracle ``hash_to_curve`` (§3): ``map_to_curve(u0) + map_to_curve(u1)`` (h = 1), affine.

    MalformedInput if the sum is the identity (never in practice).
    """
    _check_suite(suite)
    u0, u1 = hash_to_field(msg, 2, dst, suite.p, suite.L)
    point = _add(suite, _map(suite, u0), _map(suite, u1))
    if point is None:
        raise MalformedInput("hash_to_curve produced the point at infinity")
    return point


def encode_to_curve(suite: SSWUSuite, msg: bytes, dst: bytes) -> tuple[int, int]:
    """Nonuniform ``encode_to_curve`` (§3): one field element, h = 1 (the NU suites have their own DSTs)."""
    _check_suite(suite)
    (u,) = hash_to_field(msg, 1, dst, suite.p, suite.L)
    return map_to_curve(suite, u)
