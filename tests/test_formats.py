"""zkmed.formats: the header, dispatch, version refusal, and docs/formats.md agreeing with the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import zkmed.proofs  # noqa: F401 - importing the owners registers nothing new: the registry is central
from zkmed import formats
from zkmed.errors import MalformedInput, UnsupportedVersion

DOC = Path(__file__).parent.parent / "docs" / "formats.md"


def test_wrap_unwrap_and_dispatch():
    fmt = formats.DLOG_PROOF
    data = fmt.wrap(b"body")
    assert data[:2] == b"ZK" and len(fmt.header) == formats.HEADER_SIZE
    assert formats.peek(data) is fmt and fmt.unwrap(data) == b"body"
    with pytest.raises(MalformedInput, match="expected a zkmed.proof.dleq"):
        formats.DLEQ_PROOF.unwrap(data)
    with pytest.raises(UnsupportedVersion):
        fmt.unwrap(data[:4] + bytes([fmt.version + 1]) + data[5:])
    for bad in (b"", b"ZK", b"XX\x01\x01\x01", b"ZK\xff\xff\x01", "text", None):
        with pytest.raises(MalformedInput):
            fmt.unwrap(bad)  # type: ignore[arg-type]


def test_json_header_and_check():
    fmt = formats.COMMITMENT
    obj = fmt.json_header() | {"value": "00"}
    fmt.check_json(obj)
    assert formats.peek_json(obj) is fmt
    with pytest.raises(UnsupportedVersion):
        fmt.check_json(obj | {"version": 99})
    for bad in ([], {"type": 1, "version": 1}, {"type": fmt.name, "version": True}, {"type": "nope", "version": 1}):
        with pytest.raises(MalformedInput):
            fmt.check_json(bad)


def test_registry_is_consistent_and_refuses_duplicates():
    codes = [f.code for f in formats.REGISTRY.values()]
    assert len(codes) == len(set(codes))
    assert all(0 < c < 1 << 16 and 0 < f.version < 256 for f, c in zip(formats.REGISTRY.values(), codes, strict=True))
    with pytest.raises(ValueError):
        formats.register("zkmed.proof.dlog", 0x7FFF, 1, "x")
    with pytest.raises(ValueError):
        formats.register("zkmed.other", formats.DLOG_PROOF.code, 1, "x")


def test_docs_list_every_format():
    text = DOC.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(zkmed\.[a-z0-9.-]+)` \| (0x[0-9a-f]{4}) \| (\d+) \|", text, flags=re.M))
    for fmt in formats.REGISTRY.values():
        if fmt.name.startswith("zkmed.ledger."):
            assert f"`{fmt.name}`" in text, fmt.name  # the ledger section lists its own
            continue
        assert (fmt.name, f"0x{fmt.code:04x}", str(fmt.version)) in listed, fmt.name


@given(st.binary(max_size=64))
def test_peek_never_raises_anything_but_malformed_input(data: bytes):
    try:
        formats.peek(data)
    except MalformedInput:
        pass
