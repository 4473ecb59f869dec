"""Both shared records verify; tampered copies are rejected, each naming the step (issue 12)."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from eg_support import BALLOTS, RECORDS, dump, load

from zkmed.electionguard import Report, check_record, verify_record
from zkmed.errors import VerificationError
from zkmed.hazmat.groups.modp_gmpy2 import EG_G, EG_P, EG_Q

CAST_BALLOT = "eballot-id-10.json"  # CAST, contests 4, 5, 6, 7, …
OTHER_CAST = "eballot-id-12.json"  # CAST, same ballot style
CHALLENGED = ("eballot-id-11.json", "dballot-id-11.json")


def times_g(text: str) -> str:
    """Another subgroup element: the decoded value times g (so the change is in the bytes, not the padding)."""
    x = int.from_bytes(base64.b64decode(text), "big") * EG_G % EG_P
    return base64.b64encode(x.to_bytes(512, "big")).decode()


def failing(report: Report) -> set[str]:
    return {s.step for s in report.failed}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_shared_records_verify(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert report.ok, [f.line() for s in report.failed for f in s.failures]
    assert report.ballots == 42 and report.cast == (32 if name == "allAvailable" else 31)
    statuses = {s.step: s.status for s in report.steps}
    assert statuses.pop("V11") == "not-present" and statuses.pop("V15-18") == "not-present"
    assert set(statuses.values()) == {"pass"}
    assert report.step("V5").checked > 400 and report.step("V12").checked > 100 and report.step("V14").checked > 50
    doc = report.to_json()
    assert doc["type"] == "zkmed.electionguard.verify-report" and doc["version"] == 1 and doc["ok"] is True


def test_tally_count_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record()
    tally = load(rec / "tally.json")
    tally["contests"][0]["selections"][0]["tally"] += 1
    dump(rec / "tally.json", tally)
    report = check_record(rec, steps={"V9", "V10"})
    assert failing(report) == {"V10"}
    assert "10.A" in report.step("V10").failures[0].reason


def test_manifest_byte_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    raw = (rec / "manifest.json").read_bytes()
    (rec / "manifest.json").write_bytes(raw.replace(b"TestManifest", b"TestManifesT", 1))
    report = check_record(rec, steps={"V1", "V4"})
    assert failing(report) == {"V1", "V4"}  # H_M, hence H_B and H_E, change
    assert report.step("V1").failures[0].object == "manifest_hash"


def test_ballot_ciphertext_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    path = rec / BALLOTS / CAST_BALLOT
    ballot = load(path)
    vote = ballot["contests"][0]["selections"][0]["encrypted_vote"]
    vote["pad"] = times_g(vote["pad"])
    dump(path, ballot)
    report = check_record(rec, steps={"V5", "V6", "V7"})
    assert failing(report) == {"V5", "V6", "V7"}
    assert "selection7" in report.step("V5").failures[0].object


def test_cast_ballot_removed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record()
    (rec / BALLOTS / CAST_BALLOT).unlink()
    report = check_record(rec, steps={"V8"})
    assert failing(report) == {"V8"}
    assert any("cast_ballot_ids" in f.object for f in report.step("V8").failures)


def test_ballot_duplicated_under_another_name(copy_record: Callable[..., Path]) -> None:
    rec = copy_record()
    shutil.copy(rec / BALLOTS / CAST_BALLOT, rec / BALLOTS / "eballot-id-10-copy.json")
    report = check_record(rec, steps={"V7", "V8"})
    assert failing(report) == {"V7", "V8"}
    reasons = " ".join(f.reason for f in report.step("V7").failures)
    assert "ballot id used by 2 ballots" in reasons and "duplicate confirmation code" in reasons


def test_guardian_proof_response_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    init = load(rec / "election_initialized.json")
    proof = init["guardians"][1]["coefficient_proofs"][2]
    v = int.from_bytes(base64.b64decode(proof["response"]), "big")
    proof["response"] = base64.b64encode(((v + 1) % (2**256 - 189)).to_bytes(32, "big")).decode()
    dump(rec / "election_initialized.json", init)
    report = check_record(rec, steps={"V2"})
    assert failing(report) == {"V2"}
    assert report.step("V2").failures[0].object == "guardian 2 coefficient 2"


def test_joint_key_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    init = load(rec / "election_initialized.json")
    init["joint_public_key"] = times_g(init["joint_public_key"])
    dump(rec / "election_initialized.json", init)
    report = check_record(rec, steps={"V3", "V4"})
    assert failing(report) == {"V3", "V4"}


def test_confirmation_code_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    path = rec / BALLOTS / CAST_BALLOT
    ballot = load(path)
    code = bytearray(base64.b64decode(ballot["confirmation_code"]))
    code[0] ^= 1
    ballot["confirmation_code"] = base64.b64encode(bytes(code)).decode()
    dump(path, ballot)
    report = check_record(rec, steps={"V7"})
    assert failing(report) == {"V7"}
    assert "7.B" in report.step("V7").failures[0].reason


def test_selection_proofs_swapped(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    path = rec / BALLOTS / CAST_BALLOT
    ballot = load(path)
    s0, s1 = ballot["contests"][0]["selections"][:2]
    s0["proof"], s1["proof"] = s1["proof"], s0["proof"]
    dump(path, ballot)
    report = check_record(rec, steps={"V5"})
    assert failing(report) == {"V5"}
    assert len(report.step("V5").failures) == 2


def test_contest_proof_copied_from_another_ballot(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT, OTHER_CAST], keep_challenged=[])
    target, source = load(rec / BALLOTS / CAST_BALLOT), load(rec / BALLOTS / OTHER_CAST)
    assert target["contests"][0]["contest_id"] == source["contests"][0]["contest_id"]
    target["contests"][0]["proof"] = source["contests"][0]["proof"]
    dump(rec / BALLOTS / CAST_BALLOT, target)
    report = check_record(rec, steps={"V6"})
    assert failing(report) == {"V6"}
    assert report.step("V6").failures[0].object == "ballot id-10 contest contest4"


def test_encrypted_tally_ciphertext_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record()
    tally = load(rec / "encrypted_tally.json")
    vote = tally["contests"][2]["selections"][0]["encrypted_vote"]
    vote["data"] = times_g(vote["data"])
    dump(rec / "encrypted_tally.json", tally)
    report = check_record(rec, steps={"V8", "V9"})
    assert failing(report) == {"V8", "V9"}


def test_generator_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    constants = load(rec / "constants.json")
    constants["constants"]["generator"] = format(EG_G * EG_G % EG_P, "x")
    dump(rec / "constants.json", constants)
    report = check_record(rec, steps={"V1"})
    assert failing(report) == {"V1"}
    assert report.step("V1").failures[0].object == "generator"


def test_challenged_ballot_value_changed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CHALLENGED[0]], keep_challenged=[CHALLENGED[1]])
    path = rec / "challenged_ballots" / CHALLENGED[1]
    dballot = load(path)
    dballot["contests"][0]["selections"][0]["tally"] ^= 1
    dump(path, dballot)
    report = check_record(rec, steps={"V12", "V13", "V14"})
    assert failing(report) == {"V13"}
    assert "13.A" in report.step("V13").failures[0].reason


def test_challenged_ballot_substituted_ciphertext(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CHALLENGED[0]], keep_challenged=[CHALLENGED[1]])
    path = rec / "challenged_ballots" / CHALLENGED[1]
    dballot = load(path)
    vote = dballot["contests"][0]["selections"][0]["encrypted_vote"]
    vote["pad"] = times_g(vote["pad"])
    dump(path, dballot)
    report = check_record(rec, steps={"V12"})
    assert failing(report) == {"V12"}
    assert {"12.B" in f.reason or "differ" in f.reason for f in report.step("V12").failures} == {True}


def test_verify_record_raises_naming_the_step(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    constants = load(rec / "constants.json")
    constants["protocolVersion"] = "v2.1.0"
    dump(rec / "constants.json", constants)
    with pytest.raises(VerificationError, match="V1 Parameter validation"):
        verify_record(rec)


def test_report_json_lists_failures(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    ballot["contests"][1]["contest_hash"] = ballot["contests"][0]["contest_hash"]
    dump(rec / BALLOTS / CAST_BALLOT, ballot)
    doc = check_record(rec, steps={"V7"}).to_json()
    json.dumps(doc)
    v7 = next(s for s in doc["steps"] if s["step"] == "V7")
    assert v7["status"] == "fail" and v7["failure_count"] >= 1 and doc["ok"] is False
    assert v7["failures"][0]["file"].endswith(CAST_BALLOT)


def test_tally_option_without_decryption(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    tally = load(rec / "tally.json")
    del tally["contests"][1]["selections"][0]
    dump(rec / "tally.json", tally)
    report = check_record(rec, steps={"V9", "V10"})
    assert failing(report) == {"V9", "V10"}  # no decryption (V9); a manifest option missing (10.D)


def test_challenged_ballot_proofs_are_checked_too(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CHALLENGED[0]], keep_challenged=[CHALLENGED[1]])
    path = rec / BALLOTS / CHALLENGED[0]
    ballot = load(path)
    assert ballot["state"] == "CHALLENGED"
    s0, s1 = ballot["contests"][0]["selections"][:2]
    s0["proof"], s1["proof"] = s1["proof"], s0["proof"]
    dump(path, ballot)
    report = check_record(rec, steps={"V5"})
    assert failing(report) == {"V5"} and len(report.step("V5").failures) == 2


def test_the_report_does_not_depend_on_the_number_of_jobs(copy_record: Callable[..., Path]) -> None:
    """Failures in several ballot files, checked in 2-file work units on 2 processes or in one batch: equal reports."""
    rec = copy_record()
    names = sorted(p.name for p in (rec / BALLOTS).glob("*.json"))[:5]
    for name in names:  # a wrong ciphertext in five ballots (V5, V6, V7 fail for each)
        ballot = load(rec / BALLOTS / name)
        vote = ballot["contests"][0]["selections"][0]["encrypted_vote"]
        vote["pad"] = times_g(vote["pad"])
        dump(rec / BALLOTS / name, ballot)
    steps = {"V5", "V6", "V7"}
    one, two = check_record(rec, jobs=1, steps=steps), check_record(rec, jobs=2, steps=steps)
    lines = [[f.line() for f in one.step(s).failures] for s in sorted(steps)]
    assert lines == [[f.line() for f in two.step(s).failures] for s in sorted(steps)]
    assert len(lines[0]) == 5 and [line.split()[0] for line in lines[0]] == [f"{BALLOTS}/{n}" for n in names]


def test_challenged_decryptions_reuse_the_chains_of_verification_5(
    copy_record: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A challenged ballot's encrypted and decrypted files share a work unit: Verification 12 computes ``b`` from the
    chains Verification 5 built (``A^v·B^c·K^(-σc)``).  Every such call gives the verdict of the general formula, and
    a changed decryption-proof response is caught on that path, naming the selection."""
    from zkmed.electionguard import ballots

    rec = copy_record(keep_ballots=[CHALLENGED[0]], keep_challenged=[CHALLENGED[1]])
    path = rec / "challenged_ballots" / CHALLENGED[1]
    dballot = load(path)
    target = dballot["contests"][1]["selections"][0]
    response = int.from_bytes(base64.b64decode(target["proof"]["response"]), "big")
    target["proof"]["response"] = base64.b64encode(((response + 1) % EG_Q).to_bytes(32, "big")).decode()
    dump(path, dballot)
    general = ballots.check_decryption
    reused: list[bool] = []

    def both_ways(*args: object) -> bool:
        verdict = general(*args)  # type: ignore[arg-type]
        if len(args) == 8 and args[7] is not None:
            assert general(*args[:7]) == verdict  # type: ignore[arg-type]
            reused.append(verdict)
        return verdict

    monkeypatch.setattr(ballots, "check_decryption", both_ways)
    report = check_record(rec, jobs=1, steps={"V5", "V12"})
    assert failing(report) == {"V12"}
    (failure,) = report.step("V12").failures
    assert failure.object.endswith(f"contest {dballot['contests'][1]['contest_id']} selection {target['selection_id']}")
    assert len(reused) == report.step("V12").checked and reused.count(False) == 1
