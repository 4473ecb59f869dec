"""zkmed.audit: the whole-ledger verifier — dispatch, failures named by entry, the same report everywhere."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from audit_family import FAMILY, TYPE
from click.testing import CliRunner

from zkmed.audit import families as families_module
from zkmed.audit import verify_ledger
from zkmed.cli.main import main
from zkmed.errors import MalformedInput
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.directory import POLICY_FILE, STORE_FILE
from zkmed.ledger.ledger import Ledger


def _ledger(tmp_path: Path, payloads: list[tuple[str, bytes]]) -> Path:
    board = tmp_path / "board"
    with Ledger.init(board, authorities=3, threshold=2, name="test.example/audit") as led:
        led.append_batch(payloads)
        led.checkpoint()
    return board


def _verify(board: Path, **kw):  # type: ignore[no-untyped-def]
    with Ledger.open(board) as led:
        return verify_ledger(led.store, families=[FAMILY], **kw)


GOOD = [(TYPE, b"ok %d" % i) for i in range(30)]


def test_a_clean_ledger_passes_every_step(tmp_path: Path) -> None:
    board = _ledger(tmp_path, GOOD)
    policy = TrustPolicy.parse((board / POLICY_FILE).read_text())
    report = _verify(board, policy=policy)
    assert report.ok and report.entries == 30 and report.warning is None
    assert [s.number for s in report.steps] == ["A1", "A2", "X1"]
    assert _verify(board).warning  # no trust anchor: said loudly


def test_bad_payload_and_unknown_type_are_named_by_index(tmp_path: Path) -> None:
    payloads = list(GOOD)
    payloads[9] = (TYPE, b"bad")
    payloads[20] = ("test.other", b"ok")
    report = _verify(_ledger(tmp_path, payloads))
    assert not report.ok
    by = {s.number: s for s in report.steps}
    assert [f.index for f in by["X1"].findings] == [9]
    assert [f.index for f in by["A2"].findings] == [20] and "not known" in by["A2"].findings[0].reason
    step, finding = report.first_failure()  # type: ignore[misc]
    assert (step.number, finding.index) == ("A2", 20)


def test_without_families_every_entry_is_unknown(tmp_path: Path) -> None:
    board = _ledger(tmp_path, GOOD[:3])
    with Ledger.open(board) as led:
        report = verify_ledger(led.store, families=[])
    assert [f.index for f in report.steps[1].findings] == [0, 1, 2]


def test_a_damaged_ledger_fails_v1(tmp_path: Path) -> None:
    board = _ledger(tmp_path, GOOD)
    with sqlite3.connect(board / STORE_FILE) as conn:
        conn.execute("UPDATE entries SET record = CAST(record || x'00' AS BLOB) WHERE seq = 3")
    report = _verify(board)
    assert [s.number for s in report.steps] == ["A1"] and not report.ok


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    payloads = list(GOOD)
    payloads[4] = payloads[17] = (TYPE, b"nope")
    board = _ledger(tmp_path, payloads)
    one, two = _verify(board), _verify(board, jobs=2)
    assert one.to_json() == two.to_json() and not one.ok
    with pytest.raises(MalformedInput):
        _verify(board, jobs=0)


@pytest.mark.slow
def test_dask_gives_the_same_report(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    payloads = list(GOOD)
    payloads[11] = (TYPE, b"nope")
    board = _ledger(tmp_path, payloads)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        dask = _verify(board, scheduler=cluster.scheduler_address)
    assert dask.to_json() == _verify(board).to_json()


def test_cli_steps_exit_codes_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(families_module, "FAMILIES", [FAMILY])
    runner = CliRunner()
    board = _ledger(tmp_path, GOOD)
    ok = runner.invoke(main, ["verify", str(board), "--policy", str(board / POLICY_FILE)])
    assert ok.exit_code == 0, ok.output
    assert "A1" in ok.output and "X1" in ok.output and "passed" in ok.output
    monkeypatch.setenv("ZKMED_LEDGER", str(board))
    assert "WARNING" in runner.invoke(main, ["verify"]).output  # $ZKMED_LEDGER; no policy: said loudly
    bad = _ledger(tmp_path / "b", [(TYPE, b"ok"), (TYPE, b"bad")])
    failed = runner.invoke(main, ["verify", str(bad), "--json"])
    assert failed.exit_code == 2
    doc = json.loads(failed.stdout)
    assert doc["type"] == "zkmed.verify-report" and doc["ok"] is False
    assert doc["steps"][-1]["findings"] == [{"index": 1, "reason": "payload does not start with b'ok'"}]
    assert failed.stderr.count("\n") == 1 and "entry 1" in failed.stderr
    missing = runner.invoke(main, ["verify", str(tmp_path / "none")])
    assert missing.exit_code == 7


@pytest.mark.parametrize("address", ["", "nohost", "tcp://h", "h:0", "h:70000", "a b:1", "tcp://h:1/x"])
def test_scheduler_addresses_are_checked_before_connecting(tmp_path: Path, address: str) -> None:
    board = _ledger(tmp_path, GOOD[:1])
    with pytest.raises(MalformedInput, match="scheduler address"):
        _verify(board, scheduler=address)
