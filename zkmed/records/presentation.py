"""Presentations: reveal attributes, prove predicates on hidden ones, bind it all to nonce, audience and holder key.

Format ``zkmed.records.presentation`` (canonical JSON; ``docs/records.md``
§Presentation)::

    {"type", "version", "credential": <signed header>, "issuer_signature",
     "nonce", "audience", "date", "policies": [...],
     "entries": [<used entries: description, salt, commitment>],
     "reveal": [{"entry": i, "value": text, "blinding": b64}],
     "predicates": [{"entry": i, "predicate": text, "proof": b64}],
     "holder_signature"}

The holder signs ``"zkmed.records.presentation.v1" || 0x00 || canonical_json(all
but holder_signature)`` with the key the credential names.  Every predicate
proof's context is :func:`proof_context`: nonce, audience, issuer key id,
credential digest, attribute name, entry digest, predicate text and date — a
proof moved to another attribute, credential, verifier or request fails.
Verification steps are numbered in :func:`evaluate_presentation` and
``docs/records.md`` §Verifying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode
from zkmed.errors import MalformedInput, ProvingError, VerificationError, ZkmedError
from zkmed.formats import RECORDS_PRESENTATION
from zkmed.hazmat.bulletproofs.bulletproofs import BatchEntry
from zkmed.records.attributes import value_from_text
from zkmed.records.credential import Credential, Entry, Header, params
from zkmed.records.keys import SIGNATURE_SIZE, HolderKey, PublicKey
from zkmed.records.predicates import (
    parse_predicate,
    policy_predicates,
    prove_statement,
    range_batch_entry,
    resolve,
    verify_ranges,
    verify_statement,
)
from zkmed.records.report import Report
from zkmed.records.request import Request, check_token

__all__ = ["Presentation", "Report", "evaluate_presentation", "present", "proof_context", "verify_presentation"]

SIGN_TAG = b"zkmed.records.presentation.v1\x00"
CONTEXT_TAG = b"zkmed.records.predicate.v1\x00"
MAX_PRESENTATION_BYTES = 4 << 20
MAX_ITEMS = 512
DATE_SLACK_DAYS = 1
_MEMBERS = {
    "type", "version", "credential", "issuer_signature", "nonce", "audience", "date", "policies", "entries",
    "reveal", "predicates", "holder_signature",
}  # fmt: skip


def proof_context(header: Header, entry: Entry, predicate: str, nonce: str, audience: str, date: str) -> bytes:
    """The context bytes of one predicate proof (everything it must not be moved away from)."""
    ctx = {
        "nonce": nonce,
        "audience": audience,
        "issuer": header.issuer.fingerprint,
        "credential": header.digest.hex(),
        "attribute": entry.name,
        "entry": entry.digest.hex(),
        "predicate": predicate,
        "date": date,
    }
    return CONTEXT_TAG + hashlib.sha256(canonical_json(ctx)).digest()


def _date(text: Any, what: str = "date") -> dt.date:
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MalformedInput(f"{what} must be YYYY-MM-DD") from None


@dataclass(frozen=True)
class Presentation:
    """A parsed presentation (no check done yet: see :func:`verify_presentation`)."""

    obj: dict[str, Any]
    header: Header
    entries: tuple[Entry, ...]
    raw: bytes
    signatures: tuple[bytes, bytes]  # issuer's, holder's

    def to_bytes(self) -> bytes:
        return self.raw

    def signed_bytes(self) -> bytes:
        """What the holder signed: the presentation bytes with the ``holder_signature`` member cut out.

        The parser accepts no other object with that member (every nested object has a
        fixed member set) and a JSON string cannot hold an unescaped quote, so the member
        occurs exactly once; for a presentation in canonical form this is
        ``canonical_json(all but holder_signature)``, what :func:`present` signs.
        """
        member = b',"holder_signature":"' + self.obj["holder_signature"].encode() + b'"'
        if self.raw.count(member) != 1:
            raise VerificationError("the holder signature is not where a canonical presentation has it")
        return self.raw.replace(member, b"", 1)

    @property
    def nonce(self) -> str:
        return str(self.obj["nonce"])

    @property
    def audience(self) -> str:
        return str(self.obj["audience"])

    @property
    def holder(self) -> PublicKey:
        return self.header.holder

    @classmethod
    def from_bytes(cls, data: Any, *, issuer: PublicKey | None = None) -> Presentation:
        """Parse strictly: canonical JSON, known members, valid header and entries (MalformedInput otherwise)."""
        if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_PRESENTATION_BYTES:
            raise MalformedInput(f"a presentation is at most {MAX_PRESENTATION_BYTES} bytes")
        raw = bytes(data)
        obj = parse_json(raw)
        RECORDS_PRESENTATION.check_json(obj)
        if set(obj) != _MEMBERS:
            raise MalformedInput(f"presentation: expected members {', '.join(sorted(_MEMBERS))}")
        known = (issuer,) if isinstance(issuer, PublicKey) else ()
        header = Header.from_json(obj["credential"], "presentation credential", known=known)
        check_token(obj["nonce"], "presentation nonce")
        check_token(obj["audience"], "presentation audience")
        _date(obj["date"], "presentation date")
        signatures = []
        for key in ("issuer_signature", "holder_signature"):
            if not isinstance(obj[key], str):
                raise MalformedInput(f"presentation: {key} must be base64")
            signatures.append(b64_decode(obj[key], length=SIGNATURE_SIZE, what=f"presentation {key}"))
        for key in ("policies", "entries", "reveal", "predicates"):
            if not isinstance(obj[key], list) or len(obj[key]) > MAX_ITEMS:
                raise MalformedInput(f"presentation: {key} must be a list of at most {MAX_ITEMS}")
        if not all(isinstance(p, str) for p in obj["policies"]):
            raise MalformedInput("presentation: policies must be names")
        entries = tuple(Entry.from_json(e, f"presentation entries[{i}]") for i, e in enumerate(obj["entries"]))
        for i, row in enumerate(obj["reveal"]):
            _row(row, ("entry", "value", "blinding"), len(entries), f"presentation reveal[{i}]")
        for i, row in enumerate(obj["predicates"]):
            _row(row, ("entry", "predicate", "proof"), len(entries), f"presentation predicates[{i}]")
        return cls(obj, header, entries, raw, (signatures[0], signatures[1]))


def _row(row: Any, keys: tuple[str, str, str], count: int, where: str) -> None:
    if not isinstance(row, dict) or set(row) != set(keys):
        raise MalformedInput(f"{where}: expected members {', '.join(keys)}")
    i = row["entry"]
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < count:
        raise MalformedInput(f"{where}: entry must index the entries list")
    if not isinstance(row[keys[1]], str) or not isinstance(row[keys[2]], str):
        raise MalformedInput(f"{where}: {keys[1]} and {keys[2]} must be strings")


# ------------------------------------------------------------------ proving


def _missing(name: str) -> ProvingError:
    hint = ""
    if name.startswith("Observation["):
        hint = f" (the patient has no result for LOINC {name[12 : name.index(']')]})"
    elif name == "Condition.code":
        hint = " (the patient has no SNOMED CT condition)"
    return ProvingError(f"the credential has no attribute {name}{hint}; refusing to present")


def present(
    credential: Credential, holder: HolderKey, request: Request, *, date: dt.date | None = None
) -> Presentation:
    """Answer ``request`` from ``credential``: reveal, prove each predicate, sign with the holder key.

    ProvingError (exit 5) for a false predicate or a missing attribute; MalformedInput for a wrong unit or syntax.
    """
    if not isinstance(holder, HolderKey) or holder.public != credential.header.holder:
        raise MalformedInput("this credential was issued to another holder key")
    p = params()
    today = date or dt.datetime.now(dt.UTC).date()
    day = today.isoformat()
    used: dict[int, None] = {}
    reveal_rows: list[tuple[int, Any]] = []
    for name in request.reveal:
        found = credential.find(name)
        if not found:
            raise _missing(name)
        for i in found:
            used[i] = None
            reveal_rows.append((i, None))
    pred_rows: list[tuple[int, Any, Any]] = []
    for pred in request.predicates:
        found = credential.find(pred.attribute)
        if not found:
            raise _missing(pred.attribute)
        stmt = resolve(pred, credential.entries[found[0]].description, today)
        attr_value = [credential.attributes[i].scalar for i in found]
        chosen = next((i for i, v in zip(found, attr_value, strict=True) if stmt.holds(v, p.group.order)), None)
        if chosen is None:
            raise ProvingError(
                f"refusing to prove '{pred.text}': the credential's {pred.attribute} does not satisfy it"
            )
        used[chosen] = None
        pred_rows.append((chosen, pred, stmt))
    order = sorted(used)
    index = {i: k for k, i in enumerate(order)}
    entries = [credential.entries[i] for i in order]
    header = credential.header
    reveal = [
        {
            "entry": index[i],
            "value": credential.attributes[i].text,
            "blinding": b64_encode(p.group.encode_scalar(credential.blindings[i])),
        }
        for i, _ in reveal_rows
    ]
    predicates = []
    for i, pred, stmt in pred_rows:
        ctx = proof_context(header, credential.entries[i], pred.text, request.nonce, request.audience, day)
        value = credential.attributes[i].scalar
        proof = prove_statement(p, stmt, credential.entries[i].commitment, value, credential.blindings[i], context=ctx)
        predicates.append({"entry": index[i], "predicate": pred.text, "proof": b64_encode(proof)})
    obj: dict[str, Any] = {
        **RECORDS_PRESENTATION.json_header(),
        "credential": header.to_json(),
        "issuer_signature": b64_encode(credential.signature),
        "nonce": request.nonce,
        "audience": request.audience,
        "date": day,
        "policies": list(request.policies),
        "entries": [e.to_json() for e in entries],
        "reveal": reveal,
        "predicates": predicates,
    }
    holder_signature = holder.sign(SIGN_TAG + canonical_json(obj))
    obj["holder_signature"] = b64_encode(holder_signature)
    return Presentation(obj, header, tuple(entries), canonical_json(obj), (credential.signature, holder_signature))


# ------------------------------------------------------------------ verifying


def evaluate_presentation(
    data: bytes | Presentation,
    issuer: PublicKey,
    *,
    nonce: str,
    audience: str,
    today: dt.date | None = None,
    ledger: Any = None,
    now_ms: Callable[[], int] | None = None,
) -> Report:
    """Run every check and report each result (``report.error``: the first failure; see verify_presentation)."""
    report = Report(nonce=nonce, audience=audience)
    try:
        _evaluate(data, issuer, nonce, audience, today, ledger, now_ms, report)
    except ZkmedError as exc:
        report.fail(exc)
    return report


def _evaluate(
    data: bytes | Presentation, issuer: PublicKey, nonce: str, audience: str, today: dt.date | None,
    ledger: Any, now_ms: Callable[[], int] | None, report: Report,
) -> None:  # fmt: skip
    # 1. parse strictly (canonical JSON, format, members, header, entries)
    pres = data if isinstance(data, Presentation) else Presentation.from_bytes(data, issuer=issuer)
    obj, header = pres.obj, pres.header
    if not isinstance(issuer, PublicKey) or issuer.role != "issuer":
        raise MalformedInput("verify needs the issuer's public key")
    report.issuer, report.holder, report.date = issuer.fingerprint, header.holder.fingerprint, obj["date"]
    # 2. the credential names this issuer, 3. whose signature over the header holds
    if header.issuer != issuer:
        raise VerificationError(
            f"the credential was issued by key {header.issuer.fingerprint}, not {issuer.fingerprint}"
        )
    header.issuer.verify(header.message, pres.signatures[0])
    # 4. nonce and audience are the verifier's; 5. the date is today or yesterday (UTC), never later
    if obj["nonce"] != nonce:
        raise VerificationError("the presentation answers another nonce (replayed?)")
    if obj["audience"] != audience:
        raise VerificationError(f"the presentation is addressed to {obj['audience']!r}, not {audience!r}")
    day = _date(obj["date"])
    ref = today or dt.datetime.now(dt.UTC).date()
    if not 0 <= (ref - day).days <= DATE_SLACK_DAYS:  # never a future date: age predicates would gain a day
        raise VerificationError(f"the presentation is dated {day}, not today or yesterday ({ref}, UTC)")
    # 6. the holder key the credential names signed everything
    header.holder.verify(SIGN_TAG + pres.signed_bytes(), pres.signatures[1])
    # 7. every entry shown is one the issuer signed, once
    signed = set(header.digests)
    digests = [e.digest for e in pres.entries]
    if len(set(digests)) != len(digests) or not set(digests) <= signed:
        raise VerificationError("an entry of the presentation is not in the signed credential")
    p = params()
    # 8. every revealed value opens its commitment: C = v·G + r·H with the fixed-base tables of G and H
    revealed_names: list[str] = []
    seen: set[int] = set()
    g = p.group
    for row in obj["reveal"]:
        entry = pres.entries[row["entry"]]
        if row["entry"] in seen:
            raise VerificationError(f"{entry.name} is revealed twice")
        seen.add(row["entry"])
        d = entry.description
        v = value_from_text(d["kind"], row["value"], scale=d["scale"], system=d["system"]) % g.order
        r = g.decode_scalar(b64_decode(row["blinding"], length=g.scalar_size, what="blinding"))
        if g.encode_element(g.add(p.g_base.mul(v), p.h_base.mul(r))) != entry.encoded:  # no decoding needed
            raise VerificationError(f"the revealed value of {entry.name} does not open its commitment")
        report.revealed.append({"name": entry.name, "value": row["value"], "unit": d["unit"], "kind": d["kind"]})
        revealed_names.append(entry.name)
    # 9. every predicate proof holds for its attribute, in this context (range proofs in one batch)
    proved: set[str] = set()
    pending: list[tuple[dict[str, Any], str, BatchEntry]] = []
    for row in obj["predicates"]:
        entry, text = pres.entries[row["entry"]], row["predicate"]
        result: dict[str, Any] = {"predicate": text, "attribute": entry.name, "result": "verified"}
        report.predicates.append(result)
        try:
            pred = parse_predicate(text)
            if pred.text != text:
                raise MalformedInput(f"predicate {text[:80]!r} is not in canonical form")
            if pred.attribute != entry.name:
                raise VerificationError(f"predicate '{text}' is attached to {entry.name}")
            stmt = resolve(pred, entry.description, day)
            ctx = proof_context(header, entry, text, nonce, audience, obj["date"])
            proof = b64_decode(row["proof"], what="predicate proof")
            if stmt.kind == "range":
                pending.append((result, text, range_batch_entry(p, stmt, entry.commitment, proof, context=ctx)))
            else:
                verify_statement(p, stmt, entry.commitment, proof, context=ctx)
                proved.add(text)
        except ZkmedError as exc:
            report.fail_predicate(result, exc)
    for (result, text, _), error in zip(pending, verify_ranges(p, [e for _, _, e in pending]), strict=True):
        if error is None:
            proved.add(text)
        else:
            report.fail_predicate(result, VerificationError(f"predicate '{text}': {error.message}"))
    # 10. every policy claimed has all its predicates proved
    for name in obj["policies"]:
        try:
            missing = [t for t in policy_predicates(name) if t not in proved]
        except MalformedInput as exc:
            report.policies.append({"policy": name, "result": "failed", "reason": exc.message})
            report.fail(VerificationError(exc.message))
            continue
        report.policies.append({"policy": name, "result": "failed" if missing else "verified"})
        if missing:
            report.fail(VerificationError(f"policy {name}: '{missing[0]}' is not proved"))
    if report.error is not None or ledger is None:
        return
    # 11. with a ledger: an active consent grant of the holder to the audience, then an access-audit entry
    from zkmed.records.access import record_access
    from zkmed.records.consent import require_active_grant

    at_ms = now_ms() if now_ms is not None else ledger.clock()
    attrs = sorted(set(revealed_names) | {pres.entries[row["entry"]].name for row in obj["predicates"]})
    pols = sorted(set(obj["policies"]))
    try:
        grant = require_active_grant(
            ledger, patient=header.holder, grantee=audience, attributes=attrs, policies=pols, at_ms=at_ms
        )
    except VerificationError as exc:
        report.audit_index = record_access(
            ledger, grantee=audience, patient=header.holder, policies=pols, attributes=attrs, outcome="denied",
            at_ms=at_ms,
        )  # fmt: skip
        raise exc
    report.consent = grant.id
    report.audit_index = record_access(
        ledger, grantee=audience, patient=header.holder, policies=pols, attributes=attrs, outcome="success",
        at_ms=at_ms, grant=grant.id,
    )  # fmt: skip


def verify_presentation(
    data: bytes | Presentation,
    issuer: PublicKey,
    *,
    nonce: str,
    audience: str,
    today: dt.date | None = None,
    ledger: Any = None,
    now_ms: Callable[[], int] | None = None,
) -> None:
    """Check a presentation for the verifier (``nonce``, ``audience``) against ``issuer``; None or raise.

    VerificationError for any failed check (MalformedInput for undecodable input); with a ``ledger``
    it also requires an active consent grant and appends an access-audit entry.
    """
    report = evaluate_presentation(
        data, issuer, nonce=nonce, audience=audience, today=today, ledger=ledger, now_ms=now_ms
    )
    if report.error is not None:
        raise report.error
