"""One trustee across separate processes: the state file between rounds and one function per command.

For real multi-party ceremonies each trustee runs one command per round against the board
(``zkmed trustee ceremony …``).  Between rounds only the round-1 secrets are kept, in a
0600 state file (format ``zkmed.election.ceremony-state``); later states are rebuilt from the
state file and the messages already on the board (:func:`~zkmed.elections.ceremony.resume_round2`,
:func:`~zkmed.elections.ceremony.resume_round3`), so a trustee never posts two different
messages for one round.  Each ``trustee_*`` function takes the state and every ceremony
message posted so far, and returns what to post (or the final share and joint key).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from zkmed import formats
from zkmed.canonical_json import canonical_json
from zkmed.elections.ceremony import (
    Round1State,
    Round2State,
    Round3State,
    answer,
    finish,
    resume_round2,
    resume_round3,
    round2,
    round3,
)
from zkmed.elections.ceremony_keys import JointKey, TrusteeShare, load_secret_file, save_secret_file
from zkmed.elections.ceremony_messages import (
    MAX_CONTEXT,
    MAX_TRUSTEES,
    AnswerMessage,
    CeremonyParams,
    Message,
    Round1Message,
    Round2Message,
    Round3Message,
)
from zkmed.elections.fields import (
    b64_encode,
    b64_field,
    exact_fields,
    hex_field,
    int_field,
    list_field,
    load_payload,
    obj_field,
    str_field,
)
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.sigma.nizk import Rng

__all__ = [
    "ceremony_progress", "load_state", "save_state", "state_from_bytes", "state_to_bytes", "trustee_answer",
    "trustee_finish", "trustee_round2", "trustee_round3",
]  # fmt: skip

FORMAT = formats.CEREMONY_STATE


def state_to_bytes(state: Round1State) -> bytes:
    """The secret state file of a trustee after round 1 (canonical JSON)."""
    p, g = state.params, state.params.group
    return canonical_json(
        {
            **FORMAT.json_header(),
            "group": p.group_name,
            "n": p.n,
            "k": p.k,
            "context": p.context.hex(),
            "trustee": state.index,
            "coefficients": [b64_encode(g.encode_scalar(a)) for a in state.coefficients],
            "hpke_secret": b64_encode(state.hpke_secret.private_bytes_raw()),
            "auth_secret": b64_encode(g.encode_scalar(state.auth_secret)),
            "round1": state.message.to_json(),
        }
    )


def _scalar(group: Any, value: Any, where: str) -> int:
    raw = b64_field(value, where, group.scalar_size)
    try:
        k = int(group.decode_scalar(raw))
    except MalformedInput as exc:
        raise MalformedInput(f"{where}: {exc.message}", where=where) from exc
    if k == 0:
        raise MalformedInput(f"{where}: zero", where=where)
    return k


def state_from_bytes(data: bytes) -> Round1State:
    """Parse a state file; the secrets must match the round-1 message it carries."""
    obj = load_payload(FORMAT, data)
    w = "ceremony-state"
    fields = {"type", "version", "group", "n", "k", "context", "trustee", "coefficients", "hpke_secret",
              "auth_secret", "round1"}  # fmt: skip
    exact_fields(obj, fields, w)
    try:
        group = get_group(str_field(obj, "group", w))
    except MalformedInput as exc:
        raise MalformedInput(f"{w}.group: {exc.message}", where=f"{w}.group") from exc
    n = int_field(obj, "n", w, 1, MAX_TRUSTEES)
    k = int_field(obj, "k", w, 1, n)
    context = hex_field(obj["context"], f"{w}.context")
    if len(context) > MAX_CONTEXT:
        raise MalformedInput(f"{w}.context is too long", where=f"{w}.context")
    params = CeremonyParams(group.name, n, k, context)
    index = int_field(obj, "trustee", w, 1, n)
    coefficients = tuple(
        _scalar(group, a, f"{w}.coefficients[{j}]") for j, a in enumerate(list_field(obj, "coefficients", w, k, k))
    )
    hpke_secret = X25519PrivateKey.from_private_bytes(b64_field(obj["hpke_secret"], f"{w}.hpke_secret", 32))
    auth_secret = _scalar(group, obj["auth_secret"], f"{w}.auth_secret")
    message = Round1Message.from_payload(group, canonical_json(obj_field(obj, "round1", w)))
    ok = (
        message.index == index
        and len(message.commitments) == k
        and all(group.eq(group.mul_gen_secret(a), c) for a, c in zip(coefficients, message.commitments, strict=True))
        and group.eq(group.mul_gen_secret(auth_secret), message.auth_key)
        and hpke_secret.public_key().public_bytes_raw() == message.hpke_key
    )
    if not ok:
        raise MalformedInput(f"{w}: the secrets do not match the round-1 message")
    return Round1State(params, index, coefficients, hpke_secret, auth_secret, message)


def save_state(state: Round1State, path: Path | str) -> None:
    """Write the state file mode 0600, atomically; never overwrite."""
    save_secret_file(path, state_to_bytes(state))


def load_state(path: Path | str) -> Round1State:
    return state_from_bytes(load_secret_file(path))


# ---------------------------------------------------------------------------
# one function per command


def _split(messages: Sequence[Message]) -> dict[type, list[Any]]:
    out: dict[type, list[Any]] = {Round1Message: [], Round2Message: [], Round3Message: [], AnswerMessage: []}
    for m in messages:
        if type(m) not in out:
            raise MalformedInput(f"not a ceremony message: {type(m).__name__}")
        out[type(m)].append(m)
    return out


def _own(items: list[Any], index: int, what: str) -> Any:
    mine = [m for m in items if (m.index if isinstance(m, Round1Message) else m.sender) == index]
    if len(mine) > 1:
        raise VerificationError(f"trustee {index}, {what}: posted twice", where=f"trustee {index}, {what}")
    return mine[0] if mine else None


def ceremony_progress(params: CeremonyParams, messages: Sequence[Message]) -> dict[str, list[int]]:
    """Which trustees have posted each round so far: ``{"round1": [...], "round2": ..., "round3": ..., "answer": ...}``."""
    by = _split(messages)
    names = {Round1Message: "round1", Round2Message: "round2", Round3Message: "round3", AnswerMessage: "answer"}
    return {
        names[kind]: sorted({m.index if kind is Round1Message else m.sender for m in items})
        for kind, items in by.items()
    }


def trustee_round2(state: Round1State, messages: Sequence[Message], rng: Rng | None = None) -> Round2Message:
    """The round-2 message to post (VerificationError if round 1 is incomplete or already posted)."""
    by = _split(messages)
    if _own(by[Round2Message], state.index, "round 2") is not None:
        raise VerificationError(f"trustee {state.index} has already posted its round-2 message")
    return round2(state, by[Round1Message], rng)[1]


def _state2(state: Round1State, by: dict[type, list[Any]]) -> Round2State:
    posted = _own(by[Round2Message], state.index, "round 2")
    if posted is None:
        raise VerificationError(f"trustee {state.index} has not posted its round-2 message yet")
    return resume_round2(state, by[Round1Message], posted)


def _state3(state: Round1State, by: dict[type, list[Any]]) -> Round3State:
    posted = _own(by[Round3Message], state.index, "round 3")
    if posted is None:
        raise VerificationError(f"trustee {state.index} has not posted its round-3 message yet")
    return resume_round3(_state2(state, by), by[Round2Message], posted)


def trustee_round3(state: Round1State, messages: Sequence[Message], rng: Rng | None = None) -> Round3Message:
    """The round-3 message (complaints) to post, once every trustee's round-2 message is on the board."""
    by = _split(messages)
    if _own(by[Round3Message], state.index, "round 3") is not None:
        raise VerificationError(f"trustee {state.index} has already posted its round-3 message")
    return round3(_state2(state, by), by[Round2Message], rng)[1]


def trustee_answer(state: Round1State, messages: Sequence[Message], rng: Rng | None = None) -> AnswerMessage | None:
    """The answer to post if this trustee was complained about (None otherwise)."""
    by = _split(messages)
    if _own(by[AnswerMessage], state.index, "answer") is not None:
        raise VerificationError(f"trustee {state.index} has already posted its answer")
    return answer(_state3(state, by), by[Round3Message], rng)


def trustee_finish(state: Round1State, messages: Sequence[Message]) -> tuple[TrusteeShare, JointKey]:
    """This trustee's share and the joint key, from every message posted (answers included)."""
    by = _split(messages)
    return finish(_state3(state, by), by[Round3Message], by[AnswerMessage])
