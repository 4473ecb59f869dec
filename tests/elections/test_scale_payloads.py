"""Payloads that grow with the electorate stay under the ledger's 1 MiB limit at 10^5 voters.

The registrar's credential list (≈ 6.7 MB of JSON at 10^5 voters) is posted as parts ``1..n``
of ≤ PART_SIZE keys and joined in ledger order; each way of breaking the parts must fail
step 4 naming the entry.  The tally binds its counted ballots by count and digest (the id
list was 3.5 MB at 10^5); another count or digest must fail step 9 naming the entry.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from e2_support import make_election

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections import credentials as cred_mod
from zkmed.elections import verify_election, workflow
from zkmed.elections.credentials import PART_SIZE, CredentialList, CredentialPartError, join_parts
from zkmed.elections.elgamal import encrypt
from zkmed.elections.tally import Tally, counted_digest
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger.entries import MAX_PAYLOAD


def _keys(n: int) -> tuple[bytes, ...]:
    return tuple(secrets.token_bytes(32) for _ in range(n))


def test_a_large_list_splits_into_parts_that_fit_the_ledger_and_join_back() -> None:
    keys = _keys(2 * PART_SIZE + 1)
    payloads = CredentialList("big", keys).to_payloads()
    assert len(payloads) == 3 and all(len(p) < MAX_PAYLOAD for p in payloads)
    parts = [CredentialList.from_payload(p) for p in payloads]
    assert [(p.part, p.parts, len(p.keys)) for p in parts] == [(1, 3, PART_SIZE), (2, 3, PART_SIZE), (3, 3, 1)]
    assert join_parts(parts) == CredentialList("big", keys)


def test_join_refuses_missing_reordered_foreign_repeated_and_extra_parts() -> None:
    keys = _keys(5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cred_mod, "PART_SIZE", 2)
        parts = [CredentialList.from_payload(p) for p in CredentialList("e", keys).to_payloads()]
        other = [CredentialList.from_payload(p) for p in CredentialList("other", keys).to_payloads()]
        dup = CredentialList.from_payload(CredentialList("e", (keys[0], *_keys(1))).to_payloads()[0])
    assert len(parts) == 3
    cases = {
        "missing": ([parts[0], parts[1]], 1, "2 of its 3 parts"),
        "reordered": ([parts[1], parts[0], parts[2]], 0, "out of order"),
        "foreign": ([parts[0], other[1], parts[2]], 1, "another election"),
        "extra": ([*parts, parts[2]], 3, "a second credential list"),
        "second list": ([*parts, CredentialList("e", _keys(1), 1, 1)], 3, "a second credential list"),
        "key in two parts": ([parts[0], parts[1], CredentialList("e", (keys[0],), 3, 3)], 2, "two parts"),
    }
    for name, (items, position, text) in cases.items():
        with pytest.raises(CredentialPartError) as info:
            join_parts(items)
        assert (info.value.position, text in info.value.message) == (position, True), name
    assert dup.keys[0] == keys[0]
    with pytest.raises(MalformedInput):
        join_parts([])


@pytest.mark.parametrize(
    ("field", "value"),
    [("part", 0), ("part", 2), ("parts", 0), ("parts", True), ("part", "1"), ("parts", 10**6)],
)
def test_part_numbers_are_validated(field: str, value: object) -> None:
    obj = parse_json(CredentialList("e", _keys(1)).to_payloads()[0])
    obj[field] = value
    with pytest.raises(MalformedInput):
        CredentialList.from_payload(canonical_json(obj))


def test_an_election_with_its_list_in_parts_verifies_and_a_bad_part_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cred_mod, "PART_SIZE", 2)
    e = make_election(tmp_path / "e", voters=5)
    with e.open() as led:
        posted = [led.entry(i) for i in range(led.size) if led.entry(i).type == "election.credentials"]
        assert len(posted) == 3
        workflow.cast_vote(led, e.voters[4], {"mayor": {"bob": 1}})  # a voter of the last part
    with e.open(False) as led:
        report = verify_election(led)
    assert report.ok, report.failed()
    assert "5 credentials in 3 parts" in report.steps[3].detail
    bad = e.copy(tmp_path / "bad")
    with bad.open() as led:
        at = led.append("election.credentials", posted[1].payload).first_seq  # a dishonest authority repeats part 2
    with bad.open(False) as led:
        failed = verify_election(led).failed()
    assert failed is not None and (failed.number, failed.entry) == (4, at)
    with bad.open() as led, pytest.raises(VerificationError):
        workflow.cast_vote(led, e.voters[0], {"mayor": {"bob": 1}})


# ------------------------------------------------------------------ the tally binds the counted ids by a digest


def test_the_tally_payload_has_a_fixed_size_whatever_the_number_of_ballots(tmp_path: Path) -> None:
    e = make_election(tmp_path / "e", voters=2)
    ctx = e.context()
    ids = [secrets.token_hex(16) for _ in range(100_000)]
    sums = tuple(
        tuple(encrypt(ctx.group, ctx.key.base, 0, ctx.group.random_scalar()) for _ in c.options)
        for c in ctx.manifest.contests
    )
    payload = Tally.of(ids, sums).to_payload(ctx)
    assert len(payload) < 4096 < MAX_PAYLOAD
    parsed = Tally.from_payload(ctx, payload)
    assert (parsed.count, parsed.digest) == (100_000, counted_digest(ids))
    assert counted_digest(ids[:-1]) != parsed.digest and counted_digest(ids[::-1]) != parsed.digest


def test_a_tally_over_other_ballots_or_another_count_is_caught(tmp_path: Path) -> None:
    e = make_election(tmp_path / "e", voters=3)
    with e.open() as led:
        for voter in e.voters:
            workflow.cast_vote(led, voter, {"mayor": {"bob": 1}})
    for name, change in (
        ("count", lambda obj: obj.update(counted=obj["counted"] - 1)),
        ("digest", lambda obj: obj.update(counted_digest="00" * 32)),
    ):
        bad = e.copy(tmp_path / name)
        with bad.open() as led:
            tally = workflow.post_tally(led)
            entry = led.entry(led.size - 1)
        assert tally.count == 3
        obj = parse_json(entry.payload)
        change(obj)
        other = e.copy(tmp_path / f"{name}-posted")
        with other.open() as led:
            at = led.append("election.tally", canonical_json(obj)).first_seq
        with other.open(False) as led:
            failed = verify_election(led).failed()
        assert failed is not None and (failed.number, failed.entry) == (9, at), name
        assert "counts other ballots" in failed.detail
