"""The public pages (server-rendered) and the ballot endpoint behind the elections adapter."""

from __future__ import annotations

import re
from pathlib import Path

import fake_elections
import pytest
from conftest import MEDICAL_SECRET, MEDICAL_TYPE, NOTES, XSS, client_for
from starlette.testclient import TestClient

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


def test_result_page_has_a_chart(client: TestClient, elections: None) -> None:
    """The stand-in: a contest title with markup (real contest ids are [A-Za-z0-9_.-]) is escaped on the page.
    Real ballots and a real result: test_serve_elections.py, test_serve_browser.py."""
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


def test_result_page_before_a_result_exists(client: TestClient) -> None:
    r = client.get("/result")  # the real package, a board without an election
    assert r.status_code == 200 and 'id="no-result"' in r.text and "election parameters" in r.text


@pytest.mark.parametrize("prefix", ["<x>", "a" * 65])
def test_type_filter_is_checked(reader: TestClient, prefix: str) -> None:
    assert reader.get("/entries", params={"type": prefix}).status_code == 400


def test_board_opened_read_only_holds_no_keys(board: Path) -> None:
    with client_for(board, write=False) as c:
        b = c.app.state.board  # type: ignore[attr-defined]
        assert b.writer is None and b.reader.ledger.keys == [] and b.reader.ledger.readonly
