"""Access audit on the ledger: one FHIR R4 ``AuditEvent``-shaped entry per access (``docs/consent.md``).

:func:`record_access` appends an :class:`AccessEvent` (entry type
``records/access``, payload ``zkmed.records.access-event`` in canonical JSON):
who accessed (the grantee, as FHIR ``agent``), whose record (the patient's key
id), which policies and attribute *names* and consent grant (``entity``), when
(``recorded``), the action (``verify`` a presentation, ``open`` a shared
record) and the outcome (FHIR codes ``0`` success, ``4`` denied — no active
consent —, ``8`` failed verification).  It never carries an attribute value:
its members are names checked by :func:`zkmed.records.board.check_name` (no
spaces, no comparison signs) and fixed codes; there is no free-text member.
:func:`list_access` reads them back for ``zkmed record audit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.errors import MalformedInput
from zkmed.formats import RECORDS_ACCESS_EVENT, RECORDS_ACCESS_LIST
from zkmed.ledger.ledger import Ledger
from zkmed.records import board
from zkmed.records.keys import PublicKey

__all__ = ["ACCESS_ENTRY", "ACTIONS", "OUTCOMES", "AccessEvent", "access_list_json", "list_access", "record_access"]

ACCESS_ENTRY = "records/access"
#: outcome → FHIR AuditEvent.outcome code
OUTCOMES: dict[str, str] = {"success": "0", "denied": "4", "failed": "8"}
#: action → (DICOM event type code and display, FHIR AuditEvent.action)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "verify": ("110110", "Patient Record", "R"),
    "open": ("110107", "Import", "R"),
}
_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_SUBTYPE = "urn:zkmed:access"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SYS_AUDIENCE = "urn:zkmed:audience"
SYS_HOLDER = "urn:zkmed:holder-key"
SYS_GRANT = "urn:zkmed:consent-grant"
SYS_POLICY = "urn:zkmed:policy"
SYS_ATTRIBUTE = "urn:zkmed:attribute"
_PERSON = {"system": _ENTITY_TYPE, "code": "1", "display": "Person"}
_OBJECT = {"system": _ENTITY_TYPE, "code": "2", "display": "System Object"}
_PATIENT_ROLE = {"system": _ROLE, "code": "1", "display": "Patient"}
_SECURITY_ROLE = {"system": _ROLE, "code": "13", "display": "Security Resource"}
_QUERY_ROLE = {"system": _ROLE, "code": "24", "display": "Query"}


def _entity(system: str, value: str, kind: dict[str, str], role: dict[str, str]) -> dict[str, Any]:
    return {"what": {"identifier": {"system": system, "value": value}}, "type": kind, "role": role}


@dataclass(frozen=True)
class AccessEvent:
    """One access: ``grantee`` read ``policies`` / ``attributes`` (names) of ``patient`` (a key id) at ``at_ms``."""

    grantee: str
    patient: str  # the patient's holder key fingerprint
    action: str
    outcome: str
    at_ms: int
    policies: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    grant: str | None = None  # the consent grant id relied on
    seq: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        board.check_grantee(self.grantee)
        if not isinstance(self.patient, str) or len(self.patient) != 32 or self.patient.strip("0123456789abcdef"):
            raise MalformedInput("patient must be a holder key id (32 lowercase hex digits)")
        if self.action not in ACTIONS:
            raise MalformedInput(f"access action must be one of {', '.join(ACTIONS)}")
        if self.outcome not in OUTCOMES:
            raise MalformedInput(f"access outcome must be one of {', '.join(OUTCOMES)}")
        board.check_ms(self.at_ms, "at_ms")
        object.__setattr__(self, "policies", board.check_names(self.policies, "policies"))
        object.__setattr__(self, "attributes", board.check_names(self.attributes, "attributes"))
        if self.grant is not None and (
            not isinstance(self.grant, str) or len(self.grant) != 64 or self.grant.strip("0123456789abcdef")
        ):
            raise MalformedInput("a grant id is 64 lowercase hex digits")

    def to_json(self) -> dict[str, Any]:
        code, display, action = ACTIONS[self.action]
        entities = [_entity(SYS_HOLDER, self.patient, _PERSON, _PATIENT_ROLE)]
        if self.grant is not None:
            entities.append(_entity(SYS_GRANT, self.grant, _OBJECT, _SECURITY_ROLE))
        entities += [_entity(SYS_POLICY, p, _OBJECT, _QUERY_ROLE) for p in self.policies]
        entities += [_entity(SYS_ATTRIBUTE, a, _OBJECT, _QUERY_ROLE) for a in self.attributes]
        event = {
            "resourceType": "AuditEvent",
            "type": {"system": _DCM, "code": code, "display": display},
            "subtype": [{"system": _SUBTYPE, "code": self.action}],
            "action": action,
            "recorded": board.instant(self.at_ms),
            "outcome": OUTCOMES[self.outcome],
            "agent": [{"who": {"identifier": {"system": SYS_AUDIENCE, "value": self.grantee}}, "requestor": True}],
            "source": {"observer": {"display": "zkmed"}},
            "entity": entities,
        }
        return {**RECORDS_ACCESS_EVENT.json_header(), "event": event}

    def payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any, seq: int | None = None) -> AccessEvent:
        """Decode exactly the canonical form :meth:`to_json` writes (MalformedInput otherwise)."""
        what = RECORDS_ACCESS_EVENT.name
        RECORDS_ACCESS_EVENT.check_json(obj)
        event = board.field(obj, "event", dict, what)
        subtype = board.field(event, "subtype", list, what)
        agents = board.field(event, "agent", list, what)
        if len(subtype) != 1 or len(agents) != 1:
            raise MalformedInput(f"{what}: expected one subtype and one agent")
        who = board.field(board.field(agents[0], "who", dict, what), "identifier", dict, what)
        outcome = {v: k for k, v in OUTCOMES.items()}.get(board.field(event, "outcome", str, what))
        ids: dict[str, list[str]] = {SYS_HOLDER: [], SYS_GRANT: [], SYS_POLICY: [], SYS_ATTRIBUTE: []}
        for entity in board.field(event, "entity", list, what):
            ident = board.field(board.field(entity, "what", dict, what), "identifier", dict, what)
            ids.setdefault(board.field(ident, "system", str, what), []).append(board.field(ident, "value", str, what))
        if len(ids[SYS_HOLDER]) != 1 or len(ids[SYS_GRANT]) > 1 or outcome is None:
            raise MalformedInput(f"{what}: expected one patient, at most one grant and a known outcome")
        out = cls(
            grantee=board.field(who, "value", str, what),
            patient=ids[SYS_HOLDER][0],
            action=board.field(subtype[0], "code", str, what),
            outcome=outcome,
            at_ms=board.parse_instant(board.field(event, "recorded", str, what), f"{what} recorded"),
            policies=tuple(ids[SYS_POLICY]),
            attributes=tuple(ids[SYS_ATTRIBUTE]),
            grant=ids[SYS_GRANT][0] if ids[SYS_GRANT] else None,
            seq=seq,
        )
        if out.to_json() != obj:
            raise MalformedInput(f"{what} is not in the canonical form (unknown, missing or reordered members)")
        return out

    @classmethod
    def from_payload(cls, data: bytes, seq: int | None = None) -> AccessEvent:
        return cls.from_json(parse_json(data), seq)


def record_access(
    ledger: Ledger,
    *,
    grantee: str,
    patient: PublicKey,
    policies: Sequence[str],
    attributes: Sequence[str],
    outcome: str,
    at_ms: int,
    grant: str | None = None,
    action: str = "verify",
) -> int:
    """Append an access-audit entry (names only, never values) to ``ledger`` (which must hold keys); its index."""
    if not isinstance(patient, PublicKey):
        raise MalformedInput("patient must be the holder's PublicKey")
    event = AccessEvent(grantee, patient.fingerprint, action, outcome, at_ms, policies, attributes, grant)  # type: ignore[arg-type]
    return ledger.append(ACCESS_ENTRY, event.payload()).first_seq


def list_access(ledger: Ledger, *, patient: PublicKey | None = None, grantee: str | None = None) -> list[AccessEvent]:
    """Every access-audit entry on ``ledger`` (of ``patient`` / by ``grantee`` when given), oldest first.

    An entry of type ``records/access`` that does not decode (anyone holding the
    ledger's keys can append one) is skipped, as consent checks skip them.
    """
    out = []
    for entry in board.scan(ledger, (ACCESS_ENTRY,)):
        try:
            event = AccessEvent.from_payload(entry.payload, entry.seq)
        except MalformedInput:
            continue
        if (patient is None or event.patient == patient.fingerprint) and (grantee is None or event.grantee == grantee):
            out.append(event)
    return out


def access_list_json(events: Sequence[AccessEvent]) -> dict[str, Any]:
    """``record audit --json`` (format ``zkmed.records.access-list``): each entry's seq and AuditEvent."""
    return {
        **RECORDS_ACCESS_LIST.json_header(),
        "events": [{"seq": e.seq, "event": e.to_json()["event"]} for e in events],
    }
