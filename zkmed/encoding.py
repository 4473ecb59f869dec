"""Canonical byte encoding — the only place zkmed turns values into bytes.

Everything that is hashed, signed or put on the wire is built here (or by a
group backend's fixed-width element/scalar encoding, which these helpers
embed as opaque fixed-length fields).  The encoding is

* **fixed width** for integers (unsigned, big-endian, width chosen by the
  caller and part of the format),
* **length-prefixed** for variable-length byte strings (``u32`` big-endian
  length, then the bytes) and for lists (``u32`` count, then the items),
* **injective**: a :class:`Writer` sequence of typed fields can be parsed back
  unambiguously by the matching :class:`Reader` sequence, and decoding
  rejects short input, trailing bytes and out-of-range values with
  :class:`~zkmed.errors.MalformedInput`.

JSON appears only at the edges (files a person may read) and has its own
module, :mod:`zkmed.canonical_json`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from zkmed.errors import MalformedInput, UnsupportedVersion

MAX_LENGTH = 2**32 - 1


# --------------------------------------------------------------------------
# integers


def uint_to_bytes(value: int, width: int) -> bytes:
    """``value`` as exactly ``width`` big-endian bytes (I2OSP, RFC 8017 §4.1)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedInput(f"expected an integer, got {type(value).__name__}")
    if value < 0 or value >= 1 << (8 * width):
        raise MalformedInput(f"integer does not fit in {width} bytes")
    return value.to_bytes(width, "big")


def u8(value: int) -> bytes:
    return uint_to_bytes(value, 1)


def u16(value: int) -> bytes:
    return uint_to_bytes(value, 2)


def u32(value: int) -> bytes:
    return uint_to_bytes(value, 4)


def u64(value: int) -> bytes:
    return uint_to_bytes(value, 8)


def length_prefixed(data: bytes) -> bytes:
    """``u32(len(data)) || data``."""
    return u32(len(data)) + bytes(data)


# --------------------------------------------------------------------------
# structured writer / reader


class Writer:
    """Build a canonical byte string field by field.

    >>> Writer().u8(1).bytes_lp(b"ab").finish().hex()
    '01000000026162'
    """

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw(self, data: bytes) -> Writer:
        self._parts.append(bytes(data))
        return self

    def fixed(self, data: bytes, width: int) -> Writer:
        if len(data) != width:
            raise MalformedInput(f"field must be {width} bytes, got {len(data)}")
        return self.raw(data)

    def uint(self, value: int, width: int) -> Writer:
        return self.raw(uint_to_bytes(value, width))

    def u8(self, value: int) -> Writer:
        return self.uint(value, 1)

    def u16(self, value: int) -> Writer:
        return self.uint(value, 2)

    def u32(self, value: int) -> Writer:
        return self.uint(value, 4)

    def u64(self, value: int) -> Writer:
        return self.uint(value, 8)

    def bytes_lp(self, data: bytes) -> Writer:
        return self.raw(length_prefixed(data))

    def text(self, value: str) -> Writer:
        return self.bytes_lp(value.encode("utf-8"))

    def list_of(self, items: Sequence[bytes]) -> Writer:
        """A count-prefixed list of length-prefixed byte strings."""
        self.u32(len(items))
        for item in items:
            self.bytes_lp(item)
        return self

    def finish(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Parse what a :class:`Writer` produced; every read checks bounds."""

    __slots__ = ("_data", "_pos", "_what")

    def __init__(self, data: bytes, what: str = "input") -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MalformedInput(f"{what}: expected bytes, got {type(data).__name__}")
        self._data = bytes(data)
        self._pos = 0
        self._what = what

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def raw(self, width: int) -> bytes:
        if width < 0 or self._pos + width > len(self._data):
            raise MalformedInput(f"{self._what}: truncated (needed {width} more bytes, {self.remaining} left)")
        out = self._data[self._pos : self._pos + width]
        self._pos += width
        return out

    def uint(self, width: int) -> int:
        return int.from_bytes(self.raw(width), "big")

    def u8(self) -> int:
        return self.uint(1)

    def u16(self) -> int:
        return self.uint(2)

    def u32(self) -> int:
        return self.uint(4)

    def u64(self) -> int:
        return self.uint(8)

    def version(self, supported: int) -> int:
        """A ``u8`` format version: :class:`UnsupportedVersion` unless it is ``supported``."""
        version = self.u8()
        if version != supported:
            raise UnsupportedVersion(f"{self._what} version {version} is not supported")
        return version

    def bytes_lp(self, max_length: int = MAX_LENGTH) -> bytes:
        length = self.u32()
        if length > max_length:
            raise MalformedInput(f"{self._what}: length {length} exceeds the limit {max_length}")
        return self.raw(length)

    def text(self, max_length: int = MAX_LENGTH) -> str:
        data = self.bytes_lp(max_length)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{self._what}: text is not valid UTF-8") from exc

    def list_of(self, max_items: int = 1 << 20) -> list[bytes]:
        count = self.u32()
        if count > max_items:
            raise MalformedInput(f"{self._what}: {count} items exceeds the limit {max_items}")
        return [self.bytes_lp() for _ in range(count)]

    def finish(self) -> None:
        """Reject trailing bytes."""
        if self._pos != len(self._data):
            raise MalformedInput(f"{self._what}: {self.remaining} trailing bytes")


# --------------------------------------------------------------------------
# text encodings at the edges


def utf8_encode(text: str, *, what: str = "text") -> bytes:
    """``text`` as UTF-8; a lone surrogate (from a JSON escape, or a command-line
    argument that was not valid UTF-8) is :class:`MalformedInput`, not a ``UnicodeEncodeError``."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what}: expected text, got {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedInput(f"{what}: not valid Unicode text (lone surrogate at offset {exc.start})") from exc


def utf8_decode(data: bytes, *, what: str = "text") -> str:
    """Strict UTF-8 decoding; invalid bytes (and encoded surrogates) are :class:`MalformedInput`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"{what}: expected bytes, got {type(data).__name__}")
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"{what}: not valid UTF-8 (at byte {exc.start})") from exc


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


def hex_decode(text: str, *, length: int | None = None, what: str = "hex") -> bytes:
    """Strict hex: an even number of ``0-9a-fA-F`` digits, no prefix, no whitespace of any kind."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what}: expected a hex string")
    if _HEX.fullmatch(text) is None:
        raise MalformedInput(f"{what}: not a valid hex string")
    data = bytes.fromhex(text)
    if length is not None and len(data) != length:
        raise MalformedInput(f"{what}: expected {length} bytes, got {len(data)}")
    return data


def b64_encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def b64_decode(text: str, *, length: int | None = None, what: str = "base64") -> bytes:
    """Strict, canonical standard base64: alphabet and padding only (no whitespace,
    no URL-safe letters), and re-encoding must give the same text (zero pad bits)."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what}: expected a base64 string")
    if _B64.fullmatch(text) is None:
        raise MalformedInput(f"{what}: not valid base64")
    data = base64.b64decode(text, validate=True)  # cannot fail once the pattern matched
    if b64_encode(data) != text:
        raise MalformedInput(f"{what}: non-canonical base64")
    if length is not None and len(data) != length:
        raise MalformedInput(f"{what}: expected {length} bytes, got {len(data)}")
    return data


# --------------------------------------------------------------------------
# the IETF Fiat–Shamir / sigma-protocols draft codec (little-endian)
#
# draft-irtf-cfrg-fiat-shamir §"Serialization" fixes little-endian integers
# and u32-LE length prefixes; draft-irtf-cfrg-sigma-protocols serializes
# linear relations with them.  They live here so that all byte layouts stay
# in one module.


def le_uint(value: int, width: int) -> bytes:
    """``value`` as ``width`` little-endian bytes (the drafts' ``I2LEOSP``)."""
    if not isinstance(value, int) or value < 0 or value >= 1 << (8 * width):
        raise MalformedInput(f"integer does not fit in {width} little-endian bytes")
    return value.to_bytes(width, "little")


def le_to_int(data: bytes) -> int:
    """The drafts' ``LE2IP``."""
    return int.from_bytes(data, "little")


def ietf_varlen(data: bytes) -> bytes:
    """``SerializeVarLenString``: u32 little-endian length, then the bytes."""
    return le_uint(len(data), 4) + bytes(data)


def ietf_read_varlen(data: bytes) -> tuple[bytes, bytes]:
    """``DeserializeVarLenString``: (the string, the unread remainder); MalformedInput if truncated."""
    if len(data) < 4:
        raise MalformedInput("DeserializeVarLenString: fewer than 4 bytes for the length")
    length = le_to_int(data[:4])
    if len(data) - 4 < length:
        raise MalformedInput("DeserializeVarLenString: payload shorter than its length prefix")
    return bytes(data[4 : 4 + length]), bytes(data[4 + length :])


def ietf_read_uint(data: bytes, modulus: int) -> tuple[int, bytes]:
    """``DeserializeUint``: ``Ns`` little-endian bytes, rejected unless ``< modulus``."""
    ns = (modulus.bit_length() + 7) // 8
    if len(data) < ns:
        raise MalformedInput(f"DeserializeUint: fewer than {ns} bytes")
    value = le_to_int(data[:ns])
    if value >= modulus:
        raise MalformedInput("DeserializeUint: non-canonical integer (>= modulus)")
    return value, bytes(data[ns:])


def ietf_read_field(data: bytes, p: int, degree: int) -> tuple[tuple[int, ...], bytes]:
    """``DeserializeField``: ``degree`` coordinates, each validated with :func:`ietf_read_uint`."""
    coordinates = []
    for _ in range(degree):
        value, data = ietf_read_uint(data, p)
        coordinates.append(value)
    return tuple(coordinates), data
