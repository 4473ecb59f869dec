"""End to end with the real elections package: a P-256 election on a served board, real ballots through the API.

Valid ballots are acknowledged with their confirmation code; a forged proof, an unknown credential, a
bad signature and a replay are refused with a 4xx naming the failing step and nothing is written; a
ballot is found by its code (page and API), its receipt verifies offline with the CLI; after the
tally, the trustees' decryptions and the result (workflow functions) the result page charts it and
``zkmed election verify`` / ``zkmed verify`` pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import client_for, wait_sealed
from real_election import RealElection, forged_proof, make_real_election, resign

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.cli.main import main
from zkmed.elections import SubmissionIndex, confirmation_code
from zkmed.elections.credentials import VoterCredential
from zkmed.ledger.receipt import TlogProof

VOTES = [("alice", "yes"), ("bob", "no"), ("bob", "yes")]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> RealElection:
    return make_real_election(tmp_path_factory.mktemp("real-election"), voters=4)


@pytest.fixture
def election(template: RealElection, tmp_path: Path) -> RealElection:
    return template.copy(tmp_path / "e")


def bad_signature(payload: bytes) -> bytes:
    obj = parse_json(payload)
    obj["signature"] = ("0" if obj["signature"][0] != "0" else "1") + obj["signature"][1:]
    return canonical_json(obj)


def _size(c) -> int:  # type: ignore[no-untyped-def]
    head = c.get("/api/v1/head").json()
    return int(head["size"] + head["pending"])


def test_real_ballots_end_to_end(election: RealElection, tmp_path: Path) -> None:
    ballots = [election.ballot(i, *vote) for i, vote in enumerate(VOTES)]
    revote = election.ballot(0, "carol", "no")  # voter 0 votes again: the latest counts (manifest revote rule)
    runner = CliRunner()
    with client_for(election.board) as client:
        start = _size(client)
        codes = []
        for i, payload in enumerate([*ballots, revote]):
            r = client.post("/api/v1/ballots", content=payload)
            assert r.status_code == 201, r.text
            doc = r.json()
            assert doc["first_seq"] == start + i and doc["confirmation_code"] == confirmation_code(payload)
            codes.append(doc["confirmation_code"])

        stranger = VoterCredential.generate("serve-2026")
        refused = [
            (forged_proof(election.ballot(3), election.voters[3]), 422, "mayor option bob"),
            (bad_signature(election.ballot(3)), 422, "signature"),
            (resign(election.ballot(3), stranger), 422, "signature"),  # voter 3's credential, another's signature
            (resign(election.ballot(3), stranger, lambda o: o.update(credential=stranger.public_key.hex())), 422,
             "registrar"),
            (ballots[1], 422, "step 7"),  # a replay of an acknowledged ballot
            (b'{"ballot_id":"x"}', 400, "ballot_id"),
            (b"not a ballot", 400, "ballot"),
            (ballots[0][:-1], 400, "JSON"),  # cut short: its id is read, the parse fails
            (b'{"ballot_id":"' + b"0" * 32 + b'","x":1}', 400, "type"),
        ]  # fmt: skip
        for body, status, words in refused:
            r = client.post("/api/v1/ballots", content=body)
            assert r.status_code == status and words in r.json()["error"]["message"], (words, r.text)
        assert client.post("/api/v1/ballots", content=b"x" * ((1 << 20) + 1)).status_code == 413
        assert _size(client) == start + 4  # nothing of them was written
        index = client.app.state.board.submissions  # type: ignore[attr-defined]
        assert isinstance(index, SubmissionIndex) and len(index.ballots) == 4  # the writer's kept index, ids only

        wait_sealed(client, start + 4)
        code = codes[1]
        status = client.get(f"/api/v1/ballots/{code}").json()
        assert status["status"] == "recorded" and status["seq"] == start + 1
        assert client.get(f"/api/v1/ballots/{code.upper().replace('-', '')}").json()["seq"] == start + 1
        page = client.get("/ballot", params={"code": code})
        assert page.status_code == 200 and '<td id="status">recorded</td>' in page.text and 'id="receipt"' in page.text
        missing = client.get("/ballot", params={"code": confirmation_code(b"never cast")})
        assert missing.status_code == 404 and 'id="not-found"' in missing.text

        receipt = client.get(f"/api/v1/ballots/{code}/receipt").text
        assert TlogProof.parse(receipt).entry().payload == ballots[1]
        (tmp_path / "ballot.tlog-proof").write_text(receipt)
        (tmp_path / "authorities.txt").write_text(client.get("/api/v1/policy").text)
        args = [
            "ledger",
            "verify-proof",
            str(tmp_path / "ballot.tlog-proof"),
            "--policy",
            str(tmp_path / "authorities.txt"),
        ]
        run = runner.invoke(main, args)
        assert run.exit_code == 0, run.output
        (tmp_path / "ballot.tlog-proof").write_text(receipt.replace(f"index {start + 1}", f"index {start + 2}"))
        assert runner.invoke(main, args).exit_code == 2
        assert client.get("/result").status_code == 200  # before the tally: the page says it is not there yet

    result = election.finish()
    assert result["contests"] == {"mayor": {"alice": 0, "bob": 2, "carol": 1}, "measure": {"yes": 1, "no": 2}}
    with client_for(election.board, write=False) as reader:
        assert reader.get("/api/v1/result").json()["contests"] == result["contests"]
        html = reader.get("/result").text
        assert html.count('class="result-chart"') == 2 and html.count('data-votes="2"') == 2
        assert reader.post("/api/v1/ballots", content=ballots[0]).status_code == 403  # read-only board
    with client_for(election.board) as client:
        r = client.post("/api/v1/ballots", content=election.ballot(3))
        assert r.status_code == 422 and "voting is closed" in r.json()["error"]["message"]
    for command in (["election", "verify", str(election.board)], ["verify", str(election.board)]):
        run = runner.invoke(main, command)
        assert run.exit_code == 0, (command, run.output)
