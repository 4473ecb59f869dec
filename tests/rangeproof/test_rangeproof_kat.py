"""Known-answer vectors: self-generated, pinned proof bytes that catch any change of format or transcript.

Regenerate (only for an intentional, versioned format change)::

    PYTHONPATH=. python tests/rangeproof/test_rangeproof_kat.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rp_helpers import params_for, seeded_rng

from zkmed.errors import MalformedInput, UnsupportedVersion
from zkmed.formats import HEADER_SIZE, RANGE_PROOF, SMALL_RANGE_PROOF
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof, prove_aggregated, verify_aggregated
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL
from zkmed.hazmat.commitments import PedersenParams
from zkmed.proofs.ranges import interval_layout, prove_interval, verify_interval
from zkmed.proofs.small_range import SmallRangeProof, prove_small_range, verify_small_range

VECTOR_FILE = Path(__file__).parent.parent / "vectors" / "rangeproof" / "rangeproof_kat.json"

CASES: list[dict[str, Any]] = [
    {"name": "bp-n8-m1", "kind": "bulletproof", "group": "P256", "n": 8, "values": [42], "context": ""},
    {"name": "bp-n64-m1-max", "kind": "bulletproof", "group": "P256", "n": 64, "values": [2**64 - 1], "context": ""},
    {
        "name": "bp-n16-m3",
        "kind": "bulletproof",
        "group": "P256",
        "n": 16,
        "values": [0, 65535, 1234],
        "context": "kat",
    },
    {
        "name": "bp-secp256k1-n8-m2",
        "kind": "bulletproof",
        "group": "secp256k1",
        "n": 8,
        "values": [7, 200],
        "context": "",
    },
    {
        "name": "bp-pyecc-n8-m1",
        "kind": "bulletproof",
        "group": "secp256k1-pyecc",
        "n": 8,
        "values": [255],
        "context": "",
    },
    {
        "name": "interval-hba1c",
        "kind": "interval",
        "group": "P256",
        "lo": 40,
        "hi": 64,
        "value": 61,
        "context": "lab/hba1c",
    },
    {
        "name": "small-range-ballot",
        "kind": "small",
        "group": "P256",
        "lo": 0,
        "hi": 3,
        "value": 2,
        "context": "ballot/1",
    },
]


def _make(case: dict[str, Any]) -> dict[str, Any]:
    p = params_for(case["group"])
    g = p.group
    seed = case["name"].encode()
    blind = seeded_rng(g, seed + b"/blinding")
    rng = seeded_rng(g, seed + b"/prover")
    ctx = case["context"].encode()
    out = dict(case)
    out["gens_label"] = DEFAULT_GENS_LABEL.decode()
    if case["kind"] == "bulletproof":
        blindings = [blind() for _ in case["values"]]
        proof, coms = prove_aggregated(p, case["n"], case["values"], blindings, context=ctx, rng=rng)
        out["commitments"] = [g.encode_element(c).hex() for c in coms]
    else:
        r = blind()
        com = g.msm([case["value"] % g.order, r], [p.g, p.h])
        if case["kind"] == "interval":
            proof = prove_interval(p, com, case["lo"], case["hi"], case["value"], r, context=ctx, rng=rng)
        else:
            proof = prove_small_range(p, com, case["lo"], case["hi"], case["value"], r, context=ctx, rng=rng)
        out["commitments"] = [g.encode_element(com).hex()]
    data = proof.to_bytes()
    fmt = SMALL_RANGE_PROOF if case["kind"] == "small" else RANGE_PROOF
    if data[:HEADER_SIZE] != fmt.header:
        raise AssertionError("the proof does not start with its format header")
    out["proof_len"] = len(data) - HEADER_SIZE  # the body: the pinned layout, header tested separately
    out["proof"] = data[HEADER_SIZE:].hex()
    return out


def _check(vec: dict[str, Any], p: PedersenParams) -> None:
    g = p.group
    coms = [g.decode_element(bytes.fromhex(c)) for c in vec["commitments"]]
    body = bytes.fromhex(vec["proof"])
    assert len(body) == vec["proof_len"]
    data = _wire(vec)
    ctx = vec["context"].encode()
    if vec["kind"] == "bulletproof":
        proof = RangeProof.from_bytes(g, data, n=vec["n"], m=len(coms))
        verify_aggregated(p, coms, vec["n"], proof, context=ctx)
    elif vec["kind"] == "interval":
        n, m = interval_layout(vec["lo"], vec["hi"])
        proof = RangeProof.from_bytes(g, data, n=n, m=m)
        verify_interval(p, coms[0], vec["lo"], vec["hi"], proof, context=ctx)
    else:
        sp = SmallRangeProof.from_bytes(g, data, branches=vec["hi"] - vec["lo"] + 1)
        verify_small_range(p, coms[0], vec["lo"], vec["hi"], sp, context=ctx)
    assert proof_bytes_roundtrip(vec, p) == data


def _cls(vec: dict[str, Any]) -> Any:
    return SmallRangeProof if vec["kind"] == "small" else RangeProof


def _wire(vec: dict[str, Any]) -> bytes:
    """The pinned body under the current format header."""
    fmt = SMALL_RANGE_PROOF if vec["kind"] == "small" else RANGE_PROOF
    return fmt.wrap(bytes.fromhex(vec["proof"]))


def proof_bytes_roundtrip(vec: dict[str, Any], p: PedersenParams) -> bytes:
    return _cls(vec).from_bytes(p.group, _wire(vec)).to_bytes()


def _load() -> list[dict[str, Any]]:
    return json.loads(VECTOR_FILE.read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pinned_vector_verifies(case):
    vec = next(v for v in _load() if v["name"] == case["name"])
    _check(vec, params_for(vec["group"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_regeneration_matches_pinned_bytes(case):
    """Same seed → same bytes: a change in layout, transcript labels or prover order shows up here."""
    vec = next(v for v in _load() if v["name"] == case["name"])
    assert _make(case) == vec


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_header_is_required_and_versioned(case):
    """The body alone, another format's header or another version is refused (UnsupportedVersion for a version)."""
    vec = next(v for v in _load() if v["name"] == case["name"])
    p = params_for(vec["group"])
    data = _wire(vec)
    cls = _cls(vec)
    other = RANGE_PROOF if cls is SmallRangeProof else SMALL_RANGE_PROOF
    for bad in (data[HEADER_SIZE:], other.wrap(data[HEADER_SIZE:]), b"ZQ" + data[2:]):
        with pytest.raises(MalformedInput):
            cls.from_bytes(p.group, bad)
    newer = data[:4] + bytes([data[4] + 1]) + data[HEADER_SIZE:]
    with pytest.raises(UnsupportedVersion):
        cls.from_bytes(p.group, newer)


def test_pinned_sizes():
    sizes = {v["name"]: v["proof_len"] for v in _load()}
    assert sizes["bp-n8-m1"] == 490
    assert sizes["bp-n64-m1-max"] == 688
    assert sizes["bp-n16-m3"] == (2 * 6 + 4) * 33 + 5 * 32
    assert sizes["small-range-ballot"] == 8 * 32


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    if "--write" not in sys.argv:
        raise SystemExit("pass --write to regenerate " + str(VECTOR_FILE))
    doc = {
        "description": "zkmed range-proof known-answer vectors (self-generated format pins, see SOURCE.md)",
        "vectors": [_make(c) for c in CASES],
    }
    VECTOR_FILE.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {VECTOR_FILE}")
