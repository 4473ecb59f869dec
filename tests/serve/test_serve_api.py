"""The read API: head, checkpoint, entries, receipts and consistency proofs verify offline; medical entries withheld."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MEDICAL_SECRET, MEDICAL_TYPE, NOTES, XSS, wait_sealed
from starlette.testclient import TestClient

from zkmed.cli.main import main
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy, verify_checkpoint
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, verify_consistency_proof, verify_receipt
from zkmed.serve import sign_write_request
from zkmed.serve.api import MAX_RANGE

TOTAL = NOTES + 3  # notes, the XSS note, the medical entry, the binary note
MEDICAL_SEQ = NOTES + 1


def policy(c: TestClient) -> TrustPolicy:
    return TrustPolicy.parse(c.get("/api/v1/policy").text)


def test_head_and_checkpoint_verify_against_the_policy(reader: TestClient, board: Path) -> None:
    head = reader.get("/api/v1/head").json()
    assert head["type"] == "zkmed.serve.head" and head["size"] == TOTAL and head["pending"] == 0
    assert head["latest_checkpoint"] == TOTAL and head["threshold"] == 2 and len(head["authorities"]) == 3
    # the served policy is the directory's; the checkpoint verifies against it
    assert reader.get("/api/v1/policy").text == (board / "authorities.txt").read_text()
    signed = SignedCheckpoint.parse(reader.get("/api/v1/checkpoint").text)
    verify_checkpoint(signed, policy(reader))
    assert signed.checkpoint.tree_size == TOTAL and signed.checkpoint.origin == head["origin"]


def test_entries_by_index_and_range(reader: TestClient) -> None:
    doc = reader.get("/api/v1/entries/3").json()
    assert doc["seq"] == 3 and doc["type"] == "note" and base64.b64decode(doc["payload"]) == b"note 3"
    page = reader.get("/api/v1/entries", params={"start": 10, "limit": 5}).json()
    assert page["type"] == "zkmed.serve.entries" and page["total"] == TOTAL
    assert [e["seq"] for e in page["entries"]] == [10, 11, 12, 13, 14]
    assert len(reader.get("/api/v1/entries").json()["entries"]) == min(MAX_RANGE, TOTAL)
    assert reader.get("/api/v1/entries", params={"start": TOTAL}).json()["entries"] == []
    tail = reader.get("/api/v1/entries", params={"start": TOTAL - 2, "limit": 100}).json()["entries"]
    assert [e["seq"] for e in tail] == [TOTAL - 2, TOTAL - 1]
    exported = reader.get("/api/v1/entries/5/export").content
    assert Entry.from_export(exported) == Entry(5, "note", b"note 5")


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/entries/999", 404),
        ("/api/v1/entries/-1", 400),
        ("/api/v1/entries/x", 400),
        ("/api/v1/entries/99999999999999999999", 400),
        ("/api/v1/entries?limit=0", 400),
        ("/api/v1/entries?limit=101", 400),
        ("/api/v1/entries?start=-3", 400),
        ("/api/v1/receipts/999", 404),
        ("/api/v1/consistency", 400),
        ("/api/v1/consistency?from=0", 400),
        ("/api/v1/consistency?from=5", 404),  # no checkpoint was issued at size 5
        ("/api/v1/nothing-here", 404),
    ],
)
def test_bad_requests_get_clear_json_errors(reader: TestClient, path: str, status: int) -> None:
    r = reader.get(path)
    assert r.status_code == status, r.text
    doc = r.json()
    assert doc["type"] == "zkmed.serve.error" and doc["status"] == status and doc["error"]["message"]


def test_receipt_verifies_offline_with_the_cli(reader: TestClient, tmp_path: Path) -> None:
    text = reader.get("/api/v1/receipts/7").text
    receipt = TlogProof.parse(text)
    verify_receipt(receipt, policy(reader))
    assert receipt.entry() == Entry(7, "note", b"note 7")
    (tmp_path / "r.tlog-proof").write_text(text)
    (tmp_path / "authorities.txt").write_text(reader.get("/api/v1/policy").text)
    run = CliRunner().invoke(
        main, ["ledger", "verify-proof", str(tmp_path / "r.tlog-proof"), "--policy", str(tmp_path / "authorities.txt")]
    )
    assert run.exit_code == 0, run.output
    # a tampered receipt fails the same check
    bad = text.replace("index 7", "index 8")
    (tmp_path / "bad.tlog-proof").write_text(bad)
    run = CliRunner().invoke(
        main,
        ["ledger", "verify-proof", str(tmp_path / "bad.tlog-proof"), "--policy", str(tmp_path / "authorities.txt")],
    )
    assert run.exit_code == 2


def test_consistency_proof_between_served_checkpoints(client: TestClient, keys: list[AuthorityKey]) -> None:
    old = client.get("/api/v1/checkpoint").text
    origin = client.get("/api/v1/head").json()["origin"]
    write = sign_write_request(keys[0], origin, [("note", b"later")], timestamp_ms=_now())
    assert client.post("/api/v1/entries", content=write.encode()).status_code == 201
    wait_sealed(client, TOTAL + 1)
    proof = ConsistencyProof.parse(client.get("/api/v1/consistency", params={"from": TOTAL}).text)
    verify_consistency_proof(proof, policy(client), old)
    assert SignedCheckpoint.parse(proof.new).checkpoint.tree_size == TOTAL + 1


def test_pending_entries_have_no_receipt_yet(board: Path, keys: list[AuthorityKey]) -> None:
    from conftest import client_for

    with client_for(board, seal_interval_s=3600) as c:  # the writer does not seal during the test
        origin = c.get("/api/v1/head").json()["origin"]
        write = sign_write_request(keys[1], origin, [("note", b"pending")], timestamp_ms=_now())
        assert c.post("/api/v1/entries", content=write.encode()).json()["first_seq"] == TOTAL
        assert c.get(f"/api/v1/entries/{TOTAL}").json()["sealed"] is False
        r = c.get(f"/api/v1/receipts/{TOTAL}")
        assert r.status_code == 409 and r.json()["error"]["code"] == "pending"


def test_medical_entries_are_never_served(reader: TestClient) -> None:
    doc = reader.get(f"/api/v1/entries/{MEDICAL_SEQ}").json()
    assert doc["withheld"] is True and doc["type"] == MEDICAL_TYPE or doc["type"] == "zkmed.serve.entry"
    assert set(doc) == {"type", "version", "seq", "sealed", "withheld"}  # no payload, size or hash
    assert reader.get(f"/api/v1/entries/{MEDICAL_SEQ}/export").status_code == 403
    page = reader.get("/api/v1/entries", params={"start": MEDICAL_SEQ - 1, "limit": 3}).json()["entries"]
    assert [e["withheld"] for e in page] == [False, True, False]
    receipt = TlogProof.parse(reader.get(f"/api/v1/receipts/{MEDICAL_SEQ}").text)
    assert receipt.extra is None  # the holder of the entry verifies with --entry
    entry = Entry(MEDICAL_SEQ, MEDICAL_TYPE, MEDICAL_SECRET)
    verify_receipt(receipt, policy(reader), entry.encode())


def test_no_response_carries_secret_material(client: TestClient, board: Path, keys: list[AuthorityKey]) -> None:
    """Search every endpoint's answer for the authority seeds (base64 and hex) and the medical payload."""
    secrets_ = [MEDICAL_SECRET, b"SECRET-PATIENT"]
    for key in keys:
        seed = key._private.private_bytes_raw()
        secrets_ += [seed, seed.hex().encode(), base64.b64encode(seed), base64.b64encode(seed).rstrip(b"=")]
    paths = ["/", "/entries", "/entries?page=2", "/verify", "/ballot", "/api/v1/head", "/api/v1/checkpoint"]
    paths += ["/api/v1/policy", f"/api/v1/receipts/{MEDICAL_SEQ}", f"/entries/{MEDICAL_SEQ}", "/api/v1/entries"]
    paths += [f"/api/v1/entries?start={MEDICAL_SEQ}", f"/api/v1/entries/{MEDICAL_SEQ}", "/api/v1/consistency?from=1"]
    for path in paths:
        body = client.get(path).content
        for secret in secrets_:
            assert secret not in body, (path, secret[:8])
        assert b"secret-key" not in body.lower() and b"seed " not in body


def test_security_headers_and_xss_payload_served_as_data(reader: TestClient) -> None:
    r = reader.get(f"/entries/{NOTES}")
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script runs
    assert r.headers["x-content-type-options"] == "nosniff"
    assert XSS not in r.content and b"&lt;script&gt;" in r.content


def _now() -> int:
    import time

    return time.time_ns() // 1_000_000
