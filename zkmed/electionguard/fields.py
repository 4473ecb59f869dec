"""Strict field readers for the egk JSON layout of ElectionGuard 2.0 records.

Every value is checked where it is read and a failure raises :class:`MalformedInput` naming the file and the JSON
path: group elements are canonical standard base64 of exactly 512 bytes with ``1 < x < p`` (``x = 1`` only where
the identity is allowed), and are queued for the batched order-``q`` subgroup test of their file
(:meth:`Reader.elements`, run by the loader through :meth:`~zkmed.electionguard.arith.Arith.check_subgroup`);
responses are 32 bytes ``< q``; challenges and hashes are 32 bytes (challenges ``< 2^256`` as Verification 5.B
says); integers are JSON integers (never booleans) in a stated range.  Unknown fields are ignored, as are the
optional fields the 2.0 steps do not use (``ballot_count``, ``encrypted_sn``, ``timestamp``, ``metadata``…).
"""

from __future__ import annotations

from typing import Any

from gmpy2 import mpz

from zkmed.canonical_json import parse_json
from zkmed.encoding import b64_decode
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups.modp_gmpy2 import EG_P, EG_Q

__all__ = ["Obj", "Reader", "parse_document"]

_MAX_SMALL_INT = (1 << 31) - 1  # §5.1.3: small integers are < 2^31


def parse_document(data: bytes, where: str) -> Any:
    """Parse one JSON file strictly (duplicate keys, floats, depth and size limits: ``zkmed.canonical_json``)."""
    try:
        return parse_json(data)
    except MalformedInput as exc:
        raise MalformedInput(f"{where}: {exc.message}") from None


class Reader:
    """The elements read from one file (for its batched subgroup test)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.elements: list[tuple[Any, str]] = []

    def root(self, value: Any) -> Obj:
        return Obj(self, value, self.where)


class Obj:
    """A JSON object being read; ``path`` names it in error messages."""

    __slots__ = ("path", "reader", "value")

    def __init__(self, reader: Reader, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise MalformedInput(f"{path}: expected a JSON object")
        self.reader = reader
        self.value = value
        self.path = path

    def _get(self, key: str) -> Any:
        if key not in self.value:
            raise MalformedInput(f"{self.path}: missing field {key!r}")
        return self.value[key]

    def has(self, key: str) -> bool:
        return key in self.value

    def obj(self, key: str) -> Obj:
        return Obj(self.reader, self._get(key), f"{self.path}.{key}")

    def objs(self, key: str, *, min_len: int = 0) -> list[Obj]:
        items = self._get(key)
        if not isinstance(items, list) or len(items) < min_len:
            raise MalformedInput(f"{self.path}.{key}: expected a list of at least {min_len} objects")
        return [Obj(self.reader, v, f"{self.path}.{key}[{i}]") for i, v in enumerate(items)]

    def text(self, key: str) -> str:
        v = self._get(key)
        if not isinstance(v, str):
            raise MalformedInput(f"{self.path}.{key}: expected a string")
        return v

    def texts(self, key: str) -> list[str]:
        v = self._get(key)
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise MalformedInput(f"{self.path}.{key}: expected a list of strings")
        return list(v)

    def integer(self, key: str, *, low: int = 0, high: int = _MAX_SMALL_INT) -> int:
        v = self._get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise MalformedInput(f"{self.path}.{key}: expected an integer in [{low}, {high}]")
        return v

    def flag(self, key: str) -> bool:
        v = self._get(key)
        if not isinstance(v, bool):
            raise MalformedInput(f"{self.path}.{key}: expected true or false")
        return v

    def b64(self, key: str, length: int | None = None) -> bytes:
        try:
            return b64_decode(self._get(key), length=length, what=f"{self.path}.{key}")
        except MalformedInput as exc:
            raise MalformedInput(exc.message) from None

    def element(self, key: str, *, identity: bool = False) -> Any:
        """A group element (512-byte base64); queued for the file's batched subgroup test."""
        x = int.from_bytes(self.b64(key, 512), "big")
        where = f"{self.path}.{key}"
        if not 1 <= x < EG_P or (x == 1 and not identity):
            raise MalformedInput(f"{where}: element out of range" + ("" if identity else " (1 < x < p)"))
        e = mpz(x)
        if x != 1:
            self.reader.elements.append((e, where))
        return e

    def scalar(self, key: str) -> int:
        """A response in ``Z_q`` (32 bytes, ``< q``)."""
        x = int.from_bytes(self.b64(key, 32), "big")
        if x >= EG_Q:
            raise MalformedInput(f"{self.path}.{key}: scalar not below q")
        return x

    def challenge(self, key: str) -> int:
        """A challenge: 32 bytes, any value ``< 2^256`` (Verification 5.B)."""
        return int.from_bytes(self.b64(key, 32), "big")

    def hash(self, key: str) -> bytes:
        return self.b64(key, 32)

    def proof(self, key: str = "proof") -> tuple[int, int]:
        """``{challenge, response}``."""
        o = self.obj(key)
        return o.challenge("challenge"), o.scalar("response")

    def proofs(self, count: int) -> list[tuple[int, int]]:
        """``proof.proofs[0..count-1]{challenge, response}`` (range proofs)."""
        items = self.obj("proof").objs("proofs")
        if len(items) != count:
            raise MalformedInput(f"{self.path}.proof.proofs: expected {count} proofs, got {len(items)}")
        return [(o.challenge("challenge"), o.scalar("response")) for o in items]

    def ciphertext(self, key: str = "encrypted_vote") -> tuple[Any, Any]:
        o = self.obj(key)
        return o.element("pad"), o.element("data")
