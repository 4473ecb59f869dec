"""The election on its ledger (E2): the full flow, the verifier's steps, a dishonest authority, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from e2_support import Election, make_election, resign

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.cli.main import main
from zkmed.elections import check_ballot_submission, verify_election, workflow
from zkmed.elections.ceremony_keys import TrusteeShare
from zkmed.errors import LedgerError, VerificationError

CHOICES = [
    {"mayor": {"alice": 1}, "council": {"bob": 1, "carol": 1}},
    {"mayor": {"bob": 1}, "council": {"dave": 1}},
    {"mayor": {"alice": 1}},
]


@pytest.fixture(scope="module")
def voted(tmp_path_factory: pytest.TempPathFactory) -> Election:
    """Three ballots (voter 3 revotes), one challenged; not yet tallied."""
    e = make_election(tmp_path_factory.mktemp("voted"))
    with e.open() as led:
        for i, choice in enumerate(CHOICES):
            workflow.cast_vote(led, e.voters[i], choice)
        workflow.cast_vote(led, e.voters[2], {"mayor": {"carol": 1}}, challenge=True)
        workflow.cast_vote(led, e.voters[2], {"mayor": {"carol": 1}})  # the latest counts
    return e


@pytest.fixture(scope="module")
def finished(voted: Election, tmp_path_factory: pytest.TempPathFactory) -> Election:
    e = voted.copy(tmp_path_factory.mktemp("finished") / "e")
    with e.open() as led:
        workflow.post_tally(led)
        for path in e.trustees[1:]:
            workflow.trustee_decrypt(led, TrusteeShare.load(path))
        workflow.publish_result(led)
    return e


def _verify(e: Election, batch: bool = True):  # type: ignore[no-untyped-def]
    with e.open(False) as led:
        return verify_election(led, batch=batch)


def _failure(e: Election, batch: bool = True) -> tuple[int, int | None, str]:
    report = _verify(e, batch)
    failed = report.failed()
    assert failed is not None and not report.ok, "the verifier accepted a bad election"
    return failed.number, failed.entry, failed.detail


def test_full_flow_result_and_every_step_passes(finished: Election) -> None:
    with finished.open(False) as led:
        res = workflow.result(led)
    assert res["contests"] == {
        "mayor": {"alice": 1, "bob": 1, "carol": 1},
        "council": {"bob": 1, "carol": 1, "dave": 1},
    }
    assert res["trustees"] == [2, 3]
    for batch in (True, False):
        report = _verify(finished, batch)
        assert report.ok and all(s.status == "passed" for s in report.steps)
        assert report.ballots == 5 and report.counted == 3


def test_verify_works_before_the_tally(voted: Election) -> None:
    report = _verify(voted)
    assert report.ok
    assert [s.status for s in report.steps[8:]] == ["pending"] * 3


def _append(e: Election, entry_type: str, payload: bytes) -> int:
    with e.open() as led:
        return led.append(entry_type, payload, seal=True).first_seq


def test_ballot_id_posted_twice(voted: Election, tmp_path: Path) -> None:
    e = voted.copy(tmp_path / "e")
    with e.open(False) as led:
        first = next(led.entry(i) for i in range(led.size) if led.entry(i).type == "election.ballot")
    with e.open(False) as led, pytest.raises(VerificationError, match="step 7"):
        check_ballot_submission(led, first.payload)  # the serve hook refuses the replay before it is appended
    at = _append(e, "election.ballot", first.payload)
    assert _failure(e)[:2] == (7, at)


def test_ballot_from_an_unregistered_credential_or_bad_signature(voted: Election, tmp_path: Path) -> None:
    from zkmed.elections.ballot import encrypt_ballot
    from zkmed.elections.credentials import VoterCredential

    e = voted.copy(tmp_path / "e")
    stranger = VoterCredential.generate("town-2026")
    payload = encrypt_ballot(e.context(), stranger, CHOICES[0]).payload
    at = _append(e, "election.ballot", payload)
    assert _failure(e)[:2] == (5, at)
    e2 = voted.copy(tmp_path / "e2")
    payload = encrypt_ballot(e2.context(), e2.voters[3], CHOICES[0]).payload
    forged = resign(payload, stranger)  # names voter 4's credential, signed by someone else
    at = _append(e2, "election.ballot", forged)
    assert _failure(e2)[:2] == (5, at)
    with e2.open(False) as led, pytest.raises(VerificationError):
        check_ballot_submission(led, forged)


def test_bad_proof_named_batch_and_one_by_one(voted: Election, tmp_path: Path) -> None:
    from zkmed.elections.ballot import encrypt_ballot
    from zkmed.encoding import b64_decode, b64_encode

    e = voted.copy(tmp_path / "e")
    payload = encrypt_ballot(e.context(), e.voters[3], CHOICES[0]).payload
    with e.open(False) as led:
        check_ballot_submission(led, payload)

    def flip(obj: dict) -> None:
        proof = bytearray(b64_decode(obj["contests"][1]["selections"][2]["proof"]))
        proof[-1] ^= 1
        obj["contests"][1]["selections"][2]["proof"] = b64_encode(bytes(proof))

    bad = resign(payload, e.voters[3], flip)
    with e.open(False) as led, pytest.raises(VerificationError, match="council option dave"):
        check_ballot_submission(led, bad)
    at = _append(e, "election.ballot", bad)
    for batch in (True, False):
        number, entry, detail = _failure(e, batch)
        assert (number, entry) == (6, at) and "council option dave" in detail


def test_second_counted_ballot_from_one_credential(voted: Election, tmp_path: Path) -> None:
    """A tally counting both of a credential's ballots (the revote rule counts one) is caught."""
    from zkmed.elections.ballot import parse_ballot, parse_spoil
    from zkmed.elections.board import collect_board
    from zkmed.elections.tally import compute_tally

    e = voted.copy(tmp_path / "e")
    ctx = e.context()
    with e.open(False) as led:
        board = collect_board(led)
    spoiled = {parse_spoil(ctx, p.payload).ballot_id for p in board.spoils}
    ballots = [parse_ballot(ctx, p.payload) for p in board.ballots]
    every = [(b.ballot_id, [c.ciphertexts for c in b.contests]) for b in ballots if b.ballot_id not in spoiled]
    at = _append(e, "election.tally", compute_tally(ctx, every).to_payload(ctx))
    assert _failure(e)[:2] == (9, at)


def test_wrong_partial_decryption_and_wrong_result(finished: Election, tmp_path: Path) -> None:
    e = finished.copy(tmp_path / "e")
    with e.open(False) as led:
        entries = [led.entry(i) for i in range(led.size)]
    partial = next(x for x in entries if x.type == "election.partial-decryption")
    obj = parse_json(partial.payload)
    obj["shares"][0], obj["shares"][1] = obj["shares"][1], obj["shares"][0]
    at = _append(e, "election.partial-decryption", canonical_json(obj))
    assert _failure(e)[:2] == (10, at)

    result = next(x for x in entries if x.type == "election.result")
    obj = parse_json(result.payload)
    obj["contests"]["mayor"]["alice"] += 1
    e3 = finished.copy(tmp_path / "e3")  # a second, altered result appended by an authority
    at = _append(e3, "election.result", canonical_json(obj))
    assert _failure(e3)[:2] == (11, at)


def test_result_differing_from_the_decryption(voted: Election, tmp_path: Path) -> None:
    e = voted.copy(tmp_path / "e")
    with e.open() as led:
        workflow.post_tally(led)
        for path in e.trustees[:2]:
            workflow.trustee_decrypt(led, TrusteeShare.load(path))
        real = workflow.result(led)
    real["contests"]["mayor"]["bob"] += 1
    at = _append(e, "election.result", canonical_json(real))
    assert _failure(e)[:2] == (11, at)
    with e.open() as led, pytest.raises(LedgerError):
        workflow.post_tally(led)


def test_cli_flow_and_dishonest_authority(tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        out = runner.invoke(main, list(args), catch_exceptions=False)
        assert out.exit_code == code, out.output
        return out.output

    from e2_support import MANIFEST

    board, keys, manifest = tmp_path / "BOARD", tmp_path / "KEYS", tmp_path / "m.json"
    manifest.write_text(json.dumps(MANIFEST))
    run("ledger", "init", str(board), "--authorities", "3", "--threshold", "2")
    run("election", "create", str(board), "--manifest", str(manifest), "--trustees", "3", "--quorum", "2",
        "--voters", "3", "--keys", str(keys))  # fmt: skip
    assert (keys / "voters" / "voter-1.key").stat().st_mode & 0o777 == 0o600
    again = runner.invoke(main, ["election", "create", str(tmp_path / "OTHER"), "--manifest", str(manifest),
                                 "--voters", "1", "--keys", str(keys)])  # fmt: skip
    assert again.exit_code == 7  # no ledger there, and the keys would be overwritten: refused either way
    out = run("vote", str(board), "--credential", str(keys / "voters/voter-1.key"), "--choice", "mayor=alice",
              "--choice", "council=bob,carol", "--receipt", str(tmp_path / "r.tlog-proof"))  # fmt: skip
    assert "confirmation code:" in out
    run("ledger", "verify-proof", str(tmp_path / "r.tlog-proof"), "--ledger", str(board))
    out = run(
        "vote", str(board), "--credential", str(keys / "voters/voter-2.key"), "--choice", "mayor=bob", "--challenge"
    )
    assert "mayor: bob" in out
    run("vote", str(board), "--credential", str(keys / "voters/voter-2.key"), "--choice", "mayor=carol")
    assert "pending" in run("election", "verify", str(board))
    run("tally", str(board))
    run("trustee", "decrypt", str(board), "--trustee", str(keys / "trustees/trustee-1.key"))
    run("trustee", "decrypt", str(board), "--trustee", str(keys / "trustees/trustee-3.key"))
    doc = json.loads(run("election", "result", str(board), "--json"))
    assert doc["contests"]["mayor"] == {"alice": 1, "bob": 0, "carol": 1}
    report = json.loads(run("election", "verify", str(board), "--json", "--no-batch"))
    assert report["ok"] and len(report["steps"]) == 11
    listed = json.loads(run("ledger", "entries", str(board), "--type", "election.ballot", "--from", "3", "--json"))
    assert [x["type"] for x in listed] == ["election.ballot"] * 3 and listed[0]["payload"][
        "type"
    ] == "zkmed.election.ballot"
    # a dishonest authority appends a tampered copy of a ballot through `zkmed ledger append`
    tampered = dict(listed[2]["payload"])
    tampered["ballot_id"] = "ff" * 16
    appended = run("ledger", "append", str(board), "--type", "election.ballot", "--json", json.dumps(tampered))
    index = int(appended.split("entry ")[1].split()[0])
    out = runner.invoke(main, ["election", "verify", str(board)])
    assert out.exit_code == 2
    assert f"(at entry {index})" in out.output and "step 5" in out.output
    out = runner.invoke(main, ["election", "verify", str(board), "--json"])
    assert out.exit_code == 2
    doc = json.loads(out.stdout.strip().splitlines()[0])
    assert doc["ok"] is False and doc["error"]["where"] == f"entry {index}"
    assert [s["status"] for s in doc["steps"]][3:6] == ["passed", "failed", "not run"]


def test_empty_ledger_and_second_singletons(voted: Election, tmp_path: Path) -> None:
    from zkmed.ledger import Ledger

    with Ledger.init(tmp_path / "empty", authorities=1, threshold=1) as led:
        report = verify_election(led)
    assert report.ok and {s.status for s in report.steps} == {"pending"}
    with voted.open(False) as led:
        entries = [led.entry(i) for i in range(led.size)]
    for kind, step in (("election.parameters", 1), ("election.joint-key", 2), ("election.credentials", 4)):
        e = voted.copy(tmp_path / kind)
        original = next(x for x in entries if x.type == kind)
        at = _append(e, kind, original.payload)  # a dishonest authority posts it a second time
        assert _failure(e)[:2] == (step, at), kind


def test_substituted_parameters_are_caught(voted: Election, tmp_path: Path) -> None:
    """Another group or manifest in the parameters (posted instead of the real ones) breaks the base hash."""
    from zkmed.elections.board import Parameters, collect_board
    from zkmed.elections.ceremony_keys import JointKey  # noqa: F401 - the joint key is checked in step 2
    from zkmed.ledger import Ledger

    with voted.open(False) as led:
        entries = [led.entry(i) for i in range(led.size)]
        board = collect_board(led)
    params = Parameters.from_payload(board.parameters[0].payload)
    manifest = json.loads(json.dumps(params.manifest.to_json()))
    manifest["contests"][0]["selection_limit"] = 2  # a looser limit than the base hash binds
    from zkmed.elections.manifest import parse_manifest

    forged = Parameters(params.group, params.trustees, params.quorum, parse_manifest(manifest)).to_payload()
    with Ledger.init(tmp_path / "forged", authorities=1, threshold=1) as led:
        led.append_batch([(x.type, forged if x.type == "election.parameters" else x.payload) for x in entries])
        report = verify_election(led)
    failed = report.failed()
    assert failed is not None and failed.number == 2  # the ceremony context binds the manifest


def test_decryption_artifacts_before_the_tally(voted: Election, finished: Election, tmp_path: Path) -> None:
    with finished.open(False) as led:
        result = next(led.entry(i) for i in range(led.size) if led.entry(i).type == "election.result")
    e = voted.copy(tmp_path / "e")
    at = _append(e, "election.result", result.payload)
    assert _failure(e)[:2] == (9, at)


def test_create_refuses_to_overwrite_secret_keys(voted: Election, tmp_path: Path) -> None:
    from e2_support import MANIFEST

    from zkmed.elections.manifest import parse_manifest
    from zkmed.ledger import Ledger

    with Ledger.init(tmp_path / "b2", authorities=1, threshold=1) as led, pytest.raises(LedgerError, match="overwrite"):
        workflow.create_election(
            led, parse_manifest(json.dumps(MANIFEST)), trustees=3, quorum=2, voters=1, keys=voted.keys
        )
    with Ledger.open(tmp_path / "b2") as led:
        assert led.size == 0  # nothing posted
