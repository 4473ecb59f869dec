"""Access-audit entries: AuditEvent-shaped, names only — never an attribute value (the bytes are searched)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from zkmed.canonical_json import canonical_json
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger import Ledger
from zkmed.records.access import ACCESS_ENTRY, AccessEvent, access_list_json, list_access, record_access
from zkmed.records.consent import grant_consent
from zkmed.records.keys import HolderKey

T0 = 1_800_000_000_000
DAY = 86_400_000


@pytest.fixture
def board(tmp_path: Path) -> Ledger:
    led = Ledger.init(tmp_path / "board", authorities=1, threshold=1, clock=lambda: T0)
    yield led
    led.close()


@pytest.fixture(scope="module")
def alice() -> HolderKey:
    return HolderKey.generate()


def test_record_and_list(board: Ledger, alice: HolderKey) -> None:
    other = HolderKey.generate()
    seq = record_access(
        board,
        grantee="clinic",
        patient=alice.public,
        policies=["adult"],
        attributes=["Patient.gender"],
        outcome="success",
        at_ms=T0,
        grant="ab" * 32,
    )
    record_access(
        board,
        grantee="lab",
        patient=other.public,
        policies=[],
        attributes=["Patient.birthDate"],
        outcome="denied",
        at_ms=T0 + 1,
    )
    assert seq == 0 and board.entry(0).type == ACCESS_ENTRY
    events = list_access(board)
    assert [(e.seq, e.grantee, e.outcome) for e in events] == [(0, "clinic", "success"), (1, "lab", "denied")]
    first = events[0]
    assert first.patient == alice.public.fingerprint and first.policies == ("adult",) and first.grant == "ab" * 32
    assert [e.seq for e in list_access(board, patient=alice.public)] == [0]
    assert [e.seq for e in list_access(board, grantee="lab")] == [1]
    doc = access_list_json(events)
    assert doc["type"] == "zkmed.records.access-list" and doc["events"][1]["event"]["outcome"] == "4"


def test_audit_event_is_fhir_r4_shaped(alice: HolderKey) -> None:
    from fhir.resources.R4B.auditevent import AuditEvent

    e = AccessEvent(
        "clinic", alice.public.fingerprint, "verify", "success", T0, ("adult",), ("Patient.gender",), "cd" * 32
    )
    fhir = AuditEvent.model_validate(e.to_json()["event"])
    assert fhir.outcome == "0" and fhir.agent[0].who.identifier.value == "clinic"
    assert AccessEvent.from_payload(e.payload()) == e


@pytest.mark.parametrize(
    "change, match",
    [
        ({"outcome": "ok"}, "outcome"),
        ({"action": "read"}, "action"),
        ({"attributes": ["Observation[4548-4].value < 7.0"]}, "not a name"),
        ({"attributes": ["6.37"]}, "not a name"),
        ({"policies": ["age >= 18"]}, "not a name"),
        ({"grantee": "a b"}, "grantee"),
        ({"grant": "xyz"}, "grant id"),
        ({"at_ms": -1}, "milliseconds"),
    ],
)
def test_bad_events_are_refused(board: Ledger, alice: HolderKey, change: dict, match: str) -> None:
    args: dict[str, object] = {
        "grantee": "clinic",
        "patient": alice.public,
        "policies": [],
        "attributes": ["Patient.gender"],
        "outcome": "success",
        "at_ms": T0,
    }
    with pytest.raises(MalformedInput, match=match):
        record_access(board, **(args | change))  # type: ignore[arg-type]
    assert board.size == 0


def test_non_canonical_or_junk_entries_are_refused_and_skipped(board: Ledger, alice: HolderKey) -> None:
    e = AccessEvent("clinic", alice.public.fingerprint, "verify", "success", T0, attributes=("Patient.gender",))
    obj = json.loads(e.payload())
    for mutate in (
        lambda o: o["event"].update(outcomeDesc="HbA1c was 6.37 %"),  # free text could carry a value: refused
        lambda o: o["event"]["entity"].reverse(),
        lambda o: o["event"]["entity"][1]["what"]["identifier"].update(value="6.37"),
        lambda o: o.update(version=1, extra=True),
    ):
        bad = json.loads(e.payload())
        mutate(bad)
        with pytest.raises(MalformedInput):
            AccessEvent.from_json(bad)
    board.append(ACCESS_ENTRY, b"junk")
    board.append(ACCESS_ENTRY, canonical_json(obj))
    assert [x.seq for x in list_access(board)] == [1]


# ---------------------------------------------------------------------------
# the whole flow with R1's presentations: the audit entry holds names, never values


def _ledger_bytes(led: Ledger) -> bytes:
    return b"".join(led.entry(i).encode() for i in range(led.size + led.pending))


def test_verification_audit_entries_never_carry_values(board: Ledger, tmp_path: Path) -> None:
    from records_support import TODAY, bundle_json, condition, credential_for, holder, issuer, observation

    from zkmed.records.attributes import date_to_day
    from zkmed.records.presentation import present, verify_presentation
    from zkmed.records.request import Request

    resources = [
        observation("4548-4", Decimal("6.37"), "%", "2024-03-01T10:00:00+00:00"),
        observation("39156-5", Decimal("31.58"), "kg/m2", "2024-03-01T10:00:00+00:00"),
        condition("44054006"),
    ]
    cred = credential_for(bundle_json(given="Zoë", family="Ñandú-Quispe", birth="1961-07-23", resources=resources))
    request = Request(
        nonce="n-1",
        audience="clinic.example",
        reveal=("Patient.gender",),
        prove=("Observation[4548-4].value < 7.0 %", "age >= 18", "Condition.code in {44054006, 15777000}"),
    )
    pres = present(cred, holder(), request, date=TODAY)
    verify = {"nonce": "n-1", "audience": "clinic.example", "today": TODAY, "ledger": board, "now_ms": lambda: T0}
    with pytest.raises(VerificationError, match="no active consent grant"):
        verify_presentation(pres.to_bytes(), issuer().public, **verify)  # type: ignore[arg-type]
    names = ["Patient.gender", "Observation[4548-4].value", "Patient.birthDate", "Condition.code"]
    grant_consent(board, holder(), grantee="clinic.example", attributes=names, end_ms=T0 + DAY, issued_ms=T0)
    verify_presentation(pres.to_bytes(), issuer().public, **verify)  # type: ignore[arg-type]
    events = list_access(board)
    assert [e.outcome for e in events] == ["denied", "success"]
    assert set(events[1].attributes) <= set(names) and events[1].grant is not None

    audit = b"".join(board.entry(e.seq).payload for e in events)  # type: ignore[arg-type]
    day = date_to_day("1961-07-23")
    values = [
        "6.37", "637", "6,37", "31.58", "3158", "1961", "1961-07-23", f"\"{day}\"", f":{day}", "female",
        "Zoë", "Zo\\u00eb", "Ñandú", "Quispe", "44054006", "15777000",
    ]  # fmt: skip
    for value in values:
        assert value.encode() not in audit, value
    # the control: the same search finds a value written to the ledger
    board.append("note", b"6.37 female")
    assert b"6.37" in _ledger_bytes(board) and b"female" in _ledger_bytes(board)
