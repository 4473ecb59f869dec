"""Prime-order subgroups of ``Z_p^*`` on gmpy2, and the ElectionGuard 2.x group ``EG4096``.

The order-``q`` subgroup of ``Z_p^*`` (``q | p - 1``, cofactor ``r = (p - 1) / q``)
written additively: ``add`` is ``a·b mod p``, ``neg`` is ``a^-1``, ``mul(a, k)`` is
``a^(k mod q)``, the identity is ``1``.  Elements are ``gmpy2.mpz`` in ``[1, p)``,
encoded as fixed-width big-endian integers of ``ceil(bits(p) / 8)`` bytes (512
for EG4096; the identity is the integer 1, decoded only where allowed).
Decoding checks the length, ``1 <= x < p`` and ``x^q = 1`` (ElectionGuard
Design Specification 2.0, §3.1.1); the integer 0 is never an element.

Speed (one 4096-bit ``powmod`` with a 256-bit exponent ≈ 1.2–1.6 ms, a product ≈ 6 µs):
``mul_gen`` uses a table ``T[i][d] = g^(d·2^(8i))`` (byte digits, ~4 MiB, built on
first use): one product per non-zero byte, ≈ 8× faster.  ``msm``: one term is a
``powmod``; up to 99 terms Straus with 4-bit windows, from 100 Pippenger with
5-bit windows (≈ 3× faster than per-term ``powmod`` at 64 terms); squarings are
explicit ``a·a % p`` (``powmod(a, 2^w, p)`` measured slower).

Secret exponents: ``mul_secret`` is ``gmpy2.powmod_sec`` of ``(k mod q) + c·q`` (fixed
bit length, never 0); ``mul_gen_secret`` walks every table row (entries ``d + 1``, never
the identity) but indexes the table in Python (cache timing).  ``mul``, ``mul_gen`` and
``msm`` are variable time: public exponents only.  Details: ``docs/constant-time.md``.

``hash_to_element``: RFC 9380 ``expand_message_xmd`` (SHA-256) to
``len(p) + 16`` bytes (k = 128 extra bits), reduced mod ``p``, raised to the cofactor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups import hash_to_curve as h2c
from zkmed.hazmat.groups.base import Element, FixedBase, Group

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
    """``(c·q, t·q, rows, ones)``: offsets that make secret exponents look alike for every ``k`` in ``[0, q)``.

    ``c = ceil(2^(b+1) / q)`` (``b = bits(q)``) puts ``k + c·q`` in ``[2^(b+1), 2^(b+2))``;
    ``t·q >= ones = Σ 2^(8i)`` over the rows gives ``k + t·q − ones`` a byte ``d_i`` per row.
    """
    c = -(-(1 << (q.bit_length() + 1)) // q)
    t = c
    while True:
        rows = (((t + 1) * q - 1).bit_length() + _FIXED_WIDTH - 1) // _FIXED_WIDTH
        ones = sum(1 << (_FIXED_WIDTH * i) for i in range(rows))
        if t * q >= ones:
            return c * q, t * q, rows, ones
        t += 1


def _powers(b: Element, count: int, p: Element) -> list[Element]:
    """``[1, b, b², …, b^(count-1)] mod p``."""
    row = [mpz(1), b]
    for _ in range(count - 2):
        row.append(row[-1] * b % p)
    return row


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

    def constant_time_note(self) -> tuple[str, str]:
        return "partial", "mul_secret: mpz_powm_sec; mul_gen_secret: table without skips, entry by list index (cache)"

    def eq(self, a: Element, b: Element) -> bool:
        return a == b

    def is_identity(self, a: Element) -> bool:
        return a == 1

    def is_element(self, a: object) -> bool:
        """An ``mpz`` in ``[1, p)`` (subgroup membership costs an exponentiation: checked by :meth:`decode_element`)."""
        return type(a) is type(self._p) and 0 < a < self._p  # type: ignore[operator]

    def sum(self, elements: Sequence[Element]) -> Element:
        acc = self._one
        for e in elements:
            acc = acc * e % self._p
        return acc

    # --- fixed base ---------------------------------------------------------

    def _table(self, base: Element) -> list[list[Element]]:
        """``T[i][d] = base^(d * 2^(8i))`` for ``d = 0..256`` and byte positions ``i`` up to the secret path's rows."""
        p = self._p
        rows = []
        for _ in range(max(self.scalar_size, self._sec_rows)):
            row = _powers(base, (1 << _FIXED_WIDTH) + 1, p)
            rows.append(row)
            base = row[-1]  # row[256] = base^(2^8)
        return rows

    def _fixed_table(self) -> list[list[Element]]:
        """The generator's table (built on first use, kept by the group: ``g`` is the group's own base)."""
        if self._fixed is None:
            self._fixed = self._table(self._g)
        return self._fixed

    def _table_mul(self, table: list[list[Element]], k: int) -> Element:
        """``base^k`` from ``base``'s table: one product per non-zero byte of ``k mod q`` (public ``k``)."""
        k %= self.order
        p = self._p
        acc = None
        for row, d in zip(table, k.to_bytes(self.scalar_size, "little"), strict=False):  # rows past q unused
            if d:
                acc = row[d] if acc is None else acc * row[d] % p
        return self._one if acc is None else acc

    def _table_mul_secret(self, table: list[list[Element]], k: int) -> Element:
        """``base^k`` from ``base``'s table, one full-size product for every row (no skipped digits)."""
        digits = (k % self.order + self._table_offset - self._sec_ones).to_bytes(self._sec_rows, "little")
        p = self._p
        acc = table[0][digits[0] + 1]
        for row, d in zip(table[1:], digits[1:], strict=True):
            acc = acc * row[d + 1] % p
        return acc

    def mul_gen(self, k: int) -> Element:
        """``g^k`` from the fixed-base table: one product per non-zero byte of ``k``."""
        return self._table_mul(self._fixed_table(), k)

    def mul_gen_secret(self, k: int) -> Element:
        """``g^k`` from the fixed-base table, one full-size product for every row (no skipped digits)."""
        return self._table_mul_secret(self._fixed_table(), k)

    def fixed_base(self, point: Element) -> FixedBase:
        """A table-backed multiplier for a long-lived public element (≈ 4 MiB, ≈ 8× faster per use than ``mul``)."""
        if not self.is_element(point):
            raise MalformedInput(f"{self.name}: fixed base must be an element")
        if point == self._g:
            return FixedBase(self, point)  # the group's own table
        return ModPFixedBase(self, point, self._table(point))

    def fixed_base_state(self) -> str:
        return "byte-digit tables (≈ 4 MiB each) for g and for every fixed_base()"

    # --- multi-exponentiation -------------------------------------------

    def _windows(self, width: int, window: Callable[[Element, int], Element]) -> Element:
        """``acc = window(acc^(2^width), shift)`` over the ``width``-bit windows of ``q``, most significant first."""
        p = self._p
        acc = self._one
        windows = (self.order.bit_length() + width - 1) // width
        for i in range(windows - 1, -1, -1):
            if i != windows - 1:
                for _ in range(width):
                    acc = acc * acc % p
            acc = window(acc, i * width)
        return acc

    def _straus(self, scalars: list[int], bases: list[Element]) -> Element:
        """``prod b_i^k_i`` by simultaneous 4-bit-window exponentiation (Straus 1964; HAC Alg. 14.88)."""
        p, mask = self._p, (1 << _STRAUS_WIDTH) - 1
        tables = [_powers(b, mask + 1, p) for b in bases]

        def window(acc: Element, shift: int) -> Element:
            for k, row in zip(scalars, tables, strict=True):
                d = (k >> shift) & mask
                if d:
                    acc = acc * row[d] % p
            return acc

        return self._windows(_STRAUS_WIDTH, window)

    def _pippenger(self, scalars: list[int], bases: list[Element]) -> Element:
        """``prod b_i^k_i`` by the bucket method (Pippenger 1980; Bernstein et al., "Faster batch forgery identification" §4)."""
        p, mask = self._p, (1 << _PIPPENGER_WIDTH) - 1

        def window(acc: Element, shift: int) -> Element:
            buckets: list[Element | None] = [None] * (mask + 1)
            for k, b in zip(scalars, bases, strict=True):
                d = (k >> shift) & mask
                if d:
                    cur = buckets[d]
                    buckets[d] = b if cur is None else cur * b % p
            running = out = self._one  # running = prod_{j >= d} bucket_j; out = prod_d running
            for d in range(mask, 0, -1):
                bucket = buckets[d]
                if bucket is not None:
                    running = running * bucket % p
                out = out * running % p
            return acc * out % p

        return self._windows(_PIPPENGER_WIDTH, window)

    def _msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int) -> Element:
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

    # --- integer helper (tests, ElectionGuard interop) ---------------------

    def from_int(self, x: int) -> Element:
        """Validate an integer as a non-identity group element (as :meth:`decode_element`)."""
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < self.modulus:
            raise MalformedInput(f"{self.name}: element out of range [1, p)")
        return self.decode_element(x.to_bytes(self.element_size, "big"))


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


class ModPFixedBase(FixedBase):
    """``P^k`` for one long-lived element ``P`` from its own byte-digit table (:meth:`ModPGroup.fixed_base`)."""

    __slots__ = ("_rows",)

    def __init__(self, group: ModPGroup, point: Element, rows: list[list[Element]]) -> None:
        super().__init__(group, point, kind="table")
        object.__setattr__(self, "_rows", rows)

    def mul(self, k: int) -> Element:
        return self.group._table_mul(self._rows, k)  # type: ignore[attr-defined]

    def mul_secret(self, k: int) -> Element:
        return self.group._table_mul_secret(self._rows, k)  # type: ignore[attr-defined]
