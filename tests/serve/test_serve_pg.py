"""``zkmed serve`` over a PostgreSQL store: a directory naming it (``store.url``) and ``--store URL`` alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_sealed
from starlette.testclient import TestClient

from benchmarks.pg_server import PrivateServer, missing_binaries
from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.keys import load_key_dir
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.receipt import TlogProof, verify_receipt
from zkmed.serve import ServeConfig, Source, create_app, sign_write_request


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    why = missing_binaries()
    if why is not None:
        pytest.skip(why)
    server = PrivateServer(fsync=False)
    try:
        yield server.url()
    finally:
        server.stop()


def test_board_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    board = tmp_path / "board"
    with Ledger.init(board, authorities=3, threshold=2, name="pg.example", store=pg_url) as led:
        led.append("note", b"on postgres")
        led.checkpoint()
    keys = load_key_dir(board / "keys")
    with TestClient(create_app(ServeConfig(Source(board), write=True, seal_interval_s=0.05))) as c:
        origin = c.get("/api/v1/head").json()["origin"]
        req = sign_write_request(keys[0], origin, [("note", b"served")], timestamp_ms=time.time_ns() // 1_000_000)
        assert c.post("/api/v1/entries", content=req.encode()).status_code == 201
        wait_sealed(c, 2)
        policy = TrustPolicy.parse(c.get("/api/v1/policy").text)
    # --store URL alone: the reader needs no directory; the writer takes its keys from --keys
    alone = ServeConfig(Source(store_url=pg_url, keys_dir=board / "keys"), write=True, seal_interval_s=0.05)
    with TestClient(create_app(alone)) as c:
        receipt = TlogProof.parse(c.get("/api/v1/receipts/1").text)
        verify_receipt(receipt, policy)
        assert receipt.entry().payload == b"served"
        req = sign_write_request(keys[1], origin, [("note", b"again")], timestamp_ms=time.time_ns() // 1_000_000)
        assert c.post("/api/v1/entries", content=req.encode()).json()["first_seq"] == 2
        assert "Ledger head" in c.get("/").text


def test_store_url_needs_keys_to_write(pg_url: str, tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="--keys"):
        Source(store_url=pg_url).open(signing=True)
    with pytest.raises(LedgerError, match="no authority keys"):
        Source(store_url=pg_url, keys_dir=tmp_path).open(signing=True)
    with pytest.raises(MalformedInput):
        Source(store_url="sqlite:///x")


def test_real_ballots_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    """A real P-256 election on a PostgreSQL board: ballots verified at submission, a replay refused, lookup."""
    import psycopg
    from real_election import forged_proof, make_real_election

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(b"CREATE DATABASE ballots")
    url = pg_url.rsplit("/", 1)[0] + "/ballots"
    election = make_real_election(tmp_path / "e", voters=3, store=url)
    ballots = [election.ballot(i, "bob") for i in range(3)]
    with TestClient(create_app(ServeConfig(Source(election.board), write=True, seal_interval_s=0.05))) as c:
        codes = [c.post("/api/v1/ballots", content=b).json()["confirmation_code"] for b in ballots]
        r = c.post("/api/v1/ballots", content=ballots[0])
        assert r.status_code == 422 and "step 7" in r.json()["error"]["message"]
        r = c.post("/api/v1/ballots", content=forged_proof(election.ballot(1), election.voters[1]))
        assert r.status_code == 422 and "mayor option bob" in r.json()["error"]["message"]
        head = c.get("/api/v1/head").json()
        wait_sealed(c, head["size"] + head["pending"])
        status = c.get(f"/api/v1/ballots/{codes[2]}").json()
        assert status["status"] == "recorded" and status["seq"] == head["size"] + head["pending"] - 1
    assert election.finish()["contests"]["mayor"] == {"alice": 0, "bob": 3, "carol": 0}
