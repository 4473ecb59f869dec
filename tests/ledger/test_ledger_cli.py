"""``zkmed ledger …`` end to end through click."""

from __future__ import annotations

import stat
from pathlib import Path

import click
import pytest
from _stores import copy_ledger, sql, value
from click.testing import CliRunner, Result

from zkmed.canonical_json import parse_json
from zkmed.cli.ledger import ledger
from zkmed.errors import ForkDetected, MalformedInput, VerificationError, ZkmedError
from zkmed.ledger.checkpoint import SignedCheckpoint


class _Main(click.Group):
    """What cli/main.py's group does with a ZkmedError (used while cli/main.py cannot be imported)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ZkmedError as exc:
            click.echo(f"error ({exc.code}): {exc.diagnostic()}", err=True)
            ctx.exit(exc.exit_code)


try:
    from zkmed.cli.main import main
except ImportError:  # pragma: no cover - another command module is missing during development
    main = _Main(commands={"ledger": ledger})


def flat(result: Result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def run(*args: object, ok: bool = True) -> Result:
    result = CliRunner().invoke(ledger, [str(a) for a in args], catch_exceptions=True)
    if ok and result.exit_code != 0:
        raise AssertionError(f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}")
    return result


@pytest.fixture
def d(tmp_path: Path) -> Path:
    run("init", tmp_path / "l", "--authorities", 3, "--threshold", 2, "--name", "cli.example")
    return tmp_path / "l"


def test_init_append_show(d: Path, tmp_path: Path) -> None:
    keys = sorted((d / "keys").iterdir())
    assert len(keys) == 3 and all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
    assert "appended" in flat(run("append", d, "hello"))
    run("append", d, "--type", "ballot", "--json", '{"b": 1, "a": [1, 2]}')
    run("append", d, "--hex", "00ff")
    (tmp_path / "payload.bin").write_bytes(b"\x00\x01")
    run("append", d, "--file", tmp_path / "payload.bin")
    info = parse_json(run("show", d, "--json").output)
    assert info["entries"] == 4 and info["height"] == 4 and info["threshold"] == 2
    assert info["recent_entries"][1]["type"] == "ballot"
    assert "recent blocks" in flat(run("show", d))
    bad = run("append", d, "x", "--hex", "00", ok=False)
    assert isinstance(bad.exception, MalformedInput)
    bad = run("append", d, "--json", "{bad", ok=False)
    assert isinstance(bad.exception, MalformedInput)


def test_checkpoint_receipts_and_offline_verification(d: Path, tmp_path: Path) -> None:
    for i in range(6):
        run("append", d, f"ballot {i}")
    cp_text = run("checkpoint", d, "-o", tmp_path / "cp.txt").output
    assert SignedCheckpoint.parse(cp_text).checkpoint.tree_size == 6
    old = tmp_path / "cp.txt"
    run("append", d, "ballot 6")
    receipt = tmp_path / "r.tlog-proof"
    run("prove", "inclusion", d, 2, "-o", receipt)
    assert receipt.read_text().startswith("c2sp.org/tlog-proof@v1\n")
    out = run("verify-proof", receipt, "--policy", d / "authorities.txt").output
    assert "entry 2 is included" in out
    cons = tmp_path / "c.json"
    run("prove", "consistency", d, 6, "-o", cons)
    assert "prefix" in flat(run("verify-proof", cons, "--ledger", d, "--old", old))
    assert "validly cosigned" in flat(run("verify-proof", old, "--policy", d / "authorities.txt"))
    tampered = tmp_path / "t.tlog-proof"
    tampered.write_text(receipt.read_text().replace("index 2", "index 3"))
    assert isinstance(run("verify-proof", tampered, "--ledger", d, ok=False).exception, VerificationError)
    assert isinstance(run("verify-proof", receipt, ok=False).exception, MalformedInput)


def test_verify_names_the_bad_entry(d: Path) -> None:
    run("append", d, "first entry")
    run("append", d, "second entry")
    assert "verified 3 blocks, 2 entries" in flat(run("verify", d))
    record = value(d, "SELECT record FROM entries WHERE seq = 1")
    sql(d, "UPDATE entries SET record = ? WHERE seq = 1", (record.replace(b"second", b"SECOND"),))
    result = run("verify", d, ok=False)
    assert isinstance(result.exception, VerificationError) and result.exception.where == "entry 1"
    through_main = CliRunner().invoke(main, ["ledger", "verify", str(d)])
    assert through_main.exit_code == 2 and "entry 1" in flat(through_main)


def test_sync_and_fork_evidence(d: Path, tmp_path: Path) -> None:
    run("append", d, "a")
    replica = tmp_path / "replica"
    assert "fetched and verified 1 blocks" in flat(run("sync", d, replica))
    assert "up to date" in flat(run("sync", d, replica))
    assert not (replica / "keys").exists()
    run("checkpoint", d)
    assert "copied 1 checkpoints" in flat(run("sync", d, replica))
    run("prove", "inclusion", replica, "0", "-o", tmp_path / "from-replica.tlog-proof")  # no keys: the copied one
    run("verify-proof", tmp_path / "from-replica.tlog-proof", "--policy", d / "authorities.txt")
    run("verify", replica)
    fork = tmp_path / "fork"
    copy_ledger(d, fork)
    run("append", d, "history one")
    run("append", fork, "history two")
    run("sync", fork, replica)
    result = run("sync", d, replica, ok=False)
    assert isinstance(result.exception, ForkDetected)
    evidence = parse_json((replica / "fork-evidence-2.json").read_text())
    assert evidence["height"] == 2 and evidence["source_block"]["hash"] != evidence["destination_block"]["hash"]
    assert CliRunner().invoke(main, ["ledger", "sync", str(d), str(replica)]).exit_code == 3


def test_bad_input_exit_codes(d: Path) -> None:
    result = CliRunner().invoke(main, ["ledger", "append", str(d), "--type", "Not Valid", "x"])
    assert result.exit_code == 4 and "malformed-input" in result.output
    missing_entry = CliRunner().invoke(main, ["ledger", "prove", "inclusion", str(d), "5"])
    assert missing_entry.exit_code == 7


def test_verify_prints_the_numbered_steps(d: Path) -> None:
    out = flat(run("verify", d))
    for step in ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"):
        assert f"✓ {step}" in out
    assert "S9" in out and "not asked" in out
