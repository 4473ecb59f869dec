"""Canonical JSON at the edges — files and command-line documents a person may read.

JSON is produced by :func:`canonical_json` (RFC 8785 style: sorted keys, no
whitespace, UTF-8, integers only) and read by :func:`parse_json`, which
rejects duplicate keys, floats, lone surrogate escapes, documents over
:data:`MAX_JSON_BYTES`, nesting deeper than :data:`MAX_JSON_DEPTH`, integers
with more than :data:`MAX_JSON_INT_DIGITS` digits, and non-canonical text
when asked — every one with :class:`~zkmed.errors.MalformedInput`.  Byte
layouts live in :mod:`zkmed.encoding`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from zkmed.encoding import utf8_decode, utf8_encode
from zkmed.errors import MalformedInput

#: deepest JSON nesting accepted at the edges (checked before parsing, so no
#: recursion limit set by another library can turn deep input into a crash)
MAX_JSON_DEPTH = 64
#: largest JSON document accepted at the edges, in UTF-8 bytes
MAX_JSON_BYTES = 16 << 20
#: most decimal digits of a JSON integer, read or written (below Python's own
#: int/str conversion limit, whatever ``sys.set_int_max_str_digits`` says,
#: as long as that is at least its minimum of 640)
MAX_JSON_INT_DIGITS = 600
_JSON_INT_BOUND = 10**MAX_JSON_INT_DIGITS

#
# Limits, all MalformedInput: at most MAX_JSON_BYTES of UTF-8, nesting at most
# MAX_JSON_DEPTH, integers of at most MAX_JSON_INT_DIGITS digits, no floats,
# NaN or Infinity, no duplicate keys, and only well-formed Unicode (a lone
# surrogate escape such as "\ud800" is refused when parsing, so nothing read
# here can fail to encode later).


class _Refused(Exception):
    """A value canonical JSON cannot hold: the reason, and the path to it collected while unwinding."""

    def __init__(self, reason: str, cause: BaseException | None = None) -> None:
        super().__init__(reason)
        self.reason, self.cause = reason, cause
        self.steps: list[str] = []


def _check(value: Any) -> None:
    """Raise :class:`_Refused` for a value canonical JSON cannot hold (no path strings built on success)."""
    kind = type(value)
    if kind is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Refused(f"not valid Unicode text (lone surrogate at offset {exc.start})", exc) from None
    elif kind is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Refused("object keys must be strings")
            try:
                key.encode("utf-8")
            except UnicodeEncodeError as exc:
                refused = _Refused(f"not valid Unicode text (lone surrogate at offset {exc.start})", exc)
                refused.steps.append(" key")
                raise refused from None
            try:
                _check(item)
            except _Refused as refused:
                refused.steps.append(f".{key}")
                raise
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            try:
                _check(item)
            except _Refused as refused:
                refused.steps.append(f"[{index}]")
                raise
    elif kind is int:
        if not -_JSON_INT_BOUND < value < _JSON_INT_BOUND:
            raise _Refused(f"integer has more than {MAX_JSON_INT_DIGITS} digits")
    elif value is None or kind is bool:
        return
    elif isinstance(value, float):
        raise _Refused("floats are not allowed in canonical JSON")
    elif isinstance(value, (str, int, dict, list, tuple)):  # subclasses: checked as their base type
        _check(_plain(value))
    else:
        raise _Refused(f"unsupported type {kind.__name__}")


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return str.__str__(value)  # the text itself (a str Enum's str() is its name)
    base: Any
    for base in (int, dict, list, tuple):
        if isinstance(value, base):
            return base(value)
    return value  # pragma: no cover - callers pass only instances of the bases


def _check_json_value(value: Any, path: str) -> None:
    """MalformedInput naming the path (``$.a[2].b``) of anything canonical JSON cannot hold."""
    try:
        _check(value)
    except _Refused as refused:
        where = path + "".join(reversed(refused.steps))
        raise MalformedInput(f"JSON {where}: {refused.reason}") from refused.cause


def canonical_json(value: Any) -> bytes:
    """RFC 8785-style canonical JSON: sorted keys, no whitespace, UTF-8, no floats."""
    _check_json_value(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _reject_duplicates(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedInput(f"JSON: duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"JSON: {name} is not allowed")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise MalformedInput(f"JSON: integer has more than {MAX_JSON_INT_DIGITS} digits")
    return int(digits)


_STRING_LITERAL = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """Maximum bracket nesting outside string literals (a linear pre-scan).

    String literals are removed and then everything but brackets, both by regular expressions
    (linear, in C), so the Python loop only visits the brackets.  An unterminated string's
    brackets still count (that text is not JSON; the parser refuses it either way).
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than the limit
    depth = deepest = 0
    for ch in _NOT_BRACKET.sub("", _STRING_LITERAL.sub("", text)):
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(data: bytes | str, *, require_canonical: bool = False) -> Any:
    """Parse JSON strictly (limits above): no duplicate keys, no NaN/Infinity, no floats,
    depth ≤ MAX_JSON_DEPTH, integers ≤ MAX_JSON_INT_DIGITS digits, no lone surrogates.

    With ``require_canonical`` the input must equal its :func:`canonical_json` form.
    """
    if not isinstance(data, (bytes, bytearray, memoryview, str)):
        raise MalformedInput(f"JSON: expected bytes or text, got {type(data).__name__}")
    if len(data) > MAX_JSON_BYTES:  # characters never outnumber their UTF-8 bytes
        raise MalformedInput(f"JSON: larger than {MAX_JSON_BYTES} bytes")
    raw = utf8_encode(data, what="JSON") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_JSON_BYTES:
        raise MalformedInput(f"JSON: larger than {MAX_JSON_BYTES} bytes")
    text = data if isinstance(data, str) else utf8_decode(raw, what="JSON")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise MalformedInput(f"JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=lambda s: _reject_constant(f"float {s}"),
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:  # pragma: no cover - the depth pre-scan comes first
        raise MalformedInput("JSON: nested too deeply") from exc
    if _SURROGATE_ESCAPE.search(text) is not None:
        _check_json_value(value, "$")  # every string encodes (a pair of escapes is one character)
    if require_canonical and canonical_json(value) != raw:
        raise MalformedInput("JSON: not in canonical form")
    return value
