"""``zkmed serve`` under load: submissions per second and lookup-page latency, on SQLite and PostgreSQL.

A real server process (``zkmed serve DIR --write``) on loopback; client
threads in this process post for a fixed time while one more thread loads
the ballot lookup page (``/ballot?code=…``) of codes already acknowledged
and records its latency.  Two workloads:

* **ballots** (``POST /api/v1/ballots``): verified at submission by
  ``zkmed.elections.check_ballot_submission`` — until the elections package
  is merged the server runs the test stand-in (``tests/serve/fake_elections``:
  JSON parse and a duplicate check, *no proofs*), and the table says so; the
  issue's goal (≥ 300 ballots/s, 3-contest manifest, P-256) needs the real one;
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
from zkmed.canonical_json import canonical_json
from zkmed.ledger.keys import AuthorityKey, load_key_dir
from zkmed.ledger.ledger import Ledger
from zkmed.serve import elections as adapter
from zkmed.serve import sign_write_request

ROOT = Path(__file__).parent.parent
STAND_IN = ROOT / "tests" / "serve" / "serve_process.py"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(board: Path, real_elections: bool) -> Iterator[str]:
    port = _free_port()
    launcher = ["-m", "zkmed.cli.main", "serve"] if real_elections else [str(STAND_IN)]
    args = [sys.executable, *launcher, str(board), "--write", "--port", str(port)]
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
    url: str, make_request: Callable[[int, int], tuple[str, bytes]], seconds: float, clients: int
) -> tuple[float, list[str], list[float], int]:
    """Post for ``seconds`` from ``clients`` threads while one thread times the lookup page.

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
                path, body = make_request(n, i)
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
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
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


def _ballot_maker(store: str) -> Callable[[int, int], tuple[str, bytes]]:
    def ballot(n: int, i: int) -> tuple[str, bytes]:
        doc = {"choice": ("alice", "bob", "carol")[i % 3], "id": f"{store}-{n}-{i}", "proof": "valid"}
        return "/api/v1/ballots", canonical_json(doc)

    return ballot


def _append_maker(keys: list[AuthorityKey], origin: str) -> Callable[[int, int], tuple[str, bytes]]:
    def append(n: int, i: int) -> tuple[str, bytes]:
        now = time.time_ns() // 1_000_000
        req = sign_write_request(keys[n % len(keys)], origin, [("note", f"bench {n} {i}".encode())], timestamp_ms=now)
        return "/api/v1/entries", req.encode()

    return append


def tables(*, quick: bool = False) -> list[Table]:
    seconds, clients = (3.0, 4) if quick else (15.0, 8)
    real = adapter.available()
    table = Table(
        "zkmed serve: submissions/s and lookup-page latency under that load (loopback, one server process)",
        ["store", "workload", "clients", "acknowledged/s", "refused", "lookup p50 ms", "lookup p99 ms"],
    )
    if not real:
        table.notes.append(
            "elections package not merged: ballots are checked by the test stand-in (JSON + duplicate check, "
            "no proofs); the ≥ 300 ballots/s goal (3-contest manifest, P-256) is NOT measured by this row"
        )
    table.notes.append(f"{seconds:.0f} s per row; clients and server share this machine's CPUs")
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
            with _server(board, real) as url:
                origin = httpx.get(url + "/api/v1/head").json()["origin"]
                if real:  # pragma: no cover - wired when zkmed.elections lands
                    table.notes.append("ballots: real verification (zkmed.elections)")

                ballot = _ballot_maker(store)
                append = _append_maker(keys, origin)
                workloads: list[tuple[str, Callable[[int, int], tuple[str, bytes]]]] = [("signed appends", append)]
                if not real:
                    workloads.insert(0, ("ballots (stand-in check)", ballot))
                for name, make in workloads:
                    rate, _, lat, refused = _load(url, make, seconds, clients)
                    table.add(store, name, clients, rate, refused, _pct(lat, 50), _pct(lat, 99))
    return [table]
