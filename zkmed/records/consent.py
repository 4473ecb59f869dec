"""Consent on the ledger: publish grants and revocations, list them, and find an active grant.

The documents (:class:`~zkmed.records.fhir_consent.Grant`,
:class:`~zkmed.records.fhir_consent.Revocation`) are defined in
:mod:`zkmed.records.fhir_consent`; here they are entries of types
``records/consent`` and ``records/consent-revocation`` (``docs/consent.md``).
Rules: grants and revocations whose signature is not the patient's are ignored
(listed as ``invalid``); a revocation counts only when signed by the grant's
own patient, and a revoked grant is never active again, whatever the time
asked about; an active ``deny`` grant overrides every ``permit`` for what it
names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.canonical_json import canonical_json
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import RECORDS_CONSENT_LIST
from zkmed.ledger.ledger import Ledger
from zkmed.records import board
from zkmed.records.fhir_consent import DENY, PERMIT, PURPOSES, Grant, Revocation
from zkmed.records.keys import HolderKey, PublicKey

__all__ = [
    "DENY",
    "GRANT_ENTRY",
    "PERMIT",
    "PURPOSES",
    "REVOCATION_ENTRY",
    "Grant",
    "GrantState",
    "Revocation",
    "consent_list_json",
    "find_grant",
    "grant_consent",
    "list_grants",
    "require_active_grant",
    "revoke_consent",
]

GRANT_ENTRY = "records/consent"
REVOCATION_ENTRY = "records/consent-revocation"


@dataclass(frozen=True)
class GrantState:
    """A grant found on a ledger and its state at some time: ``active``, ``expired``, ``not-yet-valid``,
    ``revoked`` (then ``revocation``), or ``invalid`` (the signature is not the patient's)."""

    grant: Grant
    state: str
    revocation: Revocation | None = None

    @property
    def active(self) -> bool:
        return self.state == "active"


def _verified(item: Grant | Revocation) -> bool:
    try:
        item.verify()
    except VerificationError:
        return False
    return True


def _read(
    ledger: Ledger, keep: Callable[[Grant], bool] = lambda g: True, needles: Sequence[bytes] = ()
) -> tuple[list[Grant], dict[str, Revocation], list[Grant]]:
    """(valid grants, the first valid revocation of each grant id, grants with a bad signature) among the grants
    ``keep`` selects (only their signatures are checked: one ECDSA P-256 verification per grant kept).  A grant
    payload lacking one of ``needles`` (bytes every canonical payload ``keep`` selects contains) is not decoded."""
    grants: list[Grant] = []
    forged: list[Grant] = []
    revocations: list[Revocation] = []
    for entry in board.scan(ledger, (GRANT_ENTRY, REVOCATION_ENTRY)):
        try:
            if entry.type == GRANT_ENTRY:
                if not all(n in entry.payload for n in needles):
                    continue
                grant = Grant.from_payload(entry.payload, entry.seq)
                if keep(grant):
                    (grants if _verified(grant) else forged).append(grant)
            else:
                revocations.append(Revocation.from_payload(entry.payload, entry.seq))
        except MalformedInput:
            continue  # not a grant or revocation of this format: ignored, as a forged one is
    patients = {g.id: g.patient for g in grants}
    revoked: dict[str, Revocation] = {}
    for r in revocations:  # a revocation counts only when the grant's own patient signed it
        if r.grant_id not in revoked and patients.get(r.grant_id) == r.patient and _verified(r):
            revoked[r.grant_id] = r
    return grants, revoked, forged


def _needles(patient: PublicKey | None, grantee: str | None) -> list[bytes]:
    """What a canonical grant payload of ``patient`` to ``grantee`` contains: the key id, the grantee's JSON text."""
    out = [] if patient is None else [f'"value":"{patient.fingerprint}"'.encode()]
    return out + ([] if grantee is None else [b'"value":' + canonical_json(grantee) + b"}"])


def _of(grant: Grant, patient: PublicKey | None, grantee: str | None) -> bool:
    return (patient is None or grant.patient == patient) and (grantee is None or grant.grantee == grantee)


def _state(grant: Grant, revoked: dict[str, Revocation], at_ms: int) -> GrantState:
    if grant.id in revoked:
        return GrantState(grant, "revoked", revoked[grant.id])
    if at_ms < grant.start_ms:
        return GrantState(grant, "not-yet-valid")
    return GrantState(grant, "active" if at_ms < grant.end_ms else "expired")


def list_grants(
    ledger: Ledger, *, at_ms: int, patient: PublicKey | None = None, grantee: str | None = None
) -> list[GrantState]:
    """Every grant on ``ledger`` (of ``patient`` / to ``grantee`` when given) with its state at ``at_ms``."""
    board.check_ms(at_ms, "at_ms")
    grants, revoked, forged = _read(ledger, lambda g: _of(g, patient, grantee), _needles(patient, grantee))
    out = [_state(g, revoked, at_ms) for g in grants] + [GrantState(g, "invalid") for g in forged]
    return sorted(out, key=lambda s: s.grant.seq or 0)


def find_grant(ledger: Ledger, grant_id: str) -> Grant:
    """The validly signed grant with id ``grant_id`` (or a unique prefix of at least 8 hex digits)."""
    if not isinstance(grant_id, str) or not 8 <= len(grant_id) <= 64 or grant_id.strip("0123456789abcdef"):
        raise MalformedInput("a grant id is 8 to 64 lowercase hex digits (the id or a unique prefix)")
    grants, _, _ = _read(ledger, lambda g: g.id.startswith(grant_id))
    found = {g.id: g for g in grants if g.id.startswith(grant_id)}
    if not found:
        raise VerificationError(f"no consent grant {grant_id} on the ledger")
    if len(found) > 1:
        raise MalformedInput(f"grant id prefix {grant_id} is ambiguous ({len(found)} grants)")
    return next(iter(found.values()))


def grant_consent(ledger: Ledger, holder: HolderKey, **terms: Any) -> Grant:
    """Sign a grant (:meth:`Grant.create`'s terms; ``issued_ms`` defaults to the ledger's clock), append it."""
    terms.setdefault("issued_ms", ledger.clock())
    grant = Grant.create(holder, **terms)
    appended = ledger.append(GRANT_ENTRY, grant.payload())
    return Grant.from_payload(grant.payload(), appended.first_seq)


def revoke_consent(ledger: Ledger, holder: HolderKey, grant_id: str, *, at_ms: int | None = None) -> Revocation:
    """Revoke the holder's grant ``grant_id`` (or unique prefix); MalformedInput when it is not theirs or revoked."""
    if not isinstance(holder, HolderKey):
        raise MalformedInput("a consent revocation is signed with the patient's HolderKey")
    grant = find_grant(ledger, grant_id)
    if grant.patient != holder.public:
        raise MalformedInput(f"consent grant {grant.id[:16]} was not given by this holder key")
    _, revoked, _ = _read(ledger, lambda g: g.id == grant.id)
    if grant.id in revoked:
        raise MalformedInput(f"consent grant {grant.id[:16]} is already revoked")
    revocation = Revocation.create(holder, grant.id, at_ms=ledger.clock() if at_ms is None else at_ms)
    appended = ledger.append(REVOCATION_ENTRY, revocation.payload())
    return Revocation.from_payload(revocation.payload(), appended.first_seq)


def require_active_grant(
    ledger: Ledger,
    *,
    patient: PublicKey,
    grantee: str,
    attributes: Sequence[str],
    policies: Sequence[str],
    at_ms: int,
    full_record: bool = False,
    purpose: str | None = None,
) -> Grant:
    """The newest active ``permit`` grant of ``patient`` to ``grantee`` that covers every attribute and policy
    asked for (and the full record, and ``purpose``, when asked), unless an active ``deny`` grant of the same
    patient to the same grantee names any of them.  VerificationError "no active consent grant …" otherwise,
    with the reason the closest grant does not serve."""
    if not isinstance(patient, PublicKey):
        raise MalformedInput("patient must be the holder's PublicKey")
    board.check_grantee(grantee)
    attrs = board.check_names(attributes, "attributes")
    pols = board.check_names(policies, "policies")
    board.check_ms(at_ms, "at_ms")
    if purpose is not None and purpose not in PURPOSES:
        raise MalformedInput(f"purpose must be one of {', '.join(PURPOSES)}")
    grants, revoked, _ = _read(ledger, lambda g: _of(g, patient, grantee), _needles(patient, grantee))
    mine = [_state(g, revoked, at_ms) for g in grants]
    for s in mine:
        if s.active and s.grant.provision == DENY and s.grant.overlaps(attrs, pols, full_record):
            raise VerificationError(f"no active consent grant: consent {s.grant.id[:16]} denies {grantee} access")
    reasons = []
    for s in reversed(mine):  # newest first
        if s.grant.provision != PERMIT:
            continue
        missing = s.grant.missing(attrs, pols, full_record)
        if purpose is not None and purpose not in s.grant.purposes:
            missing.append(f"purpose {purpose}")
        if s.active and not missing:
            return s.grant
        reasons.append(f"grant {s.grant.id[:16]} " + _why(s, missing))
    asked = ", ".join([*attrs, *(f"policy {p}" for p in pols), *(["the full record"] if full_record else [])])
    why = f" ({reasons[0]})" if reasons else ""
    raise VerificationError(
        f"no active consent grant from patient {patient.fingerprint} to {grantee} covering {asked or 'nothing'}{why}"
    )


def _why(s: GrantState, missing: list[str]) -> str:
    if s.state == "expired":
        return f"expired at {board.instant(s.grant.end_ms)}"
    if s.state == "not-yet-valid":
        return f"is valid from {board.instant(s.grant.start_ms)}"
    if s.state == "revoked":
        return "was revoked"
    return "does not cover " + ", ".join(missing)


def consent_list_json(states: Sequence[GrantState], at_ms: int) -> dict[str, Any]:
    """``consent grant|revoke|list --json`` (format ``zkmed.records.consent-list``)."""
    return {
        **RECORDS_CONSENT_LIST.json_header(),
        "at": board.instant(at_ms),
        "grants": [
            {
                "id": s.grant.id,
                "seq": s.grant.seq,
                "state": s.state,
                "revoked": None if s.revocation is None else board.instant(s.revocation.revoked_ms),
                "grant": s.grant.to_json(),
            }
            for s in states
        ],
    }
