"""secp256k1 on py_ecc: the pure-Python reference backend ``secp256k1-pyecc``.

Byte for byte what the OpenSSL backend computes, with no C library beyond CPython
(cross-checked in ``tests/groups/test_cross_backend.py``).  Constants (SEC 2 v2
§2.4.1) and the Jacobian group law come from ``py_ecc.secp256k1``.

Elements are canonical affine pairs ``(x, y)`` of ints in ``[0, p)``, the identity
``(0, 0)`` (no curve point has ``y = 0``: the order is odd), so Python ``==`` and
``hash`` agree with :meth:`eq`.  Scalar multiplication runs in Jacobian
coordinates with one inversion at the end: ``mul`` by width-5 wNAF; ``mul_gen``
from a lazily built table of ``d·2^(8i)·G`` for signed 8-bit digits (33 windows,
33 additions, no doublings); ``msm`` by Straus interleaving of the wNAF
expansions.  Encoding: SEC1 compressed (:mod:`zkmed.hazmat.groups.sec1`);
``hash_to_element``: RFC 9380 ``secp256k1_XMD:SHA-256_SSWU_RO_``.

**Nothing here is constant time** (``mul_secret`` / ``mul_gen_secret`` are the
inherited variable-time defaults): a verifier and a reference only.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups import sec1
from zkmed.hazmat.groups.base import Element, Group

# Importing py_ecc raises the interpreter's recursion limit to 100000 for the
# whole process (py_ecc/__init__.py, for its recursive ``multiply``).  With that
# limit, deeply nested input (e.g. ``json.loads("[" * 100000)``) overflows the C
# stack and crashes instead of raising RecursionError.  This module never calls
# py_ecc's recursive functions, so the limit is put back after the import.
_RECURSION_LIMIT = sys.getrecursionlimit()
try:
    from py_ecc.secp256k1 import secp256k1 as _k1
except Exception as exc:  # pragma: no cover - exercised only without py_ecc
    _IMPORT_ERROR: Exception | None = exc
else:
    _IMPORT_ERROR = None
finally:
    sys.setrecursionlimit(_RECURSION_LIMIT)

Affine = tuple[int, int]
Jacobian = tuple[int, int, int]

_IDENTITY: Affine = (0, 0)
_WNAF_WIDTH = 5  # variable-base digits: odd, |d| < 2^(w-1)
_FIXED_WIDTH = 8  # fixed-base digits: signed, |d| <= 2^(w-1)
_FIXED_WINDOWS = 256 // _FIXED_WIDTH + 1  # one extra window for the final carry


def _wnaf(k: int, w: int) -> list[int]:
    """Width-``w`` non-adjacent form of ``k >= 0``, least significant digit first.

    Every non-zero digit is odd with ``|d| < 2^(w-1)``, and any ``w``
    consecutive digits hold at most one non-zero (Hankerson-Menezes-Vanstone,
    *Guide to ECC*, Alg. 3.35).
    """
    digits = []
    full, half = 1 << w, 1 << (w - 1)
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits


def _signed_windows(k: int, w: int, count: int) -> list[int]:
    """``k = sum(d_i * 2^(w*i))`` with signed digits ``-2^(w-1) < d_i <= 2^(w-1)``."""
    digits = []
    full, half = 1 << w, 1 << (w - 1)
    for _ in range(count):
        d = k & (full - 1)
        k >>= w
        if d > half:
            d -= full
            k += 1
        digits.append(d)
    if k:
        raise MalformedInput("scalar too large for the fixed-base table")
    return digits


class Secp256k1PyEcc(Group):
    """secp256k1 with py_ecc's pure-Python Jacobian arithmetic; see the module docstring."""

    name = "secp256k1"  # the wire identity: byte-identical to the petlib backend
    backend = "py_ecc (pure Python)"
    element_size = 33
    scalar_size = 32

    def __init__(self) -> None:
        if _IMPORT_ERROR is not None:
            raise BackendUnavailable(f"py_ecc is not available: {_IMPORT_ERROR}")
        self.order = int(_k1.N)
        self.field_prime = int(_k1.P)
        self._b = int(_k1.B)
        if int(_k1.A) != 0 or self.field_prime % 4 != 3:
            raise BackendUnavailable("py_ecc's secp256k1 constants are not the expected ones")
        self._curve = sec1.curve_field(self.field_prime, 0, self._b)
        self._g: Affine = (int(_k1.G[0]), int(_k1.G[1]))
        self._suite = h2c.SECP256K1_XMD_SHA256_SSWU_RO
        self._fixed: list[list[Jacobian]] | None = None  # built on first mul_gen

    # --- Jacobian helpers -------------------------------------------------

    @staticmethod
    def _jac(a: Affine) -> Jacobian:
        return (a[0], a[1], 1)

    def _jneg(self, a: Jacobian) -> Jacobian:
        return (a[0], (self.field_prime - a[1]) % self.field_prime, a[2])

    def _affine(self, a: Jacobian) -> Affine:
        """Normalise a Jacobian point ``(X, Y, Z)`` to ``(X/Z^2, Y/Z^3)``; ``y = 0`` means identity."""
        x, y, z = a
        p = self.field_prime
        if y % p == 0 or z % p == 0:
            return _IDENTITY
        zi = pow(z, -1, p)
        zi2 = zi * zi % p
        return (x * zi2 % p, y * zi2 * zi % p)

    def _odd_multiples(self, a: Jacobian) -> list[Jacobian]:
        """``[P, 3P, 5P, ..., (2^(w-1) - 1) P]`` for the wNAF width."""
        twice = _k1.jacobian_double(a)
        table = [a]
        for _ in range((1 << (_WNAF_WIDTH - 2)) - 1):
            table.append(_k1.jacobian_add(table[-1], twice))
        return table

    def _fixed_table(self) -> list[list[Jacobian]]:
        """``T[i][d - 1] = d * 2^(8i) * G`` for ``d = 1..128``, normalised to ``Z = 1``."""
        if self._fixed is None:
            flat: list[Jacobian] = []
            base = self._jac(self._g)
            half = 1 << (_FIXED_WIDTH - 1)
            for _ in range(_FIXED_WINDOWS):
                row = [base]
                for _ in range(half - 1):
                    row.append(_k1.jacobian_add(row[-1], base))
                flat += row
                base = _k1.jacobian_double(row[-1])  # 2^w * base = 2 * (2^(w-1) * base)
            affine = [self._jac(pt) for pt in self._batch_affine(flat)]
            self._fixed = [affine[i : i + half] for i in range(0, len(affine), half)]
        return self._fixed

    def _batch_affine(self, points: list[Jacobian]) -> list[Affine]:
        """Normalise many non-identity points with one inversion (Montgomery's trick)."""
        p = self.field_prime
        prefix = [1]
        for pt in points:
            prefix.append(prefix[-1] * pt[2] % p)
        inv = pow(prefix[-1], -1, p)
        out: list[Affine] = [_IDENTITY] * len(points)
        for i in range(len(points) - 1, -1, -1):
            x, y, z = points[i]
            zi = inv * prefix[i] % p  # 1 / z_i
            inv = inv * z % p
            zi2 = zi * zi % p
            out[i] = (x * zi2 % p, y * zi2 * zi % p)
        return out

    def _jmul_gen(self, k: int) -> Jacobian:
        table = self._fixed_table()
        acc: Jacobian = (0, 0, 1)
        for row, d in zip(table, _signed_windows(k % self.order, _FIXED_WIDTH, _FIXED_WINDOWS), strict=True):
            if d > 0:
                acc = _k1.jacobian_add(acc, row[d - 1])
            elif d < 0:
                acc = _k1.jacobian_add(acc, self._jneg(row[-d - 1]))
        return acc

    def _straus(self, scalars: Sequence[int], points: Sequence[Affine]) -> Jacobian:
        """``sum k_i P_i`` by interleaved wNAF (Straus / Shamir's trick, HMV Alg. 3.51)."""
        terms = []
        for k, pt in zip(scalars, points, strict=True):
            k %= self.order
            if k and pt[1]:
                terms.append((_wnaf(k, _WNAF_WIDTH), self._odd_multiples(self._jac(pt))))
        acc: Jacobian = (0, 0, 1)
        if not terms:
            return acc
        top = max(len(digits) for digits, _ in terms)
        for i in range(top - 1, -1, -1):
            acc = _k1.jacobian_double(acc)
            for digits, table in terms:
                if i < len(digits):
                    d = digits[i]
                    if d > 0:
                        acc = _k1.jacobian_add(acc, table[d >> 1])
                    elif d < 0:
                        acc = _k1.jacobian_add(acc, self._jneg(table[(-d) >> 1]))
        return acc

    # --- group law ---------------------------------------------------------

    def generator(self) -> Element:
        return self._g

    def identity(self) -> Element:
        return _IDENTITY

    def add(self, a: Element, b: Element) -> Element:
        if not a[1]:
            return b
        if not b[1]:
            return a
        return self._affine(_k1.jacobian_add(self._jac(a), self._jac(b)))

    def neg(self, a: Element) -> Element:
        if not a[1]:
            return _IDENTITY
        return (a[0], self.field_prime - a[1])

    def mul(self, a: Element, k: int) -> Element:
        return self._affine(self._straus([k], [a]))

    def mul_gen(self, k: int) -> Element:
        return self._affine(self._jmul_gen(k))

    def constant_time_note(self) -> tuple[str, str]:
        return "no", "pure Python (py_ecc): no constant-time path; mul_secret = mul"

    def _msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int) -> Element:
        acc = self._straus(scalars, elements)
        if gen_scalar % self.order:
            acc = _k1.jacobian_add(acc, self._jmul_gen(gen_scalar))
        return self._affine(acc)

    def eq(self, a: Element, b: Element) -> bool:
        return a[0] == b[0] and a[1] == b[1]

    def is_identity(self, a: Element) -> bool:
        return not a[1]

    def is_element(self, a: object) -> bool:
        """An affine pair of field integers on ``y^2 = x^3 + 7`` (or the identity's ``(0, 0)``)."""
        if type(a) is not tuple or len(a) != 2 or not all(type(c) is int for c in a):
            return False
        x, y = a
        p = self.field_prime
        return a == _IDENTITY or (0 <= x < p and 0 <= y < p and (y * y - x * x * x - self._b) % p == 0)

    # --- encodings (SEC 1 v2 §2.3.3 / §2.3.4) --------------------------------

    def encode_element(self, a: Element) -> bytes:
        if not a[1]:
            return sec1.IDENTITY_ENCODING
        return sec1.encode_compressed(a[0], a[1])

    def decode_element(self, data: bytes, *, allow_identity: bool = False) -> Element:
        point = sec1.decode_compressed(self._curve, data, self.name, allow_identity=allow_identity)
        return _IDENTITY if point is None else point

    def hash_to_element(self, msg: bytes, dst: bytes) -> Element:
        x, y = h2c.hash_to_curve(self._suite, msg, dst)
        return self.from_affine(x, y)

    # --- affine helpers (tests, cross-backend checks) ----------------------

    def from_affine(self, x: int, y: int) -> Element:
        p = self.field_prime
        if not (0 <= x < p and 0 < y < p) or (y * y - x * x * x - self._b) % p:
            raise MalformedInput(f"{self.name}: affine point is not on the curve")
        return (x, y)

    def to_affine(self, a: Element) -> tuple[int, int]:
        if not a[1]:
            raise MalformedInput(f"{self.name}: the identity has no affine coordinates")
        return (a[0], a[1])
