"""The public pages (server-rendered) and the ballot endpoint behind the elections adapter."""

from __future__ import annotations

import re
from pathlib import Path

import fake_elections
import pytest
from conftest import MEDICAL_SECRET, MEDICAL_TYPE, NOTES, XSS, client_for, wait_sealed
from starlette.testclient import TestClient

from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.receipt import TlogProof, verify_receipt
from zkmed.serve import elections as adapter
from zkmed.serve.svg import bar_chart

TOTAL = NOTES + 3


def test_index_shows_head_checkpoint_and_cosigners(reader: TestClient) -> None:
    html = reader.get("/").text
    assert re.search(rf'<td id="size">{TOTAL}</td>', html)
    assert html.count('<span class="ok">✓</span>') == 3  # Ledger.checkpoint cosigns with every held key
    assert "board.example/authority-2" in html and "UTC" in html


def test_entries_are_paginated_newest_first(reader: TestClient) -> None:
    first = reader.get("/entries").text
    seqs = [int(s) for s in re.findall(r'<a href="/entries/(\d+)">', first)]
    assert seqs == list(range(TOTAL - 1, TOTAL - 51, -1)) and 'id="next"' in first and 'id="prev"' not in first
    second = reader.get("/entries?page=2").text
    assert [int(s) for s in re.findall(r'<a href="/entries/(\d+)">', second)] == list(range(TOTAL - 51, -1, -1))
    assert 'id="prev"' in second and 'id="next"' not in second
    r = reader.get("/entries?page=3")
    assert r.status_code == 404 and "there is no page 3" in r.text and "<!doctype html>" in r.text
    assert reader.get("/entries?page=0").status_code == 400
    assert reader.get("/entries?page=abc").status_code == 400


def test_payloads_are_escaped_and_medical_payloads_never_rendered(reader: TestClient) -> None:
    html = reader.get(f"/entries/{NOTES}").text
    assert XSS.decode() not in html and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    medical = reader.get(f"/entries/{NOTES + 1}").text
    assert MEDICAL_TYPE in medical and "not public" in medical
    assert "SECRET-PATIENT" not in medical and "oncology" not in medical
    listing = reader.get("/entries").text
    assert "SECRET-PATIENT" not in listing and "withheld" in listing
    assert "ff fe".replace(" ", "") in reader.get(f"/entries/{NOTES + 2}").text  # binary: shown as hex
    assert MEDICAL_SECRET not in reader.get(f"/entries/{NOTES + 1}").content


def test_not_found_pages_are_friendly(reader: TestClient) -> None:
    for path in ["/entries/99999", "/no-such-page"]:
        r = reader.get(path)
        assert r.status_code == 404 and "<h1>Not found</h1>" in r.text and 'href="/"' in r.text


def test_verify_page_lists_the_offline_commands(reader: TestClient) -> None:
    html = reader.get("/verify").text
    for command in ["zkmed ledger verify-proof", "zkmed ledger verify ", "/api/v1/receipts/SEQ", "/api/v1/policy"]:
        assert command in html


def test_without_elections_the_election_parts_answer_501(
    reader: TestClient, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zkmed.elections

    for name in (
        "check_ballot_submission",
        "result",
        "BALLOT_ENTRY_TYPE",
        "parse_confirmation_code",
        "confirmation_code",
    ):  # as before the package is merged
        monkeypatch.setattr(zkmed.elections, name, None, raising=False)
    assert not adapter.available()
    r = reader.get("/result")
    assert r.status_code == 501 and "elections not available" in r.text
    # the lookup by confirmation code needs only the registered ballot format (hash codes by default)
    assert reader.get("/ballot?code=abc").status_code == 404
    r = client.post("/api/v1/ballots", content=b"{}")
    assert r.status_code == 501 and r.json()["error"]["code"] == "not-implemented"
    assert reader.get("/api/v1/result").status_code == 501
    assert reader.get("/ballot").status_code == 200  # the empty form still shows


def test_ballot_submission_lookup_and_receipt(client: TestClient, elections: None) -> None:
    valid = fake_elections.ballot("v-1", "bob")
    r = client.post("/api/v1/ballots", content=valid)
    assert r.status_code == 201, r.text
    code = r.json()["confirmation_code"]
    assert code == fake_elections.confirmation_code(valid) and r.json()["first_seq"] == TOTAL
    wait_sealed(client, TOTAL + 1)
    status = client.get(f"/api/v1/ballots/{code}").json()
    assert status["status"] == "recorded" and status["seq"] == TOTAL and status["checkpoint"] >= TOTAL + 1
    receipt = TlogProof.parse(client.get(status["receipt"]).text)
    assert client.get(f"/api/v1/ballots/{code}/receipt").text == client.get(status["receipt"]).text
    verify_receipt(receipt, TrustPolicy.parse(client.get("/api/v1/policy").text))
    assert receipt.entry().payload == valid
    page = client.get("/ballot", params={"code": code}).text
    assert '<td id="status">recorded</td>' in page and 'id="receipt"' in page
    missing = client.get("/ballot", params={"code": "zk-0000"})
    assert missing.status_code == 404 and 'id="not-found"' in missing.text
    assert client.get("/api/v1/ballots/zk-0000").status_code == 404


def test_invalid_ballots_are_refused_naming_the_step_and_nothing_is_written(
    client: TestClient, elections: None
) -> None:
    assert client.post("/api/v1/ballots", content=fake_elections.ballot("d-1")).status_code == 201
    cases = [
        (fake_elections.ballot("f-1", valid=False), 422, "step B3"),
        (fake_elections.ballot("d-1", "carol"), 422, "already cast"),
        (b"not json", 400, "JSON"),
        (b'{"choice":"mallory","id":"x","proof":"valid"}', 400, "ballot"),
    ]
    for body, status, words in cases:
        r = client.post("/api/v1/ballots", content=body)
        assert r.status_code == status and words in r.json()["error"]["message"], r.text
    assert client.post("/api/v1/ballots", content=b"x" * ((1 << 20) + 1)).status_code == 413
    head = client.get("/api/v1/head").json()
    assert head["size"] + head["pending"] == TOTAL + 1


def test_result_page_has_a_chart(client: TestClient, elections: None) -> None:
    for i, choice in enumerate(["alice", "bob", "bob", "carol", "bob"]):
        assert client.post("/api/v1/ballots", content=fake_elections.ballot(f"r-{i}", choice)).status_code == 201
    html = client.get("/result").text
    assert html.count('class="result-chart"') == 1 and 'data-votes="3"' in html
    assert "Mayor &lt;of&gt; the town" in html and "Mayor <of>" not in html
    listing = client.get("/elections", follow_redirects=True).text
    assert listing.count("election.ballot") == 5


def test_bar_chart_escapes_labels() -> None:
    svg = bar_chart("<t>", [("<script>", 3), ("b&b", 0)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b&amp;b" in svg
    assert bar_chart("empty", []).startswith("<svg")


def test_contests_reads_common_result_shapes() -> None:
    doc = {"contests": [{"name": "C", "selections": [{"id": "x", "count": 2}, {"name": "y", "tally": True}]}, 5]}
    assert adapter.contests(doc) == [("C", [("x", 2)])]
    assert adapter.contests({"nothing": 1}) == []
    mapping = {"contests": {"mayor": {"alice": 3, "bob": 0, "bad": -1}, "odd": 7}}  # zkmed.election.result
    assert adapter.contests(mapping) == [("mayor", [("alice", 3), ("bob", 0)])]


def test_result_page_before_a_result_exists(client: TestClient, elections: None, monkeypatch) -> None:
    import zkmed.elections
    from zkmed.errors import MalformedInput

    def no_tally(ledger: object) -> dict:
        raise MalformedInput("no tally has been posted yet")

    monkeypatch.setattr(zkmed.elections, "result", no_tally)
    r = client.get("/result")
    assert r.status_code == 200 and 'id="no-result"' in r.text and "no tally has been posted yet" in r.text


@pytest.mark.parametrize("prefix", ["<x>", "a" * 65])
def test_type_filter_is_checked(reader: TestClient, prefix: str) -> None:
    assert reader.get("/entries", params={"type": prefix}).status_code == 400


def test_board_opened_read_only_holds_no_keys(board: Path) -> None:
    with client_for(board, write=False) as c:
        b = c.app.state.board  # type: ignore[attr-defined]
        assert b.writer is None and b.reader.ledger.keys == [] and b.reader.ledger.readonly
