"""The trustees' key ceremony: Feldman VSS with proofs of knowledge, HPKE-encrypted shares, complaints.

Rounds (one immutable state type per round; ``docs/election-ceremony.md`` has the math and
the numbered verification steps)::

    round1(params, i)          -> (Round1State, Round1Message)   commitments, PoKs, HPKE + signing keys
    round2(state1, round1s)    -> (Round2State, Round2Message)   verify PoKs; encrypted shares f_i(j)
    round3(state2, round2s)    -> (Round3State, Round3Message)   decrypt + check shares; complaints
    answer(state3, round3s)    -> AnswerMessage | None           a dealer complained about reveals the shares
    finish(state3, round3s, answers) -> (TrusteeShare, JointKey)

Complaints: a dealer complained about is disqualified unless its public answer reveals, for
every complaining trustee j, a share ``f_i(j)`` that matches its commitments (then j uses
it).  An invalid round-1 proof, a bad signature or a missing message aborts the ceremony
with a VerificationError naming the trustee and round (restart without that trustee).
:func:`verify_ceremony` re-checks everything public; :func:`run_ceremony` runs all n
trustees in one process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from zkmed.elections.ceremony_checks import (
    expected_share_point,
    joint_key_from,
    resolve,
    round1_table,
    round2_table,
    round3_table,
    verify_ceremony,
)
from zkmed.elections.ceremony_keys import JointKey, TrusteeShare
from zkmed.elections.ceremony_messages import (
    AnswerMessage,
    CeremonyParams,
    Message,
    Round1Message,
    Round2Message,
    Round3Message,
    coefficient_context,
)
from zkmed.elections.hpke_shares import decrypt_share, encrypt_share, new_keypair, share_info
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import Group
from zkmed.hazmat.sigma.nizk import Rng
from zkmed.proofs import prove_dlog

__all__ = [
    "Round1State", "Round2State", "Round3State", "answer", "finish", "resume_round2", "resume_round3", "round1",
    "round2", "round3", "run_ceremony", "verify_ceremony",
]  # fmt: skip


def _draw(group: Group, rng: Rng | None) -> int:
    """A non-zero scalar (zero is redrawn; an rng that keeps returning zero is refused)."""
    for _ in range(64):
        k = group.random_scalar() if rng is None else rng()
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < group.order:
            raise MalformedInput("ceremony: rng must return scalars in [0, q)")
        if k:
            return k
    raise MalformedInput("ceremony: rng keeps returning zero")


def _evaluate(coefficients: Sequence[int], x: int, q: int) -> int:
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * x + a) % q
    return acc


# ---------------------------------------------------------------------------
# states


@dataclass(frozen=True)
class Round1State:
    params: CeremonyParams
    index: int
    coefficients: tuple[int, ...] = field(repr=False)
    hpke_secret: X25519PrivateKey = field(repr=False)
    auth_secret: int = field(repr=False)
    message: Round1Message = field(repr=False)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("ceremony states hold secrets and cannot be pickled")


@dataclass(frozen=True)
class Round2State:
    round1: Round1State = field(repr=False)
    round1_messages: dict[int, Round1Message] = field(repr=False)
    message: Round2Message = field(repr=False)

    @property
    def index(self) -> int:
        return self.round1.index

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("ceremony states hold secrets and cannot be pickled")


@dataclass(frozen=True)
class Round3State:
    round2: Round2State = field(repr=False)
    received: dict[int, int] = field(repr=False)  # dealer -> f_dealer(index), own share included
    message: Round3Message = field(repr=False)

    @property
    def index(self) -> int:
        return self.round2.index

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("ceremony states hold secrets and cannot be pickled")


# ---------------------------------------------------------------------------
# the rounds


def round1(params: CeremonyParams, index: int, rng: Rng | None = None) -> tuple[Round1State, Round1Message]:
    """Trustee ``index`` draws its polynomial, commits to it and proves knowledge of every coefficient."""
    if not isinstance(params, CeremonyParams):
        raise MalformedInput("round1: expected CeremonyParams")
    if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= params.n:
        raise MalformedInput(f"round1: the trustee index must be in 1..{params.n}")
    group = params.group
    coefficients = tuple(_draw(group, rng) for _ in range(params.k))
    commitments = tuple(group.mul_gen_secret(a) for a in coefficients)
    hpke_secret, hpke_key = new_keypair()
    auth_secret = _draw(group, rng)
    auth_key = group.mul_gen_secret(auth_secret)
    auth = group.encode_element(auth_key)
    proofs = tuple(
        prove_dlog(group, c, a, context=coefficient_context(params, index, hpke_key, auth, j), rng=rng)
        for j, (c, a) in enumerate(zip(commitments, coefficients, strict=True))
    )
    message = Round1Message(group, index, commitments, proofs, hpke_key, auth_key)
    return Round1State(params, index, coefficients, hpke_secret, auth_secret, message), message


def round2(
    state: Round1State, round1_messages: Sequence[Round1Message], rng: Rng | None = None
) -> tuple[Round2State, Round2Message]:
    """Verify every round-1 message (own included) and send each other trustee its share, HPKE-encrypted."""
    params, i = state.params, state.index
    r1 = round1_table(params, round1_messages)
    if r1[i].to_payload() != state.message.to_payload():
        raise VerificationError(f"trustee {i}, round 1: the posted message is not this trustee's", where="round 1")
    group = params.group
    binding = params.binding()
    ciphertexts = []
    for j in range(1, params.n + 1):
        if j != i:
            share = group.encode_scalar(_evaluate(state.coefficients, j, group.order))
            ciphertexts.append((j, encrypt_share(r1[j].hpke_key, share, share_info(binding, i, j))))
    message = Round2Message(group, i, tuple(ciphertexts))._signed(
        params, state.auth_secret, state.message.auth_key, rng
    )
    return Round2State(state, r1, message), message


def _receive(state: Round2State, round2_messages: Sequence[Round2Message]) -> tuple[dict[int, int], list[int]]:
    """Decrypt and check the shares sent to this trustee: ``({dealer: share}, complaints)``."""
    s1 = state.round1
    params, i, r1 = s1.params, s1.index, state.round1_messages
    group = params.group
    r2 = round2_table(params, r1, round2_messages)  # signed: only trustee i could have posted r2[i]
    binding = params.binding()
    received = {i: _evaluate(s1.coefficients, i, group.order)}
    complaints = []
    for d in range(1, params.n + 1):
        if d == i:
            continue
        ct = dict(r2[d].ciphertexts)[i]
        share = _decode_share(group, decrypt_share(s1.hpke_secret, ct, share_info(binding, d, i)))
        if share is None or not group.eq(group.mul_gen(share), expected_share_point(group, r1[d].commitments, i)):
            complaints.append(d)
        else:
            received[d] = share
    return received, complaints


def round3(
    state: Round2State, round2_messages: Sequence[Round2Message], rng: Rng | None = None
) -> tuple[Round3State, Round3Message]:
    """Decrypt the shares sent to this trustee and check them against the dealers' commitments."""
    s1 = state.round1
    received, complaints = _receive(state, round2_messages)
    message = Round3Message(s1.params.group, s1.index, tuple(complaints))._signed(
        s1.params, s1.auth_secret, s1.message.auth_key, rng
    )
    return Round3State(state, received, message), message


def resume_round2(state: Round1State, round1_messages: Sequence[Round1Message], posted: Round2Message) -> Round2State:
    """The round-2 state of a trustee whose round-2 message ``posted`` is already on the board (per-round CLI)."""
    params, i = state.params, state.index
    r1 = round1_table(params, round1_messages)
    if r1[i].to_payload() != state.message.to_payload():
        raise VerificationError(f"trustee {i}, round 1: the posted message is not this trustee's", where="round 1")
    if type(posted) is not Round2Message or posted.sender != i:
        raise VerificationError(f"trustee {i}, round 2: not this trustee's message", where="round 2")
    posted.check_signature(params, state.message.auth_key)
    return Round2State(state, r1, posted)


def resume_round3(state: Round2State, round2_messages: Sequence[Round2Message], posted: Round3Message) -> Round3State:
    """The round-3 state of a trustee whose round-3 message ``posted`` is already on the board (per-round CLI)."""
    s1 = state.round1
    if type(posted) is not Round3Message or posted.sender != s1.index:
        raise VerificationError(f"trustee {s1.index}, round 3: not this trustee's message", where="round 3")
    posted.check_signature(s1.params, s1.message.auth_key)
    received, complaints = _receive(state, round2_messages)
    if tuple(complaints) != posted.complaints:
        raise VerificationError(f"trustee {s1.index}, round 3: the posted complaints differ", where="round 3")
    return Round3State(state, received, posted)


def _decode_share(group: Group, plain: bytes | None) -> int | None:
    if plain is None:
        return None
    try:
        return group.decode_scalar(plain)
    except MalformedInput:
        return None


def answer(
    state: Round3State, round3_messages: Sequence[Round3Message], rng: Rng | None = None
) -> AnswerMessage | None:
    """The public answer to the complaints against this trustee (None when there are none)."""
    s1 = state.round2.round1
    params, i = s1.params, s1.index
    r3 = round3_table(params, state.round2.round1_messages, round3_messages)
    complainers = [j for j in sorted(r3) if i in r3[j].complaints]
    if not complainers:
        return None
    q = params.group.order
    shares = tuple((j, _evaluate(s1.coefficients, j, q)) for j in complainers)
    return AnswerMessage(params.group, i, shares)._signed(params, s1.auth_secret, s1.message.auth_key, rng)


def finish(
    state: Round3State, round3_messages: Sequence[Round3Message], answers: Sequence[AnswerMessage] = ()
) -> tuple[TrusteeShare, JointKey]:
    """This trustee's share ``s_i = Σ_{d∈QUAL} f_d(i)`` and the joint key (VerificationError if it failed)."""
    s1 = state.round2.round1
    params, i, r1 = s1.params, s1.index, state.round2.round1_messages
    group = params.group
    r3 = round3_table(params, r1, round3_messages)
    if r3[i].to_payload() != state.message.to_payload():
        raise VerificationError(f"trustee {i}, round 3: the posted message is not this trustee's", where="round 3")
    qualified, revealed = resolve(params, r1, r3, answers)
    secret = 0
    for d in qualified:
        share = state.received.get(d, revealed.get((d, i)))
        if share is None:  # pragma: no cover - resolve qualifies d only if it answered i's complaint
            raise VerificationError(f"trustee {i}: no valid share from dealer {d}")
        secret = (secret + share) % group.order
    joint = joint_key_from(params, r1, qualified)
    if not group.eq(group.mul_gen_secret(secret), joint.trustee_key(i)):  # pragma: no cover - shares were checked
        raise VerificationError(f"trustee {i}: the share does not match its verification key")
    return TrusteeShare(params.group_name, params.n, params.k, i, secret, joint.trustee_key(i)), joint


# ---------------------------------------------------------------------------
# the one-process ceremony


def run_ceremony(params: CeremonyParams, rng: Rng | None = None) -> tuple[list[Message], list[TrusteeShare], JointKey]:
    """All n trustees in one process: the public messages in posting order, the n shares, the joint key."""
    if not isinstance(params, CeremonyParams):
        raise MalformedInput("run_ceremony: expected CeremonyParams")
    started = [round1(params, i, rng) for i in range(1, params.n + 1)]
    r1 = [m for _, m in started]
    second = [round2(s, r1, rng) for s, _ in started]
    r2 = [m for _, m in second]
    third = [round3(s, r2, rng) for s, _ in second]
    r3 = [m for _, m in third]
    answers = [a for s, _ in third if (a := answer(s, r3, rng)) is not None]
    results = [finish(s, r3, answers) for s, _ in third]
    messages: list[Message] = [*r1, *r2, *r3, *answers]
    return messages, [share for share, _ in results], results[0][1]
