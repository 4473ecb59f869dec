"""Ledger appends on PostgreSQL next to a raw psycopg insert loop at the same durability (goal: zkmed ≥ 50 % of raw).

Both sides use one connection to the same server, ``synchronous_commit=on``
(a commit returns once the server flushed its WAL) and one transaction per
append or batch: commit per append (batch 1) and batched (100, 1000 entries
per transaction), the same payloads.  The server is a private one started for
the run (:mod:`benchmarks.pg_server`, ``fsync=on``: the durability the store
promises), or the one ``ZKMED_BENCH_PG_URL`` names (a database this run may
fill: it creates and drops the tables ``bench_raw`` and the ledger's own).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from benchmarks.harness import Table, time_us
from benchmarks.pg_server import PrivateServer, missing_binaries
from zkmed.ledger.ledger import Ledger, SealPolicy


@contextlib.contextmanager
def _server() -> Iterator[tuple[str, str]]:
    """``(ledger database URL, raw database URL)`` and a description of the server."""
    given = os.environ.get("ZKMED_BENCH_PG_URL")
    if given:
        yield given, given
        return
    server = PrivateServer(fsync=True)
    try:
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute(b"CREATE DATABASE bench_ledger")
            admin.execute(b"CREATE DATABASE bench_raw")
        yield server.url("bench_ledger"), server.url("bench_raw")
    finally:
        server.stop()


def _raw(url: str) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(b"SET synchronous_commit = on")
    conn.execute(b"DROP TABLE IF EXISTS bench_raw")
    conn.execute(b"CREATE TABLE bench_raw (seq bigint PRIMARY KEY, data bytea NOT NULL)")
    return conn


def _appends(tmp: Path, quick: bool, ledger_url: str, raw_url: str) -> Table:
    table = Table(
        "ledger appends on PostgreSQL (synchronous_commit=on, one transaction per batch) vs a raw psycopg loop",
        ["batch", "payload B", "sealing", "zkmed appends/s", "raw psycopg inserts/s", "zkmed / raw"],
    )
    policy = SealPolicy(max_entries=1000, max_delay_ms=1000)
    led = Ledger.init(tmp / "appends", authorities=3, threshold=2, name="bench.zkmed.example", store=ledger_url)
    deferred = Ledger.open(tmp / "appends", signing=True, seal_policy=policy)
    raw = _raw(raw_url)
    counter = [0]
    min_time = 0.1 if quick else 0.3
    cases = [(led, 1, 128), (led, 100, 128), (led, 1000, 128), (deferred, 1, 128), (deferred, 100, 128)]
    if not quick:
        cases += [(led, 1, 1024), (led, 1000, 1024)]
    for ledger, batch, size in cases:
        payload = os.urandom(size)
        items = [("ballot", payload)] * batch

        def ours(ledger: Ledger = ledger, items: list[tuple[str, bytes]] = items) -> None:
            ledger.append_batch(items)

        def theirs(batch: int = batch, payload: bytes = payload) -> None:
            start = counter[0]
            counter[0] += batch
            with raw.transaction():
                raw.cursor().executemany(
                    b"INSERT INTO bench_raw(seq, data) VALUES (%s, %s)", [(start + i, payload) for i in range(batch)]
                )

        # alternate the two loops so that drift in this machine's fsync latency hits both alike
        samples = [
            (time_us(ours, min_time=min_time, repeat=3), time_us(theirs, min_time=min_time, repeat=3))
            for _ in range(1 if quick else 3)
        ]
        ours_us = statistics.median(o for o, _ in samples)
        raw_us = statistics.median(r for _, r in samples)
        sealing = "every append" if ledger.seal_policy is None else "deferred: 1000 entries / 1 s"
        table.add(batch, size, sealing, batch / ours_us * 1e6, batch / raw_us * 1e6, f"{raw_us / ours_us:.0%}")
    deferred.close()
    led.close()
    raw.close()
    table.notes += [
        "zkmed, sealing every append (the default): per append_batch one transaction that takes the writers' table "
        "lock, reads the head (one query), inserts the entry rows (Merkle nodes ‖ entry bytes, multi-row INSERTs of "
        "up to 256 rows) and one block row signed by the 3 held authority keys (2-of-3), then commits.",
        "zkmed, deferred sealing: entry rows per append_batch; one block (and its signatures) per ~1000 entries.",
        "raw: INSERT (seq, payload) rows with executemany (psycopg pipelines them) in one transaction per batch, "
        "same server, same synchronous_commit, same payload size; 1 row per entry.",
        "Server: a private PostgreSQL 15 started for the run with fsync=on (or ZKMED_BENCH_PG_URL), over TCP on "
        "127.0.0.1.",
    ]
    return table


def tables(*, quick: bool = False) -> list[Table]:
    if os.environ.get("ZKMED_BENCH_PG_URL") is None and missing_binaries() is not None:
        table = Table("ledger appends on PostgreSQL", ["skipped"])
        table.add(missing_binaries())
        return [table]
    with tempfile.TemporaryDirectory(prefix="zkmed-bench-pg-") as tmp, _server() as (ledger_url, raw_url):
        return [_appends(Path(tmp), quick, ledger_url, raw_url)]


if __name__ == "__main__":  # pragma: no cover
    import sys

    for t in tables(quick="--quick" in sys.argv):
        print(t.to_markdown())
