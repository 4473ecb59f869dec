"""Strict field access for the election's JSON payloads: every error names the field (``where``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode, hex_decode
from zkmed.errors import MalformedInput
from zkmed.formats import Format

__all__ = [
    "ID_PATTERN", "b64_field", "check_id", "exact_fields", "hex_field", "int_field", "list_field", "load_payload",
    "obj_field", "str_field", "b64_encode", "canonical_json",
]  # fmt: skip

#: identifiers (election, contest, option ids): 1-64 characters of ``[A-Za-z0-9_.-]``
ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def exact_fields(obj: Any, required: set[str], where: str, optional: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """``obj`` as a dict with every required field, no unknown one (MalformedInput naming the field)."""
    if not isinstance(obj, Mapping):
        raise MalformedInput(f"{where}: expected a JSON object", where=where)
    for name in sorted(required):
        if name not in obj:
            raise MalformedInput(f"{where}: missing field {name!r}", where=f"{where}.{name}")
    for name in sorted(obj):
        if name not in required and name not in optional:
            raise MalformedInput(f"{where}: unknown field {name!r}", where=f"{where}.{name}")
    return dict(obj)


def str_field(obj: Mapping[str, Any], name: str, where: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        raise MalformedInput(f"{where}.{name} must be a string", where=f"{where}.{name}")
    return value


def check_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise MalformedInput(f"{where} must be an identifier of 1-64 characters [A-Za-z0-9_.-]", where=where)
    return value


def int_field(obj: Mapping[str, Any], name: str, where: str, lo: int, hi: int) -> int:
    value = obj[name]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise MalformedInput(f"{where}.{name} must be an integer in [{lo}, {hi}]", where=f"{where}.{name}")
    return value


def list_field(obj: Mapping[str, Any], name: str, where: str, lo: int, hi: int) -> list[Any]:
    value = obj[name]
    if not isinstance(value, list) or not lo <= len(value) <= hi:
        raise MalformedInput(f"{where}.{name} must be a list of {lo} to {hi} items", where=f"{where}.{name}")
    return value


def obj_field(obj: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    value = obj[name]
    if not isinstance(value, dict):
        raise MalformedInput(f"{where}.{name} must be an object", where=f"{where}.{name}")
    return value


def b64_field(value: Any, where: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be a base64 string", where=where)
    return b64_decode(value, length=length, what=where)


def hex_field(value: Any, where: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be a hex string", where=where)
    data = hex_decode(value, length=length, what=where)
    if data.hex() != value:
        raise MalformedInput(f"{where} must be lower-case hex", where=where)
    return data


def load_payload(fmt: Format, data: Any) -> dict[str, Any]:
    """A ledger payload of ``fmt``: canonical JSON bytes, ``type`` and ``version`` checked."""
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInput(f"{fmt.name}: expected payload bytes")
    obj = parse_json(bytes(data), require_canonical=True)
    fmt.check_json(obj)
    return dict(obj)
