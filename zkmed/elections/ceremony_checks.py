"""The ceremony's public checks, shared by every trustee and by the auditor (:func:`verify_ceremony`).

One message per trustee and round (:func:`message_table`), the round-1 proofs of knowledge,
the signatures of the later rounds, complaints resolved by answers (:func:`resolve`: the
qualified dealers), and the joint key they give (:func:`joint_key_from`).  The rule set and
the numbered steps C1–C8: ``docs/election-ceremony.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from zkmed.elections.ceremony_keys import JointKey
from zkmed.elections.ceremony_messages import (
    AnswerMessage,
    CeremonyParams,
    Message,
    Round1Message,
    Round2Message,
    Round3Message,
)
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import Element, Group

__all__ = [
    "expected_share_point", "joint_key_from", "message_table", "resolve", "round1_table", "round2_table",
    "round3_table", "verify_ceremony",
]  # fmt: skip


def expected_share_point(group: Group, commitments: Sequence[Element], x: int) -> Element:
    """``Σ_l x^l·C_l``: what ``f(x)·G`` must equal."""
    q = group.order
    return group.msm([pow(x, e, q) for e in range(len(commitments))], list(commitments))


# ---------------------------------------------------------------------------
# public checks shared by the trustees and the auditor


def message_table(params: CeremonyParams, messages: Sequence[Any], kind: type, round_name: str) -> dict[int, Any]:
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


def round1_table(params: CeremonyParams, messages: Sequence[Round1Message]) -> dict[int, Round1Message]:
    table = message_table(params, messages, Round1Message, "round 1")
    for i in sorted(table):
        table[i].verify(params)
    return table


def round2_table(
    params: CeremonyParams, r1: dict[int, Round1Message], messages: Sequence[Round2Message]
) -> dict[int, Round2Message]:
    table = message_table(params, messages, Round2Message, "round 2")
    for i in sorted(table):
        m = table[i]
        m.check_signature(params, r1[i].auth_key)
        if [j for j, _ in m.ciphertexts] != [j for j in range(1, params.n + 1) if j != i]:
            where = f"trustee {i}, round 2"
            raise VerificationError(f"{where}: expected one encrypted share per other trustee", where=where)
    return table


def round3_table(
    params: CeremonyParams, r1: dict[int, Round1Message], messages: Sequence[Round3Message]
) -> dict[int, Round3Message]:
    table = message_table(params, messages, Round3Message, "round 3")
    for i in sorted(table):
        table[i].check_signature(params, r1[i].auth_key)
    return table


def resolve(
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
        if all(group.eq(group.mul_gen(s), expected_share_point(group, commitments, j)) for j, s in reply.shares):
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


def joint_key_from(params: CeremonyParams, r1: dict[int, Round1Message], qualified: tuple[int, ...]) -> JointKey:
    group = params.group
    aggregate = [group.sum([r1[d].commitments[e] for d in qualified]) for e in range(params.k)]
    if group.is_identity(aggregate[0]):
        raise VerificationError("ceremony failed: the joint public key is the identity", where="ceremony")
    keys = tuple(expected_share_point(group, aggregate, j) for j in range(1, params.n + 1))
    for j, key in enumerate(keys, 1):
        if group.is_identity(key):
            raise VerificationError(f"ceremony failed: trustee {j}'s verification key is the identity")
    return JointKey(params.group_name, params.n, params.k, aggregate[0], keys, qualified)


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
        r1 = round1_table(params, by_kind[Round1Message])
        round2_table(params, r1, by_kind[Round2Message])
        r3 = round3_table(params, r1, by_kind[Round3Message])
        qualified, _ = resolve(params, r1, r3, by_kind[AnswerMessage])
        return joint_key_from(params, r1, qualified)
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
