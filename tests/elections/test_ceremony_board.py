"""The ceremony on a real ledger, one trustee per step (the per-round commands' library), then a whole election."""

from __future__ import annotations

import json

import pytest

from zkmed.elections import workflow
from zkmed.elections.ceremony_board import (
    board_ceremony,
    ceremony_finish,
    ceremony_step,
    open_election,
    setup_election,
)
from zkmed.elections.ceremony_keys import TrusteeShare
from zkmed.elections.ceremony_messages import Round2Message
from zkmed.elections.ceremony_trustee import load_state
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.hpke_shares import encrypt_share, share_info
from zkmed.elections.manifest import parse_manifest
from zkmed.elections.verifier import verify_election
from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger import Ledger

MANIFEST = {"election_id": "club-2026", "contests": [{"id": "chair", "selection_limit": 1, "options": ["ann", "bo"]}]}


def _forge_bad_round2(led: Ledger, state_file, dealer: int, victim: int) -> None:
    """Dealer ``dealer`` (a malicious trustee, holding its state) posts a round 2 with a wrong share for ``victim``."""
    params, messages, _ = board_ceremony(led)
    state = load_state(state_file)
    g = params.group
    keys = {m.index: m.hpke_key for m in messages if type(m).__name__ == "Round1Message"}
    cts = []
    for j in range(1, params.n + 1):
        if j != dealer:
            share = 777 if j == victim else sum(a * j**e for e, a in enumerate(state.coefficients)) % g.order
            cts.append((j, encrypt_share(keys[j], g.encode_scalar(share), share_info(params.binding(), dealer, j))))
    m = Round2Message(g, dealer, tuple(cts))._signed(params, state.auth_secret, state.message.auth_key, None)
    led.append("election.ceremony-round2", m.to_payload(), seal=True)


@pytest.mark.parametrize("malicious", [False, True])
def test_multi_party_ceremony_then_election(tmp_path, malicious):
    manifest = parse_manifest(json.dumps(MANIFEST))
    states = [tmp_path / f"trustee-{i}.state" for i in (1, 2, 3)]
    with Ledger.init(tmp_path / "board", authorities=3, threshold=2) as led:
        setup_election(led, manifest, trustees=3, quorum=2)
        with pytest.raises(LedgerError, match="already holds"):
            setup_election(led, manifest, trustees=3, quorum=2)
        with pytest.raises(MalformedInput, match="--index"):
            ceremony_step(led, states[0])
        assert [ceremony_step(led, states[i - 1], index=i) for i in (1, 2)] == ["round 1", "round 1"]
        with pytest.raises(MalformedInput, match="waiting for round 1 from trustees 3"):
            ceremony_step(led, states[0])
        assert ceremony_step(led, states[2], index=3) == "round 1"
        if malicious:
            _forge_bad_round2(led, states[1], dealer=2, victim=3)
        for i in (1, 2, 3):
            if not (malicious and i == 2):
                assert ceremony_step(led, states[i - 1]) == "round 2"
        assert [ceremony_step(led, s) for s in states] == ["round 3"] * 3
        if malicious:  # trustee 3 complained about dealer 2, who answers with the right share
            assert ceremony_step(led, states[1]) == "answer"
        for s in states:
            with pytest.raises(MalformedInput, match="nothing to post"):
                ceremony_step(led, s)
        shares = [ceremony_finish(led, s, tmp_path / f"trustee-{i}.key") for i, s in enumerate(states, 1)]
        opened = open_election(led, voters=3, keys=tmp_path / "keys")
        assert opened.joint.qualified == (1, 2, 3)
        with pytest.raises(LedgerError, match="ceremony is over"):
            ceremony_step(led, states[0])
        voters = [VoterCredential.load(p) for p in opened.voter_files]
        for v, choice in zip(voters, ["ann", "bo", "ann"], strict=True):
            workflow.cast_vote(led, v, {"chair": {choice: 1}})
        workflow.post_tally(led)
        for i in (1, 3):
            workflow.trustee_decrypt(led, TrusteeShare.load(tmp_path / f"trustee-{i}.key"))
        workflow.publish_result(led)
        assert workflow.result(led)["contests"] == {"chair": {"ann": 2, "bo": 1}}
        assert [s.index for s in shares] == [1, 2, 3]
    with Ledger.open(tmp_path / "board") as led:
        report = verify_election(led)
        assert report.ok, report.error
