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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

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
from zkmed.hazmat.groups import Element, Group
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


def _expected_share_point(group: Group, commitments: Sequence[Element], x: int) -> Element:
    """``Σ_l x^l·C_l``: what ``f(x)·G`` must equal."""
    q = group.order
    return group.msm([pow(x, e, q) for e in range(len(commitments))], list(commitments))


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
# public checks shared by the trustees and the auditor


def _table(params: CeremonyParams, messages: Sequence[Any], kind: type, round_name: str) -> dict[int, Any]:
    """Exactly one message of ``kind`` from each trustee 1..n (VerificationError naming the trustee otherwise)."""
    table: dict[int, Any] = {}
    for m in messages:
        if type(m) is not kind:
            raise VerificationError(f"{round_name}: expected {kind.__name__} messages")
        m = cast(Any, m)
        sender = m.index if kind is Round1Message else m.sender
        where = f"trustee {sender}, {round_name}"
        if m.group.name != params.group_name:
            raise VerificationError(f"{where}: message for group {m.group.name}", where=where)
        if not 1 <= sender <= params.n:
            raise VerificationError(f"{where}: trustee index out of range 1..{params.n}", where=where)
        if sender in table:
            raise VerificationError(f"{where}: two messages from one trustee", where=where)
        table[sender] = m
    for i in range(1, params.n + 1):
        if i not in table:
            where = f"trustee {i}, {round_name}"
            raise VerificationError(f"{where}: message missing", where=where)
    return table


def _round1_table(params: CeremonyParams, messages: Sequence[Round1Message]) -> dict[int, Round1Message]:
    table = _table(params, messages, Round1Message, "round 1")
    for i in sorted(table):
        table[i].verify(params)
    return table


def _round2_table(
    params: CeremonyParams, r1: dict[int, Round1Message], messages: Sequence[Round2Message]
) -> dict[int, Round2Message]:
    table = _table(params, messages, Round2Message, "round 2")
    for i in sorted(table):
        m = table[i]
        m.check_signature(params, r1[i].auth_key)
        if [j for j, _ in m.ciphertexts] != [j for j in range(1, params.n + 1) if j != i]:
            where = f"trustee {i}, round 2"
            raise VerificationError(f"{where}: expected one encrypted share per other trustee", where=where)
    return table


def _signed_table(
    params: CeremonyParams, r1: dict[int, Round1Message], messages: Sequence[Round3Message]
) -> dict[int, Round3Message]:
    table = _table(params, messages, Round3Message, "round 3")
    for i in sorted(table):
        table[i].check_signature(params, r1[i].auth_key)
    return table


def _resolve(
    params: CeremonyParams, r1: dict[int, Round1Message], r3: dict[int, Round3Message], answers: Sequence[AnswerMessage]
) -> tuple[tuple[int, ...], dict[tuple[int, int], int]]:
    """The qualified dealers and the shares revealed by answers ``{(dealer, recipient): f_dealer(recipient)}``."""
    group = params.group
    against: dict[int, list[int]] = {}
    for j in sorted(r3):
        for d in r3[j].complaints:
            if not 1 <= d <= params.n or d == j:
                where = f"trustee {j}, round 3"
                raise VerificationError(f"{where}: complaint against trustee {d}", where=where)
            against.setdefault(d, []).append(j)
    by_dealer: dict[int, AnswerMessage] = {}
    for a in answers:
        if type(a) is not AnswerMessage or a.group.name != params.group_name:
            raise VerificationError(f"answer: expected an AnswerMessage of {params.group_name}", where="answer")
        where = f"trustee {a.sender}, answer"
        if a.sender in by_dealer:
            raise VerificationError(f"{where}: two answers from one trustee", where=where)
        if a.sender not in against:
            raise VerificationError(f"{where}: an answer without a complaint", where=where)
        a.check_signature(params, r1[a.sender].auth_key)
        by_dealer[a.sender] = a
    disqualified: set[int] = set()
    revealed: dict[tuple[int, int], int] = {}
    for d, complainers in sorted(against.items()):
        reply = by_dealer.get(d)
        if reply is None or [j for j, _ in reply.shares] != complainers:
            disqualified.add(d)
            continue
        commitments = r1[d].commitments
        if all(group.eq(group.mul_gen(s), _expected_share_point(group, commitments, j)) for j, s in reply.shares):
            revealed.update({(d, j): s for j, s in reply.shares})
        else:
            disqualified.add(d)
    qualified = tuple(i for i in range(1, params.n + 1) if i not in disqualified)
    if len(qualified) < params.k:
        raise VerificationError(
            f"ceremony failed: {len(qualified)} qualified dealers, quorum {params.k}; disqualified (complaints not "
            f"answered with valid shares): trustees {', '.join(map(str, sorted(disqualified)))}",
            where="ceremony",
        )
    return qualified, revealed


def _joint_key(params: CeremonyParams, r1: dict[int, Round1Message], qualified: tuple[int, ...]) -> JointKey:
    group = params.group
    aggregate = [group.sum([r1[d].commitments[e] for d in qualified]) for e in range(params.k)]
    if group.is_identity(aggregate[0]):
        raise VerificationError("ceremony failed: the joint public key is the identity", where="ceremony")
    keys = tuple(_expected_share_point(group, aggregate, j) for j in range(1, params.n + 1))
    for j, key in enumerate(keys, 1):
        if group.is_identity(key):
            raise VerificationError(f"ceremony failed: trustee {j}'s verification key is the identity")
    return JointKey(params.group_name, params.n, params.k, aggregate[0], keys, qualified)


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
    r1 = _round1_table(params, round1_messages)
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
    r2 = _round2_table(params, r1, round2_messages)  # signed: only trustee i could have posted r2[i]
    binding = params.binding()
    received = {i: _evaluate(s1.coefficients, i, group.order)}
    complaints = []
    for d in range(1, params.n + 1):
        if d == i:
            continue
        ct = dict(r2[d].ciphertexts)[i]
        share = _decode_share(group, decrypt_share(s1.hpke_secret, ct, share_info(binding, d, i)))
        if share is None or not group.eq(group.mul_gen(share), _expected_share_point(group, r1[d].commitments, i)):
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
    r1 = _round1_table(params, round1_messages)
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
    r3 = _signed_table(params, state.round2.round1_messages, round3_messages)
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
    r3 = _signed_table(params, r1, round3_messages)
    if r3[i].to_payload() != state.message.to_payload():
        raise VerificationError(f"trustee {i}, round 3: the posted message is not this trustee's", where="round 3")
    qualified, revealed = _resolve(params, r1, r3, answers)
    secret = 0
    for d in qualified:
        share = state.received.get(d, revealed.get((d, i)))
        if share is None:  # pragma: no cover - _resolve qualifies d only if it answered i's complaint
            raise VerificationError(f"trustee {i}: no valid share from dealer {d}")
        secret = (secret + share) % group.order
    joint = _joint_key(params, r1, qualified)
    if not group.eq(group.mul_gen_secret(secret), joint.trustee_key(i)):  # pragma: no cover - shares were checked
        raise VerificationError(f"trustee {i}: the share does not match its verification key")
    return TrusteeShare(params.group_name, params.n, params.k, i, secret, joint.trustee_key(i)), joint


# ---------------------------------------------------------------------------
# the auditor and the one-process ceremony


def verify_ceremony(params: CeremonyParams, messages: Sequence[Message]) -> JointKey:
    """Re-check every public message of a ceremony and recompute the joint key from them.

    Steps (docs/election-ceremony.md §Verification): one round-1 message per trustee, every
    proof of knowledge; one signed round-2 message per trustee with a share for every other
    trustee; one signed round-3 message per trustee; every answer signed and its revealed
    shares checked; the qualified dealers (at least k); ``K`` and ``K_1..K_n``.

    A VerificationError names the trustee and round (``where = "trustee i, round r"`` or
    ``"trustee i, answer"``) and carries ``position``: the index in ``messages`` of the message
    at fault (the second one for a repeated message), or None (a missing message, a failed ceremony).
    """
    if not isinstance(params, CeremonyParams):
        raise MalformedInput("verify_ceremony: expected CeremonyParams")
    by_kind: dict[type, list[Any]] = {Round1Message: [], Round2Message: [], Round3Message: [], AnswerMessage: []}
    for m in messages:
        if type(m) not in by_kind:
            raise VerificationError(f"ceremony: not a ceremony message: {type(m).__name__}")
        by_kind[type(m)].append(m)
    try:
        r1 = _round1_table(params, by_kind[Round1Message])
        _round2_table(params, r1, by_kind[Round2Message])
        r3 = _signed_table(params, r1, by_kind[Round3Message])
        qualified, _ = _resolve(params, r1, r3, by_kind[AnswerMessage])
        return _joint_key(params, r1, qualified)
    except VerificationError as exc:
        exc.position = _position(messages, exc)  # type: ignore[attr-defined]
        raise


_KIND_OF_ROUND = {"round 1": Round1Message, "round 2": Round2Message, "round 3": Round3Message, "answer": AnswerMessage}


def _position(messages: Sequence[Message], exc: VerificationError) -> int | None:
    """Where in ``messages`` the message an error blames is (the last of its kind and sender if repeated)."""
    found = re.match(r"trustee (\d+), (round \d|answer)$", exc.where or "")
    if found is None:
        return None
    sender, kind = int(found.group(1)), _KIND_OF_ROUND[found.group(2)]
    hits = [
        n for n, m in enumerate(messages) if type(m) is kind and getattr(m, "sender", getattr(m, "index", 0)) == sender
    ]
    if not hits:
        return None
    return hits[-1] if "two " in exc.message else hits[0]


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
