"""Canonical encoding: injectivity, strict decoding, canonical JSON at the edges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed import canonical_json as cj
from zkmed import encoding as enc
from zkmed.errors import MalformedInput, ZkmedError


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_uint_round_trip(value: int) -> None:
    data = enc.u64(value)
    assert len(data) == 8
    assert enc.Reader(data).u64() == value


@pytest.mark.parametrize("value, width", [(-1, 1), (256, 1), (2**32, 4), (1 << 64, 8)])
def test_uint_out_of_range(value: int, width: int) -> None:
    with pytest.raises(MalformedInput):
        enc.uint_to_bytes(value, width)


def test_uint_rejects_bool_and_float() -> None:
    with pytest.raises(MalformedInput):
        enc.uint_to_bytes(True, 1)
    with pytest.raises(MalformedInput):
        enc.uint_to_bytes(1.0, 1)  # type: ignore[arg-type]


@given(st.integers(0, 255), st.binary(max_size=64), st.text(max_size=20), st.lists(st.binary(max_size=8), max_size=4))
def test_writer_reader_round_trip(a: int, b: bytes, t: str, items: list[bytes]) -> None:
    data = enc.Writer().u8(a).bytes_lp(b).text(t).list_of(items).u64(7).finish()
    r = enc.Reader(data)
    assert (r.u8(), r.bytes_lp(), r.text(), r.list_of(), r.u64()) == (a, b, t, items, 7)
    r.finish()


def test_reader_rejects_truncation_and_trailing_bytes() -> None:
    data = enc.Writer().bytes_lp(b"hello").finish()
    with pytest.raises(MalformedInput, match="truncated"):
        enc.Reader(data[:-1]).bytes_lp()
    r = enc.Reader(data + b"\x00")
    r.bytes_lp()
    with pytest.raises(MalformedInput, match="trailing"):
        r.finish()


def test_reader_limits() -> None:
    data = enc.Writer().bytes_lp(b"x" * 10).finish()
    with pytest.raises(MalformedInput, match="limit"):
        enc.Reader(data).bytes_lp(max_length=9)
    with pytest.raises(MalformedInput):
        enc.Reader(enc.u32(5)).list_of(max_items=4)
    with pytest.raises(MalformedInput):
        enc.Reader("text")  # type: ignore[arg-type]


def test_reader_rejects_bad_utf8() -> None:
    with pytest.raises(MalformedInput, match="UTF-8"):
        enc.Reader(enc.length_prefixed(b"\xff\xfe")).text()


def test_fixed_field_width() -> None:
    with pytest.raises(MalformedInput):
        enc.Writer().fixed(b"abc", 4)


def test_canonical_json_sorted_compact() -> None:
    assert cj.canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()


@pytest.mark.parametrize("value", [1.5, {"a": float("nan")}, {1: "x"}, {"a": object()}])
def test_canonical_json_rejects(value: object) -> None:
    with pytest.raises(MalformedInput):
        cj.canonical_json(value)


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', "NaN", '{"a":1.0}', "[1,", b"\xff", "[" * 100_000],
)
def test_parse_json_rejects(text: str | bytes) -> None:
    with pytest.raises(MalformedInput):
        cj.parse_json(text)


def test_parse_json_canonical_mode() -> None:
    assert cj.parse_json(b'{"a":1,"b":2}', require_canonical=True) == {"a": 1, "b": 2}
    with pytest.raises(MalformedInput, match="canonical"):
        cj.parse_json('{"b":2, "a":1}', require_canonical=True)


@given(st.binary(max_size=64))
def test_base64_round_trip(data: bytes) -> None:
    assert enc.b64_decode(enc.b64_encode(data)) == data


@pytest.mark.parametrize("text", ["YQ", "YR==", "Y Q==", "ä", "YQ==\n"])
def test_base64_strict(text: str) -> None:
    with pytest.raises(MalformedInput):
        enc.b64_decode(text)


def test_base64_length() -> None:
    with pytest.raises(MalformedInput):
        enc.b64_decode(enc.b64_encode(b"abc"), length=4)


def test_hex_decode() -> None:
    assert enc.hex_decode("00ff") == b"\x00\xff"
    for bad in ["0", "zz", " 00", "00 ff"]:
        with pytest.raises(MalformedInput):
            enc.hex_decode(bad)
    with pytest.raises(MalformedInput):
        enc.hex_decode("00", length=2)


def test_ietf_codec_helpers() -> None:
    # draft-irtf-cfrg-fiat-shamir codec vector "serialize_varlen": "proof" -> 05000000 70726f6f66
    assert enc.ietf_varlen(b"proof").hex() == "0500000070726f6f66"
    assert enc.le_uint(0xDEADBEEF, 4) == bytes.fromhex("efbeadde")
    assert enc.le_to_int(bytes.fromhex("efbeadde")) == 0xDEADBEEF
    with pytest.raises(MalformedInput):
        enc.le_uint(1 << 32, 4)


def test_malformed_input_is_value_error_and_zkmed_error() -> None:
    with pytest.raises(ValueError):
        enc.u8(300)
    with pytest.raises(ZkmedError):
        enc.u8(300)


def test_parse_json_depth_limit_independent_of_recursion_limit() -> None:
    ok = "[" * cj.MAX_JSON_DEPTH + "]" * cj.MAX_JSON_DEPTH
    assert cj.parse_json(ok) is not None
    with pytest.raises(MalformedInput, match="deeper"):
        cj.parse_json("[" * (cj.MAX_JSON_DEPTH + 1) + "]" * (cj.MAX_JSON_DEPTH + 1))
    # brackets inside strings do not count
    assert cj.parse_json('{"a":"' + "[" * 200 + '"}') == {"a": "[" * 200}


def test_ietf_read_varlen_round_trip_and_remainder() -> None:
    assert enc.ietf_read_varlen(enc.ietf_varlen(b"proof") + b"rest") == (b"proof", b"rest")
    with pytest.raises(MalformedInput):
        enc.ietf_read_varlen(b"\x01\x00")


def test_ietf_read_uint_bounds() -> None:
    assert enc.ietf_read_uint(enc.le_uint(5, 1) + b"x", 7) == (5, b"x")
    with pytest.raises(MalformedInput):
        enc.ietf_read_uint(enc.le_uint(7, 1), 7)


# -- regressions from the adversarial probe (issue 10) ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,  # Python's int/str limit used to surface as a plain ValueError
        "-" + "9" * (cj.MAX_JSON_INT_DIGITS + 1),
        '{"a":' + "7" * (cj.MAX_JSON_INT_DIGITS + 1) + "}",
        '"\\ud800"',  # lone surrogate escapes used to parse and fail to encode later
        '["ok", "\\udfff"]',
        '{"\\udc80": 1}',
        '"\ud800"',  # a lone surrogate in the text itself
        b'"\xed\xa0\x80"',  # an encoded surrogate is not UTF-8
        b"\xef\xbb\xbf{}",  # no byte order mark
        b'{"a": "\xff"}',
        3,
        None,
    ],
)
def test_parse_json_edges_are_malformed_input(text: object) -> None:
    with pytest.raises(MalformedInput):
        cj.parse_json(text)  # type: ignore[arg-type]


def test_parse_json_limits_are_inclusive() -> None:
    assert cj.parse_json("9" * cj.MAX_JSON_INT_DIGITS) == int("9" * cj.MAX_JSON_INT_DIGITS)
    assert cj.parse_json('["\\ud83d\\ude00"]') == ["\U0001f600"]  # a surrogate pair is one character
    assert cj.parse_json('"\\\\ud800"') == "\\ud800"  # an escaped backslash, not an escape
    with pytest.raises(MalformedInput, match="larger"):
        cj.parse_json(b" " * (cj.MAX_JSON_BYTES + 1))


@pytest.mark.parametrize("value", [10**cj.MAX_JSON_INT_DIGITS, {"\ud800": 1}, ["\udcff"]])
def test_canonical_json_refuses_what_parse_json_refuses(value: object) -> None:
    with pytest.raises(MalformedInput):
        cj.canonical_json(value)


@pytest.mark.parametrize("bad", ["00\t11", "00\n", "\n00", "00\r", "00\x0b11", "00\x0c11", "0x00", "٠٠", "00\u00a0"])
def test_hex_decode_rejects_every_whitespace_and_non_ascii_digit(bad: str) -> None:
    with pytest.raises(MalformedInput):
        enc.hex_decode(bad)


@pytest.mark.parametrize("bad", ["YQ==\t", "Y\nQ==", "YQ-_", "YQ=", "YQ===", "=YQ=", b"YQ==", None, "\ud800"])
def test_base64_only_canonical_standard_alphabet(bad: object) -> None:
    with pytest.raises(MalformedInput):
        enc.b64_decode(bad)  # type: ignore[arg-type]


def test_utf8_helpers() -> None:
    assert enc.utf8_encode("é") == b"\xc3\xa9"
    assert enc.utf8_decode(b"\xc3\xa9") == "é"
    with pytest.raises(MalformedInput, match="--tag"):
        enc.utf8_encode("a\udcff", what="--tag")
    with pytest.raises(MalformedInput, match="UTF-8"):
        enc.utf8_decode(b"\xc3")
    with pytest.raises(MalformedInput):
        enc.utf8_decode("text")  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        enc.utf8_encode(b"bytes")  # type: ignore[arg-type]


def _depth_reference(text: str) -> tuple[int, bool]:
    """The character-by-character scanner json_depth replaced, and whether a string is left open at the end."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest, in_string


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", "{", "}", '"', "\\", "a", ",", "[[[[[[[[", "]]]]"]), max_size=120))
def test_json_depth_agrees_with_the_character_scanner(parts: list[str]) -> None:
    """Equal on every text whose strings are terminated; an unterminated string's brackets may only add depth."""
    from zkmed.canonical_json import MAX_JSON_DEPTH, json_depth

    text = "".join(parts)
    expected, open_string = _depth_reference(text)
    got = json_depth(text)
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        assert got == 0
    elif open_string:
        assert got >= expected
    else:
        assert got == expected
