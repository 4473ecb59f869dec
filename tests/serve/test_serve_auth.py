"""The write API: only fresh requests signed by an authority of the ledger append; nothing else is written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import NOTES, client_for
from starlette.testclient import TestClient

from zkmed.canonical_json import canonical_json
from zkmed.encoding import b64_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger.keys import AuthorityKey
from zkmed.serve import ReplayGuard, WriteRequest, sign_write_request
from zkmed.serve.auth import MAX_REQUEST_BYTES

TOTAL = NOTES + 3


def now() -> int:
    return time.time_ns() // 1_000_000


def origin(c: TestClient) -> str:
    return c.get("/api/v1/head").json()["origin"]


def total(c: TestClient) -> int:
    head = c.get("/api/v1/head").json()
    return head["size"] + head["pending"]


def post(c: TestClient, body: bytes) -> tuple[int, dict]:
    r = c.post("/api/v1/entries", content=body)
    return r.status_code, r.json()


def test_signed_request_appends_and_is_acknowledged(client: TestClient, keys: list[AuthorityKey]) -> None:
    req = sign_write_request(keys[2], origin(client), [("note", b"a"), ("vote/tally", b"b")], timestamp_ms=now())
    status, doc = post(client, req.encode())
    assert status == 201 and doc == {"type": "zkmed.serve.appended", "version": 1, "first_seq": TOTAL, "count": 2}
    assert client.get(f"/api/v1/entries/{TOTAL + 1}").json()["type"] == "vote/tally"


def test_replayed_request_is_refused(client: TestClient, keys: list[AuthorityKey]) -> None:
    req = sign_write_request(keys[0], origin(client), [("note", b"once")], timestamp_ms=now())
    assert post(client, req.encode())[0] == 201
    status, doc = post(client, req.encode())
    assert status == 401 and "replayed" in doc["error"]["message"]
    assert total(client) == TOTAL + 1


def test_unsigned_wrongly_signed_and_foreign_requests_are_refused(client: TestClient, keys: list[AuthorityKey]) -> None:
    o = origin(client)
    outsider = AuthorityKey.generate(keys[0].name)  # an authority's name, not its key
    stranger = AuthorityKey.generate("someone/else")
    good = sign_write_request(keys[0], o, [("note", b"x")], timestamp_ms=now())
    unsigned = json.loads(good.encode())
    unsigned["signature"] = b64_encode(bytes(64))
    cases = {
        "unsigned (zero signature)": canonical_json(unsigned),
        "no signature member": canonical_json({k: v for k, v in unsigned.items() if k != "signature"}),
        "impostor key": sign_write_request(outsider, o, [("note", b"x")], timestamp_ms=now()).encode(),
        "not an authority": sign_write_request(stranger, o, [("note", b"x")], timestamp_ms=now()).encode(),
        "other ledger": sign_write_request(keys[0], o + "0", [("note", b"x")], timestamp_ms=now()).encode(),
        "stale": sign_write_request(keys[0], o, [("note", b"x")], timestamp_ms=now() - 600_000).encode(),
        "future": sign_write_request(keys[0], o, [("note", b"x")], timestamp_ms=now() + 600_000).encode(),
    }
    for what, body in cases.items():
        status, doc = post(client, body)
        assert status in (400, 401), (what, status, doc)
        assert doc["type"] == "zkmed.serve.error", what
    assert total(client) == TOTAL


@pytest.mark.parametrize("field", ["origin", "authority", "timestamp_ms", "nonce", "entries", "type", "payload"])
def test_every_altered_field_breaks_the_signature(client: TestClient, keys: list[AuthorityKey], field: str) -> None:
    req = sign_write_request(keys[1], origin(client), [("note", b"original")], timestamp_ms=now())
    doc = json.loads(req.encode())
    if field == "origin":
        doc["origin"] = doc["origin"][:-1] + ("0" if doc["origin"][-1] != "0" else "1")
    elif field == "authority":
        doc["authority"] = keys[0].name
    elif field == "timestamp_ms":
        doc["timestamp_ms"] += 1
    elif field == "nonce":
        doc["nonce"] = ("0" if doc["nonce"][0] != "0" else "1") + doc["nonce"][1:]
    elif field == "entries":
        doc["entries"].append({"type": "note", "payload": b64_encode(b"extra")})
    elif field == "type":
        doc["entries"][0]["type"] = "notes"
    else:
        doc["entries"][0]["payload"] = b64_encode(b"Original")
    status, err = post(client, canonical_json(doc))
    assert status == 401 and "signature" in err["error"]["message"] or "another ledger" in err["error"]["message"]
    assert total(client) == TOTAL


def test_malformed_and_oversized_requests(client: TestClient, keys: list[AuthorityKey]) -> None:
    good = sign_write_request(keys[0], origin(client), [("note", b"x")], timestamp_ms=now()).encode()
    for body in [b"", b"{", b"[]", good + b" ", good.replace(b'{"authority"', b'{ "authority"'), b"\xff" * 10]:
        assert post(client, body)[0] == 400, body[:40]
    huge = b"{" + b" " * (MAX_REQUEST_BYTES + 10) + b"}"
    r = client.post("/api/v1/entries", content=huge)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too-large"

    def chunks():  # no Content-Length: the limit applies while streaming
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b" " * 65536

    r = client.post("/api/v1/entries", content=chunks())
    assert r.status_code == 413
    reserved = sign_write_request(keys[0], origin(client), [("zkmed.authority-change", b"x")], timestamp_ms=now())
    status, doc = post(client, reserved.encode())
    assert status in (400, 422) and doc["type"] == "zkmed.serve.error"
    assert total(client) == TOTAL


def test_read_only_board_refuses_writes(reader: TestClient, keys: list[AuthorityKey]) -> None:
    req = sign_write_request(keys[0], origin(reader), [("note", b"x")], timestamp_ms=now())
    r = reader.post("/api/v1/entries", content=req.encode())
    assert r.status_code == 403 and r.json()["error"]["code"] == "read-only"
    assert reader.get("/entries/1").status_code == 200 and reader.put("/api/v1/entries").status_code == 405


def test_requests_signed_before_a_restart_are_refused(board: Path, keys: list[AuthorityKey]) -> None:
    """Nonces live in memory, so a restarted server refuses every request signed before it started."""
    with client_for(board) as first:
        req = sign_write_request(keys[0], origin(first), [("note", b"x")], timestamp_ms=now())
        assert post(first, req.encode())[0] == 201
    time.sleep(0.01)
    with client_for(board) as second:
        status, doc = post(second, req.encode())
        assert status == 401 and "before this server started" in doc["error"]["message"]


def test_write_request_parser_is_strict(keys: list[AuthorityKey]) -> None:
    req = sign_write_request(keys[0], "o/1", [("note", b"\x00\xff")], timestamp_ms=5, nonce=bytes(16))
    assert WriteRequest.parse(req.encode()) == req
    doc = json.loads(req.encode())
    bad = [
        {**doc, "version": 2},
        {**doc, "extra": 1},
        {**doc, "nonce": "00"},
        {**doc, "timestamp_ms": -1},
        {**doc, "entries": []},
        {**doc, "entries": [{"type": "Bad Type", "payload": ""}]},
        {**doc, "entries": [{"type": "note", "payload": "***"}]},
        {**doc, "signature": "AAAA"},
        {**doc, "authority": "has space"},
    ]
    for d in bad:
        with pytest.raises(MalformedInput):
            WriteRequest.parse(canonical_json(d))


def test_replay_guard_window() -> None:
    clock = [1_000_000]
    guard = ReplayGuard(lambda: clock[0], past_ms=1000, future_ms=100)
    guard.check(1_000_000, b"a" * 16)
    for ts, nonce in [(1_000_000, b"a" * 16), (999_999, b"b" * 16), (1_000_101, b"c" * 16)]:
        with pytest.raises(VerificationError):
            guard.check(ts, nonce)
    clock[0] += 2000
    with pytest.raises(VerificationError):
        guard.check(1_000_500, b"d" * 16)  # older than the window
    guard.check(1_001_500, b"e" * 16)
