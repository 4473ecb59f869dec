"""zkmed verify over an election: steps E1-E11 pass; a bad ballot is named by entry; jobs give the same report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "elections"))

from e2_support import make_election, resign  # noqa: E402

from zkmed.audit import elections as family  # noqa: E402
from zkmed.audit import verify_ledger  # noqa: E402
from zkmed.elections import workflow  # noqa: E402
from zkmed.elections.ceremony_keys import TrusteeShare  # noqa: E402
from zkmed.ledger import Ledger  # noqa: E402


@pytest.fixture(scope="module")
def voting(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    election = make_election(tmp_path_factory.mktemp("el"), voters=5)
    with election.open() as led:
        for i, voter in enumerate(election.voters):
            choice = {"mayor": {["alice", "bob", "carol"][i % 3]: 1}, "council": {"bob": 1, "dave": 1}}
            workflow.cast_vote(led, voter, choice, challenge=i == 4)
    return election


@pytest.fixture(scope="module")
def finished(voting, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    election = voting.copy(tmp_path_factory.mktemp("fin") / "e")
    with election.open() as led:
        workflow.post_tally(led)
        for path in election.trustees[:2]:
            workflow.trustee_decrypt(led, TrusteeShare.load(path))
        workflow.publish_result(led)
    return election


def test_a_finished_election_passes_every_step(finished, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(family, "BATCH", 2)  # several work units
    with Ledger.open(finished.board) as led:
        report = verify_ledger(led.store)
    assert report.ok, report.to_json()
    numbers = [s.number for s in report.steps]
    assert numbers == ["A1", "A2", *[f"E{i}" for i in range(1, 12)]]
    assert all(s.verdict == "passed" for s in report.steps[2:])


def test_a_ballot_with_a_copied_proof_is_named_and_jobs_agree(voting, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(family, "BATCH", 2)
    election = voting.copy(tmp_path / "copy")
    with election.open() as led:
        board = [led.entry(i) for i in range(led.size + led.pending)]
        ballots = [e for e in board if e.type == "election.ballot"]

    def swap(obj):  # type: ignore[no-untyped-def]  # two options swap ciphertext and proof: both proofs are misplaced
        sels = obj["contests"][0]["selections"]
        sels[0]["proof"], sels[1]["proof"] = sels[1]["proof"], sels[0]["proof"]
        sels[0]["ciphertext"], sels[1]["ciphertext"] = sels[1]["ciphertext"], sels[0]["ciphertext"]
        obj["ballot_id"] = "ff" * 16  # a new ballot id: only the proofs are wrong

    forged = resign(ballots[0].payload, election.voters[0], swap)
    with Ledger.open(election.board, signing=True) as led:
        bad_index = led.append("election.ballot", forged).first_seq  # a dishonest authority posts it
    with Ledger.open(election.board) as led:
        one = verify_ledger(led.store)
        two = verify_ledger(led.store, jobs=2)
    assert not one.ok and one.to_json() == two.to_json()
    step, finding = one.first_failure()  # type: ignore[misc]
    assert (step.number, finding.index) == ("E6", bad_index)
    assert [s.verdict for s in one.steps if s.number in ("E9", "E10", "E11")] == ["not applicable"] * 3
