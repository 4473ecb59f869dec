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


def test_revotes_and_spoils_leave_the_unit_sums_through_the_digests(voting, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One ballot per unit: the tally is the units' sums less the revoted and the spoiled ballots (step E9)."""
    monkeypatch.setattr(family, "BATCH", 1)
    election = voting.copy(tmp_path / "revote")
    with election.open() as led:
        workflow.cast_vote(led, election.voters[0], {"mayor": {"carol": 1}})  # voter 1 revotes: the latest counts
        workflow.post_tally(led)
        for path in election.trustees[1:]:
            workflow.trustee_decrypt(led, TrusteeShare.load(path))
        workflow.publish_result(led)
    with Ledger.open(election.board) as led:
        report = verify_ledger(led.store)
        assert report.ok, report.to_json()
        assert verify_ledger(led.store, jobs=2).to_json() == report.to_json()
        assert workflow.result(led)["contests"]["mayor"] == {"alice": 1, "bob": 1, "carol": 2}
    e9 = next(s for s in report.steps if s.number == "E9")
    assert "4 counted ballots" in e9.detail


def test_a_tally_counting_a_spoiled_ballot_fails_e9(voting, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from zkmed.elections.ballot import parse_ballot
    from zkmed.elections.board import collect_board, load_context
    from zkmed.elections.tally import compute_tally

    monkeypatch.setattr(family, "BATCH", 2)
    election = voting.copy(tmp_path / "spoiled")
    with election.open() as led:
        board = collect_board(led)
        ctx = load_context(board)
        every = [parse_ballot(ctx, p.payload) for p in board.ballots]  # the spoiled one included
        tally = compute_tally(ctx, [(b.ballot_id, [c.ciphertexts for c in b.contests]) for b in every])
        forged = tally.to_payload(ctx)
        index = led.append("election.tally", forged, seal=True).first_seq
    with Ledger.open(election.board) as led:
        report = verify_ledger(led.store)
    step, finding = report.first_failure()  # type: ignore[misc]
    assert (step.number, finding.index) == ("E9", index)


def test_a_ballot_before_the_setup_is_named(voting, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A ballot posted before the base hash (re-posted by a dishonest authority) fails step 5 in both verifiers."""
    from zkmed.elections.verifier import EARLY_BALLOT, verify_election

    with Ledger.open(voting.board) as led:
        entries = [led.entry(i) for i in range(led.size + led.pending)]
    ballot = next(e for e in entries if e.type == "election.ballot")
    with Ledger.init(tmp_path / "early", authorities=1, threshold=1) as led:
        led.append(ballot.type, ballot.payload)
        led.append_batch([(e.type, e.payload) for e in entries if not e.reserved and e.seq != ballot.seq], seal=True)
    with Ledger.open(tmp_path / "early") as led:
        report = verify_ledger(led.store)
        election = verify_election(led)
    step, finding = report.first_failure()  # type: ignore[misc]
    assert (step.number, finding.index, finding.reason) == ("E5", 0, EARLY_BALLOT)
    failed = election.failed()
    assert failed is not None and (failed.number, failed.entry, failed.detail) == (5, 0, EARLY_BALLOT)


def test_the_family_keeps_digests_not_payloads(finished) -> None:  # type: ignore[no-untyped-def]
    from zkmed.audit.work import run_unit

    run = family.FAMILY.start()
    with Ledger.open(finished.board) as led:
        units = [u for i in range(led.size + led.pending) if not (e := led.entry(i)).reserved for u in run.feed(e)]
    units += list(run.close())
    for unit in units:
        run.take(run_unit(unit).data)
    assert run.board.ballots == [] and sum(len(c.digests) for c in run.checks) == 5  # type: ignore[attr-defined]
    assert all(len(d.ciphertexts) == 6 * 66 for c in run.checks for d in c.digests)  # type: ignore[attr-defined]
    assert all(step.ok for step in run.finish(()))
