"""The key ceremony on the ledger, one trustee per process (what the per-round commands call).

Flow for real multi-party use (each step a command; every message a ledger entry)::

    setup_election(ledger, manifest, trustees=n, quorum=k)       posts zkmed.election.parameters only
    ceremony_step(ledger, state_file, index=i)  (each trustee)   round 1; saves the 0600 state file
    ceremony_step(ledger, state_file)           (each trustee)   round 2, then round 3, then an answer
                                                                 if complained about
    ceremony_finish(ledger, state_file, key_file)                the trustee's key file (0600)
    open_election(ledger, voters=v, keys=KEYS)                   re-checks the whole ceremony, posts the
                                                                 joint key, the base hash and the credentials

``zkmed election create`` does all of it in one process (:func:`~zkmed.elections.ceremony.run_ceremony`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkmed import formats
from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger import Ledger

from .board import Board, Parameters, base_payload, collect_board, compute_base_hash, entry_type
from .ceremony import round1, verify_ceremony
from .ceremony_keys import JointKey, TrusteeShare
from .ceremony_messages import CeremonyParams, Message, Round1Message, message_from_payload
from .ceremony_trustee import (
    ceremony_progress,
    load_state,
    save_state,
    trustee_answer,
    trustee_finish,
    trustee_round2,
    trustee_round3,
)
from .context import ceremony_context
from .credentials import CredentialList, VoterCredential
from .manifest import Manifest

__all__ = ["Opened", "board_ceremony", "ceremony_finish", "ceremony_step", "open_election", "setup_election"]


def board_ceremony(ledger: Ledger) -> tuple[CeremonyParams, list[Message], Board]:
    """The ceremony parameters (from the posted election parameters) and every ceremony message posted so far."""
    board = collect_board(ledger)
    posted = board.one("parameters")
    if posted is None:
        raise MalformedInput("this ledger holds no election parameters (run `zkmed election setup` first)")
    try:
        p = Parameters.from_payload(posted.payload)
    except MalformedInput as exc:
        raise MalformedInput(f"{posted.type}: {exc.message}", where=posted.where) from exc
    params = CeremonyParams(p.group, p.trustees, p.quorum, ceremony_context(p.group, p.manifest, p.trustees, p.quorum))
    messages = []
    for item in board.ceremony:
        try:
            messages.append(message_from_payload(params.group, item.payload))
        except MalformedInput as exc:
            raise MalformedInput(f"{item.type}: {exc.message}", where=item.where) from exc
    return params, messages, board


def setup_election(ledger: Ledger, manifest: Manifest, *, trustees: int, quorum: int, group: str = "P256") -> int:
    """Post the election parameters only (the trustees then run the ceremony); returns the entry index."""
    if collect_board(ledger).parameters:
        raise LedgerError("this ledger already holds an election")
    params = Parameters(group, trustees, quorum, manifest)
    Parameters.from_payload(params.to_payload())  # the reader's checks (n, k, group)
    CeremonyParams(group, trustees, quorum, b"")  # and the ceremony's
    return ledger.append(entry_type(formats.ELECTION_PARAMETERS), params.to_payload(), seal=True).first_seq


def ceremony_step(ledger: Ledger, state_file: Path | str, *, index: int | None = None) -> str:
    """Post this trustee's next ceremony message; returns which one (``"round 1"`` … ``"answer"``).

    Without a state file: round 1 for trustee ``index`` (the state file is written first, then the
    message posted; rerunning after a failed post posts the same message).  With one: round 2
    once every round-1 message is posted, round 3 once every round-2 message is, then the
    answer if this trustee was complained about.  MalformedInput when there is nothing to do.
    """
    params, messages, board = board_ceremony(ledger)
    if board.joint_key:
        raise LedgerError("the key ceremony is over (the joint key is posted)")
    state_file = Path(state_file)
    if not state_file.exists():
        if not isinstance(index, int) or isinstance(index, bool):
            raise MalformedInput("round 1 needs the trustee index (--index)")
        state, _ = round1(params, index)
        save_state(state, state_file)
    else:
        state = load_state(state_file)
        if state.params != params:
            raise MalformedInput(f"{state_file} is the state of another election or ceremony")
        if index is not None and index != state.index:
            raise MalformedInput(f"{state_file} is trustee {state.index}'s state, not trustee {index}'s")
    progress = ceremony_progress(params, messages)
    complete = {name: len(progress[name]) == params.n for name in ("round1", "round2", "round3")}
    mine = [m for m in messages if isinstance(m, Round1Message) and m.index == state.index]
    message: Message | None = None
    if not mine:
        message, what = state.message, "round 1"
    elif mine[0].to_payload() != state.message.to_payload():
        raise LedgerError(f"another round-1 message for trustee {state.index} is already posted")
    elif state.index not in progress["round2"] and complete["round1"]:
        message, what = trustee_round2(state, messages), "round 2"
    elif state.index in progress["round2"] and state.index not in progress["round3"] and complete["round2"]:
        message, what = trustee_round3(state, messages), "round 3"
    elif complete["round3"] and state.index not in progress["answer"]:
        message, what = trustee_answer(state, messages), "answer"
    if message is None:
        raise MalformedInput(f"trustee {state.index}: nothing to post now ({_waiting(params, progress)})")
    ledger.append(entry_type(message.FORMAT), message.to_payload(), seal=True)
    return what


def _waiting(params: CeremonyParams, progress: dict[str, list[int]]) -> str:
    for name in ("round1", "round2", "round3"):
        missing = [i for i in range(1, params.n + 1) if i not in progress[name]]
        if missing:
            return f"waiting for {name[:5]} {name[5:]} from trustees {', '.join(map(str, missing))}"
    return "every round is posted: finish with `zkmed trustee finish`"


def ceremony_finish(ledger: Ledger, state_file: Path | str, key_file: Path | str) -> TrusteeShare:
    """Write this trustee's key file (0600) from the completed ceremony on the board."""
    params, messages, _ = board_ceremony(ledger)
    state = load_state(state_file)
    if state.params != params:
        raise MalformedInput(f"{state_file} is the state of another election or ceremony")
    share, _ = trustee_finish(state, messages)
    share.save(key_file)
    return share


@dataclass(frozen=True)
class Opened:
    joint: JointKey
    base_hash: bytes
    voter_files: tuple[Path, ...]


def open_election(ledger: Ledger, *, voters: int, keys: Path | str) -> Opened:
    """Re-check the posted ceremony, then post the joint key, the base hash and ``voters`` fresh credentials."""
    params, messages, board = board_ceremony(ledger)
    if board.joint_key:
        raise LedgerError("the election is already open (the joint key is posted)")
    if not isinstance(voters, int) or isinstance(voters, bool) or not 1 <= voters <= 100_000:
        raise MalformedInput("--voters must be within 1..100000")
    joint = verify_ceremony(params, messages)
    p = Parameters.from_payload(board.parameters[0].payload)
    voters_dir = Path(keys) / "voters"
    try:
        voters_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"cannot create the key directory {voters_dir}: {exc.strerror or exc}") from exc
    credentials = [VoterCredential.generate(p.manifest.election_id) for _ in range(voters)]
    files = []
    for i, cred in enumerate(credentials, start=1):
        path = voters_dir / f"voter-{i}.key"
        cred.save(path)
        files.append(path)
    joint_payload = joint.to_payload()
    digest = compute_base_hash(board, p, joint_payload)
    creds = CredentialList(p.manifest.election_id, tuple(c.public_key for c in credentials))
    ledger.append_batch(
        [
            (entry_type(formats.ELECTION_JOINT_KEY), joint_payload),
            (entry_type(formats.ELECTION_BASE), base_payload(p.manifest.election_id, digest)),
            *((entry_type(formats.ELECTION_CREDENTIALS), payload) for payload in creds.to_payloads()),
        ],
        seal=True,
    )
    return Opened(joint, digest, tuple(files))
