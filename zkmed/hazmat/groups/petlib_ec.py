"""Elliptic-curve groups on petlib (OpenSSL ``EC_POINT``): P-256 (default) and secp256k1.

The fast backend every benchmark is measured against:

* ``mul_gen`` uses the *generator slot* of ``EC_POINT_mul``, so OpenSSL walks its
  precomputed table (``ecp_nistz256`` on x86-64 for P-256, else the ladder);
* ``msm`` is one ``EC_POINTs_mul`` (interleaved wNAF) with the generator
  coefficient in the generator slot; large ones are split across cores
  (:mod:`zkmed.hazmat.groups.parallel`);
* :meth:`PetlibCurve.fixed_base` gives a long-lived base (Pedersen ``H``) its own
  OpenSSL table where that pays (P-256; :mod:`zkmed.hazmat.groups.openssl_fixed_base`).

Secret scalars take OpenSSL's constant-time single-scalar ``EC_POINT_mul``; ``msm``
is variable time, public scalars only (``docs/constant-time.md``).  Encoding: SEC1
compressed (:mod:`zkmed.hazmat.groups.sec1`); cofactor 1, so on the curve is in the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups import openssl_fixed_base, parallel, sec1
from zkmed.hazmat.groups.base import Element, FixedBase, Group

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


class PetlibCurve(Group):
    """A prime-order (cofactor 1) short-Weierstrass curve over petlib/OpenSSL."""

    element_size = 33
    scalar_size = 32

    def __init__(self, name: str, nid: int, suite: h2c.SSWUSuite, *, fixed_tables: bool) -> None:
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
        self._curve = sec1.curve_field(self.field_prime, int(params["a"]), int(params["b"]))
        self._g = self._ec.generator()
        self._inf = self._ec.infinite()
        self._g_encoding = self._encode(self._g)  # the group's own generator: a constant of the group
        self._nid = nid
        # whether OpenSSL walks a precomputed table for a generator-slot multiplication on this
        # curve (P-256: ecp_nistz256); elsewhere the generator slot is the ladder, and a table
        # for another base would cost its memory for nothing
        self._fixed_tables = fixed_tables

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

    def mul_secret(self, a: Element, k: int) -> Element:
        """``k·a`` by ``EC_POINT_mul(group, r, NULL, a, k)``: ``ecp_nistz256``'s windowed multiplication on
        P-256, the Montgomery ladder elsewhere, both constant time in ``k``; :meth:`mul` is the same path."""
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        _C.EC_POINT_mul(self._ecg, r.pt, _FFI.NULL, a.pt, bn.bn, get_ctx().bnctx)
        return r

    def mul_gen_secret(self, k: int) -> Element:
        """``k·G`` through the generator slot (constant-time table gather on P-256, the ladder elsewhere);
        :meth:`mul_gen` is the same path."""
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        _C.EC_POINT_mul(self._ecg, r.pt, bn.bn, _FFI.NULL, _FFI.NULL, get_ctx().bnctx)
        return r

    mul, mul_gen = mul_secret, mul_gen_secret

    def _msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int) -> Element:
        """``EC_POINTs_mul``, variable time; a large MSM is split into chunks on separate cores (the GIL is
        released during the C call) and added, the generator term with the first chunk."""
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

    def is_element(self, a: Any) -> bool:
        """An ``EcPt`` of this curve that OpenSSL finds on the curve (cofactor 1: in the group)."""
        if type(a) is not EcPt or a.group.nid() != self._nid:
            return False
        return int(_C.EC_POINT_is_on_curve(self._ecg, a.pt, get_ctx().bnctx)) == 1

    # --- encodings ----------------------------------------------------------

    def encode_element(self, a: Element) -> bytes:
        if a is self._g:  # the group's own generator object: its constant bytes
            return self._g_encoding
        return self._encode(a)

    # --- fixed bases ---------------------------------------------------------

    def fixed_base(self, point: Element) -> FixedBase:
        """A fixed-base multiplier for ``point`` with its own OpenSSL table where that pays (P-256: a constant-time
        gather, ≈ 4× faster); the plain :class:`FixedBase` when the binding is refused, on the ladder curve,
        for the identity or the generator, or when the table disagrees with a plain multiplication."""
        if not self._fixed_tables or self.is_identity(point) or self.eq(point, self._g):
            return FixedBase(self, point)
        table = openssl_fixed_base.build_table(self._nid, int(_FFI.cast("uintptr_t", point.pt)))
        if table is None:
            return FixedBase(self, point)
        fixed = PetlibFixedBase(self, point, table)
        probe = self.random_scalar()
        if not self.eq(fixed.mul(probe), self.mul_secret(point, probe)):
            return FixedBase(self, point)
        return fixed

    def constant_time_note(self) -> tuple[str, str]:
        how = "ecp_nistz256 windowed mul / table gather" if self._fixed_tables else "Montgomery ladder"
        return "yes", f"OpenSSL single-scalar EC_POINT_mul ({how})"

    def fixed_base_state(self) -> str:
        if not self._fixed_tables:
            return "none needed (generator slot is the ladder on this curve)"
        state = openssl_fixed_base.binding_state()
        return ("tables on: " if state.ok else "tables off: ") + state.detail

    def _mul_table(self, table: Any, k: int) -> Element:
        r = self._new()
        bn = self._bn(k)  # keep the Bn alive across the C call
        if not table(int(_FFI.cast("uintptr_t", r.pt)), int(_FFI.cast("uintptr_t", bn.bn))):
            raise MalformedInput(f"{self.name}: fixed-base multiplication failed")
        return r

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
        return self.from_affine(*point)

    def hash_to_element(self, msg: bytes, dst: bytes) -> Element:
        x, y = h2c.hash_to_curve(self._suite, msg, dst)
        return self.from_affine(x, y)

    # --- affine helpers (tests, cross-backend checks) ----------------------

    def from_affine(self, x: int, y: int) -> Element:
        raw = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        r = self._new()
        if _C.EC_POINT_oct2point(self._ecg, r.pt, raw, 65, get_ctx().bnctx) != 1:
            while _C.ERR_get_error():  # drain OpenSSL's error queue: a failed decode leaves no residue
                pass
            raise MalformedInput(f"{self.name}: affine point is not on the curve")
        return r

    def to_affine(self, a: Element) -> tuple[int, int]:
        if self.is_identity(a):
            raise MalformedInput(f"{self.name}: the identity has no affine coordinates")
        x, y = a.get_affine()
        return int(x), int(y)


class PetlibFixedBase(FixedBase):
    """``k·P`` from P's own OpenSSL table (a dedicated ``EC_GROUP`` whose generator is P)."""

    __slots__ = ("_table",)

    _table: Any

    def __init__(self, group: PetlibCurve, point: Element, table: Any) -> None:
        super().__init__(group, point, kind="openssl-table")
        object.__setattr__(self, "_table", table)  # construction only

    def mul_secret(self, k: int) -> Element:
        """Constant time: ``ecp_nistz256``'s table gather reads every entry of a window (masked select)."""
        return cast(PetlibCurve, self.group)._mul_table(self._table, k)

    mul = mul_secret


def p256() -> PetlibCurve:
    """NIST P-256 (secp256r1) on OpenSSL — the zkmed default group."""
    return PetlibCurve("P256", NID_P256, h2c.P256_XMD_SHA256_SSWU_RO, fixed_tables=True)


def secp256k1() -> PetlibCurve:
    """secp256k1 on OpenSSL."""
    return PetlibCurve("secp256k1", NID_SECP256K1, h2c.SECP256K1_XMD_SHA256_SSWU_RO, fixed_tables=False)
