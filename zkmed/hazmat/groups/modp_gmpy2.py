"""Prime-order subgroups of ``Z_p^*`` on gmpy2, and the ElectionGuard 2.x group ``EG4096``.

The group is the order-``q`` subgroup of ``Z_p^*`` (``q`` prime, ``q | p - 1``,
cofactor ``r = (p - 1) / q``), written **additively** to fit the
:class:`~zkmed.hazmat.groups.base.Group` protocol:

=================  ==========================================
protocol           here
=================  ==========================================
``add(a, b)``      ``a * b mod p``
``neg(a)``         ``a^-1 mod p``
``mul(a, k)``      ``a^k mod p`` (``k`` reduced mod ``q``)
``identity()``     ``1``
``generator()``    ``g``
=================  ==========================================

Elements are ``gmpy2.mpz`` in ``[1, p)``.  Their canonical encoding is the
integer in ``element_size = ceil(bits(p) / 8)`` bytes, big-endian, fixed
width (512 bytes for EG4096); the identity is encoded as the integer 1 and
decoded only where the caller allows it.  Decoding checks the exact length,
``1 <= x < p`` and subgroup membership ``x^q = 1 (mod p)`` (ElectionGuard
Design Specification 2.0, §3.1.1 and the verifier's "is in Z_p^r" checks);
the all-zero string (the integer 0) is never an element.

Speed (measured with ``benchmarks/bench_groups.py``; one 4096-bit ``powmod``
with a 256-bit exponent costs about 1.2-1.6 ms, one modular product ~6 us):

* ``mul_gen`` uses a fixed-base table ``T[i][d] = g^(d * 2^(8i))`` for byte
  digits ``d`` (33 rows x 257 entries, ~4 MiB, built on first use): one
  modular product per non-zero byte instead of ~300 squarings/products,
  about 8x faster.

Secret exponents (see ``docs/constant-time.md``):

* ``mul_secret`` is ``gmpy2.powmod_sec`` (GMP's ``mpz_powm_sec``, side-channel
  silent in the exponent for a fixed exponent size) of the exponent
  ``e = (k mod q) + c·q``, where ``c`` is fixed so that every ``e`` has the
  same bit length (``bits(q) + 2``) and is never 0 (``mpz_powm_sec`` needs
  ``e > 0``); ``a^e = a^k`` since ``a`` has order ``q``.
* ``mul_gen_secret`` walks the same table without skips: it writes
  ``e - (1 + 2^8 + 2^16 + ...)`` in bytes ``d_i`` and multiplies
  ``T[i][d_i + 1]`` for **every** row (all entries are full-size, non-identity
  elements), so the sequence of products does not depend on ``k``.  The
  entry is still picked by a Python list index (a cache-timing channel that
  ``mpz_powm_sec``'s masked table scan does not have).
* ``msm``: one term is a plain ``powmod``; up to 99 terms use Straus'
  simultaneous exponentiation with 4-bit windows (shared squarings, per-base
  tables of ``b^0..b^15``); 100 and more use Pippenger's bucket method with
  5-bit windows.  Both beat per-term ``powmod`` from 2 terms on (about 3x at
  64 terms).  Squarings are explicit ``a * a % p``: ``powmod(a, 2^w, p)`` pays
  GMP's Montgomery set-up on every call and was measured slower.

``hash_to_element`` follows RFC 9380's recipe for hashing to a field (§5.2,
``expand_message_xmd`` with SHA-256, §5.3.1) with ``L = ceil((bits(p) + 128)
/ 8)`` bytes (``len(p) + 16`` = 528 for EG4096, k = 128 bits of extra
uniformity), reduces mod ``p`` and clears the cofactor: ``h = x^r mod p``.

``mul``, ``mul_gen`` and ``msm`` are variable time: public exponents only.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups.base import Element, Group

try:
    import gmpy2
    from gmpy2 import mpz
except Exception as exc:  # pragma: no cover - exercised only without gmpy2
    _IMPORT_ERROR: Exception | None = exc
else:
    _IMPORT_ERROR = None

_FIXED_WIDTH = 8  # bits per fixed-base digit (one byte)
_STRAUS_WIDTH = 4
_PIPPENGER_WIDTH = 5
_PIPPENGER_FROM = 100  # number of terms from which Pippenger beats Straus (measured)
_HASH_EXTRA_BYTES = 16  # k = 128 bits of extra uniformity (RFC 9380 §5)


def _secret_offsets(q: int) -> tuple[int, int, int, int]:
    """Offsets that make secret exponents ``k + offset`` look alike for every ``k`` in ``[0, q)``.

    ``powmod_sec``: ``c·q`` with ``c = ceil(2^(b+1) / q)`` (``b = bits(q)``), so
    ``k + c·q`` lies in ``[2^(b+1), 2^(b+2))``: always ``b + 2`` bits, never 0.
    Fixed-base table: ``t·q >= ones`` where ``ones = sum(2^(8i))`` over the
    rows, so ``k + t·q - ones`` has a byte ``d_i`` per row and the product
    uses entry ``d_i + 1`` (never the identity) of every row.
    Returns ``(c·q, t·q, rows, ones)``.
    """
    c = -(-(1 << (q.bit_length() + 1)) // q)
    t = c
    while True:
        rows = (((t + 1) * q - 1).bit_length() + _FIXED_WIDTH - 1) // _FIXED_WIDTH
        ones = sum(1 << (_FIXED_WIDTH * i) for i in range(rows))
        if t * q >= ones:
            return c * q, t * q, rows, ones
        t += 1


class ModPGroup(Group):
    """The order-``q`` subgroup of ``Z_p^*``, written additively; see the module docstring."""

    def __init__(self, name: str, p: int, q: int, g: int, *, backend: str = "gmpy2 (GMP mpz)") -> None:
        if _IMPORT_ERROR is not None:
            raise BackendUnavailable(f"gmpy2 is not available: {_IMPORT_ERROR}")
        for label, value in (("p", p), ("q", q), ("g", g)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise MalformedInput(f"{name}: parameter {label} must be an int")
        if q < 3 or p <= q or (p - 1) % q:
            raise MalformedInput(f"{name}: q must be an odd prime dividing p - 1")
        if not (1 < g < p) or gmpy2.powmod(g, q, p) != 1:
            raise MalformedInput(f"{name}: g is not a non-trivial element of the order-q subgroup")
        self.name = name
        self.backend = backend
        self.order = int(q)
        self.modulus = int(p)
        self.cofactor = (int(p) - 1) // int(q)
        self.element_size = (int(p).bit_length() + 7) // 8
        self.scalar_size = (int(q).bit_length() + 7) // 8
        self._p = mpz(p)
        self._q = mpz(q)
        self._g = mpz(g)
        self._one = mpz(1)
        self._identity_encoding = (1).to_bytes(self.element_size, "big")
        self._fixed: list[list[Element]] | None = None  # built on first mul_gen
        self._sec_offset, self._table_offset, self._sec_rows, self._sec_ones = _secret_offsets(int(q))

    # --- group law (multiplicative underneath) ----------------------------

    def generator(self) -> Element:
        return self._g

    def identity(self) -> Element:
        return self._one

    def add(self, a: Element, b: Element) -> Element:
        return a * b % self._p

    def neg(self, a: Element) -> Element:
        return gmpy2.invert(a, self._p)

    def sub(self, a: Element, b: Element) -> Element:
        return a * gmpy2.invert(b, self._p) % self._p

    def mul(self, a: Element, k: int) -> Element:
        return gmpy2.powmod(a, k % self.order, self._p)

    def mul_secret(self, a: Element, k: int) -> Element:
        """``a^k`` by ``mpz_powm_sec`` with the fixed-length exponent ``k mod q + c·q`` (never 0)."""
        return gmpy2.powmod_sec(a, k % self.order + self._sec_offset, self._p)

    def mul_gen_secret(self, k: int) -> Element:
        """``g^k`` from the fixed-base table, one full-size product for every row (no skipped digits)."""
        table = self._fixed_table()
        digits = (k % self.order + self._table_offset - self._sec_ones).to_bytes(self._sec_rows, "little")
        p = self._p
        acc = table[0][digits[0] + 1]
        for row, d in zip(table[1:], digits[1:], strict=True):
            acc = acc * row[d + 1] % p
        return acc

    def constant_time_note(self) -> tuple[str, str]:
        return "partial", "mul_secret: mpz_powm_sec; mul_gen_secret: table without skips, entry by list index (cache)"

    def eq(self, a: Element, b: Element) -> bool:
        return a == b

    def is_identity(self, a: Element) -> bool:
        return a == 1

    def is_element(self, a: object) -> bool:
        """An ``mpz`` in ``[1, p)``.  Membership of the order-q subgroup costs a 4096-bit
        exponentiation and is checked where elements enter from outside (:meth:`decode_element`);
        elements made in memory by this group's operations stay in the subgroup."""
        return type(a) is type(self._p) and 0 < a < self._p  # type: ignore[operator]

    def sum(self, elements: Sequence[Element]) -> Element:
        acc = self._one
        for e in elements:
            acc = acc * e % self._p
        return acc

    # --- fixed base ---------------------------------------------------------

    def _fixed_table(self) -> list[list[Element]]:
        """``T[i][d] = g^(d * 2^(8i))`` for ``d = 0..256`` and byte positions ``i`` up to the secret path's rows."""
        if self._fixed is None:
            p = self._p
            rows = []
            base = self._g
            for _ in range(max(self.scalar_size, self._sec_rows)):
                row = [self._one, base]
                for _ in range((1 << _FIXED_WIDTH) - 1):
                    row.append(row[-1] * base % p)
                rows.append(row)
                base = row[-1]  # row[256] = base^(2^8)
            self._fixed = rows
        return self._fixed

    def mul_gen(self, k: int) -> Element:
        """``g^k`` from the fixed-base table: one product per non-zero byte of ``k``."""
        table = self._fixed_table()
        k %= self.order
        p = self._p
        acc = None
        for row, d in zip(table, k.to_bytes(self.scalar_size, "little"), strict=False):  # rows past q unused
            if d:
                acc = row[d] if acc is None else acc * row[d] % p
        return self._one if acc is None else acc

    # --- multi-exponentiation -------------------------------------------

    def _straus(self, scalars: list[int], bases: list[Element]) -> Element:
        """``prod b_i^k_i`` by simultaneous 4-bit-window exponentiation (Straus 1964; HAC Alg. 14.88)."""
        p, w = self._p, _STRAUS_WIDTH
        mask = (1 << w) - 1
        tables = []
        for b in bases:
            row = [self._one, b]
            for _ in range(mask - 1):
                row.append(row[-1] * b % p)
            tables.append(row)
        acc = self._one
        windows = (self.order.bit_length() + w - 1) // w
        for i in range(windows - 1, -1, -1):
            if i != windows - 1:
                for _ in range(w):
                    acc = acc * acc % p
            shift = i * w
            for k, row in zip(scalars, tables, strict=True):
                d = (k >> shift) & mask
                if d:
                    acc = acc * row[d] % p
        return acc

    def _pippenger(self, scalars: list[int], bases: list[Element]) -> Element:
        """``prod b_i^k_i`` by the bucket method (Pippenger 1980; Bernstein et al., "Faster batch forgery identification" §4)."""
        p, c = self._p, _PIPPENGER_WIDTH
        mask = (1 << c) - 1
        acc = self._one
        windows = (self.order.bit_length() + c - 1) // c
        for i in range(windows - 1, -1, -1):
            if i != windows - 1:
                for _ in range(c):
                    acc = acc * acc % p
            buckets: list[Element | None] = [None] * (mask + 1)
            shift = i * c
            for k, b in zip(scalars, bases, strict=True):
                d = (k >> shift) & mask
                if d:
                    cur = buckets[d]
                    buckets[d] = b if cur is None else cur * b % p
            running = self._one  # running = prod_{j >= d} bucket_j; window = prod_d running
            window = self._one
            for d in range(mask, 0, -1):
                bucket = buckets[d]
                if bucket is not None:
                    running = running * bucket % p
                window = window * running % p
            acc = acc * window % p
        return acc

    def msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int = 0) -> Element:
        if len(scalars) != len(elements):
            raise MalformedInput("msm: scalars and elements differ in length")
        ks: list[int] = []
        bs: list[Element] = []
        for k, b in zip(scalars, elements, strict=True):
            k %= self.order
            if k and b != 1:
                ks.append(k)
                bs.append(b)
        if not ks:
            acc = self._one
        elif len(ks) == 1:
            acc = gmpy2.powmod(bs[0], ks[0], self._p)
        elif len(ks) < _PIPPENGER_FROM:
            acc = self._straus(ks, bs)
        else:
            acc = self._pippenger(ks, bs)
        if gen_scalar % self.order:
            acc = acc * self.mul_gen(gen_scalar) % self._p
        return acc

    # --- encodings ----------------------------------------------------------

    def encode_element(self, a: Element) -> bytes:
        return int(a).to_bytes(self.element_size, "big")

    def decode_element(self, data: bytes, *, allow_identity: bool = False) -> Element:
        n = self.element_size
        if not isinstance(data, (bytes, bytearray)) or len(data) != n:
            raise MalformedInput(f"{self.name}: element encoding must be {n} bytes")
        x = int.from_bytes(data, "big")
        if x == 1:
            if allow_identity:
                return self._one
            raise MalformedInput(f"{self.name}: the identity is not allowed here")
        if not 1 < x < self.modulus:
            raise MalformedInput(f"{self.name}: element out of range [1, p)")
        e = mpz(x)
        if gmpy2.powmod(e, self._q, self._p) != 1:
            raise MalformedInput(f"{self.name}: element is not in the order-q subgroup")
        return e

    def hash_to_element(self, msg: bytes, dst: bytes) -> Element:
        """``expand_message_xmd(msg, dst, len(p) + 16)`` mod p, raised to the cofactor (RFC 9380 §5.2-§5.3)."""
        uniform = h2c.expand_message_xmd(msg, dst, self.element_size + _HASH_EXTRA_BYTES)
        x = mpz(int.from_bytes(uniform, "big")) % self._p
        h = gmpy2.powmod(x, self.cofactor, self._p)
        if h <= 1:  # x = 0 or x in the order-r subgroup: probability ~ 1/q
            raise MalformedInput(f"{self.name}: hash_to_element hit the identity")
        return h

    # --- integer helpers (tests, ElectionGuard interop) ---------------------

    def from_int(self, x: int) -> Element:
        """Validate an integer as a non-identity group element (as :meth:`decode_element`)."""
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < self.modulus:
            raise MalformedInput(f"{self.name}: element out of range [1, p)")
        return self.decode_element(x.to_bytes(self.element_size, "big"))

    def to_int(self, a: Element) -> int:
        return int(a)


# ElectionGuard Design Specification 2.0, §3.1.1 "Standard baseline cryptographic
# parameters": q = 2^256 - 189; p is the 4096-bit prime whose first and last 256
# bits are ones and whose middle bits come from ln 2; g = 2^r mod p.  Copied
# from microsoft/electionguard-rust example_artifacts/public/election_parameters.json
# (see tests/vectors/electionguard/SOURCE.md; the test suite checks these
# constants against that file).
EG_P = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    "B17217F7D1CF79ABC9E3B39803F2F6AF40F343267298B62D8A0D175B8BAAFA2B"
    "E7B876206DEBAC98559552FB4AFA1B10ED2EAE35C138214427573B291169B825"
    "3E96CA16224AE8C51ACBDA11317C387EB9EA9BC3B136603B256FA0EC7657F74B"
    "72CE87B19D6548CAF5DFA6BD38303248655FA1872F20E3A2DA2D97C50F3FD5C6"
    "07F4CA11FB5BFB90610D30F88FE551A2EE569D6DFC1EFA157D2E23DE1400B396"
    "17460775DB8990E5C943E732B479CD33CCCC4E659393514C4C1A1E0BD1D6095D"
    "25669B333564A3376A9C7F8A5E148E82074DB6015CFE7AA30C480A5417350D2C"
    "955D5179B1E17B9DAE313CDB6C606CB1078F735D1B2DB31B5F50B5185064C18B"
    "4D162DB3B365853D7598A1951AE273EE5570B6C68F96983496D4E6D330AF889B"
    "44A02554731CDC8EA17293D1228A4EF98D6F5177FBCF0755268A5C1F9538B982"
    "61AFFD446B1CA3CF5E9222B88C66D3C5422183EDC99421090BBB16FAF3D949F2"
    "36E02B20CEE886B905C128D53D0BD2F9621363196AF503020060E49908391A0C"
    "57339BA2BEBA7D052AC5B61CC4E9207CEF2F0CE2D7373958D762265890445744"
    "FB5F2DA4B751005892D356890DEFE9CAD9B9D4B713E06162A2D8FDD0DF2FD608"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    16,
)
EG_Q = 2**256 - 189
EG_G = int(
    "36036FED214F3B50DC566D3A312FE4131FEE1C2BCE6D02EA39B477AC05F7F885"
    "F38CFE77A7E45ACF4029114C4D7A9BFE058BF2F995D2479D3DDA618FFD910D3C"
    "4236AB2CFDD783A5016F7465CF59BBF45D24A22F130F2D04FE93B2D58BB9C1D1"
    "D27FC9A17D2AF49A779F3FFBDCA22900C14202EE6C99616034BE35CBCDD3E7BB"
    "7996ADFE534B63CCA41E21FF5DC778EBB1B86C53BFBE99987D7AEA0756237FB4"
    "0922139F90A62F2AA8D9AD34DFF799E33C857A6468D001ACF3B681DB87DC4242"
    "755E2AC5A5027DB81984F033C4D178371F273DBB4FCEA1E628C23E52759BC776"
    "5728035CEA26B44C49A65666889820A45C33DD37EA4A1D00CB62305CD541BE1E"
    "8A92685A07012B1A20A746C3591A2DB3815000D2AACCFE43DC49E828C1ED7387"
    "466AFD8E4BF1935593B2A442EEC271C50AD39F733797A1EA11802A2557916534"
    "662A6B7E9A9E449A24C8CFF809E79A4D806EB681119330E6C57985E39B200B48"
    "93639FDFDEA49F76AD1ACD997EBA13657541E79EC57437E504EDA9DD01106151"
    "6C643FB30D6D58AFCCD28B73FEDA29EC12B01A5EB86399A593A9D5F450DE39CB"
    "92962C5EC6925348DB54D128FD99C14B457F883EC20112A75A6A0581D3D80A3B"
    "4EF09EC86F9552FFDA1653F133AA2534983A6F31B0EE4697935A6B1EA2F75B85"
    "E7EBA151BA486094D68722B054633FEC51CA3F29B31E77E317B178B6B9D8AE0F",
    16,
)


def electionguard_group() -> ModPGroup:
    """The ElectionGuard 2.x standard group (4096-bit p, 256-bit q), registered as ``EG4096``."""
    return ModPGroup("EG4096", EG_P, EG_Q, EG_G)
