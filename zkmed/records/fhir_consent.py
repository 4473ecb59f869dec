"""Consent grants and revocations as documents: FHIR R4 ``Consent``-shaped, signed by the patient.

A :class:`Grant` is signed by the patient's holder key (:mod:`zkmed.records.keys`)
and names a grantee (the presentation audience), a provision type (``permit``
or ``deny``), purposes of use (HL7 v3 ActReason codes), a validity period and
what it covers: attribute names, named policies, and/or the full record (then
with the grantee's HPKE key the record is encrypted to, :mod:`zkmed.records.sharing`).
Its id is the SHA-256 of the signed message.  A :class:`Revocation` (signed by
the same key) names a grant id.  Both are canonical-JSON ledger payloads
(``zkmed.records.consent-grant`` / ``zkmed.records.consent-revocation``; layout
in ``docs/consent.md``); decoding accepts exactly the canonical form this module
writes, and checks no signature (:meth:`Grant.verify` does).  The ledger side:
:mod:`zkmed.records.consent`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import RECORDS_CONSENT_GRANT, RECORDS_CONSENT_REVOCATION, Format
from zkmed.records import board
from zkmed.records.keys import SIGNATURE_SIZE, HolderKey, PublicKey

__all__ = ["DENY", "PERMIT", "PURPOSES", "RECIPIENT_KEY_SIZE", "Grant", "Revocation"]

PERMIT, DENY = "permit", "deny"
#: purposes of use a grant may name: HL7 v3 ActReason codes
PURPOSES: dict[str, str] = {
    "TREAT": "treatment",
    "ETREAT": "emergency treatment",
    "CAREMGT": "care management",
    "HPAYMT": "healthcare payment",
    "HOPERAT": "healthcare operations",
    "PUBHLTH": "public health",
    "HRESCH": "healthcare research",
    "CLINTRCH": "clinical trial research",
    "PATRQT": "patient requested",
    "FAMRQT": "family requested",
    "COVERAGE": "coverage under policy or program",
}
RECIPIENT_KEY_SIZE = 32  # an X25519 public key (DHKEM(X25519, HKDF-SHA256), RFC 9180)

# code systems: FHIR's own, and zkmed's for what FHIR has no code for
SYS_ATTRIBUTE = "urn:zkmed:attribute"
SYS_POLICY = "urn:zkmed:policy"
SYS_RECORD = "urn:zkmed:record"
SYS_AUDIENCE = "urn:zkmed:audience"
SYS_HPKE = "urn:zkmed:hpke-x25519"
SYS_HOLDER = "urn:zkmed:holder-key"
SYS_GRANT = "urn:zkmed:consent-grant"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_SCOPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]}
_CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}]  # Patient Consent
_POLICY_RULE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]}
_ACTION = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access"}]}]
_RECIPIENT = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]}
RECORD_CODE = "bundle"


def _consent(status: str, patient: PublicKey, at_ms: int, **members: Any) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "status": status,
        "scope": _SCOPE,
        "category": _CATEGORY,
        "patient": {"identifier": {"system": SYS_HOLDER, "value": patient.fingerprint}},
        "dateTime": board.instant(at_ms),
        "policyRule": _POLICY_RULE,
        **members,
    }


def _identifier(ref: Any, what: str) -> tuple[str, str]:
    ident = board.field(board.field(ref, "reference", dict, what), "identifier", dict, what)
    return board.field(ident, "system", str, what), board.field(ident, "value", str, what)


def _coding(concept: Any, what: str) -> tuple[str, str]:
    codings = board.field(concept, "coding", list, what)
    if len(codings) != 1:
        raise MalformedInput(f"{what}: expected one coding")
    return board.field(codings[0], "system", str, what), board.field(codings[0], "code", str, what)


def _message(fmt: Format, body: dict[str, Any]) -> bytes:
    return f"{fmt.name} v{fmt.version}\n".encode() + canonical_json(body)


def _signature(obj: dict[str, Any], what: str) -> bytes:
    return b64_decode(board.field(obj, "signature", str, what), length=SIGNATURE_SIZE, what=f"{what} signature")


def _check_members(obj: Any, fmt: Format) -> None:
    fmt.check_json(obj)
    if set(obj) != {"type", "version", "patient_key", "consent", "signature"}:
        raise MalformedInput(f"{fmt.name}: expected members type, version, patient_key, consent, signature")


def _canonical(item: Grant | Revocation, obj: Any, what: str) -> None:
    if item.to_json() != obj:
        raise MalformedInput(f"{what} is not in the canonical form (unknown, missing or reordered members or codes)")


@dataclass(frozen=True)
class Grant:
    """A patient's signed consent to (``permit``) or refusal of (``deny``) access by one grantee."""

    patient: PublicKey
    grantee: str
    provision: str
    purposes: tuple[str, ...]
    attributes: tuple[str, ...]
    policies: tuple[str, ...]
    full_record: bool
    recipient: bytes | None  # the grantee's X25519 HPKE key the full record is encrypted to
    issued_ms: int
    start_ms: int
    end_ms: int
    signature: bytes
    seq: int | None = field(default=None, compare=False)  # its ledger entry, when read from a ledger

    def __post_init__(self) -> None:
        if not isinstance(self.patient, PublicKey) or self.patient.role != "holder":
            raise MalformedInput("a consent grant is signed by a patient's holder key")
        board.check_grantee(self.grantee)
        if self.provision not in (PERMIT, DENY):
            raise MalformedInput("a consent provision is 'permit' or 'deny'")
        purposes = board.check_names(self.purposes, "purposes")
        if not purposes or any(p not in PURPOSES for p in purposes):
            raise MalformedInput(f"purposes must be one or more of {', '.join(PURPOSES)}")
        object.__setattr__(self, "purposes", purposes)
        object.__setattr__(self, "attributes", board.check_names(self.attributes, "attributes"))
        object.__setattr__(self, "policies", board.check_names(self.policies, "policies"))
        if not isinstance(self.full_record, bool):
            raise MalformedInput("full_record must be True or False")
        if not (self.attributes or self.policies or self.full_record):
            raise MalformedInput("a consent grant covers attributes, policies or the full record: give one")
        if self.recipient is not None:
            if not isinstance(self.recipient, bytes) or len(self.recipient) != RECIPIENT_KEY_SIZE:
                raise MalformedInput(f"the recipient HPKE key is {RECIPIENT_KEY_SIZE} bytes (X25519)")
            if not self.full_record or self.provision != PERMIT:
                raise MalformedInput("a recipient key belongs to a grant that permits the full record")
        for name in ("issued_ms", "start_ms", "end_ms"):
            board.check_ms(getattr(self, name), name)
        if not self.start_ms < self.end_ms:
            raise MalformedInput("a consent grant's period must end after it starts")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise MalformedInput(f"a consent signature is {SIGNATURE_SIZE} bytes")

    @classmethod
    def create(
        cls,
        holder: HolderKey,
        *,
        grantee: str,
        end_ms: int,
        issued_ms: int,
        start_ms: int | None = None,
        attributes: Sequence[str] = (),
        policies: Sequence[str] = (),
        purposes: Sequence[str] = ("TREAT",),
        full_record: bool = False,
        recipient: bytes | None = None,
        provision: str = PERMIT,
    ) -> Grant:
        """A grant signed by ``holder`` (valid from ``start_ms``, default ``issued_ms``, until ``end_ms``)."""
        if not isinstance(holder, HolderKey):
            raise MalformedInput("a consent grant is signed with the patient's HolderKey")
        start = issued_ms if start_ms is None else start_ms
        args = (holder.public, grantee, provision, purposes, attributes, policies, full_record, recipient)
        unsigned = cls(*args, issued_ms, start, end_ms, bytes(SIGNATURE_SIZE))  # type: ignore[arg-type]
        return cls(*args, issued_ms, start, end_ms, holder.sign(unsigned.message()))  # type: ignore[arg-type]

    def _provision(self) -> dict[str, Any]:
        actors = [{"role": _RECIPIENT, "reference": {"identifier": {"system": SYS_AUDIENCE, "value": self.grantee}}}]
        if self.recipient is not None:
            key = {"identifier": {"system": SYS_HPKE, "value": b64_encode(self.recipient)}}
            actors.append({"role": _RECIPIENT, "reference": key})
        codes = [(SYS_ATTRIBUTE, a) for a in self.attributes] + [(SYS_POLICY, p) for p in self.policies]
        codes += [(SYS_RECORD, RECORD_CODE)] if self.full_record else []
        return {
            "type": self.provision,
            "period": {"start": board.instant(self.start_ms), "end": board.instant(self.end_ms)},
            "actor": actors,
            "action": _ACTION,
            "purpose": [{"system": _ACT_REASON, "code": p} for p in self.purposes],
            "code": [{"coding": [{"system": s, "code": c}]} for s, c in codes],
        }

    def body(self) -> dict[str, Any]:
        """The signed members (everything but the signature)."""
        consent = _consent("active", self.patient, self.issued_ms, provision=self._provision())
        return {**RECORDS_CONSENT_GRANT.json_header(), "patient_key": self.patient.to_json(), "consent": consent}

    def message(self) -> bytes:
        """What the patient signs: ``"zkmed.records.consent-grant v1\\n" || canonical JSON of body()``."""
        return _message(RECORDS_CONSENT_GRANT, self.body())

    @property
    def id(self) -> str:
        """The grant id: SHA-256 of :meth:`message`, 64 hex digits."""
        return hashlib.sha256(self.message()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64_encode(self.signature)}

    def payload(self) -> bytes:
        """The ledger payload: canonical JSON."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any, seq: int | None = None) -> Grant:
        """Decode (exactly the canonical form; the signature is checked by :meth:`verify`, not here)."""
        what = RECORDS_CONSENT_GRANT.name
        _check_members(obj, RECORDS_CONSENT_GRANT)
        patient = PublicKey.from_json(obj["patient_key"], "holder")
        consent = board.field(obj, "consent", dict, what)
        prov = board.field(consent, "provision", dict, what)
        period = board.field(prov, "period", dict, what)
        grantee, recipient = None, None
        for actor in board.field(prov, "actor", list, what):
            system, value = _identifier(actor, f"{what} actor")
            if system == SYS_AUDIENCE and grantee is None:
                grantee = value
            elif system == SYS_HPKE and recipient is None:
                recipient = b64_decode(value, length=RECIPIENT_KEY_SIZE, what=f"{what} recipient key")
            else:
                raise MalformedInput(f"{what}: unexpected actor {system!r}")
        if grantee is None:
            raise MalformedInput(f"{what}: no grantee actor")
        codes: dict[str, list[str]] = {SYS_ATTRIBUTE: [], SYS_POLICY: [], SYS_RECORD: []}
        for concept in board.field(prov, "code", list, what):
            system, code = _coding(concept, f"{what} code")
            if system not in codes:
                raise MalformedInput(f"{what}: unknown code system {system!r}")
            codes[system].append(code)
        if codes[SYS_RECORD] not in ([], [RECORD_CODE]):
            raise MalformedInput(f"{what}: the record code is {RECORD_CODE!r}")
        grant = cls(
            patient=patient,
            grantee=grantee,
            provision=board.field(prov, "type", str, what),
            purposes=tuple(board.field(p, "code", str, what) for p in board.field(prov, "purpose", list, what)),
            attributes=tuple(codes[SYS_ATTRIBUTE]),
            policies=tuple(codes[SYS_POLICY]),
            full_record=bool(codes[SYS_RECORD]),
            recipient=recipient,
            issued_ms=board.parse_instant(board.field(consent, "dateTime", str, what), f"{what} dateTime"),
            start_ms=board.parse_instant(board.field(period, "start", str, what), f"{what} period start"),
            end_ms=board.parse_instant(board.field(period, "end", str, what), f"{what} period end"),
            signature=_signature(obj, what),
            seq=seq,
        )
        _canonical(grant, obj, what)
        return grant

    @classmethod
    def from_payload(cls, data: bytes, seq: int | None = None) -> Grant:
        return cls.from_json(parse_json(data), seq)

    def verify(self) -> None:
        """None, or VerificationError when the signature is not the patient's."""
        try:
            self.patient.verify(self.message(), self.signature)
        except VerificationError:
            raise VerificationError(f"consent grant {self.id[:16]}: the signature is not the patient's") from None

    def missing(self, attributes: Sequence[str], policies: Sequence[str], full_record: bool) -> list[str]:
        """What of the request this grant does not cover (empty: it covers all)."""
        out = [f"attribute {a}" for a in attributes if a not in self.attributes]
        out += [f"policy {p}" for p in policies if p not in self.policies]
        return out + (["the full record"] if full_record and not self.full_record else [])

    def overlaps(self, attributes: Sequence[str], policies: Sequence[str], full_record: bool) -> bool:
        return bool(set(attributes) & set(self.attributes) or set(policies) & set(self.policies)) or (
            full_record and self.full_record
        )


@dataclass(frozen=True)
class Revocation:
    """The patient's signed withdrawal of one grant (a FHIR ``Consent`` with status ``inactive``)."""

    patient: PublicKey
    grant_id: str
    revoked_ms: int
    signature: bytes
    seq: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.patient, PublicKey) or self.patient.role != "holder":
            raise MalformedInput("a consent revocation is signed by a patient's holder key")
        if not isinstance(self.grant_id, str) or len(self.grant_id) != 64 or self.grant_id.strip("0123456789abcdef"):
            raise MalformedInput("a grant id is 64 lowercase hex digits")
        board.check_ms(self.revoked_ms, "revoked_ms")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise MalformedInput(f"a consent signature is {SIGNATURE_SIZE} bytes")

    @classmethod
    def create(cls, holder: HolderKey, grant_id: str, *, at_ms: int) -> Revocation:
        if not isinstance(holder, HolderKey):
            raise MalformedInput("a consent revocation is signed with the patient's HolderKey")
        unsigned = cls(holder.public, grant_id, at_ms, bytes(SIGNATURE_SIZE))
        return cls(holder.public, grant_id, at_ms, holder.sign(unsigned.message()))

    def body(self) -> dict[str, Any]:
        ident = [{"system": SYS_GRANT, "value": self.grant_id}]
        consent = _consent("inactive", self.patient, self.revoked_ms, identifier=ident)
        return {**RECORDS_CONSENT_REVOCATION.json_header(), "patient_key": self.patient.to_json(), "consent": consent}

    def message(self) -> bytes:
        return _message(RECORDS_CONSENT_REVOCATION, self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64_encode(self.signature)}

    def payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any, seq: int | None = None) -> Revocation:
        what = RECORDS_CONSENT_REVOCATION.name
        _check_members(obj, RECORDS_CONSENT_REVOCATION)
        consent = board.field(obj, "consent", dict, what)
        idents = board.field(consent, "identifier", list, what)
        if len(idents) != 1:
            raise MalformedInput(f"{what}: expected one identifier (the grant id)")
        revocation = cls(
            patient=PublicKey.from_json(obj["patient_key"], "holder"),
            grant_id=board.field(idents[0], "value", str, what),
            revoked_ms=board.parse_instant(board.field(consent, "dateTime", str, what), f"{what} dateTime"),
            signature=_signature(obj, what),
            seq=seq,
        )
        _canonical(revocation, obj, what)
        return revocation

    @classmethod
    def from_payload(cls, data: bytes, seq: int | None = None) -> Revocation:
        return cls.from_json(parse_json(data), seq)

    def verify(self) -> None:
        try:
            self.patient.verify(self.message(), self.signature)
        except VerificationError:
            raise VerificationError(f"revocation of {self.grant_id[:16]}: the signature is not the patient's") from None
