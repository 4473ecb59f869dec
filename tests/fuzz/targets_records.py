"""Fuzz targets of ``zkmed.records``' decoders (collected by ``fuzz_targets.all_targets``).

Each helper owns one function: :func:`r1_targets` (FHIR, keys, credentials,
presentations, predicates) and :func:`r2_targets` (consent, audit, sharing).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from functools import cache
from typing import Any

from fuzz_support import Target, qualname

from zkmed.records import attributes, credential, fhir, keys, predicates, presentation
from zkmed.records.request import Request

_MINI_BUNDLE = (
    '{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:p1","resource":'
    '{"resourceType":"Patient","id":"p1","name":[{"family":"Ñúñez","given":["Zoë"]}],"gender":"female",'
    '"birthDate":"1990-05-01"},"request":{"method":"POST","url":"Patient"}},{"fullUrl":"urn:uuid:o1","resource":'
    '{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org",'
    '"code":"4548-4"}]},"effectiveDateTime":"2020-01-01T00:00:00+00:00","valueQuantity":{"value":6.118428408005564,'
    '"unit":"%","system":"http://unitsofmeasure.org","code":"%"}},"request":{"method":"POST","url":"Observation"}}]}'
).encode()


@cache
def _keys() -> tuple[keys.IssuerKey, keys.HolderKey]:
    return keys.IssuerKey.from_seed(bytes(32)), keys.HolderKey.from_seed(bytes([1]) * 32)


@cache
def _credential() -> credential.Credential:
    issuer, holder = _keys()
    bundle = fhir.parse_bundle(_MINI_BUNDLE)
    return credential.issue_credential(bundle, issuer, holder.public, issued_at=1_700_000_000_000)


@cache
def _presentation() -> bytes:
    request = Request("n", "a", reveal=("Patient.gender",), prove=("Observation[4548-4].value < 7.0 %",))
    pres = presentation.present(_credential(), _keys()[1], request, date=dt.date(2026, 1, 1))
    return pres.to_bytes()


def _read_public_key(data: bytes) -> Any:
    fd, path = tempfile.mkstemp(prefix="zkmed-fuzz-", suffix=".pub")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return keys.read_public_key(path)
    finally:
        os.unlink(path)


def _entry(data: bytes) -> Any:
    from zkmed.canonical_json import parse_json

    return credential.Entry.from_json(parse_json(data), "entry")


def _header(data: bytes) -> Any:
    from zkmed.canonical_json import parse_json

    return credential.Header.from_json(parse_json(data))


def _pub_json(data: bytes) -> Any:
    from zkmed.canonical_json import parse_json

    return keys.PublicKey.from_json(parse_json(data))


def _seeds_pub() -> Sequence[bytes]:
    return [_keys()[0].public.to_text().encode()]


def r1_targets() -> list[Target]:
    c = _credential
    return [
        Target("records.fhir.parse_bundle", fhir.parse_bundle, (qualname(fhir.parse_bundle),), seeds=lambda: [_MINI_BUNDLE]),
        Target("records.parse_decimal", lambda s: attributes.parse_decimal(s, "x"), (qualname(attributes.parse_decimal),), text=True, seeds=lambda: ["6.118428408005564"]),
        Target("records.public_key.from_text", keys.PublicKey.from_text, (qualname(keys.PublicKey, "from_text"),), seeds=_seeds_pub),
        Target("records.public_key.from_json", _pub_json, (qualname(keys.PublicKey, "from_json"),), seeds=_seeds_pub),
        Target("records.read_public_key", _read_public_key, (qualname(keys.read_public_key),), seeds=_seeds_pub),
        Target("records.secret_key.parse", keys.IssuerKey.parse_secret_text, (qualname(keys.SecretKey, "parse_secret_text"),), seeds=lambda: [_keys()[0].secret_text().encode()]),
        Target("records.entry.from_json", _entry, (qualname(credential.Entry, "from_json"),), seeds=lambda: [__import__("zkmed.canonical_json").canonical_json.canonical_json(c().entries[0].to_json())]),
        Target("records.header.from_json", _header, (qualname(credential.Header, "from_json"),), seeds=lambda: [__import__("zkmed.canonical_json").canonical_json.canonical_json(c().header.to_json())]),
        Target("records.load_credential", credential.load_credential, (qualname(credential.load_credential),), seeds=lambda: [c().to_bytes()], max_size=2048),
        Target("records.presentation.from_bytes", presentation.Presentation.from_bytes, (qualname(presentation.Presentation, "from_bytes"),), seeds=lambda: [_presentation()], max_size=2048),
        Target("records.parse_predicate", predicates.parse_predicate, (qualname(predicates.parse_predicate),), text=True, seeds=lambda: ["Observation[4548-4].value < 7.0 %", "age >= 18", "Condition.code in {44054006, 15777000}", 'Patient.name.family = "Ñúñez"']),
    ]  # fmt: skip


def r2_targets() -> list[Target]:
    """R2's targets (consent, audit, sharing): ``targets_records_consent``."""
    import targets_records_consent

    return targets_records_consent.r2_targets()


def targets() -> list[Target]:
    return r1_targets() + r2_targets()
