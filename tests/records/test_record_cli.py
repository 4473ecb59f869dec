"""``zkmed record issuer-init|holder-init|issue|attributes|present|verify`` and ``zkmed circuits`` via CliRunner."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner
from records_support import ESTRELLA

from zkmed.cli.main import main
from zkmed.ledger import Ledger
from zkmed.records.access import list_access
from zkmed.records.consent import grant_consent, revoke_consent
from zkmed.records.keys import HolderKey, read_public_key

ISSUE = ["--prove", "Observation[4548-4].value < 7.0 %", "--prove", "age >= 18",
         "--prove", "Condition.code in {44054006, 15777000}"]  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    assert run("record", "issuer-init", d / "iss").exit_code == 0
    assert run("record", "holder-init", d / "hol").exit_code == 0
    r = run("record", "issue", ESTRELLA, "--issuer", d / "iss", "--holder", d / "hol" / "holder.pub", "-o", d / "cred")
    assert r.exit_code == 0, r.output
    return d


def test_keys_and_credential_are_private(setup):
    for path in (setup / "iss" / "issuer.key", setup / "hol" / "holder.key", setup / "cred"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert run("record", "issuer-init", setup / "iss").exit_code == 4  # never overwritten


def test_attributes(setup):
    r = run("record", "attributes", setup / "cred", "--json")
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert doc["type"] == "zkmed.records.attributes"
    hba1c = next(a for a in doc["attributes"] if a["name"] == "Observation[4548-4].value")
    assert (hba1c["value"], hba1c["unit"]) == ("6.1", "%")
    assert "Observation[4548-4].value" in run("record", "attributes", setup / "cred").output


def test_present_verify_exit_codes(setup):
    d = setup
    base = ["record", "present", d / "cred", "--holder", d / "hol", "--nonce", "N1", "--audience", "clinic"]
    r = run(*base, "--reveal", "Patient.gender", *ISSUE, "-o", d / "pres")
    assert r.exit_code == 0, r.output
    verify = ["record", "verify", d / "pres", "--issuer", d / "iss" / "issuer.pub"]
    assert run(*verify, "--nonce", "N1", "--audience", "clinic").exit_code == 0
    r = run(*verify, "--nonce", "N1", "--audience", "clinic", "--json")
    doc = json.loads(r.output)
    assert doc["valid"] and doc["revealed"][0]["value"] == "female"
    assert [p["result"] for p in doc["predicates"]] == ["verified"] * 3
    r = run(*verify, "--nonce", "N2", "--audience", "clinic", "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["valid"] is False
    assert run(*verify, "--nonce", "N1", "--audience", "other").exit_code == 2
    run("record", "issuer-init", d / "iss2")
    assert (
        run("record", "verify", d / "pres", "--issuer", d / "iss2", "--nonce", "N1", "--audience", "clinic").exit_code
        == 2
    )
    r = run(*base, "--prove", "Observation[4548-4].value < 6.0 %", "-o", d / "p2")
    assert r.exit_code == 5 and "refusing to prove" in r.stderr
    r = run(*base, "--prove", "Observation[4548-4].value < 6.0 mg/dL", "-o", d / "p2")
    assert r.exit_code == 4 and "mg/dL" in r.stderr
    r = run(*base, "--prove", "Observation[1-1].value < 6.0 mg/dL", "-o", d / "p2")
    assert r.exit_code == 5 and "no result for LOINC 1-1" in r.stderr
    assert run(*base, "--prove", "Observation[4548-4].value ~ 6", "-o", d / "p2").exit_code == 4
    assert run(*base, "--prove", "no-such-policy", "-o", d / "p2").exit_code == 4
    assert run(*base, "--reveal", "Patient gender", "-o", d / "p2").exit_code == 4
    assert run(*base, "--reveal", "Patient.address", "-o", d / "p2").exit_code == 5  # a name this credential lacks
    assert not (d / "p2").exists()
    r = run(*base, "--prove", "adult", "--prove", "hba1c-controlled", "--prove", "diabetes-dx", "-o", d / "p3")
    assert r.exit_code == 0
    r = run("record", "verify", d / "p3", "--issuer", d / "iss", "--nonce", "N1", "--audience", "clinic", "--json")
    assert [p["result"] for p in json.loads(r.output)["policies"]] == ["verified"] * 3
    assert "6.1" not in (d / "p3").read_text()


def test_circuits_list_and_show():
    r = run("circuits", "list", "--json")
    names = [i["name"] for i in json.loads(r.output)["items"]]
    assert {"adult", "hba1c-controlled", "diabetes-dx", "membership.one_of"} <= set(names)
    r = run("circuits", "show", "hba1c-controlled")
    assert r.exit_code == 0 and "Observation[4548-4].value < 7.0 %" in r.output
    assert run("circuits", "show", "nope").exit_code == 4


def test_verify_with_ledger_consent_and_audit(setup, tmp_path):
    d = setup
    t0 = 1_800_000_000_000
    board = Ledger.init(tmp_path / "board", authorities=1, threshold=1, clock=lambda: t0)
    holder = HolderKey.load(d / "hol")
    base = ["record", "present", d / "cred", "--holder", d / "hol", "--nonce", "N7", "--audience", "clinic"]
    assert run(*base, "--reveal", "Patient.gender", "--prove", "adult", "-o", d / "p7").exit_code == 0
    verify = ["record", "verify", d / "p7", "--issuer", d / "iss", "--nonce", "N7", "--audience", "clinic",
              "--ledger", tmp_path / "board"]  # fmt: skip
    board.close()
    r = run(*verify)
    assert r.exit_code == 2 and "no active consent grant" in r.stderr  # no grant yet
    board = Ledger.open(tmp_path / "board", signing=True)
    grant = grant_consent(
        board, holder, grantee="clinic", attributes=["Patient.gender", "Patient.birthDate"], policies=["adult"],
        issued_ms=board.clock(), end_ms=board.clock() + 10**12,
    )  # fmt: skip
    board.close()
    r = run(*verify, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["consent"] == grant.id
    board = Ledger.open(tmp_path / "board", signing=True)
    events = list_access(board, patient=read_public_key(d / "hol", "holder"))
    assert [e.outcome for e in events] == ["denied", "success"]
    payloads = b"".join(board.entry(e.seq).payload for e in events if e.seq is not None)
    assert b"female" not in payloads and b"1969" not in payloads
    revoke_consent(board, holder, grant.id)
    board.close()
    assert run(*verify).exit_code == 2
