"""Consent grants and revocations: signed by the patient, checked on the ledger; each refusal can fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkmed.canonical_json import canonical_json
from zkmed.errors import MalformedInput, UnsupportedVersion, VerificationError
from zkmed.ledger import Ledger
from zkmed.records import consent
from zkmed.records.consent import (
    GRANT_ENTRY,
    REVOCATION_ENTRY,
    Grant,
    Revocation,
    find_grant,
    grant_consent,
    list_grants,
    require_active_grant,
    revoke_consent,
)
from zkmed.records.keys import HolderKey

T0 = 1_800_000_000_000  # a fixed clock
DAY = 86_400_000
GENDER, HBA1C = "Patient.gender", "Observation[4548-4].value"


@pytest.fixture
def board(tmp_path: Path) -> Ledger:
    led = Ledger.init(tmp_path / "board", authorities=1, threshold=1, clock=lambda: T0)
    yield led
    led.close()


@pytest.fixture(scope="module")
def alice() -> HolderKey:
    return HolderKey.generate()


@pytest.fixture(scope="module")
def mallory() -> HolderKey:
    return HolderKey.generate()


def _grant(board: Ledger, holder: HolderKey, **terms: object) -> Grant:
    defaults: dict[str, object] = {
        "grantee": "clinic",
        "attributes": [GENDER],
        "policies": ["adult"],
        "end_ms": T0 + DAY,
    }
    return grant_consent(board, holder, **(defaults | terms))


def _require(board: Ledger, holder: HolderKey, **ask: object) -> Grant:
    request: dict[str, object] = {
        "patient": holder.public,
        "grantee": "clinic",
        "attributes": [GENDER],
        "policies": ["adult"],
        "at_ms": T0 + 1,
    }
    return require_active_grant(board, **(request | ask))  # type: ignore[arg-type]


def test_active_grant_is_found_and_covers_subsets(board: Ledger, alice: HolderKey) -> None:
    g = _grant(board, alice)
    assert g.seq == 0 and len(g.id) == 64
    assert _require(board, alice).id == g.id
    assert _require(board, alice, attributes=[], policies=["adult"]).id == g.id
    assert _require(board, alice, attributes=[GENDER], policies=[]).id == g.id
    assert _require(board, alice, at_ms=T0).id == g.id  # valid from its issue time
    assert _require(board, alice, at_ms=T0 + DAY - 1).id == g.id


def test_no_grant_at_all_is_refused(board: Ledger, alice: HolderKey) -> None:
    with pytest.raises(VerificationError, match="no active consent grant"):
        _require(board, alice)


def test_revoked_grant_is_refused(board: Ledger, alice: HolderKey) -> None:
    g = _grant(board, alice)
    _require(board, alice)
    r = revoke_consent(board, alice, g.id[:12])
    assert r.grant_id == g.id and r.seq == 1
    with pytest.raises(VerificationError, match="no active consent grant.*was revoked"):
        _require(board, alice)
    with pytest.raises(VerificationError, match="revoked"):  # also at a time before the revocation
        _require(board, alice, at_ms=T0)
    (state,) = list_grants(board, at_ms=T0 + 1)
    assert state.state == "revoked" and state.revocation == r
    with pytest.raises(MalformedInput, match="already revoked"):
        revoke_consent(board, alice, g.id)


def test_expired_and_not_yet_valid_grants_are_refused(board: Ledger, alice: HolderKey) -> None:
    _grant(board, alice, start_ms=T0 + 10, end_ms=T0 + 20)
    assert _require(board, alice, at_ms=T0 + 19)
    with pytest.raises(VerificationError, match="expired at"):
        _require(board, alice, at_ms=T0 + 20)  # the end is exclusive
    with pytest.raises(VerificationError, match="valid from"):
        _require(board, alice, at_ms=T0 + 9)
    assert [s.state for s in list_grants(board, at_ms=T0 + 20)] == ["expired"]


@pytest.mark.parametrize(
    "ask",
    [
        {"grantee": "other-clinic"},
        {"policies": ["hba1c-controlled"]},
        {"attributes": [HBA1C]},
        {"attributes": [GENDER, HBA1C]},
        {"full_record": True},
        {"purpose": "HRESCH"},
    ],
    ids=["grantee", "policy", "attribute", "one-more-attribute", "full-record", "purpose"],
)
def test_grant_for_another_grantee_policy_or_attribute_is_refused(board: Ledger, alice: HolderKey, ask: dict) -> None:
    _grant(board, alice)
    _require(board, alice)
    with pytest.raises(VerificationError, match="no active consent grant"):
        _require(board, alice, **ask)


def test_grant_of_another_patient_is_refused(board: Ledger, alice: HolderKey, mallory: HolderKey) -> None:
    _grant(board, mallory)
    with pytest.raises(VerificationError, match="no active consent grant"):
        _require(board, alice)


def _forge(grant: Grant, signer: HolderKey) -> bytes:
    """``grant``'s payload with the signature of ``signer`` over its message."""
    obj = grant.to_json() | {"signature": __import__("base64").b64encode(signer.sign(grant.message())).decode()}
    return canonical_json(obj)


def test_forged_grant_signature_is_refused(board: Ledger, alice: HolderKey, mallory: HolderKey) -> None:
    """A grant naming Alice's key but signed by another key is on the ledger, and ignored."""
    genuine = Grant.create(
        alice, grantee="clinic", attributes=[GENDER], policies=["adult"], issued_ms=T0, end_ms=T0 + DAY
    )
    board.append(GRANT_ENTRY, _forge(genuine, mallory))
    with pytest.raises(VerificationError, match="no active consent grant"):
        _require(board, alice)
    assert [s.state for s in list_grants(board, at_ms=T0)] == ["invalid"]
    with pytest.raises(VerificationError, match="not the patient's"):
        Grant.from_payload(_forge(genuine, mallory)).verify()
    # the control: the genuine signature is accepted
    board.append(GRANT_ENTRY, genuine.payload())
    assert _require(board, alice).id == genuine.id


@pytest.mark.parametrize(
    "path, value",
    [
        (("consent", "provision", "actor", 0, "reference", "identifier", "value"), "mallory-clinic"),
        (("consent", "provision", "period", "end"), "2099-01-01T00:00:00.000Z"),
        (("consent", "provision", "type"), "deny"),
        (("consent", "provision", "code", 0, "coding", 0, "code"), "Patient.birthDate"),
        (("consent", "provision", "purpose", 0, "code"), "HRESCH"),
        (("consent", "dateTime"), "2020-01-01T00:00:00.000Z"),
    ],
    ids=["grantee", "expiry", "provision", "attribute", "purpose", "issued"],
)
def test_altered_grant_fails_its_signature(alice: HolderKey, path: tuple, value: str) -> None:
    g = Grant.create(alice, grantee="clinic", attributes=[GENDER], issued_ms=T0, end_ms=T0 + DAY)
    obj = json.loads(g.payload())
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    altered = Grant.from_payload(canonical_json(obj))
    assert altered.id != g.id
    with pytest.raises(VerificationError):
        altered.verify()
    g.verify()


def test_revocation_by_another_key_does_not_revoke(board: Ledger, alice: HolderKey, mallory: HolderKey) -> None:
    g = _grant(board, alice)
    board.append(REVOCATION_ENTRY, Revocation.create(mallory, g.id, at_ms=T0).payload())
    assert _require(board, alice).id == g.id
    # naming Alice's key, signed by Mallory's
    claimed = Revocation(alice.public, g.id, T0, bytes(64))
    forged = Revocation(alice.public, g.id, T0, mallory.sign(claimed.message()))
    board.append(REVOCATION_ENTRY, forged.payload())
    assert _require(board, alice).id == g.id
    with pytest.raises(VerificationError):
        forged.verify()
    with pytest.raises(MalformedInput, match="not given by this holder"):
        revoke_consent(board, mallory, g.id)


def test_deny_overrides_permit(board: Ledger, alice: HolderKey) -> None:
    _grant(board, alice)
    _grant(board, alice, provision="deny", attributes=[], policies=["adult"])
    with pytest.raises(VerificationError, match="denies clinic"):
        _require(board, alice)
    assert _require(board, alice, policies=[])  # the deny names only the policy


def test_newest_covering_grant_is_returned_and_purpose_checked(board: Ledger, alice: HolderKey) -> None:
    _grant(board, alice)
    g2 = _grant(board, alice, purposes=["TREAT", "HRESCH"], issued_ms=T0 + 1)
    assert _require(board, alice, at_ms=T0 + 2).id == g2.id
    assert _require(board, alice, at_ms=T0 + 2, purpose="HRESCH").id == g2.id


def test_round_trip_and_canonical_form(alice: HolderKey) -> None:
    g = Grant.create(
        alice,
        grantee="https://clinic.example/ü",
        attributes=[HBA1C, GENDER],
        policies=["adult"],
        issued_ms=T0,
        end_ms=T0 + DAY,
    )
    assert g.attributes == (HBA1C, GENDER)  # sorted
    again = Grant.from_payload(g.payload())
    assert again == g and again.id == g.id
    again.verify()
    obj = json.loads(g.payload())
    for mutate in (
        lambda o: o.update(extra=1),
        lambda o: o["consent"].update(note="x"),
        lambda o: o["consent"]["provision"]["code"].reverse(),
        lambda o: o["consent"].update(status="draft"),
        lambda o: o["consent"]["provision"]["period"].update(end="2027-01-01T00:00:00Z"),
        lambda o: o["consent"]["provision"]["actor"].append(o["consent"]["provision"]["actor"][0]),
    ):
        bad = json.loads(g.payload())
        mutate(bad)
        with pytest.raises(MalformedInput):
            Grant.from_json(bad)
    with pytest.raises(UnsupportedVersion):
        Grant.from_json(obj | {"version": 2})
    r = Revocation.create(alice, g.id, at_ms=T0)
    assert Revocation.from_payload(r.payload()) == r
    with pytest.raises(MalformedInput):
        Revocation.from_json(json.loads(r.payload()) | {"extra": 1})


def test_fhir_r4_shapes(alice: HolderKey) -> None:
    from fhir.resources.R4B.consent import Consent

    g = Grant.create(
        alice, grantee="clinic", policies=["adult"], purposes=["TREAT", "ETREAT"], issued_ms=T0, end_ms=T0 + DAY
    )
    fhir = Consent.model_validate(g.to_json()["consent"])
    assert fhir.status == "active" and fhir.provision.type == "permit"
    assert fhir.provision.actor[0].reference.identifier.value == "clinic"
    Consent.model_validate(Revocation.create(alice, g.id, at_ms=T0).to_json()["consent"])


@pytest.mark.parametrize(
    "terms, match",
    [
        ({"attributes": [], "policies": []}, "covers attributes, policies or the full record"),
        ({"attributes": ["age >= 18"]}, "is not a name"),
        ({"attributes": ["6.8"]}, "is not a name"),
        ({"grantee": "two words"}, "grantee"),
        ({"grantee": ""}, "grantee"),
        ({"purposes": ["SELL"]}, "purposes"),
        ({"purposes": []}, "purposes"),
        ({"end_ms": T0}, "end after it starts"),
        ({"provision": "maybe"}, "permit"),
        ({"recipient": bytes(32)}, "full record"),
        ({"full_record": True, "recipient": bytes(31)}, "32 bytes"),
    ],
)
def test_bad_terms_are_refused(alice: HolderKey, terms: dict, match: str) -> None:
    base: dict[str, object] = {"grantee": "clinic", "attributes": [GENDER], "issued_ms": T0, "end_ms": T0 + DAY}
    with pytest.raises(MalformedInput, match=match):
        Grant.create(alice, **(base | terms))  # type: ignore[arg-type]


def test_find_grant_by_prefix(board: Ledger, alice: HolderKey) -> None:
    g = _grant(board, alice)
    assert find_grant(board, g.id[:8]).id == g.id
    for bad in ("", "abc", "ZZZZZZZZ", g.id + "00"):
        with pytest.raises(MalformedInput):
            find_grant(board, bad)
    with pytest.raises(VerificationError, match="no consent grant"):
        find_grant(board, "0" * 64 if not g.id.startswith("0") else "1" * 64)


def test_list_filters_and_junk_entries(board: Ledger, alice: HolderKey, mallory: HolderKey) -> None:
    board.append(GRANT_ENTRY, b'{"not":"a grant"}')
    board.append(REVOCATION_ENTRY, b"\xff")
    a = _grant(board, alice)
    m = _grant(board, mallory, grantee="lab")
    assert [s.grant.id for s in list_grants(board, at_ms=T0)] == [a.id, m.id]
    assert [s.grant.id for s in list_grants(board, at_ms=T0, patient=alice.public)] == [a.id]
    assert [s.grant.id for s in list_grants(board, at_ms=T0, grantee="lab")] == [m.id]
    doc = consent.consent_list_json(list_grants(board, at_ms=T0), T0)
    assert doc["type"] == "zkmed.records.consent-list" and [x["state"] for x in doc["grants"]] == ["active"] * 2
