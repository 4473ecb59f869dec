"""``zkmed electionguard verify``: exit codes 0 / 2 / 4, the step lines and the --json report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from eg_support import BALLOTS, RECORDS, dump, load

import zkmed.cli.electionguard as eg_cli
from zkmed.cli.main import main
from zkmed.electionguard import Report


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["electionguard", "verify", *args])
    return result.exit_code, result.stdout, result.stderr


def test_passing_record_exits_0(monkeypatch: pytest.MonkeyPatch, reports: dict[str, Report]) -> None:
    seen: list[tuple[str, int]] = []

    def cached(directory: str, *, jobs: int) -> Report:
        seen.append((directory, jobs))
        return reports["someAvailable"]

    monkeypatch.setattr(eg_cli, "check_record", cached)
    code, out, err = run(str(RECORDS["someAvailable"]), "--jobs", "2")
    assert code == 0 and err == "" and seen == [(str(RECORDS["someAvailable"]), 2)]
    assert "V14" in out and "Correctness of contest data decryptions" in out and "record verified" in out
    code, out, _ = run(str(RECORDS["someAvailable"]), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True and doc["type"] == "zkmed.electionguard.verify-report"
    assert [s["step"] for s in doc["steps"]][:3] == ["V1", "V2", "V3"]


def test_failing_record_exits_2_naming_the_step(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    tally = load(rec / "tally.json")
    tally["contests"][0]["selections"][0]["tally"] += 1
    dump(rec / "tally.json", tally)
    code, out, err = run(str(rec))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error (verification-failed)") and "V10" in err
    assert "FAILED" in out and "contest contest1 selection selection1: T ≠ K^t" in out  # V8 fails too: no ballots
    code, out, err = run(str(rec), "--json")
    doc = json.loads(out)
    assert code == 2 and doc["ok"] is False and "V10" in {s["step"] for s in doc["steps"] if s["status"] == "fail"}


def test_unreadable_record_exits_4(tmp_path: Path, copy_record: Callable[..., Path]) -> None:
    code, _, err = run(str(tmp_path / "missing"))
    assert code == 4 and err.startswith("error (malformed-input)")
    rec = copy_record(keep_ballots=["eballot-id-10.json"], keep_challenged=[])
    (rec / BALLOTS / "eballot-id-10.json").write_text("[]")
    code, _, err = run(str(rec), "--jobs", "2")
    assert code == 4 and "eballot-id-10.json" in err


def test_bad_jobs_is_a_usage_error() -> None:
    code, _, err = run(str(RECORDS["allAvailable"]), "--jobs", "0")
    assert code == 64 and "jobs" in err
