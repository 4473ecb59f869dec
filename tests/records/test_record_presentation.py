"""Presentations end to end: reveal, predicates, binding, and every way a presentation must fail."""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal

import pytest
from records_support import (
    ANTONIO,
    CAMMY,
    TODAY,
    bundle_json,
    condition,
    credential_for,
    holder,
    issuer,
    observation,
    resign,
    sample_credential,
)

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.records.attributes import date_to_day
from zkmed.records.credential import load_credential
from zkmed.records.keys import HolderKey, IssuerKey
from zkmed.records.presentation import Presentation, evaluate_presentation, present, verify_presentation
from zkmed.records.request import Request

ISSUE = ("Observation[4548-4].value < 7.0 %", "age >= 18", "Condition.code in {44054006, 15777000}")


def _present(cred=None, reveal=("Patient.gender",), prove=ISSUE, nonce="n-1", audience="clinic-a", date=TODAY):
    return present(
        cred or sample_credential(), holder(), Request(nonce, audience, reveal=reveal, prove=prove), date=date
    )


def _verify(data, nonce="n-1", audience="clinic-a", key=None, today=TODAY):
    verify_presentation(data, key or issuer().public, nonce=nonce, audience=audience, today=today)


@pytest.fixture(scope="module")
def full() -> bytes:
    return _present().to_bytes()


def test_issue_example_verifies_and_reports(full):
    _verify(full)
    report = evaluate_presentation(full, issuer().public, nonce="n-1", audience="clinic-a", today=TODAY)
    assert report.ok
    assert report.revealed == [{"name": "Patient.gender", "value": "female", "unit": "", "kind": "code"}]
    assert [p["predicate"] for p in report.predicates] == list(ISSUE)
    assert all(p["result"] == "verified" for p in report.predicates)


def test_credential_file_round_trip_and_tamper():
    cred = sample_credential()
    data = cred.to_bytes()
    assert load_credential(data).header == cred.header
    obj = json.loads(data)
    forged = json.loads(data)
    row = next(r for r in forged["attributes"] if r["name"] == "Observation[4548-4].value")
    row["value"] = "5.0"  # altered value: the commitment no longer opens
    with pytest.raises(VerificationError, match="does not open"):
        load_credential(canonical_json(forged))
    forged = json.loads(data)
    forged["header"]["issued_at"] += 1  # altered header: the issuer signature fails
    with pytest.raises(VerificationError):
        load_credential(canonical_json(forged))
    forged = json.loads(data)
    forged["attributes"].append(forged["attributes"][0])  # an attribute twice
    with pytest.raises((MalformedInput, VerificationError)):
        load_credential(canonical_json(forged))
    forged = json.loads(data)
    forged["attributes"][0]["salt"] = b64_encode(bytes(16))  # an entry the issuer did not sign
    with pytest.raises(VerificationError, match="signed digests"):
        load_credential(canonical_json(forged))
    # decoys pad the signed digests to a multiple of 32
    assert len(cred.header.digests) % 32 == 0 and len(cred.header.digests) > len(cred.entries)
    # a credential forged by another issuer key over the same header
    other = IssuerKey.generate()
    forged = dict(obj, header=dict(obj["header"], issuer=b64_encode(other.public.raw)))
    with pytest.raises(VerificationError):
        load_credential(canonical_json(forged))


def test_another_issuer_key_replay_and_audience(full):
    with pytest.raises(VerificationError, match="issued by key"):
        _verify(full, key=IssuerKey.generate().public)
    with pytest.raises(VerificationError, match="nonce"):
        _verify(full, nonce="n-2")
    with pytest.raises(VerificationError, match="addressed to"):
        _verify(full, audience="clinic-b")
    with pytest.raises(VerificationError, match="dated"):
        _verify(full, today=TODAY.replace(year=2027))


def test_re_addressing_needs_the_holder_key(full):
    obj = json.loads(full)
    obj["audience"] = "clinic-b"
    with pytest.raises(VerificationError, match="holder signature"):
        _verify(canonical_json(obj), audience="clinic-b")
    # the holder re-signing for another audience: the predicate proofs are bound to the old one
    with pytest.raises(VerificationError):
        _verify(resign(obj), audience="clinic-b")
    obj = json.loads(full)
    obj["nonce"] = "n-9"
    with pytest.raises(VerificationError):
        _verify(resign(obj), nonce="n-9")
    # another holder key cannot sign for this credential
    with pytest.raises(VerificationError):
        _verify(resign(json.loads(full), HolderKey.generate()))


def test_tampered_revealed_value(full):
    obj = json.loads(full)
    obj["reveal"][0]["value"] = "male"
    with pytest.raises(VerificationError, match="does not open"):
        _verify(resign(obj))
    obj = json.loads(full)
    obj["reveal"][0]["blinding"] = b64_encode((12345).to_bytes(32, "big"))
    with pytest.raises(VerificationError, match="does not open"):
        _verify(resign(obj))


def test_predicate_proof_moved_to_another_attribute():
    pres = _present(reveal=(), prove=("Observation[4548-4].value < 7.0 %", "Observation[2339-0].value < 200 mg/dL"))
    obj = pres.obj
    a, b = obj["predicates"]
    # swap the proofs between the two attributes, and rename the predicates to match the other attribute
    moved = dict(obj, predicates=[dict(a, proof=b["proof"]), dict(b, proof=a["proof"])])
    with pytest.raises(VerificationError):
        _verify(resign(moved))
    moved = dict(obj, predicates=[dict(a, entry=b["entry"])])
    with pytest.raises(VerificationError, match="attached to"):
        _verify(resign(moved))
    # a true statement about another attribute (same unit) carried by this attribute's proof
    pres = _present(reveal=(), prove=("Observation[2339-0].value < 200 mg/dL", "Observation[2093-3].value < 300 mg/dL"))
    obj = pres.obj
    names = [e["name"] for e in obj["entries"]]
    glucose = next(r for r in obj["predicates"] if names[r["entry"]] == "Observation[2339-0].value")
    chol = next(r for r in obj["predicates"] if names[r["entry"]] == "Observation[2093-3].value")
    moved_row = dict(chol, predicate="Observation[2093-3].value < 200 mg/dL", proof=glucose["proof"])
    _verify(pres.to_bytes())
    with pytest.raises(VerificationError):
        _verify(resign(dict(obj, predicates=[glucose, moved_row])))
    assert sample_credential().find("Observation[2093-3].value")


def test_every_field_tampered_fails(full):
    obj = json.loads(full)
    for key in ("credential", "issuer_signature", "date", "policies", "entries", "predicates"):
        bad = json.loads(full)
        if key == "credential":
            bad[key]["issued_at"] += 1
        elif key == "issuer_signature":
            sig = bytearray(b64_decode(bad[key]))
            sig[0] ^= 1
            bad[key] = b64_encode(bytes(sig))
        elif key == "date":
            bad[key] = "2026-12-02"
        elif key == "policies":
            bad[key] = ["adult", "hba1c-controlled", "diabetes-dx", "nope"]
        elif key == "entries":
            bad[key][0]["salt"] = b64_encode(bytes(16))
        else:
            proof = bytearray(b64_decode(bad[key][0]["proof"]))
            proof[-1] ^= 1
            bad[key][0]["proof"] = b64_encode(bytes(proof))
        with pytest.raises((VerificationError, MalformedInput)):
            _verify(resign(bad))
    assert obj == json.loads(full)


def test_false_predicate_missing_result_wrong_unit():
    with pytest.raises(ProvingError, match="refusing to prove 'Observation\\[4548-4\\].value < 6.0 %'"):
        _present(prove=("Observation[4548-4].value < 6.0 %",))
    with pytest.raises(MalformedInput, match="unit 'mmol/mol'"):
        _present(prove=("Observation[4548-4].value < 53 mmol/mol",))
    with pytest.raises(MalformedInput, match="no unit"):
        _present(prove=("Observation[4548-4].value < 7.0",))
    with pytest.raises(MalformedInput, match="scale"):
        _present(prove=("Observation[4548-4].value < 7.05 %",))
    with pytest.raises(MalformedInput, match="no unit"):
        _present(prove=("Observation[4548-4].value in {6.1, 6.2}",))
    _verify(_present(prove=("Observation[4548-4].value in {6.1, 6.2} %",)).to_bytes())
    young = credential_for(ANTONIO.read_bytes())
    with pytest.raises(ProvingError, match="no result for LOINC 4548-4"):
        _present(young, prove=("hba1c-controlled",))
    with pytest.raises(ProvingError, match="refusing"):
        _present(credential_for(CAMMY.read_bytes()), prove=("diabetes-dx",))  # prediabetes only


def test_boundary_at_the_credential_scale():
    cred = credential_for(bundle_json(resources=[observation("4548-4", Decimal("6.95"), "%", "2020-01-01T00:00:00Z")]))
    with pytest.raises(ProvingError):
        _present(cred, reveal=(), prove=("Observation[4548-4].value < 7.0 %",))  # 6.95 is 7.0 at scale 1
    _verify(_present(cred, reveal=(), prove=("Observation[4548-4].value <= 7.0 %",)).to_bytes())
    _verify(_present(cred, reveal=(), prove=("Observation[4548-4].value >= 7.0 %",)).to_bytes())
    _verify(_present(cred, reveal=(), prove=("Observation[4548-4].value = 7.0 %",)).to_bytes())
    _verify(_present(cred, reveal=(), prove=("Observation[4548-4].value between 7.0 and 7.0 %",)).to_bytes())
    with pytest.raises(ProvingError):
        _present(cred, reveal=(), prove=("Observation[4548-4].value > 7.0 %",))


@pytest.mark.parametrize(
    ("birth", "ok"),
    [("2008-12-03", True), ("2008-12-04", False), ("2008-02-29", True)],
)
def test_age_exactly(birth, ok):
    cred = credential_for(bundle_json(birth=birth))
    if ok:
        _verify(_present(cred, reveal=(), prove=("age >= 18", "adult")).to_bytes())
        with pytest.raises(ProvingError):
            _present(cred, reveal=(), prove=("age < 18",))
    else:
        with pytest.raises(ProvingError):
            _present(cred, reveal=(), prove=("adult",))
        _verify(_present(cred, reveal=(), prove=("age < 18", "age <= 17", "age > 16")).to_bytes())


def test_leap_day_birthday():
    import datetime as dt

    cred = credential_for(bundle_json(birth="2008-02-29"))
    with pytest.raises(ProvingError):
        _present(cred, reveal=(), prove=("age >= 18",), date=dt.date(2026, 2, 28))
    pres = _present(cred, reveal=(), prove=("age >= 18",), date=dt.date(2026, 3, 1))
    _verify(pres.to_bytes(), today=dt.date(2026, 3, 1))


def test_sets_codes_and_strings():
    cred = credential_for(
        bundle_json(given="Zoë", family="Ñúñez", resources=[condition("44054006"), condition("38341003")])
    )
    pres = _present(
        cred,
        reveal=("Patient.name.given", "Patient.name.family"),
        prove=("Patient.gender in {female, other}", "Condition.code in {1, 2, 38341003}", "diabetes-dx",
               'Patient.name.family = "Ñúñez"'),
    )  # fmt: skip
    _verify(pres.to_bytes())
    report = evaluate_presentation(pres.to_bytes(), issuer().public, nonce="n-1", audience="clinic-a", today=TODAY)
    assert [r["value"] for r in report.revealed] == ["Zoë", "Ñúñez"]
    with pytest.raises(MalformedInput, match="order predicates"):
        _present(cred, reveal=(), prove=("Patient.gender < 5",))


def test_hidden_values_never_appear(full, caplog):
    caplog.set_level(logging.DEBUG)
    data = credential_for(
        bundle_json(given="Ximena", birth="1977-03-09", resources=[
            observation("4548-4", Decimal("6.318428408005564"), "%", "2020-01-01T00:00:00Z"),
            condition("44054006"), condition("38341003"),
        ])
    )  # fmt: skip
    pres = _present(data, reveal=("Patient.gender",), prove=ISSUE[:2] + ("diabetes-dx",)).to_bytes()
    _verify(pres)
    text = pres.decode()
    obj = parse_json(pres)
    b64 = {"proof", "blinding", "salt", "commitment", "issuer_signature", "holder_signature", "credential"}

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in b64}
        return [strip(v) for v in x] if isinstance(x, list) else x

    plain = json.dumps(strip(obj))
    hidden_dotted = [
        "6.318428408005564",
        "6.3",
        "6.32",
        "1977-03-09",
        "2020-01-01",  # the day of the HbA1c result
        "Ximena",
        "38341003",
    ]  # 44054006 is in the public set
    for value in hidden_dotted:
        assert value not in text, value
    for value in ("63", "632", str(date_to_day("1977-03-09"))):  # integer renderings, as whole tokens
        assert not re.search(rf"(?<![0-9.]){value}(?![0-9])", plain), value
    assert "Observation" in text  # the attribute used is named, its value is not
    for record in caplog.records:
        assert not any(v in record.getMessage() for v in hidden_dotted)


def test_holder_must_own_the_credential():
    with pytest.raises(MalformedInput, match="another holder"):
        present(sample_credential(), HolderKey.generate(), Request("n", "a", reveal=("Patient.gender",)))


def test_presentation_parser_is_strict(full):
    assert Presentation.from_bytes(full).to_bytes() == full
    for bad in (full.replace(b'"version":1', b'"version":2'), b"{}", full[:-2]):
        with pytest.raises(MalformedInput):
            Presentation.from_bytes(bad)
    # not in canonical form: the holder signed other bytes
    for bad in (full + b" ", b" " + full, full.replace(b'"audience":', b'"audience": ')):
        with pytest.raises(VerificationError, match="holder signature"):
            _verify(bad)


def test_a_bad_range_proof_in_a_batch_is_named():
    pres = _present(
        reveal=(), prove=("Observation[4548-4].value < 7.0 %", "age >= 18", "Condition.code in {1, 44054006}")
    )
    obj = pres.obj
    bad = json.loads(json.dumps(obj))
    age = next(r for r in bad["predicates"] if r["predicate"] == "age >= 18")
    other = next(r for r in bad["predicates"] if r["predicate"].startswith("Observation"))
    age["proof"] = other["proof"]  # a valid proof, of another statement
    report = evaluate_presentation(resign(bad), issuer().public, nonce="n-1", audience="clinic-a", today=TODAY)
    assert not report.ok
    assert {p["predicate"]: p["result"] for p in report.predicates} == {
        "Observation[4548-4].value < 7.0 %": "verified",
        "age >= 18": "failed",
        "Condition.code in {1, 44054006}": "verified",
    }
    assert "age >= 18" in report.error.message


def test_presentation_date_cannot_be_in_the_future():
    import datetime as dt

    pres = _present(reveal=(), prove=("age >= 18",), date=TODAY + dt.timedelta(days=1)).to_bytes()
    with pytest.raises(VerificationError, match="dated"):
        _verify(pres)
    _verify(_present(reveal=(), prove=("age >= 18",), date=TODAY - dt.timedelta(days=1)).to_bytes())


def test_reprs_hide_values():
    cred = sample_credential()
    text = repr(cred) + repr(cred.attributes) + str(cred)
    for hidden in ("1969-08-23", "Estrella", "6.1"):
        assert hidden not in text


def test_altered_commitment_bytes_fail(full):
    obj = json.loads(full)
    for i in range(len(obj["entries"])):
        for com in (b64_encode(b"\x02" + bytes(32)), b64_encode(b"\x05" + bytes(32))):
            bad = json.loads(full)
            bad["entries"][i]["commitment"] = com  # not a point / not the signed commitment
            with pytest.raises((VerificationError, MalformedInput)):
                _verify(resign(bad))


def test_how_recent_a_result_is():
    cred = sample_credential()  # the latest HbA1c is of 2020-06-20
    pres = _present(reveal=(), prove=("Observation[4548-4].value < 7.0 %", "Observation[4548-4].date >= 2020-01-01"))
    _verify(pres.to_bytes())
    assert "2020-06-20" not in pres.to_bytes().decode()
    with pytest.raises(ProvingError):
        _present(reveal=(), prove=("Observation[4548-4].date >= 2021-01-01",))
    assert [a.text for a in cred.attributes if a.name == "Observation[4548-4].date"] == ["2020-06-20"]
