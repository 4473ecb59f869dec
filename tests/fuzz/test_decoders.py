"""Fuzz every decoder and parser: bad input may only raise a ZkmedError.

Each target of ``fuzz_targets.all_targets()`` gets random input (bytes, or any
text including lone surrogates) and mutations of valid encodings; canonical
JSON gets structured documents (huge integers, deep nesting, surrogate
escapes, floats, duplicates).  Any exception other than a ``ZkmedError`` fails.
``ZKMED_FUZZ_EXAMPLES`` sets the examples per test (200 by default).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fuzz_support import EXAMPLES, Target, decoder_census, inputs, mutations, resolves
from fuzz_targets import all_targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkmed import canonical_json as cj
from zkmed import encoding as enc
from zkmed import formats
from zkmed.errors import MalformedInput, ZkmedError

pytestmark = pytest.mark.fuzz

TARGETS = all_targets()
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

#: decoder-like names that are not decoders of untrusted input, with the reason
EXEMPT: dict[str, str] = {}


def _params() -> list[Any]:
    return [pytest.param(t, id=t.name, marks=[pytest.mark.slow] if t.heavy else []) for t in TARGETS]


def _call(target: Target, data: Any) -> None:
    try:
        target.call(data)
    except ZkmedError:
        pass
    except Exception as exc:  # the property under test
        raise AssertionError(f"{target.name} raised {type(exc).__name__}: {exc} on {data!r:.300}") from exc


@pytest.mark.parametrize("target", _params())
def test_random_input_raises_only_zkmed_errors(target: Target) -> None:
    @FUZZ
    @given(inputs(target))
    def run(data: Any) -> None:
        _call(target, data)

    run()


def _decodes(target: Target, seed: Any) -> bool:
    try:
        target.call(seed)
    except ZkmedError:
        return False
    return True


@pytest.mark.parametrize("target", _params())
def test_mutated_valid_encodings_raise_only_zkmed_errors(target: Target) -> None:
    seeds = list(target.seeds())
    if not seeds:
        pytest.skip("no valid encodings to mutate")
    # the seeds are valid, so the mutations get past every first length or header check
    assert any(_decodes(target, seed) for seed in seeds), f"{target.name}: no seed decodes"

    @FUZZ
    @given(mutations(target, seeds))
    def run(data: Any) -> None:
        _call(target, data)

    run()


def test_every_decoder_is_fuzzed() -> None:
    """A new ``from_bytes`` / ``decode`` / ``parse…`` / ``read…`` in the library needs a target here."""
    covered = {name for t in TARGETS for name in t.covers}
    census = decoder_census()
    missing = sorted(census - covered - set(EXEMPT))
    assert not missing, f"decoders without a fuzz target in tests/fuzz/fuzz_targets.py: {missing}"
    stale = sorted(name for name in covered - census if not resolves(name))
    assert not stale, f"fuzz targets name decoders that no longer exist: {stale}"


# ---------------------------------------------------------------------------
# canonical JSON: structured documents

_SURROGATES = st.characters(categories=["Cs"])
_STRINGS = st.text(st.one_of(st.characters(), _SURROGATES), max_size=12)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**590, max_value=10**700),
    st.floats(allow_nan=True),
    _STRINGS,
)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_STRINGS, inner, max_size=4)),
    max_leaves=20,
)


def _deep(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,
        "-" + "1" * 5000,
        "[" + "9" * 4301 + "]",
        '"\\ud800"',
        '{"a":"\\udfff"}',
        '{"\\ud800":0}',
        _deep(cj.MAX_JSON_DEPTH + 1),
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        "[" * 1_000_000,
        "1e400",
        "-0.0",
        "[1,2,]",
    ],
)
def test_parse_json_known_edges(text: str) -> None:
    with pytest.raises(MalformedInput):
        cj.parse_json(text)
    with pytest.raises(MalformedInput):
        cj.parse_json(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(_DOCS, st.booleans(), st.booleans())
def test_parse_json_structured(value: Any, ascii_only: bool, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    data: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    try:
        parsed = cj.parse_json(data)
    except ZkmedError:
        return
    # accepted: it is canonical-encodable and round-trips
    again = cj.parse_json(cj.canonical_json(parsed), require_canonical=True)
    assert again == parsed


@FUZZ
@given(_DOCS)
def test_canonical_json_raises_only_malformed_input(value: Any) -> None:
    try:
        data = cj.canonical_json(value)
    except MalformedInput:
        return
    assert cj.parse_json(data, require_canonical=True) == value


@FUZZ
@given(_DOCS)
def test_peek_json_raises_only_zkmed_errors(value: Any) -> None:
    for doc in (value, {"type": value, "version": value}, {"type": "zkmed.ledger.entry", "version": value}):
        try:
            fmt = formats.peek_json(doc)
            fmt.check_json(doc)
        except ZkmedError:
            pass


@FUZZ
@given(st.binary(max_size=64))
def test_hex_and_base64_round_trip(data: bytes) -> None:
    assert enc.hex_decode(data.hex()) == data
    assert enc.hex_decode(data.hex().upper()) == data
    assert enc.b64_decode(enc.b64_encode(data)) == data


_SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\u00a0", "\u2028", "\u3000"]


@FUZZ
@given(st.binary(max_size=32), st.sampled_from(_SPACES), st.integers(0, 100))
def test_whitespace_anywhere_is_rejected(data: bytes, space: str, where: int) -> None:
    text = data.hex()
    at = where % (len(text) + 1)
    with pytest.raises(MalformedInput):
        enc.hex_decode(text[:at] + space + text[at:])
    text = enc.b64_encode(data)
    at = where % (len(text) + 1)
    with pytest.raises(MalformedInput):
        enc.b64_decode(text[:at] + space + text[at:])
