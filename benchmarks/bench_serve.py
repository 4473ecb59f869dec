"""``zkmed serve`` under load: submissions per second and lookup-page latency, on SQLite and PostgreSQL.

A real server process (``zkmed serve DIR --write``) on loopback; client
threads in this process post for a fixed time while one more thread loads
the ballot lookup page (``/ballot?code=…``) of codes already acknowledged
and records its latency.  Two workloads:

* **ballots** (``POST /api/v1/ballots``): real ballots of a P-256 election
  with the issue's 3-contest manifest (1-of-5, 3-of-10, yes/no: 20 range
  proofs each), made with ``encrypt_ballot`` **before** the timed run (on
  every core), verified at submission by
  ``zkmed.elections.check_ballot_submission`` (parse, credential and its
  signature, ballot id not yet posted, the proofs in one batch) with the
  writer's incremental ``SubmissionIndex``; goal ≥ 300 ballots/s;
* **signed appends** (``POST /api/v1/entries``): one entry per
  authority-signed request (Ed25519 verification, replay guard, durable
  append).

Acknowledged means durable and sequenced (deferred sealing: the server seals
and cosigns a checkpoint every 0.5 s).
"""

from __future__ import annotations

import contextlib
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from benchmarks.harness import Table
from zkmed.ledger.keys import AuthorityKey, load_key_dir
from zkmed.ledger.ledger import Ledger
from zkmed.serve import sign_write_request

MANIFEST = {
    "election_id": "bench-serve",
    "contests": [
        {"id": "mayor", "selection_limit": 1, "options": ["a", "b", "c", "d", "e"]},
        {"id": "council", "selection_limit": 3, "options": [f"c{i}" for i in range(10)]},
        {"id": "measure", "selection_limit": 1, "options": ["yes", "no"]},
    ],
}
VOTERS = 200
_worker: dict[str, object] = {}


def _init_worker(board: str, voter_files: list[str]) -> None:
    from zkmed.elections.board import collect_board, load_context
    from zkmed.elections.credentials import VoterCredential

    with Ledger.open(Path(board)) as led:
        _worker["ctx"] = load_context(collect_board(led))
    _worker["voters"] = [VoterCredential.load(Path(f)) for f in voter_files]


def _make_ballot(i: int) -> bytes:
    from zkmed.elections.ballot import encrypt_ballot

    voters: list = _worker["voters"]  # type: ignore[assignment]
    choice = {"mayor": {"abcde"[i % 5]: 1}, "council": {f"c{i % 10}": 1, f"c{(i + 3) % 10}": 1}, "measure": {"yes": 1}}
    return encrypt_ballot(_worker["ctx"], voters[i % len(voters)], choice).payload  # type: ignore[arg-type]


def _election(board: Path, count: int) -> list[bytes]:
    """Post the election (3 trustees, quorum 2, :data:`VOTERS` credentials) and make ``count`` real ballots."""
    import json
    import os
    from concurrent.futures import ProcessPoolExecutor

    from zkmed.elections import workflow
    from zkmed.elections.manifest import parse_manifest

    with Ledger.open(board, signing=True) as led:
        made = workflow.create_election(
            led, parse_manifest(json.dumps(MANIFEST)), trustees=3, quorum=2, voters=VOTERS, keys=board / "election-keys"
        )
    files = [str(f) for f in made.voter_files]
    with ProcessPoolExecutor(os.cpu_count() or 1, initializer=_init_worker, initargs=(str(board), files)) as pool:
        return list(pool.map(_make_ballot, range(count), chunksize=16))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(board: Path) -> Iterator[str]:
    port = _free_port()
    args = [sys.executable, "-m", "zkmed.cli.main", "serve", str(board), "--write", "--port", str(port)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-1000:]}")  # type: ignore[union-attr]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/api/v1/head", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _load(
    url: str, make_request: Callable[[int, int], tuple[str, bytes] | None], seconds: float, clients: int
) -> tuple[float, list[str], list[float], int]:
    """Post for ``seconds`` (or until ``make_request`` has no more) from ``clients`` threads while one thread
    times the lookup page.

    Returns (acknowledged per second, confirmation codes, lookup latencies in ms, refused count).
    """
    codes: list[str] = []
    latencies: list[float] = []
    counts = {"ok": 0, "refused": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                made = make_request(n, i)
                if made is None:
                    break
                path, body = made
                r = http.post(path, content=body)
                with lock:
                    if r.status_code == 201:
                        counts["ok"] += 1
                        code = r.json().get("confirmation_code")
                        if code:
                            codes.append(code)
                    else:
                        counts["refused"] += 1
                i += 1

    def looker() -> None:
        rng = random.Random(1)
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                with lock:
                    code = rng.choice(codes) if codes else "none"
                t0 = time.perf_counter()
                http.get("/ballot", params={"code": code})
                latencies.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=looker))
    start = time.perf_counter()
    for t in threads:
        t.start()
    deadline = start + seconds
    while time.perf_counter() < deadline and any(t.is_alive() for t in threads[:-1]):
        time.sleep(0.02)
    elapsed = time.perf_counter() - start  # the clients stop early when the precomputed ballots run out
    stop.set()
    for t in threads:
        t.join()
    return counts["ok"] / elapsed, codes, latencies, counts["refused"]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _stores(tmp: Path) -> Iterator[tuple[str, Callable[[Path], Ledger]]]:
    yield "SQLite", lambda d: Ledger.init(d, authorities=3, threshold=2, name="bench.example")
    try:
        from benchmarks.pg_server import PrivateServer, missing_binaries
    except ImportError:
        return
    if missing_binaries() is not None:
        return
    server = PrivateServer()
    try:
        yield (
            "PostgreSQL",
            lambda d: Ledger.init(  # type: ignore[call-arg]
                d, authorities=3, threshold=2, name="bench.example", store=server.url()
            ),
        )
    finally:
        server.stop()


def _check_rate(board: Path, ballots: list[bytes], seconds: float = 2.0) -> float:
    """Ballots/s of ``check_ballot_submission`` alone with a kept index (one thread; nothing appended)."""
    from zkmed.elections import SubmissionIndex, check_ballot_submission

    index = SubmissionIndex()
    with Ledger.open(board) as led:
        check_ballot_submission(led, ballots[0], index=index)  # loads the context
        done, start = 0, time.perf_counter()
        for payload in ballots[1:]:
            check_ballot_submission(led, payload, index=index)
            done += 1
            if time.perf_counter() - start > seconds:
                break
        return done / (time.perf_counter() - start)


def _ballot_maker(ballots: list[bytes]) -> Callable[[int, int], tuple[str, bytes] | None]:
    it = iter(ballots)
    lock = threading.Lock()

    def ballot(n: int, i: int) -> tuple[str, bytes] | None:
        with lock:
            payload = next(it, None)
        return None if payload is None else ("/api/v1/ballots", payload)

    return ballot


def _append_maker(keys: list[AuthorityKey], origin: str) -> Callable[[int, int], tuple[str, bytes]]:
    def append(n: int, i: int) -> tuple[str, bytes]:
        now = time.time_ns() // 1_000_000
        req = sign_write_request(keys[n % len(keys)], origin, [("note", f"bench {n} {i}".encode())], timestamp_ms=now)
        return "/api/v1/entries", req.encode()

    return append


def tables(*, quick: bool = False) -> list[Table]:
    seconds, clients, count = (3.0, 4, 600) if quick else (15.0, 8, 6000)
    table = Table(
        "zkmed serve: submissions/s and lookup-page latency under that load (loopback, one server process)",
        ["store", "workload", "clients", "acknowledged/s", "refused", "lookup p50 ms", "lookup p99 ms"],
    )
    table.notes.append(
        "ballots: real P-256 ballots, 3-contest manifest (1-of-5, 3-of-10, yes/no; 20 range proofs), "
        f"{count} precomputed before the timed run, each verified at submission (goal ≥ 300/s)"
    )
    table.notes.append(f"at most {seconds:.0f} s per row; clients and server share this machine's CPUs")
    with tempfile.TemporaryDirectory(prefix="zkmed-bench-serve-") as tmp_name:
        tmp = Path(tmp_name)
        for store, init in _stores(tmp):
            board = tmp / f"board-{store}"
            try:
                init(board).close()
            except TypeError:  # no PostgreSQL store in this build
                table.notes.append(f"{store}: not measured (Ledger.init has no store= in this build)")
                continue
            keys = load_key_dir(board / "keys")
            ballots = _election(board, count)
            table.add(store, "check_ballot_submission in-process (no HTTP)", 1, _check_rate(board, ballots), 0, "", "")
            with _server(board) as url:
                origin = httpx.get(url + "/api/v1/head").json()["origin"]
                workloads: list[tuple[str, Callable[[int, int], tuple[str, bytes] | None]]] = [
                    ("ballots (real, verified)", _ballot_maker(ballots)),
                    ("signed appends", _append_maker(keys, origin)),
                ]
                for name, make in workloads:
                    rate, _, lat, refused = _load(url, make, seconds, clients)
                    table.add(store, name, clients, rate, refused, _pct(lat, 50), _pct(lat, 99))
    return [table]
