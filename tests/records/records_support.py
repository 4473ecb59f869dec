"""Shared helpers of R1's records tests: keys, sample bundles, synthetic bundles, re-signing presentations."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from zkmed.canonical_json import canonical_json
from zkmed.encoding import b64_encode
from zkmed.records.credential import Credential, issue_credential
from zkmed.records.fhir import parse_bundle
from zkmed.records.keys import HolderKey, IssuerKey
from zkmed.records.presentation import SIGN_TAG

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "fhir-r4-synthea"
ESTRELLA = next(VECTORS.glob("Estrella_Daugherty_*.json"))
ANTONIO = next(VECTORS.glob("Antonio_Carmona_*.json"))
CAMMY = next(VECTORS.glob("Cammy_Kreiger_*.json"))
TODAY = dt.date(2026, 12, 3)


@cache
def issuer() -> IssuerKey:
    return IssuerKey.from_seed(bytes(range(32)))


@cache
def holder() -> HolderKey:
    return HolderKey.from_seed(bytes(range(1, 33)))


@cache
def sample_credential(path: Path = ESTRELLA) -> Credential:
    return issue_credential(parse_bundle(path.read_bytes()), issuer(), holder().public, issued_at=1_700_000_000_000)


def observation(code: str, value: Any, unit: str, when: str, *, index: int = 0) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{code}-{index}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }


def condition(code: str, status: str = "active", recorded: str = "2020-01-01T00:00:00+00:00") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond-{code}",
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
        "subject": {"reference": "urn:uuid:p1"},
        "recordedDate": recorded,
    }


def bundle_json(
    *, given: str = "Ana", family: str = "Smith", birth: str = "1990-05-01", gender: str = "female",
    resources: list[dict[str, Any]] | None = None,
) -> bytes:  # fmt: skip
    """A small FHIR R4 transaction bundle; decimals written verbatim (pass Decimal)."""
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"use": "official", "family": family, "given": given.split(" ")}],
        "gender": gender,
        "birthDate": birth,
    }
    entries = [{"fullUrl": "urn:uuid:p1", "resource": patient, "request": {"method": "POST", "url": "Patient"}}]
    for i, r in enumerate(resources or []):
        entries.append(
            {"fullUrl": f"urn:uuid:r{i}", "resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
        )
    doc = {"resourceType": "Bundle", "type": "transaction", "entry": entries}

    text = json.dumps(doc, ensure_ascii=False, default=lambda o: f"@@{o}@@")  # Decimal written verbatim
    return text.replace('"@@', "").replace('@@"', "").encode("utf-8")


def credential_for(data: bytes) -> Credential:
    return issue_credential(parse_bundle(data), issuer(), holder().public, issued_at=1_700_000_000_000)


def resign(obj: dict[str, Any], key: HolderKey | None = None) -> bytes:
    """The presentation ``obj`` signed again by the holder (the adversary is the holder)."""
    body = {k: v for k, v in obj.items() if k != "holder_signature"}
    obj = {**body, "holder_signature": b64_encode((key or holder()).sign(SIGN_TAG + canonical_json(body)))}
    return canonical_json(obj)
