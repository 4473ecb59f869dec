"""``zkmed consent grant|revoke|list`` and ``zkmed record audit|hpke-init|share|open`` through click's CliRunner."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkmed.cli.main import main
from zkmed.ledger import Ledger
from zkmed.records.keys import HolderKey

BUNDLE = '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"Ñandú"}]}}]}'


def run(*args: str | Path, code: int = 0) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (args, result.output, result.stderr)
    if code:
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error ")
    return result


def js(result: Result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    Ledger.init(tmp_path / "board", authorities=1, threshold=1).close()
    HolderKey.generate().save(tmp_path / "alice")
    run("record", "hpke-init", tmp_path / "hospital")
    (tmp_path / "bundle.json").write_text(BUNDLE, encoding="utf-8")
    return tmp_path


def test_grant_list_revoke(world: Path) -> None:
    b, alice = world / "board", world / "alice"
    out = run("consent", "grant", b, "--holder", alice, "--grantee", "clinic", "--attribute", "Patient.gender",
              "--policy", "adult", "--expires", "30d", "--json")  # fmt: skip
    doc = js(out)
    assert doc["type"] == "zkmed.records.consent-list" and doc["grants"][0]["state"] == "active"
    gid = doc["grants"][0]["id"]
    assert "consent permit granted" in run("consent", "grant", b, "--holder", alice, "--grantee", "lab",
                                           "--policy", "adult", "--expires", "2099-01-01").stdout  # fmt: skip
    listed = js(run("consent", "list", b, "--json"))["grants"]
    assert [g["grant"]["consent"]["provision"]["actor"][0]["reference"]["identifier"]["value"] for g in listed] == [
        "clinic",
        "lab",
    ]
    assert len(js(run("consent", "list", b, "--grantee", "lab", "--json"))["grants"]) == 1
    assert len(js(run("consent", "list", b, "--patient", alice / "holder.pub", "--json"))["grants"]) == 2
    assert "2 consent grant(s)" in run("consent", "list", b).stdout
    revoked = js(run("consent", "revoke", b, gid[:10], "--holder", alice, "--json"))
    assert revoked["grants"][0]["state"] == "revoked" and revoked["grants"][0]["revoked"]
    run("consent", "revoke", b, gid, "--holder", alice, code=4)  # already revoked


@pytest.mark.parametrize(
    "extra, code",
    [
        (["--expires", "soon"], 4),
        (["--expires", "2027-02-30"], 4),
        (["--expires", "30d", "--purpose", "SELL"], 4),
        (["--expires", "30d", "--attribute", "age >= 18"], 4),
        (["--expires", "30d", "--full-record"], 4),
        (["--expires", "30d", "--starts", "60d"], 4),
    ],
)
def test_bad_grants_exit_4_and_leave_the_ledger_unchanged(world: Path, extra: list[str], code: int) -> None:
    run("consent", "grant", world / "board", "--holder", world / "alice", "--grantee", "clinic",
        "--policy", "adult", *extra, code=code)  # fmt: skip
    assert js(run("consent", "list", world / "board", "--json"))["grants"] == []


def test_share_open_audit(world: Path) -> None:
    b, alice, hospital = world / "board", world / "alice", world / "hospital"
    doc = js(run("consent", "grant", b, "--holder", alice, "--grantee", "hospital", "--full-record",
                 "--recipient", hospital / "hpke.pub", "--expires", "1w", "--purpose", "TREAT", "--json"))  # fmt: skip
    gid = doc["grants"][0]["id"]
    report = js(run("record", "share", b, world / "bundle.json", "--holder", alice, "--grant", gid, "-o",
                    world / "shared.zk", "--json"))  # fmt: skip
    assert report["action"] == "share" and report["grantee"] == "hospital"
    assert "Ñandú".encode() not in (world / "shared.zk").read_bytes()
    (world / "out.json").write_text("old")
    os.chmod(world / "out.json", 0o644)
    opened = js(run("record", "open", b, world / "shared.zk", "--hpke", hospital, "-o", world / "out.json", "--json"))
    assert (world / "out.json").read_text(encoding="utf-8") == BUNDLE
    assert stat.S_IMODE(os.stat(world / "out.json").st_mode) == 0o600
    assert opened["record_sha256"] == report["record_sha256"] and opened["access_seq"] is not None
    audit = js(run("record", "audit", b, "--json"))
    assert audit["type"] == "zkmed.records.access-list" and audit["events"][0]["event"]["outcome"] == "0"
    assert "hospital" in run("record", "audit", b, "--grantee", "hospital").stdout
    # a tampered file: exit 2, no output file
    data = bytearray((world / "shared.zk").read_bytes())
    data[-1] ^= 1
    (world / "bad.zk").write_bytes(bytes(data))
    run("record", "open", b, world / "bad.zk", "--hpke", hospital, "-o", world / "bad.json", code=2)
    assert not (world / "bad.json").exists()
    # another grantee's key: exit 2
    run("record", "hpke-init", world / "eve")
    run("record", "open", b, world / "shared.zk", "--hpke", world / "eve", "-o", world / "eve.json", code=2)
    assert not (world / "eve.json").exists()
    # revoked: exit 2, audited as denied
    run("consent", "revoke", b, gid, "--holder", alice)
    run("record", "open", b, world / "shared.zk", "--hpke", hospital, "-o", world / "late.json", code=2)
    assert not (world / "late.json").exists()
    assert [e["event"]["outcome"] for e in js(run("record", "audit", b, "--json"))["events"]] == ["0", "4"]
    run("record", "share", b, world / "bundle.json", "--holder", alice, "--grant", gid, "-o", world / "s2", code=2)
    assert not (world / "s2").exists()


def test_hpke_init_refuses_to_overwrite(world: Path) -> None:
    run("record", "hpke-init", world / "hospital", code=4)
    assert stat.S_IMODE(os.stat(world / "hospital" / "hpke.key").st_mode) == 0o600


def test_read_only_board_and_missing_files(world: Path) -> None:
    run("consent", "list", world / "nowhere", code=7)
    run("record", "audit", world / "nowhere", code=7)
    run("consent", "grant", world / "board", "--holder", world / "nobody", "--grantee", "x", "--policy", "adult",
        "--expires", "1d", code=4)  # fmt: skip
    run(
        "record", "open", world / "board", world / "missing.zk", "--hpke", world / "hospital", "-o", world / "o", code=4
    )
    assert not (world / "o").exists()
