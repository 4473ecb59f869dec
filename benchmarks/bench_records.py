"""Medical-record presentations: prove / verify / size, and reveal-only against SD-JWT.

Tables (P-256 commitments, ECDSA P-256 issuer and holder signatures, one core):

1. zkmed presentations from a credential over a Synthea patient
   (``tests/vectors/fhir-r4-synthea/Estrella_…``, 93 attributes): reveal-only
   (3 attributes), one range predicate alone, reveal + one range predicate
   (HbA1c < 7.0 %), reveal + set membership over 10 SNOMED codes, reveal + all
   three predicates (range, set of 10, age ≥ 18).  Verify times include parsing
   the bytes.
2. Reveal-only side by side with SD-JWT (``sd-jwt`` 0.10.4 from PyPI, ES256
   issuer and key-binding signatures, installed by ``make bench``): the same 93
   claims selectively disclosable, 3 disclosed, with key binding (nonce,
   audience).  SD-JWT expresses no predicate on a hidden value.

Goals: reveal-only verify no slower than SD-JWT's; a presentation with one
range predicate verifies in ≤ 3 ms.  ``quick=True`` shortens the timings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from benchmarks.harness import Table, time_us
from zkmed.records.credential import Credential, issue_credential
from zkmed.records.fhir import parse_bundle
from zkmed.records.keys import HolderKey, IssuerKey
from zkmed.records.presentation import present, verify_presentation
from zkmed.records.request import Request

SAMPLE = next((Path(__file__).resolve().parents[1] / "tests" / "vectors" / "fhir-r4-synthea").glob("Estrella_*.json"))
TODAY = dt.date(2026, 12, 3)
REVEAL = ("Patient.gender", "Patient.birthDate", "Patient.name.family")
RANGE = "Observation[4548-4].value < 7.0 %"
CODES = ("44054006", "15777000", "38341003", "46635009", "55822004", "271737000", "162864005", "40055000",
         "444814009", "10509002")  # fmt: skip
SET10 = "Condition.code in {" + ", ".join(CODES) + "}"
CASES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("reveal-only (3 attributes)", REVEAL, ()),
    ("one range predicate, nothing revealed", (), (RANGE,)),
    ("reveal 3 + one range predicate", REVEAL, (RANGE,)),
    ("reveal 3 + set membership over 10 codes", REVEAL, (SET10,)),
    ("reveal 3 + all three (range, set of 10, age >= 18)", REVEAL, (RANGE, SET10, "age >= 18")),
]


def _timer(quick: bool) -> Any:
    if quick:
        return lambda fn: time_us(fn, min_time=0.05, repeat=3) / 1000.0
    return lambda fn: time_us(fn, min_time=0.5, repeat=7) / 1000.0


def _setup() -> tuple[Credential, IssuerKey, HolderKey]:
    issuer, holder = IssuerKey.generate(), HolderKey.generate()
    cred = issue_credential(parse_bundle(SAMPLE.read_bytes()), issuer, holder.public, issued_at=1_700_000_000_000)
    return cred, issuer, holder


def _zkmed_case(cred: Credential, issuer: IssuerKey, holder: HolderKey, reveal: tuple[str, ...],
                prove: tuple[str, ...], timed: Any) -> tuple[float, float, int]:  # fmt: skip
    request = Request("nonce-1", "https://clinic.example", reveal=reveal, prove=prove)
    data = present(cred, holder, request, date=TODAY).to_bytes()

    def verify() -> None:
        verify_presentation(data, issuer.public, nonce="nonce-1", audience="https://clinic.example", today=TODAY)

    verify()
    return timed(lambda: present(cred, holder, request, date=TODAY)), timed(verify), len(data)


def _sd_jwt(cred: Credential, timed: Any) -> tuple[float, float, int] | None:
    try:
        from jwcrypto.jwk import JWK
        from sd_jwt.common import SDObj
        from sd_jwt.holder import SDJWTHolder
        from sd_jwt.issuer import SDJWTIssuer
        from sd_jwt.verifier import SDJWTVerifier
    except ImportError:
        return None
    claims: dict[Any, Any] = {"iss": "https://hospital.example", "iat": 1_700_000_000}
    names = []
    for i, attr in enumerate(cred.attributes):  # Condition.code repeats: one claim per value
        name = f"{attr.name}#{i}"
        claims[SDObj(name)] = attr.text
        if attr.name in REVEAL:
            names.append(name)
    issuer_key, holder_key = JWK.generate(kty="EC", crv="P-256"), JWK.generate(kty="EC", crv="P-256")
    issuance = SDJWTIssuer(claims, issuer_key, holder_key, sign_alg="ES256").sd_jwt_issuance
    public = JWK.from_json(issuer_key.export_public())

    def make() -> str:
        h = SDJWTHolder(issuance)
        h.create_presentation({n: True for n in names}, nonce="nonce-1", aud="https://clinic.example",
                              holder_key=holder_key, sign_alg="ES256")  # fmt: skip
        return str(h.sd_jwt_presentation)

    pres = make()

    def verify() -> None:
        v = SDJWTVerifier(pres, lambda iss, header: public, expected_aud="https://clinic.example",
                          expected_nonce="nonce-1")  # fmt: skip
        payload = v.get_verified_payload()
        if sum(1 for k in payload if k.split("#")[0] in REVEAL) != len(REVEAL):
            raise RuntimeError("SD-JWT verification lost a disclosed claim")

    verify()
    return timed(make), timed(verify), len(pres.encode())


def tables(*, quick: bool = False) -> list[Table]:
    timed = _timer(quick)
    cred, issuer, holder = _setup()
    main = Table(
        f"Medical-record presentations on P-256 ({len(cred.entries)}-attribute Synthea credential)",
        ["case", "prove ms", "verify ms", "bytes"],
    )
    results: dict[str, tuple[float, float, int]] = {}
    for name, reveal, prove in CASES:
        results[name] = _zkmed_case(cred, issuer, holder, reveal, prove, timed)
        main.add(name, *results[name])
    one_range = results["one range predicate, nothing revealed"][1]
    main.notes.append(
        f"goal: one range predicate verifies in <= 3 ms on P-256: {'met' if one_range <= 3.0 else 'NOT met'} "
        f"({one_range:.2f} ms; 32-bit Bulletproof window, see docs/records.md)"
    )
    main.notes.append(
        "verify includes parsing the bytes, the issuer and holder ECDSA signatures, the openings (fixed-base tables) "
        "and every predicate proof; presentations are JSON (base64 inside)."
    )
    side = Table(
        "Reveal-only presentation (3 of the credential's attributes): zkmed vs SD-JWT 0.10.4 (ES256)",
        ["implementation", "prove ms", "verify ms", "bytes", "predicates on hidden values"],
    )
    ours = results["reveal-only (3 attributes)"]
    side.add("zkmed (Pedersen openings, ECDSA P-256)", *ours, "yes")
    peer = _sd_jwt(cred, timed)
    if peer is None:
        side.notes.append("sd-jwt is not installed here (`make bench` installs sd-jwt==0.10.4); no comparison.")
    else:
        side.add("SD-JWT 0.10.4 (ES256, key binding)", *peer, "no")
        verdict = "met" if ours[1] <= peer[1] else "NOT met"
        side.notes.append(
            f"goal: reveal-only verify no slower than SD-JWT's: {verdict} ({ours[1]:.2f} vs {peer[1]:.2f} ms)"
        )
    side.notes.append(
        "SD-JWT expresses no predicate (a verifier who needs 'HbA1c < 7.0 %' must see the value). Both are "
        "linkable: every presentation of one credential shows the same issuer signature and digests (and, in "
        "zkmed, the same commitments); unlinkability needs a fresh credential per verifier (batch issuance)."
    )
    return [main, side]
