"""The per-round flow of separate trustee processes: state files between rounds, resume from the board."""

from __future__ import annotations

import os

import pytest

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.ceremony import round1, verify_ceremony
from zkmed.elections.ceremony_messages import CeremonyParams, message_from_payload
from zkmed.elections.ceremony_trustee import (
    ceremony_progress,
    load_state,
    save_state,
    state_from_bytes,
    state_to_bytes,
    trustee_answer,
    trustee_finish,
    trustee_round2,
    trustee_round3,
)
from zkmed.errors import LedgerError, MalformedInput, VerificationError

P = CeremonyParams("P256", 3, 2, b"multi-party")


def test_separate_processes_reach_the_same_joint_key(tmp_path):
    board: list[bytes] = []  # payloads, as a ledger holds them

    def posted():
        return [message_from_payload(P.group, b) for b in board]

    for i in (1, 2, 3):
        state, message = round1(P, i)
        save_state(state, tmp_path / f"t{i}.state")
        board.append(message.to_payload())
    assert os.stat(tmp_path / "t1.state").st_mode & 0o777 == 0o600
    assert ceremony_progress(P, posted())["round1"] == [1, 2, 3]
    with pytest.raises(VerificationError, match="not posted its round-2"):
        trustee_round3(load_state(tmp_path / "t1.state"), posted())
    for i in (1, 2, 3):
        board.append(trustee_round2(load_state(tmp_path / f"t{i}.state"), posted()).to_payload())
    with pytest.raises(VerificationError, match="already posted its round-2"):
        trustee_round2(load_state(tmp_path / "t1.state"), posted())
    for i in (1, 2, 3):
        board.append(trustee_round3(load_state(tmp_path / f"t{i}.state"), posted()).to_payload())
    assert all(trustee_answer(load_state(tmp_path / f"t{i}.state"), posted()) is None for i in (1, 2, 3))
    results = [trustee_finish(load_state(tmp_path / f"t{i}.state"), posted()) for i in (1, 2, 3)]
    joint = verify_ceremony(P, posted())
    assert all(j.same(joint) for _, j in results)
    assert [s.index for s, _ in results] == [1, 2, 3]
    assert ceremony_progress(P, posted()) == {"round1": [1, 2, 3], "round2": [1, 2, 3], "round3": [1, 2, 3],
                                              "answer": []}  # fmt: skip


def test_state_file_round_trip_and_tampering(tmp_path):
    state, _ = round1(P, 2)
    data = state_to_bytes(state)
    again = state_from_bytes(data)
    assert again.message.to_payload() == state.message.to_payload() and again.coefficients == state.coefficients
    assert str(state.coefficients[0]) not in repr(state) and str(state.auth_secret) not in repr(state)
    obj = parse_json(data)
    other = parse_json(state_to_bytes(round1(P, 2)[0]))
    for field in ("coefficients", "hpke_secret", "auth_secret", "round1"):
        with pytest.raises(MalformedInput, match="do not match"):
            state_from_bytes(canonical_json({**obj, field: other[field]}))
    with pytest.raises(MalformedInput):
        state_from_bytes(canonical_json({**obj, "trustee": 3}))
    path = tmp_path / "s"
    save_state(state, path)
    with pytest.raises(LedgerError):
        save_state(state, path)
    os.chmod(path, 0o640)
    with pytest.raises(LedgerError, match="readable by others"):
        load_state(path)
