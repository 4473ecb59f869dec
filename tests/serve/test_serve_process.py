"""A real ``zkmed serve`` process on loopback: concurrent load, kill -9 and restart, the CLI's own checks.

Bounded: a few clients, a hundred-odd requests, seconds.  Ballots are real
(a P-256 election of the real elections package, payloads precomputed with
``encrypt_ballot``).  After each run every acknowledged write is in the
ledger exactly once, no refused one is, and ``zkmed ledger verify`` passes.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import ServerProcess, fill_board, wait_sealed
from real_election import OPTIONS, RealElection, forged_proof, make_real_election

from zkmed.cli.main import main
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey, load_key_dir
from zkmed.ledger.ledger import Ledger
from zkmed.serve import sign_write_request


def now() -> int:
    return time.time_ns() // 1_000_000


def all_entries(board: Path) -> list[Entry]:
    with Ledger.open(board) as led:
        end = led.size + led.pending
        return [Entry.decode(d) for d in led.store.entries(0, end)]


def verify_cli(board: Path) -> None:
    run = CliRunner().invoke(main, ["ledger", "verify", str(board)])
    assert run.exit_code == 0, run.output


@pytest.fixture(scope="module")
def election_template(tmp_path_factory: pytest.TempPathFactory) -> RealElection:
    return make_real_election(tmp_path_factory.mktemp("load"), voters=CLIENTS + 1, before=fill_board)


@pytest.fixture
def election(election_template: RealElection, tmp_path: Path) -> RealElection:
    return election_template.copy(tmp_path / "e")


CLIENTS = 5


@pytest.mark.slow  # seconds of load: the first pass of make test only
def test_concurrent_valid_and_invalid_real_ballots(election: RealElection) -> None:
    """5 clients, 20 real ballots each (precomputed): valid ones (revotes of the client's voter), forged
    proofs, replays of an acknowledged ballot, and one ballot every client submits at the same moment."""
    shared = election.ballot(CLIENTS, "carol")
    plans: list[list[bytes]] = []
    for n in range(CLIENTS):
        plan = []
        for i in range(20):
            body = election.ballot(n, OPTIONS[i % 3], "yes" if i % 2 else "no")
            if i % 3 == 0:
                body = forged_proof(body, election.voters[n])
            if i % 7 == 6:  # a replay of this client's ballot 1 (acknowledged by then): step 7
                body = plan[1]
            if i == 10:
                body = shared
            plan.append(body)
        plans.append(plan)
    acked: list[bytes] = []
    refused: list[bytes] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    srv = ServerProcess(election.board, "--write").start()

    def client(n: int) -> None:
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            for i, body in enumerate(plans[n]):
                if i == 10:
                    barrier.wait(10)
                r = http.post("/api/v1/ballots", content=body)
                with lock:
                    (acked if r.status_code == 201 else refused).append(body)
                assert r.status_code in (201, 422), r.text

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        with httpx.Client(base_url=srv.url) as http:
            head = http.get("/api/v1/head").json()
            wait_sealed(http, head["size"] + head["pending"])
    finally:
        srv.stop()
    ballots = Counter(e.payload for e in all_entries(election.board) if e.type == "election.ballot")
    assert set(ballots) == set(acked) and all(n == 1 for n in ballots.values())
    assert not any(b in ballots for b in refused if b not in acked)  # forged ones: never written
    # each client: 6 forged (i % 3 == 0, i != 6), 2 replays of its ballot 1 (i = 6, 13), its try at the shared one
    assert len(acked) == CLIENTS * 11 + 1 and ballots[shared] == 1
    verify_cli(election.board)
    run = CliRunner().invoke(main, ["election", "verify", str(election.board)])
    assert run.exit_code == 0, run.output


@pytest.mark.slow
@pytest.mark.parametrize("workload", ["signed appends", "ballots"])
def test_kill_9_during_submissions_loses_no_acknowledged_entry(election: RealElection, workload: str) -> None:
    board = election.board
    keys: list[AuthorityKey] = load_key_dir(board / "keys")
    ballots = (
        [[election.ballot(n, OPTIONS[i % 3]) for i in range(30)] for n in range(4)] if workload == "ballots" else []
    )
    srv = ServerProcess(board, "--write").start()
    origin = httpx.get(srv.url + "/api/v1/head").json()["origin"]
    acked: dict[int, bytes] = {}
    lock = threading.Lock()
    stop = threading.Event()
    kind = "note" if workload == "signed appends" else "election.ballot"

    def request(n: int, i: int) -> tuple[str, bytes, bytes] | None:
        if kind != "note":
            if i >= len(ballots[n]):
                return None
            return "/api/v1/ballots", ballots[n][i], ballots[n][i]
        payload = f"client {n} write {i}".encode()
        req = sign_write_request(keys[n % len(keys)], origin, [("note", payload)], timestamp_ms=now())
        return "/api/v1/entries", req.encode(), payload

    def client(n: int) -> None:
        with httpx.Client(base_url=srv.url, timeout=10) as http:
            i = 0
            while not stop.is_set() and (made := request(n, i)) is not None:
                path, body, payload = made
                try:
                    r = http.post(path, content=body)
                except httpx.HTTPError:
                    return  # the server died under us: this write was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked[r.json()["first_seq"]] = payload
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.02)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(15)
    assert len(acked) >= 60

    restarted = ServerProcess(board, "--write").start()
    try:
        with httpx.Client(base_url=restarted.url) as http:
            for seq, payload in acked.items():
                doc = http.get(f"/api/v1/entries/{seq}").json()
                assert doc["type"] == kind and base64.b64decode(doc["payload"]) == payload
            if kind != "note":  # an acknowledged ballot is refused as a replay after the restart
                r = http.post("/api/v1/ballots", content=next(iter(acked.values())))
                assert r.status_code == 422 and "step 7" in r.text
            head = http.get("/api/v1/head").json()
            wait_sealed(http, head["size"] + head["pending"])  # the restarted writer seals what was pending
    finally:
        restarted.stop()
    counts = Counter(e.payload for e in all_entries(board))
    assert all(counts[p] == 1 for p in acked.values())
    verify_cli(board)


def test_cli_refuses_bad_boards_and_hosts_in_one_line(tmp_path: Path, board: Path) -> None:
    runner = CliRunner()
    for args, code in [
        (["serve", str(tmp_path / "missing")], 7),
        (["serve", str(board), "--host", "not-an-ip"], 4),
        (["serve"], 4),
        (["serve", str(board), "--store", "postgresql://x/y"], 4),
        (["serve", str(board), "--keys", str(tmp_path)], 4),
        (["serve", str(board), "--port", "0"], 64),
    ]:
        run = runner.invoke(main, args)
        assert run.exit_code == code, (args, run.output)
        assert len(run.stderr.strip().splitlines()) == 1


def test_busy_port_is_one_line(board: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        run = CliRunner().invoke(main, ["serve", str(board), "--port", str(busy.getsockname()[1])])
        assert run.exit_code == 1 and "cannot listen" in run.stderr and len(run.stderr.splitlines()) == 1
