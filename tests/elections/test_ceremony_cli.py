"""The per-round ceremony commands (E2's CLI over ``ceremony_board``) end to end: separate trustees, then an election."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from zkmed.cli.main import main

MANIFEST = {"election_id": "club-2026", "contests": [{"id": "chair", "selection_limit": 1, "options": ["ann", "bo"]}]}


def _run(*args, code: int = 0) -> str:
    out = CliRunner().invoke(main, [str(a) for a in args])
    assert out.exit_code == code, out.output
    return out.output


def test_per_round_commands(tmp_path):
    board = tmp_path / "board"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    _run("ledger", "init", board, "--authorities", 3, "--threshold", 2)
    _run("election", "setup", board, "--manifest", manifest, "--trustees", 3, "--quorum", 2)
    states = [tmp_path / f"t{i}.state" for i in (1, 2, 3)]
    for i, s in enumerate(states, 1):
        assert "round 1 posted" in _run("trustee", "ceremony", board, "--state", s, "--index", i)
    assert os.stat(states[0]).st_mode & 0o777 == 0o600
    for r in (2, 3):
        for s in states:
            assert f"round {r} posted" in _run("trustee", "ceremony", board, "--state", s)
    out = _run("trustee", "ceremony", board, "--state", states[0], code=4)
    assert "nothing to post" in out and len(out.strip().splitlines()) == 1
    for i, s in enumerate(states, 1):
        _run("trustee", "finish", board, "--state", s, "--key", tmp_path / f"trustee-{i}.key")
    assert "election open" in _run("election", "open", board, "--voters", 2, "--keys", tmp_path / "k")
    for v, choice in ((1, "ann"), (2, "ann")):
        _run("vote", board, "--credential", tmp_path / "k" / "voters" / f"voter-{v}.key", "--choice", f"chair={choice}")
    _run("tally", board)
    for i in (2, 3):
        _run("trustee", "decrypt", board, "--trustee", tmp_path / f"trustee-{i}.key")
    result = json.loads(_run("election", "result", board, "--json"))
    assert result["contests"] == {"chair": {"ann": 2, "bo": 0}}
    _run("election", "verify", board)
