"""The auditor's trust anchor, read-only handles, the injected clock and the format ids of exported artifacts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _stores import copy_ledger
from click.testing import CliRunner, Result

from zkmed.canonical_json import parse_json
from zkmed.cli.ledger import ledger as ledger_cli
from zkmed.encoding import b64_decode
from zkmed.errors import ForkDetected, LedgerError, MalformedInput, UnsupportedVersion, VerificationError
from zkmed.formats import LEDGER_BLOCK, REGISTRY, peek_json
from zkmed.ledger.audit import TOFU_WARNING, audit_directory, report_json
from zkmed.ledger.authorities import AuthoritySet
from zkmed.ledger.blocks import Block
from zkmed.ledger.checkpoint import POLICY_HEADER, TrustPolicy, cosignature_timestamp
from zkmed.ledger.fork import ForkEvidence, verify_fork_evidence
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.receipt import ConsistencyProof
from zkmed.ledger.summary import summary
from zkmed.ledger.sync import StoreSource, sync, sync_directories

KEYS = [AuthorityKey.from_seed(f"trust.example/authority-{i}", bytes([i]) * 32) for i in range(1, 4)]
OTHER = [AuthorityKey.from_seed(f"trust.example/authority-{i}", bytes([i + 40]) * 32) for i in range(1, 4)]
CONTENT = [("ballot", b"ballot %d" % i) for i in range(5)]
T0 = 1_700_000_000_000


def _build(d: Path, keys: list[AuthorityKey]) -> Path:
    with Ledger.init(d, keys=keys, threshold=2, name="trust.example", clock=lambda: T0) as led:
        for item in CONTENT:
            led.append(*item)
        led.checkpoint()
    return d


def run(*args: object, ok: bool = True) -> Result:
    result = CliRunner().invoke(ledger_cli, [str(a) for a in args], catch_exceptions=True)
    if ok and result.exit_code != 0:
        raise AssertionError(f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}")
    return result


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The real ledger, a look-alike rebuilt with other keys and the same content, and the real policy (held apart)."""
    real = _build(tmp_path / "real", KEYS)
    fake = _build(tmp_path / "fake", OTHER)
    held = tmp_path / "auditor-policy.txt"
    shutil.copy(real / "authorities.txt", held)
    return real, fake, held


# -- the trust anchor ------------------------------------------------------------------------------


def test_a_ledger_rebuilt_with_other_keys_is_rejected_under_the_original_policy(pair: tuple[Path, Path, Path]) -> None:
    real, fake, held = pair
    policy = TrustPolicy.parse(held.read_text())
    assert audit_directory(real, policy=policy).anchored
    with pytest.raises(VerificationError) as info:
        audit_directory(fake, policy=policy)
    assert info.value.where == "the trust policy you gave" and "rebuilt" in info.value.message
    # the look-alike carries its own, consistent policy file: it verifies on its own terms — and says so
    report = audit_directory(fake)
    assert not report.anchored and report.warning == TOFU_WARNING
    assert (fake / "authorities.txt").read_text() != held.read_text()


def test_cli_verify_takes_the_policy_and_warns_loudly_without_one(pair: tuple[Path, Path, Path]) -> None:
    real, fake, held = pair
    anchored = " ".join(run("verify", real, "--policy", held).output.split())
    assert "✓ T1" in anchored and "anchored to your trust policy" in anchored and "WARNING" not in anchored
    rejected = run("verify", fake, "--policy", held, ok=False)
    assert rejected.exit_code == 1 or isinstance(rejected.exception, VerificationError)
    tofu = " ".join(run("verify", fake).output.split())
    assert "WARNING: trust on first use" in tofu and "T1" in tofu and "not asked (no --policy)" in tofu
    doc = parse_json(run("verify", fake, "--json").output)
    assert peek_json(doc).name == "zkmed.ledger.verify-report" and doc["version"] == 1 and doc["ok"] is True
    assert doc["trust"] == {"anchor": "none", "warning": TOFU_WARNING}
    doc = parse_json(run("verify", real, "--json", "--policy", held).output)
    assert doc["trust"] == {"anchor": "policy", "file": str(held)} and "T1" in doc["steps"]
    failed = run("verify", fake, "--json", "--policy", held, ok=False)
    doc = parse_json(failed.output)
    assert doc["ok"] is False and doc["error"]["where"] == "the trust policy you gave"


def test_a_policy_with_other_authorities_or_threshold_is_rejected(pair: tuple[Path, Path, Path]) -> None:
    real, _, held = pair
    good = TrustPolicy.parse(held.read_text())
    for bad in (
        TrustPolicy(good.origin, AuthoritySet(3, good.authorities.authorities)),
        TrustPolicy(good.origin, AuthoritySet.from_keys(OTHER, 2)),
    ):
        with pytest.raises(VerificationError, match="not a set this ledger used"):
            audit_directory(real, policy=bad)


def test_sync_with_a_policy_refuses_the_look_alike_and_writes_nothing(
    pair: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    real, fake, held = pair
    policy = TrustPolicy.parse(held.read_text())
    with pytest.raises(LedgerError, match="not .* of the trust policy"):
        sync_directories(fake, tmp_path / "replica", policy=policy)
    assert not (tmp_path / "replica").exists()
    report = sync_directories(real, tmp_path / "replica", policy=policy)
    assert report.anchored and report.blocks == len(CONTENT)
    with pytest.raises(LedgerError, match="different ledgers"):
        sync_directories(fake, tmp_path / "replica", policy=policy)
    with Ledger.open(tmp_path / "replica", writable=True) as replica, Ledger.open(fake) as source:
        with pytest.raises(VerificationError, match="trust policy"):
            sync(StoreSource(source.store), replica, policy=TrustPolicy.parse((fake / "authorities.txt").read_text()))
    out = " ".join(run("sync", real, tmp_path / "tofu").output.split())
    assert "WARNING: trust on first use" in out
    out = " ".join(run("sync", real, tmp_path / "pinned", "--policy", held).output.split())
    assert "WARNING" not in out
    assert isinstance(run("sync", fake, tmp_path / "pinned2", "--policy", held, ok=False).exception, LedgerError)
    assert not (tmp_path / "pinned2").exists()


# -- read-only unless asked, clock injected ------------------------------------------------------------


def test_open_loads_no_secret_keys_unless_asked(pair: tuple[Path, Path, Path]) -> None:
    real, _, _ = pair
    key_file = next((real / "keys").iterdir())
    key_file.chmod(0o644)  # a key file signing=True would refuse: a read-only open never reads it
    with Ledger.open(real) as led:
        assert led.keys == [] and led.readonly and led.size == len(CONTENT)
        with pytest.raises(LedgerError, match="signing=True"):
            led.append("ballot", b"x")
        with pytest.raises(LedgerError, match="signing=True"):
            led.checkpoint()
        assert led.prove_inclusion(0).index == 0  # a stored checkpoint covers it: no key needed
    with pytest.raises(LedgerError, match="readable by others"):
        Ledger.open(real, signing=True)
    key_file.chmod(0o600)
    with Ledger.open(real, signing=True) as led:
        assert len(led.keys) == 3 and not led.readonly
    with Ledger.open(real, keys=KEYS[:2]) as led:
        assert led.append("ballot", b"y").sealed
    with pytest.raises(MalformedInput):
        Ledger.open(real, signing=True, keys=KEYS)
    with pytest.raises(MalformedInput):
        Ledger.open(real, keys=KEYS, writable=False)


def test_the_clock_is_injected_into_blocks_and_cosignatures(tmp_path: Path) -> None:
    now = [T0 + 123_456]
    with Ledger.init(tmp_path / "l", keys=KEYS, threshold=2, clock=lambda: now[0]) as led:
        led.append("ballot", b"a")
        assert led.block(1).time_ms == T0 + 123_456
        now[0] = T0 + 9_999_999
        cp = led.checkpoint()
    assert {cosignature_timestamp(s) for s in cp.note.signatures} == {(T0 + 9_999_999) // 1000}


# -- format ids on everything that leaves the ledger ----------------------------------------------------


def test_every_ledger_format_is_registered_in_the_ledger_range() -> None:
    ours = [f for f in REGISTRY.values() if f.name.startswith("zkmed.ledger.")]
    assert len(ours) >= 9 and all(0x0300 <= f.code <= 0x03FF for f in ours)
    assert all(f.owner.startswith("zkmed.ledger.") for f in ours)


def test_show_and_consistency_documents_carry_type_and_version(pair: tuple[Path, Path, Path]) -> None:
    real, _, held = pair
    doc = parse_json(run("show", real, "--json").output)
    assert (doc["type"], doc["version"]) == ("zkmed.ledger.show", 1) and doc["entries"] == len(CONTENT)
    with Ledger.open(real) as led:
        assert summary(led, 2)["recent_entries"][0]["seq"] == len(CONTENT) - 2
        with pytest.raises(MalformedInput):
            summary(led, -1)
        with pytest.raises(LedgerError, match="no keys"):
            led.prove_consistency(2)  # read-only: no checkpoint at size 2 is stored, none can be issued
    with Ledger.open(real, signing=True) as led:
        proof = led.prove_consistency(2)
    text = proof.format()
    doc = parse_json(text)
    assert (doc["type"], doc["version"]) == ("zkmed.ledger.consistency-proof", 1)
    assert ConsistencyProof.parse(text) == proof
    with pytest.raises(UnsupportedVersion):
        ConsistencyProof.parse(text.replace('"version":1', '"version":2'))
    assert POLICY_HEADER == "zkmed.ledger.trust-policy v1" and held.read_text().startswith(POLICY_HEADER)
    with pytest.raises(UnsupportedVersion):
        TrustPolicy.parse(held.read_text().replace(" v1", " v2", 1))
    with pytest.raises(MalformedInput):
        TrustPolicy.parse(held.read_text().replace("zkmed.ledger.trust-policy v1", "zkmed-ledger-trust-policy v1"))


def test_fork_evidence_is_a_typed_document_anyone_can_check(tmp_path: Path) -> None:
    src = _build(tmp_path / "src", KEYS)
    replica = tmp_path / "replica"
    sync_directories(src, replica)
    fork = tmp_path / "fork"
    copy_ledger(src, fork)
    with Ledger.open(src, signing=True) as a, Ledger.open(fork, signing=True) as b:
        a.append("ballot", b"history one")
        b.append("ballot", b"history two")
    sync_directories(fork, replica)
    with pytest.raises(ForkDetected, match="evidence .* written to"):
        sync_directories(src, replica)
    path = replica / f"fork-evidence-{len(CONTENT) + 1}.json"
    doc = parse_json(path.read_text())
    assert (doc["type"], doc["version"]) == ("zkmed.ledger.fork-evidence", 1)
    assert b64_decode(doc["source_block"]["block"])[:5] == LEDGER_BLOCK.header
    evidence = ForkEvidence.parse(path.read_text())
    policy = TrustPolicy.parse((src / "authorities.txt").read_text())
    verify_fork_evidence(evidence, policy)
    out = " ".join(run("verify-proof", path, "--policy", src / "authorities.txt").output.split())
    assert "fork proven" in out
    same = ForkEvidence(evidence.origin, evidence.height, evidence.source, evidence.source)
    with pytest.raises(VerificationError, match="no fork"):
        verify_fork_evidence(same, policy)
    with pytest.raises(VerificationError):
        verify_fork_evidence(evidence, TrustPolicy(policy.origin, AuthoritySet.from_keys(OTHER, 2)))
    with pytest.raises(UnsupportedVersion):
        ForkEvidence.parse(path.read_text().replace('"version":1', '"version":3'))
    assert Block.from_export(evidence.source.export()) == evidence.source


def test_report_json_without_a_report_names_the_error() -> None:
    doc = report_json(None, error=VerificationError("bad", where="block 3"))
    assert doc["ok"] is False and doc["error"] == {"code": "verification-failed", "message": "bad", "where": "block 3"}
    assert doc["trust"]["anchor"] == "none"
