"""The serve hook's incremental index: one long-lived SubmissionIndex gives the answers of a fresh scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2_support import Election, make_election, resign

from zkmed.elections import SubmissionIndex, ballot_key, check_ballot_submission, workflow
from zkmed.elections.ballot import encrypt_ballot
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, VerificationError

CHOICE = {"mayor": {"alice": 1}, "council": {"bob": 1}}


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    return make_election(tmp_path_factory.mktemp("submission"))


def _both(led, index: SubmissionIndex, payload: bytes) -> str | None:  # type: ignore[no-untyped-def]
    """Check with the kept index and with a fresh scan; both must agree (None, or the same message)."""
    answers: list[str | None] = []
    for idx in (index, None):
        try:
            check_ballot_submission(led, payload, index=idx)
            answers.append(None)
        except (VerificationError, MalformedInput) as exc:
            answers.append(f"{type(exc).__name__}: {exc}")
    assert answers[0] == answers[1], answers
    return answers[0]


def test_a_kept_index_follows_the_ledger_like_a_fresh_scan(election: Election, tmp_path: Path) -> None:
    e = election.copy(tmp_path / "e")
    ctx = e.context()
    index = SubmissionIndex()
    first = encrypt_ballot(ctx, e.voters[0], CHOICE).payload
    with e.open() as led:
        assert _both(led, index, first) is None
        scanned = index.upto
        assert _both(led, index, first) is None and index.upto == scanned  # nothing new: nothing read
        led.append("election.ballot", first)  # pending (not sealed): the index sees it all the same
        assert "step 7" in (_both(led, index, first) or "") and index.ballots[ballot_key(first)] == scanned
        again = encrypt_ballot(ctx, e.voters[0], {"mayor": {"bob": 1}}).payload  # a revote: allowed
        assert _both(led, index, again) is None
        led.append("note", b"not the election's")
        stranger = resign(again, e.voters[1])  # voter 1's signature over a ballot naming voter 0
        assert "VerificationError" in (_both(led, index, stranger) or "")
        other = encrypt_ballot(ctx, e.voters[1], CHOICE).payload

        def flip(obj: dict) -> None:
            proof = bytearray(b64_decode(obj["contests"][0]["selections"][1]["proof"]))
            proof[5] ^= 1
            obj["contests"][0]["selections"][1]["proof"] = b64_encode(bytes(proof))

        assert "mayor option bob" in (_both(led, index, resign(other, e.voters[1], flip)) or "")
        assert _both(led, index, b'{"ballot_id":1}') is not None
        assert _both(led, index, other) is None
        led.append("election.ballot", other)
        led.seal()
        workflow.post_tally(led)
        assert "voting is closed" in (_both(led, index, again) or "")


def test_an_index_given_another_ledger_starts_over(election: Election, tmp_path: Path) -> None:
    a, b = election.copy(tmp_path / "a"), make_election(tmp_path / "b")
    index = SubmissionIndex()
    payload = encrypt_ballot(a.context(), a.voters[2], CHOICE).payload
    with a.open() as led:
        led.append("election.ballot", payload)
        with pytest.raises(VerificationError, match="step 7"):
            check_ballot_submission(led, payload, index=index)
    with b.open(False) as led, pytest.raises(VerificationError, match="registrar"):
        check_ballot_submission(led, payload, index=index)  # b's own credentials, not a's
    with b.open(False) as led:
        check_ballot_submission(led, encrypt_ballot(b.context(), b.voters[2], CHOICE).payload, index=index)


def test_a_second_credential_list_is_named(election: Election, tmp_path: Path) -> None:
    e = election.copy(tmp_path / "e")
    index = SubmissionIndex()
    payload = encrypt_ballot(e.context(), e.voters[3], CHOICE).payload
    with e.open() as led:
        check_ballot_submission(led, payload, index=index)
        creds = next(led.entry(i) for i in range(led.size) if led.entry(i).type == "election.credentials")
        led.append("election.credentials", creds.payload)
        with pytest.raises(VerificationError, match="second credential list"):
            check_ballot_submission(led, payload, index=index)


def test_ballot_key_is_the_ballot_id(election: Election) -> None:
    made = encrypt_ballot(election.context(), election.voters[0], CHOICE)
    assert ballot_key(made.payload) == made.ballot_id
    for bad in [b"", b"{}", b'{"ballot_id":"' + b"A" * 32 + b'"', b'{"ballot_id":"' + b"a" * 31 + b'"', "text"]:
        with pytest.raises(MalformedInput, match="ballot_id"):
            ballot_key(bad)  # type: ignore[arg-type]
