"""Key ceremony: honest runs on P-256 and EG4096, and every attack a trustee or an authority can mount."""

from __future__ import annotations

import dataclasses
import os
import pickle
from itertools import combinations

import pytest

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.ceremony import answer, finish, round1, round2, round3, run_ceremony, verify_ceremony
from zkmed.elections.ceremony_keys import JointKey, TrusteeShare
from zkmed.elections.ceremony_messages import (
    AnswerMessage,
    CeremonyParams,
    Round1Message,
    Round2Message,
    Round3Message,
    coefficient_context,
    message_from_payload,
)
from zkmed.elections.decryption import lagrange_at_zero
from zkmed.elections.hpke_shares import encrypt_share, share_info
from zkmed.encoding import b64_encode
from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion, VerificationError
from zkmed.hazmat.groups import get_group
from zkmed.proofs import DlogProof, prove_dlog

P = CeremonyParams("P256", 3, 2, b"election-context")


def _check_shares(params: CeremonyParams, shares: list[TrusteeShare], joint: JointKey) -> None:
    g = params.group
    for s in shares:
        assert g.eq(g.mul_gen(s.secret), joint.trustee_key(s.index))
    for subset in combinations(shares, params.k):  # every k shares interpolate to the joint secret
        lam = lagrange_at_zero([s.index for s in subset], g.order)
        secret = sum(x * s.secret for x, s in zip(lam, subset, strict=True)) % g.order
        assert g.eq(g.mul_gen(secret), joint.public_key)


def _reparse(params: CeremonyParams, messages: list) -> list:
    return [message_from_payload(params.group, m.to_payload()) for m in messages]


@pytest.fixture(scope="module")
def honest():
    return run_ceremony(P)


@pytest.mark.parametrize(("group", "n", "k"), [("P256", 1, 1), ("P256", 3, 2), ("P256", 5, 3), ("P256", 4, 4),
                                                ("EG4096", 3, 2)])  # fmt: skip
def test_honest_ceremony(group, n, k):
    params = CeremonyParams(group, n, k, b"ctx")
    messages, shares, joint = run_ceremony(params)
    assert [s.index for s in shares] == list(range(1, n + 1))
    assert joint.qualified == tuple(range(1, n + 1)) and (joint.n, joint.k) == (n, k)
    _check_shares(params, shares, joint)
    again = verify_ceremony(params, _reparse(params, messages))
    assert again.same(joint) and JointKey.from_json(joint.to_payload()).same(joint)
    assert len(messages) == 3 * n  # no complaints, no answers


def test_messages_round_trip_and_types(honest):
    messages, _, _ = honest
    g = P.group
    for m in messages:
        payload = m.to_payload()
        assert parse_json(payload)["type"].startswith("zkmed.election.ceremony-")
        again = type(m).from_payload(g, payload)
        assert again.to_payload() == payload
    with pytest.raises(MalformedInput):
        Round2Message.from_payload(g, messages[0].to_payload())  # a round-1 payload is not a round-2 message


# --------------------------------------------------------------------------- round 1 attacks


def _edit(payload: bytes, **changes) -> bytes:
    obj = parse_json(payload)
    obj.update(changes)
    return canonical_json(obj)


def test_round1_wrong_response_blames_the_trustee(honest):
    messages, _, _ = honest
    m = messages[1]
    bad = dataclasses.replace(
        m, proofs=(m.proofs[0], DlogProof(m.group, m.proofs[1].challenge, m.proofs[1].response + 1))
    )
    with pytest.raises(VerificationError, match="trustee 2, round 1: the proof of knowledge of coefficient 1"):
        verify_ceremony(P, [messages[0], bad, *messages[2:]])
    states = [round1(P, i) for i in (1, 2, 3)]
    r1 = [s[1] for s in states]
    r1[2] = dataclasses.replace(r1[2], proofs=(DlogProof(P.group, 1, 2), *r1[2].proofs[1:]))
    with pytest.raises(VerificationError, match="trustee 3, round 1") as info:
        round2(states[0][0], r1)
    assert info.value.where == "trustee 3, round 1"


@pytest.mark.parametrize("field", ["index", "context", "hpke_key", "auth_key", "commitment"])
def test_round1_proofs_do_not_replay(honest, field):
    """A round-1 message moved to another trustee, ceremony, HPKE key, signing key or commitment fails."""
    messages, _, _ = honest
    r1 = list(messages[:3])
    params = P
    if field == "index":
        r1[0], r1[1] = dataclasses.replace(r1[0], index=2), dataclasses.replace(r1[1], index=1)
    elif field == "context":
        params = dataclasses.replace(P, context=b"another election")
    elif field == "hpke_key":
        r1[0] = dataclasses.replace(r1[0], hpke_key=r1[1].hpke_key)
    elif field == "auth_key":
        r1[0] = dataclasses.replace(r1[0], auth_key=r1[1].auth_key)
    else:
        r1[0] = dataclasses.replace(r1[0], commitments=(r1[1].commitments[0], r1[0].commitments[1]))
    with pytest.raises(VerificationError, match="round 1"):
        verify_ceremony(params, [*r1, *messages[3:]])


def test_round1_count_and_params_checked(honest):
    messages, _, _ = honest
    with pytest.raises(VerificationError, match="expected 3 commitments"):
        verify_ceremony(CeremonyParams("P256", 3, 3, P.context), messages)
    with pytest.raises(VerificationError, match="message missing"):
        verify_ceremony(P, messages[1:])
    with pytest.raises(VerificationError, match="two messages from one trustee"):
        verify_ceremony(P, [messages[0], *messages])
    with pytest.raises(VerificationError, match="index out of range"):
        verify_ceremony(CeremonyParams("P256", 2, 2, P.context), messages)


@pytest.mark.parametrize("group", ["P256", "EG4096"])
def test_round1_payload_refuses_bad_elements(group):
    g = get_group(group)
    params = CeremonyParams(group, 2, 2, b"x")
    _, m = round1(params, 1)
    payload = m.to_payload()
    obj = parse_json(payload)
    bad_elements = [bytes(g.element_size), b"\xff" * g.element_size]  # identity / not on the curve, out of range
    if group == "EG4096":
        p = g.modulus  # p - 1 has order 2; 2 is not a quadratic residue... either way not in the order-q subgroup
        outside = [x for x in (p - 1, 2, 3, 5, 7) if pow(x, g.order, p) != 1]
        assert len(outside) >= 2
        bad_elements += [x.to_bytes(g.element_size, "big") for x in outside] + [p.to_bytes(g.element_size, "big")]
    else:
        bad_elements += [b"\x02" + b"\xff" * 32, b"\x05" + bytes(32)]
    for raw in bad_elements:
        for field in ("commitments", "auth_key"):
            value = [b64_encode(raw), obj["commitments"][1]] if field == "commitments" else b64_encode(raw)
            with pytest.raises(MalformedInput):
                Round1Message.from_payload(g, _edit(payload, **{field: value}))


def test_round1_payload_tampering(honest):
    messages, _, _ = honest
    g = P.group
    payload = messages[0].to_payload()
    for edit in [{"extra": 1}, {"trustee": 0}, {"trustee": 101}, {"trustee": True}, {"hpke_key": "AAAA"},
                 {"proofs": []}, {"version": 2}, {"type": "zkmed.election.ceremony-round2"}]:  # fmt: skip
        with pytest.raises(MalformedInput):
            Round1Message.from_payload(g, _edit(payload, **edit))
    with pytest.raises(UnsupportedVersion):
        Round1Message.from_payload(g, _edit(payload, version=2))
    with pytest.raises(MalformedInput):
        Round1Message.from_payload(g, payload + b" ")  # not canonical
    obj = parse_json(payload)
    del obj["auth_key"]
    with pytest.raises(MalformedInput, match="auth_key"):
        Round1Message.from_payload(g, canonical_json(obj))


# --------------------------------------------------------------------------- rounds 2-3, complaints


def _manual(params: CeremonyParams, tamper=None):
    """Run rounds 1-3 by hand; ``tamper(states1, r2)`` may replace round-2 messages."""
    s1 = [round1(params, i) for i in range(1, params.n + 1)]
    r1 = [m for _, m in s1]
    s2 = [round2(s, r1) for s, _ in s1]
    r2 = [m for _, m in s2]
    if tamper is not None:
        r2 = tamper([s for s, _ in s1], r2)
    third = [round3(s, r2) for s, _ in s2]
    return s1, [s for s, _ in third], [*r1, *r2, *(m for _, m in third)]


def _bad_share_to(params, dealer: int, recipient: int, *, wrong_ciphertext_of: int | None = None):
    """A tamper function: dealer sends recipient a share that does not match its commitments (signed by dealer)."""

    def tamper(states1, r2):
        g = params.group
        state = states1[dealer - 1]
        msg = r2[dealer - 1]
        cts = dict(msg.ciphertexts)
        if wrong_ciphertext_of is not None:  # the ciphertext made for another recipient (HPKE info differs)
            cts[recipient] = cts[wrong_ciphertext_of]
        else:
            wrong = g.encode_scalar(12345)
            key = states1[recipient - 1].message.hpke_key
            cts[recipient] = encrypt_share(key, wrong, share_info(params.binding(), dealer, recipient))
        forged = Round2Message(g, dealer, tuple(sorted(cts.items())))
        r2 = list(r2)
        r2[dealer - 1] = forged._signed(params, state.auth_secret, state.message.auth_key, None)
        return r2

    return tamper


@pytest.mark.parametrize("kind", ["wrong share", "replayed ciphertext"])
def test_complaint_answered_by_an_honest_dealer_clears_it(kind):
    other = 1 if kind == "replayed ciphertext" else None
    s1, s3, messages = _manual(P, _bad_share_to(P, 2, 3, wrong_ciphertext_of=other))
    r3 = [s.message for s in s3]
    assert r3[2].complaints == (2,) and r3[0].complaints == r3[1].complaints == ()
    answers = [a for s in s3 if (a := answer(s, r3)) is not None]
    assert [a.sender for a in answers] == [2] and [j for j, _ in answers[0].shares] == [3]
    results = [finish(s, r3, answers) for s in s3]
    joint = results[0][1]
    assert joint.qualified == (1, 2, 3)
    _check_shares(P, [s for s, _ in results], joint)
    assert verify_ceremony(P, _reparse(P, [*messages, *answers])).same(joint)


def test_unanswered_complaint_disqualifies_the_dealer():
    s1, s3, messages = _manual(P, _bad_share_to(P, 2, 3))
    r3 = [s.message for s in s3]
    results = [finish(s, r3, []) for s in s3]  # dealer 2 stays silent
    joint = results[0][1]
    assert joint.qualified == (1, 3)
    g = P.group
    assert g.eq(joint.public_key, g.add(messages[0].commitments[0], messages[2].commitments[0]))
    _check_shares(P, [s for s, _ in results], joint)
    assert verify_ceremony(P, messages).same(joint)


def test_answer_with_a_wrong_share_disqualifies_the_dealer():
    s1, s3, messages = _manual(P, _bad_share_to(P, 2, 3))
    r3 = [s.message for s in s3]
    honest_answer = answer(s3[1], r3)
    state = s1[1][0]
    lie = AnswerMessage(P.group, 2, ((3, 12345),))._signed(P, state.auth_secret, state.message.auth_key, None)
    assert verify_ceremony(P, [*messages, lie]).qualified == (1, 3)
    assert verify_ceremony(P, [*messages, honest_answer]).qualified == (1, 2, 3)
    forged = dataclasses.replace(honest_answer, shares=((3, 12345),))  # an authority rewrites the answer
    with pytest.raises(VerificationError, match="trustee 2, answer: invalid signature"):
        verify_ceremony(P, [*messages, forged])
    unasked = AnswerMessage(P.group, 1, ((2, 5),))._signed(P, s1[0][0].auth_secret, s1[0][0].message.auth_key, None)
    with pytest.raises(VerificationError, match="an answer without a complaint"):
        verify_ceremony(P, [*messages, honest_answer, unasked])
    with pytest.raises(VerificationError, match="two answers"):
        verify_ceremony(P, [*messages, honest_answer, honest_answer])


def test_too_many_disqualified_dealers_fail_the_ceremony():
    params = CeremonyParams("P256", 3, 3, b"q")
    s1, s3, messages = _manual(params, _bad_share_to(params, 1, 2))
    r3 = [s.message for s in s3]
    with pytest.raises(VerificationError, match="2 qualified dealers, quorum 3; disqualified .*trustees 1"):
        finish(s3[0], r3, [])
    with pytest.raises(VerificationError, match="quorum 3"):
        verify_ceremony(params, messages)


@pytest.mark.parametrize("round_index", [1, 2])
def test_signed_messages_cannot_be_forged(honest, round_index):
    """An authority that rewrites a round-2 or round-3 message (or signs with another key) is caught."""
    messages, _, _ = honest
    n = P.n
    at = round_index * n + 1  # trustee 2's round-2 / round-3 message
    m = messages[at]
    if round_index == 1:
        forged = dataclasses.replace(m, ciphertexts=(m.ciphertexts[1], m.ciphertexts[0]))
    else:
        forged = dataclasses.replace(m, complaints=(1,))
    label = "round 2" if round_index == 1 else "round 3"
    with pytest.raises(VerificationError, match=f"trustee 2, {label}: (invalid signature|expected one encrypted)"):
        verify_ceremony(P, [*messages[:at], forged, *messages[at + 1 :]])
    resigned = dataclasses.replace(m, signature=messages[at + 1].signature)  # trustee 3's signature
    with pytest.raises(VerificationError, match=f"trustee 2, {label}: invalid signature"):
        verify_ceremony(P, [*messages[:at], resigned, *messages[at + 1 :]])
    other = dataclasses.replace(P, context=b"elsewhere")
    with pytest.raises(VerificationError):
        verify_ceremony(other, messages)


def test_round2_must_address_every_other_trustee(honest):
    messages, _, _ = honest
    m = messages[3]  # trustee 1's round 2
    state = round1(P, 1)[0]  # any key: the share-list check runs after the signature check for the right key
    short = Round2Message(P.group, 1, m.ciphertexts[:1])
    with pytest.raises(VerificationError, match="trustee 1, round 2"):
        verify_ceremony(P, [*messages[:3], short._signed(P, state.auth_secret, state.message.auth_key, None),
                            *messages[4:]])  # fmt: skip
    payload = m.to_payload()
    shares = parse_json(payload)["shares"]
    for bad in ([shares[1], shares[0]], [shares[0], shares[0]], [{**shares[0], "recipient": 1}],
                [{**shares[0], "ciphertext": "AAAA"}], [{**shares[0], "extra": 1}]):  # fmt: skip
        with pytest.raises(MalformedInput):
            Round2Message.from_payload(P.group, _edit(payload, shares=bad))


def test_round3_and_answer_payload_checks(honest):
    messages, _, _ = honest
    payload = messages[6].to_payload()  # trustee 1's round 3
    assert Round3Message.from_payload(P.group, _edit(payload, complaints=[2, 3])).complaints == (2, 3)
    for complaints in [[3, 2], [2, 2], [1], [0], ["2"], [101]]:
        with pytest.raises(MalformedInput):
            Round3Message.from_payload(P.group, _edit(payload, complaints=complaints))
    g = P.group
    a = AnswerMessage(g, 2, ((1, 5), (3, 7)), messages[7].signature)
    data = a.to_payload()
    assert AnswerMessage.from_payload(g, data).shares == a.shares
    too_big = b64_encode(g.order.to_bytes(32, "big"))
    for shares in [[], [{"recipient": 2, "share": parse_json(data)["shares"][0]["share"]}],
                   [{"recipient": 1, "share": too_big}]]:  # fmt: skip
        with pytest.raises(MalformedInput):
            AnswerMessage.from_payload(g, _edit(data, shares=shares))


def test_round_functions_refuse_foreign_posts():
    a, _ = round1(P, 1)
    _, m2 = round1(P, 2)
    _, m3 = round1(P, 3)
    _, other = round1(P, 1)
    with pytest.raises(VerificationError, match="not this trustee's"):
        round2(a, [other, m2, m3])
    with pytest.raises(MalformedInput):
        round1(P, 0)
    with pytest.raises(MalformedInput):
        CeremonyParams("P256", 2, 3, b"")
    with pytest.raises(MalformedInput):
        CeremonyParams("nope", 2, 1, b"")


# --------------------------------------------------------------------------- key files


def test_trustee_share_file(tmp_path, honest):
    _, shares, _ = honest
    share = shares[0]
    assert str(share.secret) not in repr(share) and "secret" not in repr(share).replace("secret=", "")
    with pytest.raises(TypeError):
        pickle.dumps(share)
    path = tmp_path / "trustee-1.key"
    share.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert TrusteeShare.load(path) == share
    with pytest.raises(LedgerError, match="overwrite"):
        share.save(path)
    os.chmod(path, 0o644)
    with pytest.raises(LedgerError, match="readable by others"):
        TrusteeShare.load(path)
    data = share.to_bytes()
    with pytest.raises(MalformedInput, match="does not match"):
        TrusteeShare.from_bytes(_edit(data, public=parse_json(shares[1].to_bytes())["public"]))
    with pytest.raises(MalformedInput):
        TrusteeShare.from_bytes(_edit(data, trustee=4))
    with pytest.raises(MalformedInput):
        TrusteeShare.from_bytes(_edit(data, secret=b64_encode(P.group.order.to_bytes(32, "big"))))
    assert not list(tmp_path.glob(".zkmed-secret-*"))  # no temp file left behind


def test_joint_key_json(honest):
    _, _, joint = honest
    data = joint.to_payload()
    assert JointKey.from_json(data).same(joint)
    for edit in [{"n": 2}, {"k": 4}, {"qualified": [2, 1]}, {"qualified": []}, {"group": "P384"},
                 {"public_key": b64_encode(bytes(33))}]:  # fmt: skip
        with pytest.raises(MalformedInput):
            JointKey.from_json(_edit(data, **edit))


def test_eg4096_attacks():
    params = CeremonyParams("EG4096", 2, 2, b"eg")
    messages, shares, joint = run_ceremony(params)
    _check_shares(params, shares, joint)
    m = messages[0]
    bad = dataclasses.replace(
        m, proofs=(m.proofs[0], DlogProof(m.group, m.proofs[1].challenge, m.proofs[1].response ^ 1))
    )
    with pytest.raises(VerificationError, match="trustee 1, round 1: the proof of knowledge of coefficient 1"):
        verify_ceremony(params, [bad, *messages[1:]])
    r3 = messages[4]
    with pytest.raises(VerificationError, match="trustee 1, round 3: invalid signature"):
        verify_ceremony(params, [*messages[:4], dataclasses.replace(r3, complaints=(2,)), *messages[5:]])
    with pytest.raises(VerificationError, match="round 1"):  # a P-256 ceremony's parameters do not fit
        verify_ceremony(CeremonyParams("P256", 2, 2, b"eg"), messages)


@pytest.mark.parametrize("key", [bytes(32), b"\x01" + bytes(31)])
def test_low_order_hpke_key_is_blamed(key):
    """A trustee that posts a low-order X25519 key (no shared secret) is blamed in round 1, not a crash in round 2."""
    states = [round1(P, i) for i in (1, 2, 3)]
    r1 = [m for _, m in states]
    # the attacker re-proves its coefficients under the bad key (the proofs bind the key)
    s3 = states[2][0]
    auth = P.group.encode_element(s3.message.auth_key)
    proofs = tuple(
        prove_dlog(P.group, c, a, context=coefficient_context(P, 3, key, auth, j))
        for j, (c, a) in enumerate(zip(s3.message.commitments, s3.coefficients, strict=True))
    )
    r1[2] = dataclasses.replace(r1[2], hpke_key=key, proofs=proofs)
    with pytest.raises(VerificationError, match="trustee 3, round 1: the HPKE public key is unusable"):
        round2(states[0][0], r1)


def test_errors_point_at_the_message_at_fault(honest):
    """``position``: the index of the blamed message in the list (the repeated copy, the forged one), else None."""
    messages, _, _ = honest
    forged = dataclasses.replace(messages[7], complaints=(1,))  # trustee 2's round 3, rewritten
    cases = [
        ([*messages, forged], 9),  # a second round-3 message from trustee 2: the appended copy
        ([*messages[:7], forged, *messages[8:]], 7),  # the rewritten one, in place
        ([*messages[:2], *messages[3:]], None),  # trustee 3's round 1 missing
    ]
    for posted, position in cases:
        with pytest.raises(VerificationError) as info:
            verify_ceremony(P, posted)
        assert info.value.position == position, info.value  # type: ignore[attr-defined]
