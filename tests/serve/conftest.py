"""Fixtures of the served-ledger tests: a small board (with a medical entry and a hostile payload), clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import fake_elections
import httpx
import pytest
from starlette.testclient import TestClient

from zkmed.ledger.keys import AuthorityKey, load_key_dir
from zkmed.ledger.ledger import Ledger
from zkmed.serve import ServeConfig, Source, create_app

ROOT = Path(__file__).parent.parent.parent
#: screenshots and other artifacts of the browser tests (kept after the run)
ARTIFACTS = Path(os.environ.get("ZKMED_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "serve"

XSS = b'<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">'
MEDICAL_TYPE = "records/consent"  # zkmed.records.consent.GRANT_ENTRY
MEDICAL_SECRET = b'{"patient":"SECRET-PATIENT-4711","purpose":"oncology"}'
NOTES = 60  # more than one page of 50


def medical_append(led: Ledger, entry_type: str, payload: bytes) -> None:
    """Append a medical entry (the records package's entry types are ``records/…``)."""
    led.append(entry_type, payload)


def fill_board(led: Ledger, notes: int = NOTES) -> None:
    """``notes`` notes, the hostile payload (entry ``notes``), a medical entry (``notes + 1``), a binary one."""
    led.append_batch([("note", f"note {i}".encode()) for i in range(notes)])
    led.append("note", XSS)
    medical_append(led, MEDICAL_TYPE, MEDICAL_SECRET)
    led.append("note", b"\xff\xfe binary")


def make_board(path: Path, notes: int = NOTES) -> Path:
    with Ledger.init(path, authorities=3, threshold=2, name="board.example") as led:
        fill_board(led, notes)
        led.checkpoint()
    return path


@pytest.fixture
def board(tmp_path: Path) -> Path:
    return make_board(tmp_path / "board")


@pytest.fixture
def keys(board: Path) -> list[AuthorityKey]:
    return load_key_dir(board / "keys")


@pytest.fixture
def elections(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_elections.install(lambda obj, name, value: monkeypatch.setattr(obj, name, value, raising=False))


def client_for(board: Path, write: bool = True, **options: object) -> TestClient:
    options.setdefault("seal_interval_s", 0.05)
    config = ServeConfig(Source(board), write=write, **options)  # type: ignore[arg-type]
    return TestClient(create_app(config))


@pytest.fixture
def client(board: Path) -> Iterator[TestClient]:
    with client_for(board) as c:
        yield c


@pytest.fixture
def reader(board: Path) -> Iterator[TestClient]:
    with client_for(board, write=False) as c:
        yield c


def wait_sealed(c: TestClient | httpx.Client, size: int, timeout: float = 10.0) -> None:
    """Wait until a checkpoint covers ``size`` entries."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = c.get("/api/v1/head").json()
        if (head["latest_checkpoint"] or 0) >= size:
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint covered {size} entries within {timeout} s")


# -- a real server process --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``zkmed serve DIR …`` (the real elections package) in its own process, on a free loopback port."""

    def __init__(self, board: Path, *extra: str, port: int | None = None) -> None:
        self.board, self.extra, self.port = board, extra, port or free_port()
        self.launcher = ["-m", "zkmed.cli.main", "serve"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> ServerProcess:
        args = [sys.executable, *self.launcher, str(self.board), "--port", str(self.port), *self.extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(self.url + "/api/v1/head", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError("server did not answer in time")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: no shutdown, no sealing
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
