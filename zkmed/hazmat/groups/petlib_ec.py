"""Elliptic-curve groups on petlib (OpenSSL ``EC_POINT``): P-256 (default) and secp256k1.

Speed notes (this is the fast backend every benchmark is measured against):

* ``mul_gen`` goes through the *generator slot* of ``EC_POINT_mul``
  (``EC_POINT_mul(group, r, k, NULL, NULL, ctx)``) so OpenSSL uses its
  precomputed fixed-base tables (``ecp_nistz256`` on x86-64 for P-256, the
  ``EC_GROUP_precompute_mult`` wNAF table otherwise).
* ``msm`` is one ``EC_POINTs_mul`` call (OpenSSL's interleaved wNAF
  multi-exponentiation) with the generator coefficient in the generator slot;
  large ones are split across cores (:mod:`zkmed.hazmat.groups.parallel`).
* Scalars cross into OpenSSL as ``BN_bin2bn`` of a 32-byte big-endian string.

Encoding is SEC1 compressed (``0x02/0x03 || x``, 33 bytes, SEC1 §2.3.3).  The
identity has no SEC1 compressed form; it is written as 33 zero bytes and only
decoded where the caller allows it.  Both curves have cofactor 1, so every
point on the curve is in the prime-order group: decoding checks the prefix,
``x < p`` and that ``x`` lies on the curve (OpenSSL's decompression).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups import openssl_fixed_base, parallel, sec1
from zkmed.hazmat.groups.base import Element, Group

try:  # petlib is a hard dependency, but keep import errors readable
    from petlib.bindings import _C, _FFI
    from petlib.bn import Bn, get_ctx
    from petlib.ec import POINT_CONVERSION_COMPRESSED, EcGroup, EcPt
except Exception as exc:  # pragma: no cover - exercised only without petlib
    _IMPORT_ERROR: Exception | None = exc
else:
    _IMPORT_ERROR = None

NID_P256 = 415  # NID_X9_62_prime256v1
NID_SECP256K1 = 714

_IDENTITY_ENCODING = sec1.IDENTITY_ENCODING
_MAX_PINNED = 4096  # long-lived public elements whose encodings are remembered
_MAX_FIXED = 64  # fixed-base tables (about 150 KiB each on P-256)
_MAX_RECENT = 256  # recently decoded elements whose wire bytes are remembered


class PetlibCurve(Group):
    """A prime-order (cofactor 1) short-Weierstrass curve over petlib/OpenSSL."""

    element_size = 33
    scalar_size = 32

    def __init__(self, name: str, nid: int, suite: h2c.SSWUSuite) -> None:
        if _IMPORT_ERROR is not None:
            raise BackendUnavailable(f"petlib is not available: {_IMPORT_ERROR}")
        self.name = name
        self.backend = "petlib (OpenSSL EC_POINT)"
        self._suite = suite
        self._ec = EcGroup(nid, optimize_mult=True)
        self._ecg = self._ec.ecg
        self.order = int(self._ec.order())
        params = self._ec.parameters()
        self.field_prime = int(params["p"])
        self._curve = sec1.CurveField(self.field_prime, int(params["a"]), int(params["b"]))
        self._g = self._ec.generator()
        self._inf = self._ec.infinite()
        self._g_encoding = self._encode(self._g)  # cache: the generator's constant encoding
        self._pinned: dict[int, tuple[Element, bytes]] = {}
        self._fixed: dict[int, tuple[Element, Any]] = {}  # id(base) -> (base, table): see precompute()
        self._nid = nid
        # recently decoded points keep their (validated, canonical) wire bytes, so a verifier
        # that decodes a statement and then hashes it does not encode the same point again
        self._decoded: dict[int, tuple[Element, bytes]] = {}

    # --- conversions -----------------------------------------------------

    def _bn(self, k: int) -> Bn:
        k %= self.order
        bn = Bn()
        _C.BN_bin2bn(k.to_bytes(32, "big"), 32, bn.bn)
        return bn

    def _new(self) -> EcPt:
        return EcPt(self._ec)

    # --- group law ---------------------------------------------------------

    def generator(self) -> Element:
        return self._g

    def identity(self) -> Element:
        return self._inf

    def add(self, a: Element, b: Element) -> Element:
        r = self._new()
        _C.EC_POINT_add(self._ecg, r.pt, a.pt, b.pt, get_ctx().bnctx)
        return r

    def neg(self, a: Element) -> Element:
        r = self._new()
        _C.EC_POINT_copy(r.pt, a.pt)
        _C.EC_POINT_invert(self._ecg, r.pt, get_ctx().bnctx)
        return r

    def mul(self, a: Element, k: int) -> Element:
        fixed = self._fixed.get(id(a))
        if fixed is not None and fixed[0] is a:
            return self._mul_fixed(fixed[1], k)
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        _C.EC_POINT_mul(self._ecg, r.pt, _FFI.NULL, a.pt, bn.bn, get_ctx().bnctx)
        return r

    def mul_gen(self, k: int) -> Element:
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        _C.EC_POINT_mul(self._ecg, r.pt, bn.bn, _FFI.NULL, _FFI.NULL, get_ctx().bnctx)
        return r

    def msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int = 0) -> Element:
        """``EC_POINTs_mul``; variable time, so only for public scalars (verification, simulation).

        A large MSM is split into contiguous chunks, one ``EC_POINTs_mul`` each,
        run on separate cores (:mod:`zkmed.hazmat.groups.parallel`; the GIL is released
        during the C call) and added; the generator term goes with the first chunk.
        """
        if len(scalars) != len(elements):
            raise MalformedInput("msm: scalars and elements differ in length")
        gen_scalar %= self.order
        if not scalars:
            return self.mul_gen(gen_scalar) if gen_scalar else self._inf
        parts = parallel.chunks(len(scalars))
        if parts < 2:
            return self._msm_chunk(scalars, elements, gen_scalar)
        return parallel.split_sum(
            len(scalars),
            parts,
            lambda lo, hi, first: self._msm_chunk(scalars[lo:hi], elements[lo:hi], gen_scalar if first else 0),
            self.add,
        )

    def _msm_chunk(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int) -> Element:
        """One ``EC_POINTs_mul`` (``gen_scalar`` already reduced)."""
        q = self.order
        # raw BIGNUMs (BN_bin2bn allocates) are cheaper than petlib Bn objects; freed below
        bin2bn, null = _C.BN_bin2bn, _FFI.NULL
        raw = [bin2bn((k % q).to_bytes(32, "big"), 32, null) for k in scalars]
        gen = bin2bn(gen_scalar.to_bytes(32, "big"), 32, null) if gen_scalar else null
        try:
            if null in raw or (gen_scalar and gen == null):
                raise MemoryError("OpenSSL could not allocate a BIGNUM")
            r = self._new()
            _C.EC_POINTs_mul(self._ecg, r.pt, gen, len(raw), [e.pt for e in elements], raw, get_ctx().bnctx)
        finally:
            for bn in raw:
                if bn != null:
                    _C.BN_clear_free(bn)
            if gen != null:
                _C.BN_clear_free(gen)
        return r

    def eq(self, a: Element, b: Element) -> bool:
        return int(_C.EC_POINT_cmp(self._ecg, a.pt, b.pt, get_ctx().bnctx)) == 0

    def is_identity(self, a: Element) -> bool:
        return int(_C.EC_POINT_is_at_infinity(self._ecg, a.pt)) == 1

    # --- encodings ----------------------------------------------------------

    def encode_element(self, a: Element) -> bytes:
        if a is self._g:  # the generator object: constant bytes, computed once
            return self._g_encoding
        pinned = self._pinned.get(id(a)) or self._decoded.get(id(a))
        if pinned is not None and pinned[0] is a:
            return pinned[1]
        return self._encode(a)

    def precompute(self, a: Element) -> None:
        """Give the long-lived public base ``a`` a fixed-base table (Pedersen ``H``, a public key).

        ``mul(a, k)`` then walks OpenSSL's precomputed table — constant time on
        P-256 (``ecp_nistz256``), about 4× faster than a variable-base
        multiplication (see :mod:`zkmed.hazmat.groups.openssl_fixed_base`).  The table
        is checked against a plain multiplication before it is used; if it cannot
        be built, nothing changes.
        """
        self.pin_encoding(a)
        if (
            (id(a) in self._fixed and self._fixed[id(a)][0] is a)
            or len(self._fixed) >= _MAX_FIXED
            or self.is_identity(a)
        ):
            return
        table = openssl_fixed_base.build_table(self._nid, int(_FFI.cast("uintptr_t", a.pt)))
        if table is None:
            return
        probe = self.random_scalar()
        try:
            ok = self.eq(self._mul_fixed(table, probe), self.mul(a, probe))
        except MalformedInput:
            ok = False
        if ok:
            self._fixed[id(a)] = (a, table)

    def _mul_fixed(self, table: Any, k: int) -> Element:
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        if not table(int(_FFI.cast("uintptr_t", r.pt)), int(_FFI.cast("uintptr_t", bn.bn))):
            raise MalformedInput(f"{self.name}: fixed-base multiplication failed")
        return r

    def pin_encoding(self, a: Element) -> bytes:
        """Remember the encoding of a long-lived public element (Pedersen ``H``, derived generators).

        zkmed never mutates elements in place, so the bytes stay valid; the
        entry holds a reference to the element, so its ``id`` cannot be reused.
        """
        encoded = self.encode_element(a)
        if len(self._pinned) < _MAX_PINNED:
            self._pinned[id(a)] = (a, encoded)
        return encoded

    def _encode(self, a: Element) -> bytes:
        if self.is_identity(a):
            return _IDENTITY_ENCODING
        buf = _FFI.new("unsigned char[]", 33)
        n = _C.EC_POINT_point2oct(self._ecg, a.pt, POINT_CONVERSION_COMPRESSED, buf, 33, get_ctx().bnctx)
        if n != 33:
            raise MalformedInput(f"{self.name}: cannot encode point")
        return bytes(_FFI.buffer(buf, 33))

    def decode_element(self, data: bytes, *, allow_identity: bool = False) -> Element:
        # SEC1 §2.3.4 decompression with gmpy2 (faster than OpenSSL's generic BN path),
        # then OpenSSL loads the affine point and checks it is on the curve once more.
        point = sec1.decode_compressed(self._curve, data, self.name, allow_identity=allow_identity)
        if point is None:
            return self._inf
        element = self.from_affine(*point)
        recent = self._decoded
        if len(recent) >= _MAX_RECENT:
            recent.pop(next(iter(recent)), None)  # oldest first (dicts keep insertion order)
        recent[id(element)] = (element, bytes(data))  # holds the element: its id is not reused
        return element

    def hash_to_element(self, msg: bytes, dst: bytes) -> Element:
        x, y = h2c.hash_to_curve(self._suite, msg, dst)
        return self.from_affine(x, y)

    # --- affine helpers (tests, cross-backend checks) ----------------------

    def from_affine(self, x: int, y: int) -> Element:
        raw = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        r = self._new()
        if _C.EC_POINT_oct2point(self._ecg, r.pt, raw, 65, get_ctx().bnctx) != 1:
            _clear_openssl_errors()
            raise MalformedInput(f"{self.name}: affine point is not on the curve")
        return r

    def to_affine(self, a: Element) -> tuple[int, int]:
        if self.is_identity(a):
            raise MalformedInput(f"{self.name}: the identity has no affine coordinates")
        x, y = a.get_affine()
        return int(x), int(y)


def _clear_openssl_errors() -> None:
    """Drain OpenSSL's thread error queue so a failed decode leaves no residue."""
    try:
        while _C.ERR_get_error():
            pass
    except AttributeError:  # pragma: no cover - binding without ERR_get_error
        pass


def p256() -> PetlibCurve:
    """NIST P-256 (secp256r1) on OpenSSL — the zkmed default group."""
    return PetlibCurve("P256", NID_P256, h2c.P256_XMD_SHA256_SSWU_RO)


def secp256k1() -> PetlibCurve:
    """secp256k1 on OpenSSL."""
    return PetlibCurve("secp256k1", NID_SECP256K1, h2c.SECP256K1_XMD_SHA256_SSWU_RO)
